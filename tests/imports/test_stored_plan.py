"""The confirm of an achievement import carries out the plan its preview stored, without planning again, only
while nothing the plan was made from has changed; any change and it plans again (and refuses a changed plan)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from eduinnov.achievements.models import Achievement, AchievementKind, AchievementParticipant
from eduinnov.auth.models import Role
from eduinnov.core.audit import AuditLog
from eduinnov.extensions import db
from eduinnov.imports import services, storage
from eduinnov.imports.schemas import ImportKind
from tests.factories import csv_bytes, make_achievement, make_student, make_user

HEADER = ["类型", "题目", "年份", "学生", "级别", "项目类型", "项目状态", "期刊", "DOI", "收录", "申请号", "申请日期",
          "专利状态", "竞赛名称", "奖项"]
TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')


def _row(kind, title, year, students, **kw):
    row = dict.fromkeys(HEADER, "")
    row.update({"类型": kind, "题目": title, "年份": year, "学生": students}, **kw)
    return [row[h] for h in HEADER]


def _file() -> bytes:
    return csv_bytes([HEADER,
                      _row("项目", "智能导盲杖", "2023", "张伟(2022051001); 李娜", 级别="国家级", 项目类型="创新训练",
                           项目状态="结题"),
                      _row("论文", "基于深度学习的作物病害识别", "2023", "王晓明", 期刊="计算机工程与应用",
                           DOI="10.3778/J.ISSN.1002-8331.2301-0001", 收录="北大核心"),
                      _row("专利", "一种智能导盲杖", "", "2022051001、欧阳娜娜", 申请号="CN 2017 1 0601862.3",
                           申请日期="2017年7月20日", 专利状态="已受理"),
                      _row("竞赛获奖", "互联网+ 省赛", "2023", "李娜", 级别="省级", 竞赛名称="互联网+大赛", 奖项="金奖")])


@pytest.fixture
def planned(monkeypatch):
    """Counts the plans made of achievement files (the planner is wrapped, not replaced)."""
    real = services.PLANNERS[ImportKind.ACHIEVEMENTS]
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[0].filename)
        return real(*args, **kwargs)

    monkeypatch.setitem(services.PLANNERS, ImportKind.ACHIEVEMENTS, counting)
    return calls


def _written():
    """What the import wrote, in a form comparable across two imports of the same file."""
    achievements = db.session.scalars(select(Achievement).order_by(Achievement.title)).all()
    return [(a.kind, a.title, a.year, a.level, a.doi, a.application_number, a.patent_type, a.verification_status,
             [(p.student.student_no, p.role, p.rank) for p in a.participants]) for a in achievements]


def test_the_stored_plan_is_carried_out_without_planning_again(program, teacher, roster, planned):
    data = _file()
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert preview.ok and preview.inputs_digest and planned == ["a.csv"]
    stored = services.load_plan(services.dump_plan(preview))
    assert stored.plan_digest == preview.plan_digest and stored.counts == {"create": 4, "update": 0, "skip": 0}
    result = services.run_import("achievements", program, teacher, data, "a.csv", stored=stored,
                                 expected_fingerprint=preview.plan_digest)
    assert planned == ["a.csv"]  # not planned again
    assert result.counts == {"create": 4, "update": 0, "skip": 0}
    with_stored = _written()
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity_type == "achievements", AuditLog.action == "create")) == 4
    db.session.rollback()

    # The same file confirmed the way it always was (planning again) writes exactly the same.
    assert db.session.scalar(select(func.count(Achievement.id))) == 0
    services.run_import("achievements", program, teacher, data, "a.csv", expected_fingerprint=preview.plan_digest)
    assert planned == ["a.csv", "a.csv"]
    assert _written() == with_stored and len(with_stored) == 4


def _rename_student(extra):
    extra["student"].name = "旁观者"


def _add_student(extra):
    make_student(extra["student"].cohort, student_no="2022051099", name="新同学")


def _add_teacher(extra):
    make_user(Role.TEACHER, [extra["achievement"].program])


def _retitle_achievement(extra):
    extra["achievement"].title = "又一个项目"


def _add_achievement(extra):
    make_achievement(extra["achievement"].program, [extra["student"]], AchievementKind.PROJECT, title="无关的项目",
                     year=2020)


@pytest.mark.parametrize("change", [_rename_student, _add_student, _add_teacher, _retitle_achievement,
                                    _add_achievement])
def test_any_change_to_what_the_plan_read_plans_again(program, teacher, roster, planned, change):
    extra = {"student": make_student(roster["li"].cohort, student_no="2022051098", name="旁人")}
    extra["achievement"] = make_achievement(program, [extra["student"]], AchievementKind.PROJECT, title="旧项目",
                                            year=2019)
    data = _file()
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    stored = services.load_plan(services.dump_plan(preview))
    change(extra)
    db.session.flush()
    result = services.run_import("achievements", program, teacher, data, "a.csv", stored=stored,
                                 expected_fingerprint=preview.plan_digest)
    assert planned == ["a.csv", "a.csv"]  # planned again: the same plan here, so it was carried out
    assert result is not stored and result.counts["create"] == 4


def test_an_unchanged_database_reuses_the_plan_after_other_programs_change(program, other_program, teacher, roster,
                                                                          planned):
    data = _file()
    stored = services.load_plan(services.dump_plan(services.preview_import("achievements", program, teacher, data,
                                                                           "a.csv")))
    make_achievement(other_program, [], AchievementKind.PROJECT, title="智能导盲杖", year=2023)
    db.session.flush()
    result = services.run_import("achievements", program, teacher, data, "a.csv", stored=stored)
    assert planned == ["a.csv"] and result is stored


def test_a_changed_plan_is_still_refused(program, teacher, roster, planned):
    data = _file()
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    stored = services.load_plan(services.dump_plan(preview))
    make_achievement(program, [roster["wang"]], AchievementKind.PUBLICATION, title="x", venue="J",
                     doi="10.3778/j.issn.1002-8331.2301-0001")
    db.session.flush()
    with pytest.raises(services.ImportRefused) as exc:
        services.run_import("achievements", program, teacher, data, "a.csv", stored=stored,
                            expected_fingerprint=preview.plan_digest)
    assert exc.value.retry and "changed since the preview" in str(exc.value)
    assert [r.action for r in exc.value.preview.rows] == ["create", "skip", "create", "create"]


def test_a_stored_plan_of_another_file_user_or_program_is_not_used(program, other_program, teacher, roster, planned):
    data = _file()
    stored = services.load_plan(services.dump_plan(services.preview_import("achievements", program, teacher, data,
                                                                           "a.csv")))
    other = data.replace("互联网+ 省赛".encode(), "互联网+ 国赛".encode())
    result = services.run_import("achievements", program, teacher, other, "a.csv", stored=stored)
    assert planned == ["a.csv", "a.csv"] and "互联网+ 国赛" in [r.label for r in result.rows]
    db.session.rollback()
    colleague = make_user(Role.TEACHER, [program])
    services.run_import("achievements", program, colleague, data, "a.csv", stored=stored)
    assert len(planned) == 3
    db.session.rollback()
    director = make_user(Role.DIRECTOR, [other_program])
    with pytest.raises(services.ImportRefused):  # its students are not in that program: planned, and refused
        services.run_import("achievements", other_program, director, data, "a.csv", stored=stored)
    assert len(planned) == 4


def test_only_plans_signed_by_this_app_are_loaded(app, program, teacher, roster, monkeypatch):
    blob = services.dump_plan(services.preview_import("achievements", program, teacher, _file(), "a.csv"))
    assert services.load_plan(blob) is not None
    tampered = blob[:40] + bytes([blob[40] ^ 1]) + blob[41:]
    assert services.load_plan(tampered) is None
    assert services.load_plan(b"") is None and services.load_plan(None) is None
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key-" + "y" * 40)
    assert services.load_plan(blob) is None


def test_plans_with_errors_and_other_kinds_are_not_stored(program, teacher, director, roster):
    bad = csv_bytes([HEADER, _row("项目", "智能导盲杖", "2023", "没有这个人", 级别="国家级", 项目类型="创新训练",
                                  项目状态="结题")])
    preview = services.preview_import("achievements", program, teacher, bad, "a.csv")
    assert not preview.ok and services.dump_plan(preview) is None
    roster_file = csv_bytes([["学号", "姓名", "入学年份"], ["2022051101", "孙八", "2022"]])
    preview = services.preview_import("students", program, director, roster_file, "r.csv")
    assert preview.ok and preview.inputs_digest == "" and services.dump_plan(preview) is None


def test_the_confirm_page_uses_the_stored_plan(login_as, program, roster, planned):
    teacher = make_user(Role.TEACHER, [program], locale="en")
    b = login_as(teacher)
    url = f"/imports/{program.id}/achievements"
    response = b.post(f"{url}/preview", {"file": (io.BytesIO(_file()), "a.csv")}, token_from=url,
                      content_type="multipart/form-data")
    assert response.status_code == 200
    token = TOKEN_RE.search(response.get_data(as_text=True)).group(1)
    assert storage.pending_store().exists(f"{token}.plan")
    response = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    assert response.status_code == 302 and planned == ["a.csv"]
    assert db.session.scalar(select(func.count(Achievement.id))) == 4
    assert db.session.scalar(select(func.count(AchievementParticipant.id))) == 6
    assert not storage.pending_store().exists(f"{token}.plan")


def test_a_teacher_who_left_the_program_cannot_confirm_a_stored_plan(program, roster):
    from eduinnov.auth.models import ProgramMembership
    from eduinnov.core.errors import DomainError

    teacher = make_user(Role.TEACHER, [program])
    data = _file()
    stored = services.load_plan(services.dump_plan(services.preview_import("achievements", program, teacher, data,
                                                                           "a.csv")))
    for membership in db.session.scalars(select(ProgramMembership).where(ProgramMembership.user_id == teacher.id)):
        db.session.delete(membership)
    db.session.flush()
    db.session.expire(teacher)
    with pytest.raises(DomainError):
        services.run_import("achievements", program, teacher, data, "a.csv", stored=stored)
    assert db.session.scalar(select(func.count(Achievement.id))) == 0
