"""Issue #12 (5): two people editing the same record — the later save of an older version is refused with
409, shows what the other person stored, keeps the user's input, and saving again then works."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from sqlalchemy import inspect, update

from eduinnov.achievements.models import Achievement, AchievementKind
from eduinnov.auth.models import Role
from eduinnov.core.versioning import FIELD, VersionedMixin
from eduinnov.extensions import db
from eduinnov.frameworks.models import GraduationRequirement
from eduinnov.programs.models import Program, Student
from tests.clients import save_conflict
from tests.factories import make_achievement, make_user
from tests.formdata import form_data

# Rows no person edits through a form: append-only logs, results and files (each with the reason).
NOT_EDITABLE = {
    "AuditLog": "append-only history",
    "LoginAttempt": "append-only throttling log",
    "ReportJob": "written by the job runner only",
    "ReportSnapshot": "immutable fingerprinted snapshot",
    "EvaluationRun": "an immutable result of a run",
    "ScoreImport": "append-only import log",
    "EvidenceFile": "uploaded or deleted, never edited",
    "AchievementClaim": "a student's claim, then one decision whose state the service checks",
    "AchievementResult": "OBE figures stored by the app, keyed by the fingerprint of their inputs",
    "EvaluationRunReview": "a director's review, recorded once",
    "Invitation": "issued and consumed by the app, never edited",
    "Notification": "written by the app; only its read mark changes",
    "PatentTransfer": "recorded or deleted, never edited",
    "BlobChunk": "stored file chunks, written and deleted whole (a claim renames the key in one UPDATE)",
    "SchoolDean": "a membership row: added or removed with the school's form, never edited",
}


def test_every_mapped_class_is_versioned_unless_it_is_never_edited():
    classes = {m.class_.__name__: m for m in db.Model.registry.mappers}
    assert len(classes) >= 35
    unversioned = sorted(name for name, m in classes.items() if m.version_id_col is None)
    assert unversioned == sorted(NOT_EDITABLE)
    for name, mapper in classes.items():
        if name not in NOT_EDITABLE:
            assert issubclass(mapper.class_, VersionedMixin)
            assert mapper.version_id_col.name == "row_version"
            assert mapper.local_table.c.row_version.server_default is not None  # populated databases upgrade


def test_every_edit_form_carries_its_version():
    """Each template that edits an existing record renders ``version_field(obj)`` next to its hidden tags."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    edit_templates = ["achievements/form.html", "auth/user_form.html", "frameworks/item_form.html",
                      "frameworks/partner_form.html", "frameworks/partner_item_form.html", "frameworks/settings.html",
                      "indicators/node.html", "indicators/settings.html", "indicators/swot_form.html",
                      "obe/improvement_form.html", "obe/item_form.html", "obe/offering_form.html",
                      "programs/cohort_form.html", "programs/program_form.html", "programs/student_form.html",
                      "schools/form.html"]
    for name in edit_templates:
        assert "version_field(" in (root / name).read_text(), name


def test_students(login_as, director, teacher, student):
    url = f"/programs/students/{student.id}/edit"
    save_conflict(login_as, teacher, director, url, "name", "张三（甲改）", "张三（乙改）")
    assert db.session.get(Student, student.id).name == "张三（甲改）"


def test_achievements(login_as, director, teacher, program, student):
    achievement = make_achievement(program, [student], AchievementKind.PROJECT, title="原题目")
    url = f"/achievements/{achievement.id}/edit"
    save_conflict(login_as, director, make_user(Role.DIRECTOR, [program]), url, "title", "甲的题目", "乙的题目")
    assert db.session.get(Achievement, achievement.id).title == "甲的题目"


def test_framework_content(login_as, director, program):
    from tests.factories import make_obe_framework

    framework = make_obe_framework(program)
    req = framework.requirements[0]
    url = f"/frameworks/requirements/{req.id}/edit"
    save_conflict(login_as, director, make_user(Role.DIRECTOR, [program]), url, "title", "甲的要求", "乙的要求")
    assert db.session.get(GraduationRequirement, req.id).title == "甲的要求"


def test_program_settings_by_two_admins(login_as, admin, program):
    url = f"/programs/{program.id}/edit"
    save_conflict(login_as, admin, make_user(Role.ADMIN), url, "name_zh", "甲的名称", "乙的名称")
    assert db.session.get(Program, program.id).name_zh == "甲的名称"


def test_the_same_version_saved_twice_in_a_row_works(login_as, director, student):
    """No false alarm: one person saving, then saving again from the page they got back."""
    url = f"/programs/students/{student.id}/edit"
    b = login_as(director)
    for name in ("第一次", "第二次"):
        data = {**form_data(b.get(url).get_data(as_text=True)), "name": name}
        assert b.post(url, data).status_code == 302
    assert db.session.get(Student, student.id).name == "第二次"
    assert db.session.get(Student, student.id).row_version == 3


def test_saves_racing_at_the_same_moment_answer_409(login_as, director, student, monkeypatch):
    """Both passed the form check; another connection commits between this request's read and write."""
    from eduinnov.programs import services

    real = services.update_student

    def slow(user, s, **kw):
        with db.engine.begin() as conn:  # the other person's save, committed meanwhile
            conn.execute(update(Student).where(Student.id == s.id)
                         .values(name="并发保存", row_version=Student.row_version + 1))
        return real(user, s, **kw)

    monkeypatch.setattr(services, "update_student", slow)
    url = f"/programs/students/{student.id}/edit"
    b = login_as(director)
    data = {**form_data(b.get(url).get_data(as_text=True)), "name": "我的保存"}
    response = b.post(url, data)
    assert response.status_code == 409
    assert "Someone else saved this record at the same moment" in html_lib.unescape(response.get_data(as_text=True))
    assert db.session.get(Student, student.id).name == "并发保存"


def test_a_posted_version_for_another_record_is_ignored(login_as, director, student, cohort):
    from tests.factories import make_student

    other = make_student(cohort, student_no="2022990099", name="另一个")
    url = f"/programs/students/{student.id}/edit"
    b = login_as(director)
    data = {**form_data(b.get(url).get_data(as_text=True)), "name": "改名",
            FIELD: f"students:{other.id}:999"}
    assert b.post(url, data).status_code == 302
    assert db.session.get(Student, student.id).name == "改名"


@pytest.mark.parametrize("bad", ["students:{id}:abc", "students:{id}:", "students:{id}:99999999999999999999",
                                 "<script>", ""])
def test_a_malformed_version_is_refused_as_stale_not_500(login_as, director, student, bad):
    url = f"/programs/students/{student.id}/edit"
    b = login_as(director)
    data = {**form_data(b.get(url).get_data(as_text=True)), "name": "改名", FIELD: bad.format(id=student.id)}
    response = b.post(url, data)
    assert response.status_code in (302, 409)
    if bad.startswith("students:"):
        assert response.status_code == 409 and db.session.get(Student, student.id).name != "改名"


def test_version_counter_is_not_in_the_audit_history(login_as, director, program, student):
    achievement = make_achievement(program, [student], AchievementKind.PROJECT, title="原题目")
    url = f"/achievements/{achievement.id}/edit"
    b = login_as(director)
    data = {**form_data(b.get(url).get_data(as_text=True)), "title": "新题目"}
    assert b.post(url, data).status_code == 302
    assert "row_version" not in b.get(f"/achievements/{achievement.id}").get_data(as_text=True)
    assert inspect(db.session.get(Achievement, achievement.id)).attrs.row_version.value == 2
    assert re.search(r"row_version", str(db.session.get(Achievement, achievement.id).__table__.c.keys()))


def test_a_record_saved_in_a_request_is_not_refused_by_the_requests_later_flushes(program):
    """The OBE figures are stored by a flush before the commit: our own save must not look stale to it."""
    from eduinnov.core.versioning import expect_version
    from tests.factories import make_framework

    requirement = GraduationRequirement(framework=make_framework(program), number=1, title="工程知识")
    db.session.add(requirement)
    db.session.commit()
    expect_version(requirement, requirement.row_version)  # what a posted form does
    requirement.title = "工程知识（修订）"
    db.session.flush()  # our save: row_version + 1
    db.session.add(GraduationRequirement(framework=requirement.framework, number=2, title="问题分析"))
    db.session.flush()  # a later flush of the same request (was: StaleEdit against our own save)
    db.session.commit()
    assert db.session.get(GraduationRequirement, requirement.id).title == "工程知识（修订）"
