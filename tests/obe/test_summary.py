"""The small summary of the stored figures: what the cohort pages read, equal to the whole document."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import event, select, update

from eduinnov.extensions import db
from eduinnov.obe import queries, reports, results, services
from eduinnov.obe.models import AchievementResult
from eduinnov.programs.models import Cohort, Program

#: A statement that reads the whole stored document (a JSON path into it does not count).
WHOLE = re.compile(r"(?<!JSON_EXTRACT\()obe_results\.data\b(?!\s*->)")


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def _se_2021() -> Cohort:
    return db.session.scalar(select(Cohort).join(Cohort.program).where(Program.code == "SE", Cohort.entry_year == 2021))


def _whole(cohort: Cohort) -> dict:
    data = db.session.scalar(select(AchievementResult.data).where(AchievementResult.cohort_id == cohort.id))
    return {k: (json.loads(v) if isinstance(v, str) else v) for k, v in data.items()}


def test_the_cohort_pages_never_read_the_whole_stored_document(demo, login_as, statements):
    from eduinnov.auth.models import User

    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    cohort = _se_2021()
    requirement = reports.cohort_report(cohort).requirements[2].requirement
    browser = login_as(director, "eduinnov-demo")
    for url in (f"/obe/cohorts/{cohort.id}", f"/obe/cohorts/{cohort.id}/requirements/{requirement.id}",
                f"/dashboards/cohorts/{cohort.id}"):
        statements.clear()
        page = browser.get(url)
        assert page.status_code == 200, url
        assert any("obe_results" in s for s in statements), url
        assert not [s for s in statements if WHOLE.search(s)], url


def test_the_summary_gives_the_figures_of_the_whole_document(demo):
    """Every figure read through the summary, per-student parts included (loaded when first wanted)."""
    cohort = _se_2021()
    whole = _whole(cohort)
    stored = db.session.scalar(select(AchievementResult.summary).where(AchievementResult.cohort_id == cohort.id))
    assert stored == results.summary_of(whole) and "students" not in stored and "offerings" not in stored
    report = reports.cohort_report(cohort)
    assert report.students == whole["students"]
    got = results.get_results(cohort, queries.get_framework_for_cohort(cohort))
    for key, value in whole.items():
        assert got.data[key] == value, key
    offering = report.offerings[0]
    assert got.offering(offering.id) == whole["offerings"][str(offering.id)]


def test_a_row_stored_without_a_summary_shows_the_same_page(demo, login_as):
    from eduinnov.auth.models import User

    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    cohort = _se_2021()
    browser = login_as(director, "eduinnov-demo")
    before = browser.get(f"/obe/cohorts/{cohort.id}").get_data(as_text=True)
    db.session.execute(update(AchievementResult).values(summary=None))
    db.session.commit()
    after = browser.get(f"/obe/cohorts/{cohort.id}").get_data(as_text=True)
    strip = re.compile(r'name="csrf_token"[^>]*|csrf-token" content="[^"]*"')
    assert strip.sub("", after) == strip.sub("", before)
    report = reports.cohort_report(cohort)
    assert report.students == _whole(cohort)["students"]


def test_a_new_score_sheet_stores_its_summary_with_the_figures(plan, teacher):
    sheet = "\ufeff学号,作业1,作业2,题1,题2\n2021051001,8,8,20,12\n2021051002,4,4,10,6".encode()
    services.import_score_sheet(plan.offering, sheet, "a.csv", user=teacher)
    db.session.commit()
    row = db.session.scalar(select(AchievementResult).where(AchievementResult.cohort_id == plan.cohort.id))
    whole = {k: (json.loads(v) if isinstance(v, str) else v) for k, v in row.data.items()}
    assert row.summary == results.summary_of(whole)
    assert row.summary["requirements"][str(plan.requirement.id)]["weighted_sum"] == pytest.approx(0.6)


@pytest.mark.parametrize(("page", "most"), [("cohort", 12), ("requirement", 21), ("dashboard", 15)])
def test_the_cohort_pages_take_a_bounded_number_of_queries(demo, login_as, statements, page, most):
    """Every query counted on the demo's largest cohort (29 offerings, 12 requirements), logged in."""
    from eduinnov.auth.models import User

    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    cohort = _se_2021()
    requirement = reports.cohort_report(cohort).requirements[2].requirement
    url = {"cohort": f"/obe/cohorts/{cohort.id}", "requirement": f"/obe/cohorts/{cohort.id}/requirements/{requirement.id}",
           "dashboard": f"/dashboards/cohorts/{cohort.id}"}[page]
    browser = login_as(director, "eduinnov-demo")
    assert browser.get(url).status_code == 200
    db.session.expire_all()
    statements.clear()
    assert browser.get(url).status_code == 200
    assert len(statements) <= most, "\n".join(statements)


def test_the_report_of_one_requirement_equals_its_row_of_the_whole_report(demo):
    """The drill-down builds one requirement's row only: the same points, courses, objectives and offerings."""
    cohort = _se_2021()
    whole = reports.cohort_report(cohort)
    assert len(whole.requirements) == 12

    def shape(row):
        return (row.requirement.id, row.weighted_sum, row.minimum, row.share_weighted_sum, row.indirect,
                [(p.point.id, p.weighted_sum, p.minimum, p.indirect,
                  [(c.course.id, c.weight, c.normalised_weight, c.value, c.linked,
                    [(o.id, v) for o, v in c.objectives], [o.id for o in c.offerings]) for c in p.courses])
                 for p in row.points])

    for row in whole.requirements:
        one = reports.cohort_report(cohort, only=row.requirement.id)
        assert [shape(r) for r in one.requirements] == [shape(row)]


def _shortfalls_from_reports(cohorts: list[Cohort]) -> list[tuple[int, int, int, float, list[str]]]:
    """The home page's verdicts as each cohort's whole report shows them (the former way, cohort by cohort)."""
    out = []
    for cohort in cohorts:
        report = reports.cohort_report(cohort)
        if report.framework is None or not report.offerings:
            continue
        minimum = report.rule == reports.AggregationRule.MINIMUM
        judged = [(r.requirement.number, r.achieved_minimum if minimum else r.achieved_weighted_sum)
                  for r in report.requirements]
        judged = [(n, v) for n, v in judged if v is not None]
        below = [str(n) for n, v in judged if v is False]
        if below:
            out.append((cohort.id, len(below), len(judged), report.threshold, below))
    return out


@pytest.mark.parametrize("stored_first", [True, False])
def test_home_shortfalls_equal_the_cohort_reports_verdicts(demo, statements, stored_first):
    from eduinnov.auth.models import Role, User

    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN))
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.entry_year.desc(), Cohort.id)
                                      .limit(reports.MAX_OBE_COHORTS)))
    # One SE cohort misses its 2nd requirement under the minimum rule: a verdict that differs by rule.
    expected = _shortfalls_from_reports(cohorts)
    assert expected, "the demo has cohorts below the threshold"
    if not stored_first:  # nothing stored yet: the figures are computed (and stored) on the way
        db.session.execute(AchievementResult.__table__.delete())
    statements.clear()
    got = [(s.cohort.id, s.below, s.total, s.threshold, s.numbers) for s in reports.list_obe_shortfalls(admin)]
    assert got == expected
    if stored_first:
        # No cohort report is built: the cohorts, one or two framework queries per cohort (a cohort without
        # offerings looks up its program's versions), the stored summaries, the requirements' numbers.
        assert len(statements) <= 2 * len(cohorts) + 3, "\n".join(s[:120] for s in statements)
        assert not any(WHOLE.search(s) for s in statements)
