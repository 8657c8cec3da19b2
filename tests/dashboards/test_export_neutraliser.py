"""Formula injection after NFKC folding (issue #12 §4): a student named ``＝1`` (full-width equals) and the
other full-width, small, superscript and blank-prefixed triggers come out as text in EVERY export — the
dashboard exports (students, achievements, runs, OBE; CSV and xlsx), the import templates and the OBE
score-sheet template — through the one neutraliser, :func:`eduinnov.core.spreadsheet.neutralise`."""

from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from eduinnov.achievements.models import AchievementKind, Level
from eduinnov.core.spreadsheet import is_dangerous, neutralise
from eduinnov.extensions import db
from eduinnov.imports import schemas
from eduinnov.imports.schemas import ImportKind, schema_for
from eduinnov.indicators.models import EvaluationRun
from eduinnov.obe import services as obe_services
from eduinnov.obe.models import AssessmentType
from tests.factories import make_achievement, make_obe_plan, make_run, make_student, verified

# Each starts a formula once folded (NFKC) or once the blanks/format characters before it are skipped.
FOLDED = [
    "＝1+2",                 # U+FF1D full-width equals: the student
    "＋8613800000000",       # U+FF0B full-width plus
    "－2+3",                 # U+FF0D full-width hyphen-minus
    "＠SUM(1)",              # U+FF20 full-width commercial at
    "﹦HYPERLINK(\"x\")",    # U+FE66 small equals
    "⁼1",                    # U+207C superscript equals
    "\u3000=1",              # ideographic space, then =
    "\u200b=1",              # zero-width space, then =
    "\ufeff+1",              # BOM, then +
    "\u00a0\u3000＝1",       # no-break space, ideographic space, full-width equals
    "\n=1",
]
SAFE = ["张三", "a＝b", "1－2", "Ｏ'Brien", "（1）班", "＃1", "2023-01-01"]


@pytest.mark.parametrize("value", FOLDED)
def test_folded_triggers_are_neutralised(value):
    # the premise of each case: what a spreadsheet sees once it folds the text and skips the blanks
    assert unicodedata.normalize("NFKC", value).lstrip(" \n\u200b\ufeff")[:1] in "=+-@"
    assert is_dangerous(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", SAFE)
def test_ordinary_text_is_left_alone(value):
    assert neutralise(value) == value


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def _xlsx_cells(response) -> list[list[object]]:
    assert response.status_code == 200, response.status_code
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _assert_no_live_trigger(cells: list[list[object]], expected: list[str]) -> None:
    """Every expected hostile value is there with its apostrophe, and no text cell starts a formula."""
    flat = [c for row in cells for c in row if isinstance(c, str)]
    for value in expected:
        assert "'" + value in flat, f"{value!r} not neutralised in {flat}"
    live = [c for c in flat if is_dangerous(c)]
    assert not live, f"cells that would run as formulas: {live}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_students_export(login_as, data, teacher, fmt):
    for i, value in enumerate(FOLDED[:4]):
        make_student(data.cohort, name=value, student_no=f"X{i}")
    response = login_as(teacher).get(f"/dashboards/cohorts/{data.cohort.id}/students/export?format={fmt}")
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    _assert_no_live_trigger(cells, FOLDED[:4])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_achievements_export(login_as, data, teacher, director, fmt):
    s1 = data.students[0]
    for value in FOLDED:
        verified(make_achievement(data.program, [s1], AchievementKind.PROJECT, title=value, level=Level.NATIONAL),
                 director)
    response = login_as(teacher).get(f"/dashboards/achievements/export?program={data.program.id}&format={fmt}")
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    # xlsx cannot hold the control character "\n" at the start unchanged in every reader: compare stripped
    _assert_no_live_trigger(cells, [v for v in FOLDED if not v.startswith("\n")])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_run_export(login_as, data, teacher, fmt):
    run = make_run(data.cohort, data.students[:3])
    # Stored runs are read-only through the ORM; the labels are what the run took from the students' names.
    results = [{**res, "label": value} for res, value in zip(run.results, FOLDED, strict=False)]
    db.session.execute(update(EvaluationRun.__table__).where(EvaluationRun.id == run.id).values(results=results))
    db.session.commit()
    response = login_as(teacher).get(f"/dashboards/runs/{run.id}/export?format={fmt}")
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    _assert_no_live_trigger(cells, FOLDED[:3])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_obe_export(login_as, program, teacher, fmt):
    plan = make_obe_plan(program, teacher)
    plan.requirement.title = "＝HYPERLINK(\"http://evil.example\")"
    plan.points[1].description = "＠SUM(1)"
    db.session.commit()
    response = login_as(teacher).get(f"/dashboards/cohorts/{plan.cohort.id}/obe/export?format={fmt}")
    cells = _csv_cells(response) if fmt == "csv" else _xlsx_cells(response)
    _assert_no_live_trigger(cells, ["＝HYPERLINK(\"http://evil.example\")", "＠SUM(1)"])


def test_obe_score_sheet_template(login_as, program, teacher):
    plan = make_obe_plan(program, teacher)
    make_student(plan.cohort, name="＝1+2", student_no="＋2021051999")
    obe_services.add_item(plan.offering, name="＝SUM(A1)", type=AssessmentType.HOMEWORK, full_marks=10,
                          objective_ids=[plan.co1.id], user=teacher)
    db.session.commit()
    response = login_as(teacher).get(f"/obe/offerings/{plan.offering.id}/scores/template.csv")
    cells = _csv_cells(response)
    _assert_no_live_trigger(cells, ["＝1+2", "＋2021051999", "＝SUM(A1)"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_templates(monkeypatch, fmt, login_as, teacher):
    # The templates hold only our own texts; should one ever start like a formula it still comes out as text.
    schema = schema_for(ImportKind.STUDENTS)
    hostile = schemas.Column("x", "＝学号", "＋student_no", str, False, (), "＠help", "－1")
    monkeypatch.setattr(schema, "columns", (*schema.columns, hostile))
    response = login_as(teacher).get(f"/imports/templates/students.{fmt}")
    if fmt == "csv":
        cells = _csv_cells(response)
        expected = ["＝学号"]
    else:
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.data))
        cells = [[c.value for c in row] for sheet in book.worksheets for row in sheet.iter_rows()]
        expected = ["＝学号", "＋student_no", "＠help", "－1"]
    _assert_no_live_trigger(cells, expected)
