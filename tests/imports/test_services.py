"""Import services: plans (created / updated / skipped), errors with row and column, idempotence,
all-or-nothing, and each kind going through its domain's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    ParticipantRole,
    PatentType,
)
from eduinnov.auth.models import Role
from eduinnov.core import bulk
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerKind, PartnerOrganisation
from eduinnov.imports import services
from eduinnov.imports.schemas import ImportKind, schema_for
from eduinnov.indicators.models import ManualScore
from eduinnov.programs.models import Cohort, Student
from tests.factories import csv_bytes, make_achievement, make_user, table_counts
from tests.imports.conftest import DATA, xlsx_bytes

ROSTER_HEADER = ["学号", "姓名", "入学年份", "邮箱"]


def _issues(preview):
    return [str(e) for e in preview.errors]


def _run(kind, program, user, data, filename="f.csv", **kw):
    result = services.run_import(kind, program, user, data, filename, **kw)
    db.session.commit()
    return result


# --- students -------------------------------------------------------------------------------------------


def test_gbk_roster_with_full_width_digits_is_imported_by_a_director(program, cohort, director):
    data = csv_bytes([ROSTER_HEADER, ["２０２３０５１００１", "赵　六", "２０２３级", "zhaoliu@stu.example.edu.cn"],
                      ["2022051009", "钱七", "2022", ""]], "gbk")
    preview = services.preview_import("students", program, director, data, "名单.csv")
    assert preview.ok and preview.encoding == "GBK/GB18030"
    assert preview.new_cohorts == [2023]
    assert preview.counts == {"create": 2, "update": 0, "skip": 0}
    _run("students", program, director, data)
    student = db.session.scalar(select(Student).where(Student.student_no == "2023051001"))
    assert student.name == "赵 六" and student.cohort.entry_year == 2023 and student.email == "zhaoliu@stu.example.edu.cn"


def test_teacher_cannot_open_cohorts_and_nothing_is_written(program, cohort, teacher):
    data = csv_bytes([ROSTER_HEADER, ["2022051009", "钱七", "2022", ""], ["2023051001", "赵六", "2023", ""]])
    before = table_counts()
    with pytest.raises(services.ImportRefused) as exc:
        services.run_import("students", program, teacher, data, "r.csv")
    db.session.rollback()
    assert _issues(exc.value.preview) == [
        "Row 3, column 入学年份: SE has no cohort for 2023; a program director must open it first."]
    assert table_counts() == before


def test_english_headers_in_any_order_and_updates(program, cohort, teacher, roster):
    data = csv_bytes([["email", "entry_year", "name", "student_no"],
                      ["zhangwei@stu.example.edu.cn", "2022", "张伟", "2022051001"],
                      ["", "2022", "李娜", "2022051002"]], bom=True)
    preview = services.preview_import("students", program, teacher, data, "r.csv")
    assert [(r.row, r.action) for r in preview.rows] == [(2, "update"), (3, "skip")]
    assert preview.rows[0].changes == ["e-mail: — → zhangwei@stu.example.edu.cn"]
    assert preview.rows[1].reason == "Already up to date."
    _run("students", program, teacher, data)
    assert db.session.get(Student, roster["zhang"].id).email == "zhangwei@stu.example.edu.cn"


def test_reimporting_a_roster_changes_nothing(program, cohort, director):
    data = xlsx_bytes([ROSTER_HEADER, ["2023051001", "赵六", 2023, "zl@stu.example.edu.cn"],
                       ["2023051002", "钱七", 2023, None]], title_rows=[["2023级学生名单"]])
    _run("students", program, director, data, "r.xlsx")
    before = table_counts()
    again = _run("students", program, director, data, "r.xlsx")
    assert again.counts == {"create": 0, "update": 0, "skip": 2}
    assert table_counts() == before


@pytest.mark.parametrize("rows, expected", [
    ([["2022051009", "钱七", "2022", "not-an-email"]], "Row 2, column 邮箱: “not-an-email” is not an e-mail address."),
    ([["2022051009", "", "2022", ""]], "Row 2, column 姓名: This cell is empty."),
    ([["2022051009", "钱七", "1900", ""]], "Row 2, column 入学年份: The year 1900 is outside 1950–2100."),
    ([["2022051009", "钱七", "2022", ""], ["2022051009", "钱八", "2022", ""]],
     "Row 3, column 学号: The student number 2022051009 is also on row 2 with other data."),
    ([["2022990001", "外专业", "2022", ""]], "Row 2, column 学号: 2022990001 is the number of a student of another program."),
])
def test_roster_errors_name_row_column_and_reason(program, cohort, teacher, other_student, rows, expected):
    before = table_counts()
    preview = services.preview_import("students", program, teacher, csv_bytes([ROSTER_HEADER, *rows]), "r.csv")
    assert _issues(preview) == [expected]
    assert table_counts() == before


def test_duplicate_identical_rows_are_skipped(program, cohort, teacher):
    row = ["2022051009", "钱七", "2022", ""]
    preview = services.preview_import("students", program, teacher, csv_bytes([ROSTER_HEADER, row, row]), "r.csv")
    assert [(r.action, r.reason) for r in preview.rows] == [("create", ""), ("skip", "Same as row 2.")]


def test_missing_columns_are_named(program, cohort, teacher):
    before = table_counts()
    preview = services.preview_import("students", program, teacher, csv_bytes([["学号", "邮箱"], ["1", "a@b.cn"]]), "r.csv")
    assert _issues(preview) == [
        "Column 姓名 / name: This column is missing (header row 1 has: 学号, 邮箱).",
        "Column 入学年份 / entry_year: This column is missing (header row 1 has: 学号, 邮箱).",
    ]
    assert table_counts() == before


def test_other_programs_teacher_may_not_import(program, other_teacher):
    with pytest.raises(DomainError):
        services.preview_import("students", program, other_teacher, csv_bytes([ROSTER_HEADER]), "r.csv")


# --- achievements ------------------------------------------------------------------------------------------

ACH_HEADER = ["类型", "题目", "年份", "学生", "级别", "项目类型", "项目状态", "经费", "期刊", "DOI", "收录", "申请号",
              "申请日期", "专利状态", "竞赛名称", "奖项", "获奖日期", "指导教师"]


def _ach(kind, title, year, students, **kw):
    row = dict.fromkeys(ACH_HEADER, "")
    row.update({"类型": kind, "题目": title, "年份": year, "学生": students}, **kw)
    return [row[h] for h in ACH_HEADER]


def _achievement_file(teacher_name):
    return csv_bytes([ACH_HEADER,
                      _ach("项目", "智能导盲杖", "2023", "张伟(2022051001); 李娜", 级别="国家级", 项目类型="创新训练",
                           项目状态="结题", 经费="1.5万", 指导教师=teacher_name),
                      _ach("论文", "基于深度学习的作物病害识别", "2023", "王晓明", 期刊="计算机工程与应用",
                           DOI="https://doi.org/10.3778/J.ISSN.1002-8331.2301-0001", 收录="北大核心"),
                      _ach("专利", "一种智能导盲杖", "", "张伟、欧阳娜娜", 申请号="CN 2017 1 0601862.3",
                           申请日期="2017年7月20日", 专利状态="已受理"),
                      _ach("竞赛获奖", "互联网+ 省赛", "2023", "李娜;2022051001", 级别="省级", 竞赛名称="互联网+大赛",
                           奖项="金奖", 获奖日期="2023.10.15")])


def test_achievements_of_every_kind(program, teacher, roster):
    data = _achievement_file(teacher.name)
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert preview.ok, _issues(preview)
    assert preview.counts == {"create": 4, "update": 0, "skip": 0}
    _run("achievements", program, teacher, data)
    by_title = {a.title: a for a in db.session.scalars(select(Achievement))}
    project = by_title["智能导盲杖"]
    assert project.level == Level.NATIONAL and project.funding == Decimal("15000") and project.supervisor_id == teacher.id
    assert [(p.student.name, p.role, p.rank) for p in project.participants] == [
        ("张伟", ParticipantRole.LEADER, 1), ("李娜", ParticipantRole.MEMBER, 2)]
    paper = by_title["基于深度学习的作物病害识别"]
    assert paper.doi == "10.3778/j.issn.1002-8331.2301-0001" and paper.indexing == Indexing.PKU_CORE
    patent = by_title["一种智能导盲杖"]
    assert patent.application_number == "201710601862.3" and patent.patent_type == PatentType.INVENTION
    assert patent.year == 2017  # from the application date
    assert {p.role for p in patent.participants} == {ParticipantRole.INVENTOR}
    assert all(a.created_by_id == teacher.id and a.is_pending for a in by_title.values())
    # Core inserts still leave an audit trail, one row per achievement.
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "achievements")).all()
    assert sorted(a.entity_id for a in audit) == sorted(a.id for a in by_title.values())
    assert all(a.user_id == teacher.id and a.action == "create" for a in audit)


def test_reimporting_achievements_changes_nothing(program, teacher, roster):
    data = _achievement_file(teacher.name)
    _run("achievements", program, teacher, data)
    before = table_counts()
    again = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert again.counts == {"create": 0, "update": 0, "skip": 4}
    reasons = [r.reason for r in again.rows]
    assert reasons[1].startswith("An achievement with the DOI 10.3778/j.issn.1002-8331.2301-0001 is already recorded")
    assert reasons[2].startswith("A patent with the application number 201710601862.3 is already recorded")
    assert reasons[0].startswith("An achievement with this title and year is already recorded")
    _run("achievements", program, teacher, data)
    assert table_counts() == before


def test_existing_achievement_with_a_differently_written_title_is_a_duplicate(program, teacher, roster):
    make_achievement(program, [roster["zhang"]], AchievementKind.PROJECT, title="智能导盲杖 ", year=2023)
    data = csv_bytes([ACH_HEADER, _ach("项目", "智能 导盲杖。", "2023", "张伟", 级别="校级", 项目类型="创新训练",
                                       项目状态="立项")])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert preview.rows[0].action == "skip"


@pytest.mark.parametrize("row, expected", [
    (_ach("专利", "装置", "2017", "张伟", 申请号="201710601862.4", 申请日期="2017-07-20", 专利状态="已受理"),
     "Row 2, column 申请号: 201710601862.4: the check digit should be 3 — the number has a typo."),
    (_ach("专利", "装置", "2017", "张伟", 申请号="201720601862.3", 申请日期="2017-07-20", 专利状态="已受理"),
     "Row 2, column 申请号: 201720601862.3: the check digit should be 9 — the number has a typo."),
    (_ach("项目", "项目A", "2023", "张伟", 级别="国际级", 项目类型="创新训练", 项目状态="立项"),
     "Row 2, column 级别: A training project is national, provincial or university level."),
    (_ach("项目", "项目A", "2023", "张伟", 项目类型="创新训练", 项目状态="立项"), "Row 2, column 级别: This field is required."),
    (_ach("论文", "论文A", "2023", "张伟", 期刊="J", DOI="10.12/x"), "Row 2, column DOI: “10.12/x” is not a DOI such as 10.1234/abcd.5678."),
    (_ach("论文", "论文A", "2023", "陈老师", 期刊="J"), "Row 2, column 学生: 陈老师 is not a student of this program."),
    (_ach("论文", "论文A", "2023", "2022990001", 期刊="J"), "Row 2, column 学生: 2022990001 is not a student of this program."),
    (_ach("竞赛获奖", "奖A", "2023", "张伟", 级别="省级", 竞赛名称="挑战杯", 奖项="第一名"),
     "Row 2, column 奖项: “第一名” is not one of: 特等奖 / grand prize; 一等奖 / first prize; 二等奖 / second prize; "
     "三等奖 / third prize; 优秀奖 / honourable mention."),
    (_ach("竞赛获奖", "奖A", "2023", "张伟", 级别="省级", 竞赛名称="挑战杯", 奖项="一等奖", 指导教师="不认识的老师"),
     "Row 2, column 指导教师: 不认识的老师 is not a teacher of this program."),
    (_ach("项目", "项目A", "", "张伟", 级别="校级", 项目类型="创新训练", 项目状态="立项"),
     "Row 2, column 年份: Give the year (or a start, application or award date)."),
])
def test_achievement_errors_name_row_column_and_reason(program, teacher, roster, other_student, row, expected):
    before = table_counts()
    data = csv_bytes([ACH_HEADER, row])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert _issues(preview) == [expected]
    with pytest.raises(services.ImportRefused):
        services.run_import("achievements", program, teacher, data, "a.csv")
    db.session.rollback()
    assert table_counts() == before


def test_patent_type_that_contradicts_the_number(program, teacher, roster):
    header = ["专利名称", "发明人", "申请号", "专利类型", "申请日期", "专利状态"]
    data = csv_bytes([header, ["一种装置", "张伟", "201710601862.3", "实用新型", "2017-07-20", "已受理"]])
    preview = services.preview_import("patents", program, teacher, data, "p.csv")
    assert _issues(preview) == ["Row 2, column 专利类型: The application number says “Invention”."]


def test_ambiguous_student_name_asks_for_the_number(program, cohort, teacher, roster):
    from tests.factories import make_student

    make_student(cohort, student_no="2022051099", name="张伟")
    data = csv_bytes([ACH_HEADER, _ach("论文", "论文A", "2023", "张伟", 期刊="J")])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert "张伟 matches several students" in _issues(preview)[0]
    assert "张伟(2022051001)" in _issues(preview)[0]


def test_duplicate_rows_in_one_file(program, teacher, roster):
    row = _ach("论文", "论文A", "2023", "张伟", 期刊="J", DOI="10.1234/abc")
    other = _ach("论文", "Another title with the same DOI", "2023", "李娜", 期刊="J", DOI="10.1234/ABC")
    preview = services.preview_import("achievements", program, teacher, csv_bytes([ACH_HEADER, row, row, other]), "a.csv")
    assert [(r.action, r.reason) for r in preview.rows] == [
        ("create", ""), ("skip", "Same as row 2."), ("skip", "Same as row 2.")]


def test_projects_template_columns_only(program, teacher, roster):
    header = ["项目名称", "立项年份", "项目成员", "项目级别", "项目类型", "项目状态", "立项日期", "结题日期"]
    data = xlsx_bytes([header, ["智能导盲杖", 2023, "张伟(2022051001)、李娜", "国家级", "创新训练", "在研", "2023/5/6", "2024.6.30"]])
    _run("projects", program, teacher, data, "p.xlsx")
    project = db.session.scalar(select(Achievement))
    assert project.kind == AchievementKind.PROJECT and str(project.start_date) == "2023-05-06"


def test_hostile_strings_are_stored_as_text(program, teacher, roster):
    title = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script>'
    data = csv_bytes([ACH_HEADER, _ach("论文", '"' + title.replace('"', '""') + '"', "2023", "张伟", 期刊="@SUM(A1:A9)")])
    _run("achievements", program, teacher, data)
    paper = db.session.scalar(select(Achievement))
    assert paper.title == title and paper.venue == "@SUM(A1:A9)"


# --- all or nothing ------------------------------------------------------------------------------------


def test_a_failure_midway_leaves_the_database_as_it_was(program, teacher, roster, monkeypatch):
    data = _achievement_file(teacher.name)
    before = table_counts()
    real_insert = bulk.insert_rows
    calls = {"n": 0}

    def failing_insert(table, rows, **kwargs):
        # Let the achievements go in (COPY on PostgreSQL), then fail on the participants: a crash midway.
        if table is AchievementParticipant.__table__:
            calls["n"] += 1
            raise RuntimeError("disk full")
        return real_insert(table, rows, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", failing_insert)
    with pytest.raises(RuntimeError):
        services.run_import("achievements", program, teacher, data, "a.csv")
    monkeypatch.undo()
    db.session.rollback()
    assert calls["n"] == 1
    assert table_counts() == before


def test_a_domain_refusal_midway_through_a_roster_leaves_nothing(program, cohort, director, monkeypatch):
    from eduinnov.programs import services as program_services

    data = csv_bytes([ROSTER_HEADER, *[[f"20230510{i:02d}", f"学生{i}", "2023", ""] for i in range(10)]])
    before = table_counts()
    real = program_services.create_student
    seen = []

    def flaky(user, cohort, **kw):
        seen.append(kw["student_no"])
        if len(seen) == 6:
            raise program_services.FieldError("student_no", "refused for the test")
        return real(user, cohort, **kw)

    monkeypatch.setattr(program_services, "create_student", flaky)
    with pytest.raises(services.ImportRefused) as exc:
        services.run_import("students", program, director, data, "r.csv")
    db.session.rollback()
    assert _issues(exc.value.preview) == ["Row 7, column student_no: refused for the test"]
    assert table_counts() == before
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_plan_changed_since_the_preview_is_refused(program, teacher, roster):
    data = _achievement_file(teacher.name)
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    make_achievement(program, [roster["wang"]], AchievementKind.PUBLICATION, title="x", venue="J",
                     doi="10.3778/j.issn.1002-8331.2301-0001", indexing=Indexing.OTHER)
    with pytest.raises(services.ImportRefused) as exc:
        services.run_import("achievements", program, teacher, data, "a.csv", expected_fingerprint=preview.plan_digest)
    assert exc.value.retry and "changed since the preview" in str(exc.value)


# --- publications ----------------------------------------------------------------------------------------


def test_bibtex_publications_with_unmatched_authors_resolved_by_the_teacher(program, teacher, roster):
    data = (DATA / "zotero.bib").read_bytes()
    preview = services.preview_import("publications", program, teacher, data, "zotero.bib")
    assert preview.ok and preview.fmt == "BibTeX"
    assert [(r.action, r.reason) for r in preview.rows][3] == ("skip", "It names no journal or conference.")
    unmatched = {u.key: u for u in preview.unmatched}
    assert [u.name for u in unmatched.values()] == ["Liu, Jianguo", "陈建国", "Müller, Hans", "Li, N."]
    li = next(u for u in unmatched.values() if u.name == "Li, N.")
    assert li.candidates == [(roster["li"].id, "李娜 (2022051002)")]
    result = _run("publications", program, teacher, data, "zotero.bib", resolutions={li.field_name: str(roster["li"].id)})
    assert result.counts == {"create": 3, "update": 0, "skip": 1}
    muller = db.session.scalar(select(Achievement).where(Achievement.title.like("Design-based%")))
    # Müller (1) left out; 欧阳娜娜 matched by pinyin (2); 李娜 chosen by the teacher (3): ranks are author positions.
    assert [(p.student.name, p.rank) for p in muller.participants] == [("欧阳娜娜", 2), ("李娜", 3)]
    assert muller.indexing == Indexing.EI and muller.venue.startswith("Proceedings")


def test_the_same_paper_from_wos_after_zotero_is_a_duplicate_by_doi(program, teacher, roster):
    _run("publications", program, teacher, (DATA / "zotero.bib").read_bytes(), "zotero.bib")
    preview = services.preview_import("publications", program, teacher, (DATA / "wos.ris").read_bytes(), "wos.ris")
    first = preview.rows[0]
    assert first.action == "skip" and "DOI 10.1016/j.compag.2024.108712" in first.reason
    # WoS record 3 names no student: it waits for the teacher and is skipped unless one is chosen.
    assert preview.rows[2].reason.startswith("No author matched a student")
    result = _run("publications", program, teacher, (DATA / "wos.ris").read_bytes(), "wos.ris")
    assert result.counts == {"create": 1, "update": 0, "skip": 2}


def test_cnki_ris_and_endnote(program, teacher, roster):
    result = _run("publications", program, teacher, (DATA / "cnki.ris").read_bytes(), "cnki.ris")
    assert result.counts["create"] == 2
    paper = db.session.scalar(select(Achievement).where(Achievement.title == "面向大学生创新训练项目的过程管理系统设计"))
    assert [p.student.name for p in paper.participants] == ["王晓明", "欧阳娜娜"]
    result = _run("publications", program, teacher, (DATA / "cnki_endnote.txt").read_bytes(), "cnki.txt")
    assert result.counts["create"] == 2


def test_publication_resolution_outside_the_program_is_refused(program, teacher, roster, other_student):
    data = (DATA / "zotero.bib").read_bytes()
    preview = services.preview_import("publications", program, teacher, data, "zotero.bib")
    key = preview.unmatched[0].field_name
    before = table_counts()
    with pytest.raises(services.ImportRefused) as exc:
        services.run_import("publications", program, teacher, data, "zotero.bib", resolutions={key: other_student.id})
    db.session.rollback()
    assert "is not in this program" in _issues(exc.value.preview)[0] and exc.value.retry
    assert table_counts() == before


def test_publications_csv_in_gbk(program, teacher, roster):
    header = ["题目", "作者", "期刊", "年份", "DOI", "收录"]
    data = csv_bytes([header, ["课堂行为识别", "张伟(2022051001); Li Na; 王老师", "计算机工程与应用", "2023", "", "北大核心"],
                      ["无年份", "张伟", "J", "", "", ""]], "gbk")
    preview = services.preview_import("publications", program, teacher, data, "p.csv")
    assert _issues(preview) == ["Row 3, column 年份: This cell is empty."]
    data = csv_bytes([header, ["课堂行为识别", "张伟(2022051001); Li Na; 王老师", "计算机工程与应用", "2023", "", "北大核心"]], "gbk")
    preview = services.preview_import("publications", program, teacher, data, "p.csv")
    assert preview.ok and [u.name for u in preview.unmatched] == ["王老师"]
    assert preview.rows[0].changes == ["张伟 (2022051001), 李娜 (2022051002)"]


# --- partners, participations, scores -------------------------------------------------------------------

PARTNER_HEADER = ["单位名称", "英文名称", "单位类型", "城市", "联系人", "联系邮箱"]


def test_partners_need_a_director(program, teacher, director):
    data = csv_bytes([PARTNER_HEADER, ["华为技术有限公司", "Huawei", "企业", "深圳", "李经理", "li@example.com"]])
    with pytest.raises(DomainError):
        services.preview_import("partners", program, teacher, data, "p.csv")
    _run("partners", program, director, data)
    partner = db.session.scalar(select(PartnerOrganisation))
    assert partner.kind == PartnerKind.ENTERPRISE and partner.city == "深圳"
    changed = csv_bytes([PARTNER_HEADER, ["华为技术有限公司", "Huawei", "企业", "东莞", "李经理", "li@example.com"]])
    preview = services.preview_import("partners", program, director, changed, "p.csv")
    assert [(r.action, r.changes) for r in preview.rows] == [("update", ["city: 深圳 → 东莞"])]
    _run("partners", program, director, changed)
    assert services.preview_import("partners", program, director, changed, "p.csv").counts["skip"] == 1


def test_participations(program, teacher, director, roster):
    _run("partners", program, director, csv_bytes([PARTNER_HEADER, ["华为技术有限公司", "Huawei", "企业", "", "", ""]]))
    header = ["学号", "姓名", "合作单位", "类型", "题目", "开始日期", "结束日期"]
    data = csv_bytes([header, ["2022051001", "张伟", "Huawei", "实习", "软件测试实习", "2023年7月1日", "2023/8/31"],
                      ["2022051002", "张伟", "华为技术有限公司", "实习", "实习", "", ""],
                      ["2022051003", "", "腾讯", "实习", "实习", "", ""]])
    preview = services.preview_import("participations", program, teacher, data, "p.csv")
    assert _issues(preview) == ["Row 3, column 姓名: 2022051002 is 李娜, not 张伟.",
                                "Row 4, column 合作单位: 腾讯 is not a partner of this program: import or add the partner first."]
    _run("participations", program, teacher, csv_bytes([header, ["2022051001", "张伟", "Huawei", "实习", "软件测试实习",
                                                                 "2023年7月1日", "2023/8/31"]]))
    participation = db.session.scalar(select(Participation))
    assert participation.student_id == roster["zhang"].id and str(participation.end_date) == "2023-08-31"


def test_manual_scores_through_the_indicators_service(program, cohort, teacher, roster):
    header = ["评分项", "学号", "年级", "分值", "备注"]
    data = csv_bytes([header, ["expert_rating", "2022051001", "", "85", "专家组"],
                      ["expert_rating", "", "2022", "78.5", ""], ["survey", "2022051002", "", "90%", ""]])
    result = _run("scores", program, teacher, data)
    assert result.counts["create"] == 3
    values = sorted(s.value for s in db.session.scalars(select(ManualScore)))
    assert values == [0.9, 78.5, 85.0]
    assert _run("scores", program, teacher, data).counts == {"create": 0, "update": 0, "skip": 3}
    bad = csv_bytes([header, ["expert_rating", "2022051001", "2022", "85", ""]])
    assert _issues(services.preview_import("scores", program, teacher, bad, "s.csv")) == [
        "Row 2, column 学号: Give either a student number or a cohort year, not both."]


def test_every_kind_has_csv_and_xlsx_templates_that_read_back_with_no_error():
    from eduinnov.imports.readers import read_table

    for kind in ImportKind:
        schema = schema_for(kind)
        for lang in ("zh", "en"):
            for data, name in ((schema.template_csv(lang), "t.csv"), (schema.template_xlsx(lang), "t.xlsx")):
                table = read_table(data, name, schema.known_headers())
                mapping, unknown = schema.map_headers(table.headers)
                assert set(mapping) == {c.name for c in schema.columns} and not unknown, (kind, lang, name)


def test_admin_may_import_anywhere(program, cohort):
    admin = make_user(Role.ADMIN)
    data = csv_bytes([ROSTER_HEADER, ["2024051001", "孙八", "2024", ""]])
    assert _run("students", program, admin, data).counts["create"] == 1


def test_every_problem_of_every_row_in_one_pass(program, teacher, roster, other_student):
    """Issue #12: an unknown student was reported only after the other cells were fixed (in waves)."""
    data = csv_bytes([
        ACH_HEADER,
        # a cell error (year) and an unknown student in the same row
        _ach("论文", "论文A", "二〇二三", "不存在的学生", 期刊="J"),
        # only an unknown student, in a file that has cell errors elsewhere
        _ach("论文", "论文B", "2023", "2022990001", 期刊="J"),
        # a field rule, an unknown student and an unknown supervisor in one row
        _ach("项目", "项目C", "2023", "陈老师", 级别="国际级", 项目类型="创新训练", 项目状态="立项", 指导教师="不认识的老师"),
    ])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    issues = _issues(preview)
    assert "Row 2, column 年份: “二〇二三” is not a year such as 2023." in issues
    assert "Row 2, column 学生: 不存在的学生 is not a student of this program." in issues
    assert "Row 3, column 学生: 2022990001 is not a student of this program." in issues
    assert "Row 4, column 级别: A training project is national, provincial or university level." in issues
    assert "Row 4, column 学生: 陈老师 is not a student of this program." in issues
    assert "Row 4, column 指导教师: 不认识的老师 is not a teacher of this program." in issues
    assert len(issues) == 6 and not preview.ok
