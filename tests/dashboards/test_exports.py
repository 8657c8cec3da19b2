"""Exports: UTF-8 CSV with BOM, headers in the user's language, hostile cells neutralised, xlsx text cells."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from eduinnov.achievements.models import AchievementKind, Level
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.obe.models import Score
from tests.dashboards.conftest import HOSTILE_TITLES
from tests.factories import make_achievement, make_obe_plan, make_run, make_student, make_user, verified

BOM = b"\xef\xbb\xbf"


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(BOM)
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.data[len(BOM):].decode("utf-8"))))


def _xlsx(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).active


@pytest.fixture
def hostile(data, director):
    """Verified achievements of s1 whose titles try to become formulas, and a student named like one."""
    s1 = data.students[0]
    made = [verified(make_achievement(data.program, [s1], AchievementKind.PROJECT, title=t, level=Level.NATIONAL),
                     director) for t in HOSTILE_TITLES]
    evil = make_student(data.cohort, name="=1+2", student_no="+8613800000000")
    return made, evil


def test_students_csv_in_chinese_has_bom_chinese_headers_and_counts(login_as, data, program):
    b = login_as(make_user(Role.TEACHER, [program], locale="zh"))
    rows = _csv(b.get(f"/dashboards/cohorts/{data.cohort.id}/students/export"))
    header = rows[0]
    assert header[0] == "学号" and header[1] == "姓名" and "状态" in header and "邮箱" in header  # a person's name
    by_name = {r[1]: r for r in rows[1:]}
    assert len(by_name) == 5
    total = 4  # "Verified achievements": its column, whatever the catalogue calls it
    assert by_name["学生1"][total] == "3" and by_name["学生4"][total] == "0"
    assert by_name["退学生"][header.index("状态")] != "withdrawn"  # the label, in Chinese


def test_students_csv_in_english(login_as, data, teacher):
    rows = _csv(login_as(teacher).get(f"/dashboards/cohorts/{data.cohort.id}/students/export"))
    assert rows[0][:5] == ["Student number", "Name", "Status", "Email", "Verified achievements"]
    assert {r[2] for r in rows[1:]} == {"Enrolled", "Withdrawn"}


def test_hostile_values_come_out_neutralised_in_csv(login_as, data, hostile, teacher):
    rows = _csv(login_as(teacher).get(f"/dashboards/achievements/export?cohort={data.cohort.id}&status=verified"))
    titles = {r[rows[0].index("Title")] for r in rows[1:]}
    for title in HOSTILE_TITLES:
        assert "'" + title in titles, title
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    students = _csv(login_as(teacher).get(f"/dashboards/cohorts/{data.cohort.id}/students/export"))
    assert ["'+8613800000000", "'=1+2"] in [r[:2] for r in students]


def test_hostile_values_are_text_cells_in_xlsx(login_as, data, hostile, teacher):
    sheet = _xlsx(login_as(teacher).get(f"/dashboards/achievements/export?cohort={data.cohort.id}&format=xlsx"))
    header = [c.value for c in sheet[1]]
    titles = [row[header.index("Title")] for row in sheet.iter_rows(min_row=2)]
    hostile_cells = [c for c in titles if c.value.lstrip("'") in HOSTILE_TITLES]
    assert len(hostile_cells) == len(HOSTILE_TITLES)
    for cell in hostile_cells:
        assert cell.data_type == "s" and cell.value.startswith("'"), cell.value
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet.freeze_panes == "A2"


def test_achievements_export_follows_the_list_filters(login_as, data, teacher):
    b = login_as(teacher)
    everything = _csv(b.get(f"/dashboards/achievements/export?program={data.program.id}"))
    assert len(everything) - 1 == 9  # a1–a9 (any status), never NUR's
    verified_only = _csv(b.get(f"/dashboards/achievements/export?cohort={data.cohort.id}&status=verified"))
    assert sorted(int(r[0]) for r in verified_only[1:]) == sorted(
        data.a[k].id for k in ("a1", "a2", "a3", "a4", "a6", "a9"))  # a9: the withdrawn s5 is still in the cohort
    patents = _csv(b.get("/dashboards/achievements/export?kind=patent"))
    assert {r[2] for r in patents[1:]} == {"Patent"}


def test_run_results_export_has_scores_grades_ranks_and_node_scores(login_as, data, teacher, program):
    run = make_run(data.cohort, data.students[:3])
    rows = _csv(login_as(teacher).get(f"/dashboards/runs/{run.id}/export"))
    assert rows[0] == ["Rank", "Evaluated object", "Score", "Grade", "Grade rule", "B1 Research training",
                       "B2 Publications", "B3 Competitions"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]  # by rank
    first, second = rows[1], rows[2]
    assert first[2:] == ["0.8", "Excellent", "score band", "0.9", "0.7", "0.8"]
    assert second[2:] == ["0.65", "Excellent", "score band", "0.7", "0.6", "0.65"]
    assert first[1].startswith("'=cmd|")  # a label that looks like a formula
    zh = login_as(make_user(Role.TEACHER, [program], locale="zh"))
    sheet = _xlsx(zh.get(f"/dashboards/runs/{run.id}/export?format=xlsx"))
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["排名", "评价对象", "得分", "等级", "等级评定规则"] and header[5] == "B1 科研训练"
    assert sheet.cell(row=2, column=3).value == pytest.approx(0.8) and sheet.cell(row=2, column=4).value == "优秀"


def test_obe_export_lists_requirements_and_points_under_both_rules(login_as, program, teacher):
    plan = make_obe_plan(program, teacher)
    for student in plan.students:
        for item, value in zip(plan.items, (8, 8, 20, 6), strict=True):
            db.session.add(Score(item_id=item.id, student_id=student.id, value=value))
    db.session.commit()
    rows = _csv(login_as(teacher).get(f"/dashboards/cohorts/{plan.cohort.id}/obe/export"))
    header = rows[0]
    assert header[:7] == ["Level", "Code", "Description", "Weighted sum", "Verdict (weighted sum)", "Minimum",
                          "Verdict (minimum)"]
    by_code = {r[1]: r for r in rows[1:]}
    assert set(by_code) == {"GR3", "3.1", "3.2", "3.3"}
    gr3, ip32 = by_code["GR3"], by_code["3.2"]
    assert float(gr3[3]) == pytest.approx(0.695) and gr3[4] == "not achieved"
    assert float(ip32[3]) == pytest.approx(0.695) and float(ip32[5]) == pytest.approx(0.695)
    assert by_code["3.1"][3] == ""  # not supported by any course: no value
    assert gr3[header.index("Threshold")] == "0.7"
    sheet = _xlsx(login_as(teacher).get(f"/dashboards/cohorts/{plan.cohort.id}/obe/export?format=xlsx"))
    assert sheet.cell(row=2, column=2).value == "GR3" and sheet.cell(row=2, column=4).number_format == "0.000"


def test_run_export_values_are_rounded_in_both_formats(login_as, data, teacher):
    # Float noise from a weighted sum, as stored by a real run.
    run = make_run(data.cohort, data.students[:3], scores=[0.8499999999999999, 0.5, 0.65],
                   b1=[0.30000000000000004, 0.4, 0.7])
    b = login_as(teacher)
    raw = b.get(f"/dashboards/runs/{run.id}/export").data.decode("utf-8-sig")
    assert "0.8499999" not in raw and "0.3000000" not in raw
    rows = list(csv.reader(io.StringIO(raw)))
    first = next(r for r in rows[1:] if r[0] == "1")
    assert first[2] == "0.85" and first[5] == "0.3"  # columns: rank, object, score, grade, rule, B1…
    sheet = _xlsx(b.get(f"/dashboards/runs/{run.id}/export?format=xlsx"))
    values = [c.value for c in sheet[2]]
    assert values[2] == 0.85 and values[5] == 0.3  # the stored cell, not only its number format


@pytest.mark.parametrize("url", ["/dashboards/cohorts/{cohort}/students/export", "/dashboards/runs/{run}/export",
                                 "/dashboards/achievements/export", "/imports/templates/students.csv"])
def test_csv_content_type_names_the_charset_once(login_as, data, teacher, url):
    run = make_run(data.cohort, data.students[:2])
    response = login_as(teacher).get(url.format(cohort=data.cohort.id, run=run.id))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
