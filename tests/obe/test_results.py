"""Stored achievement degrees: the same numbers as before, a handful of queries, never stale."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from eduinnov.extensions import db
from eduinnov.frameworks.models import AggregationRule, CourseSupport
from eduinnov.obe import reports, results, services
from eduinnov.obe.models import AchievementResult, AssessmentType, Score
from tests.obe import snapshot

BASELINE = Path(__file__).parent / "data" / "demo_baseline.json"


def _same(expected, actual, path="") -> list[str]:
    """Differences between two snapshots (floats equal within 1e-12)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in expected or key not in actual:
                out.append(f"{path}/{key}: only in {'baseline' if key in expected else 'new'}")
            else:
                out.extend(_same(expected[key], actual[key], f"{path}/{key}"))
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (a, b) in enumerate(zip(expected, actual, strict=True)) for d in _same(a, b, f"{path}[{i}]")]
    if isinstance(expected, float) and isinstance(actual, (int, float)) and not isinstance(actual, bool):
        return [] if math.isclose(expected, actual, rel_tol=1e-12, abs_tol=1e-12) else [f"{path}: {expected} != {actual}"]
    return [] if expected == actual else [f"{path}: {expected!r} != {actual!r}"]


@pytest.fixture
def demo(runner, db):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


def test_every_demo_figure_equals_the_implementation_before_stored_results(app, demo):
    """Recorded from the per-offering implementation (commit fc2bef5) on ``flask seed demo``."""
    expected = json.loads(BASELINE.read_text(encoding="utf-8"))
    with app.test_request_context():
        actual = json.loads(json.dumps(snapshot.snapshot()))
    assert len(actual["offerings"]) == 56 and len(actual["cohorts"]) == 8
    assert _same(expected, actual) == []


def test_seeding_stores_every_cohort_with_the_fingerprint_of_its_current_inputs(demo):
    from eduinnov.obe import queries
    from eduinnov.programs.models import Cohort

    cohorts = [c for c in db.session.scalars(select(Cohort)) if queries.get_framework_for_cohort(c) is not None]
    stored = db.session.scalar(select(func.count(AchievementResult.id)))
    assert stored == len(cohorts) == 8
    for cohort in cohorts:
        assert results.is_current(cohort, queries.get_framework_for_cohort(cohort))


class _Counter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)


@pytest.fixture
def count_queries():
    counter = _Counter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def test_computing_a_cohort_takes_a_handful_of_queries_whatever_its_size(demo, count_queries):
    from eduinnov.obe import queries
    from eduinnov.programs.models import Cohort, Program

    cohort = db.session.scalar(select(Cohort).join(Cohort.program).where(Program.code == "SE",
                                                                          Cohort.entry_year == 2021))
    framework = queries.get_framework_for_cohort(cohort)
    db.session.execute(select(func.count()).select_from(Score))  # warm the connection
    count_queries.statements.clear()
    inputs = results.load_inputs(cohort.id, framework)
    data = results.compute_results(inputs)
    assert len(inputs.offerings) == 29 and len(inputs.scores) > 1000
    assert len(count_queries.statements) == 9  # one per input table, no lazy load
    assert len(data["requirements"]) == 12


def test_the_cohort_page_reads_the_stored_figures_in_few_queries(demo, login_as, count_queries):
    from eduinnov.auth.models import User
    from eduinnov.programs.models import Cohort, Program

    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    cohort = db.session.scalar(select(Cohort).join(Cohort.program).where(Program.code == "SE",
                                                                          Cohort.entry_year == 2021))
    browser = login_as(director, "eduinnov-demo")
    count_queries.statements.clear()
    page = browser.get(f"/obe/cohorts/{cohort.id}")
    assert page.status_code == 200
    assert not any("FROM scores" in s for s in count_queries.statements)  # nothing recomputed
    assert len(count_queries.statements) < 40, len(count_queries.statements)


def _cohort_page(browser, cohort_id) -> str:
    page = browser.get(f"/obe/cohorts/{cohort_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _sheet(rows):
    return ("\ufeff" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


def _stored(cohort) -> AchievementResult:
    db.session.commit()  # end the test's read transaction: see what the requests committed
    return db.session.scalar(select(AchievementResult).where(AchievementResult.cohort_id == cohort.id))


def test_a_new_score_sheet_changes_the_stored_figures_and_the_page(plan, login_as, teacher, director):
    """The import request itself stores the new figures: the next page view computes nothing."""
    off = plan.offering
    header = ["学号", "作业1", "作业2", "题1", "题2"]
    services.import_score_sheet(off, _sheet([header, ["2021051001", 8, 8, 20, 12], ["2021051002", 8, 8, 20, 12]]),
                                "a.csv", user=teacher)
    db.session.commit()
    first = _stored(plan.cohort)
    assert first is not None and results.is_current(plan.cohort, plan.framework)
    first_fp, gr = first.fingerprint, str(plan.requirement.id)
    before = first.data["requirements"][gr]["weighted_sum"]
    # CO1 = 0.3 · 16/20 + 0.7 · (20 + 12)/(25 + 15) = 0.8 for everyone
    assert before == pytest.approx(0.8)
    browser = login_as(director)
    assert "0.800" in _cohort_page(browser, plan.cohort.id)

    # One changed score, through the upload form (preview + confirm) as a teacher would.
    up = login_as(teacher)
    url = f"/obe/offerings/{off.id}/scores/preview"
    data = {"sheet": (io.BytesIO(_sheet([header, ["2021051001", 8, 8, 20, 12], ["2021051002", 4, 4, 10, 6]])),
                      "b.csv")}
    preview = up.post(url, data=data, token_from=f"/obe/offerings/{off.id}/scores/upload",
                      content_type="multipart/form-data")
    assert preview.status_code == 200
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', preview.get_data(as_text=True)).group(1)
    confirm = up.post(f"/obe/offerings/{off.id}/scores/confirm", data={"token": token, "filename": "b.csv"},
                      token_from=f"/obe/offerings/{off.id}/scores/upload")
    assert confirm.status_code == 302 and confirm.location.endswith(f"/obe/offerings/{off.id}"), confirm.location
    after = _stored(plan.cohort)
    assert after.fingerprint != first_fp
    # student 2 now has half of everything: CO1 0.4; the class 0.6
    assert after.data["requirements"][gr]["weighted_sum"] == pytest.approx(0.6)
    assert results.is_current(plan.cohort, plan.framework)
    html = _cohort_page(browser, plan.cohort.id)
    assert "0.600" in html and "0.800" not in html


def test_a_changed_program_rule_or_support_weight_changes_the_page(plan, login_as, teacher, director):
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 8, 8, 20, 12]]), "a.csv", user=teacher)
    db.session.commit()
    browser = login_as(director)
    assert "0.800" in _cohort_page(browser, plan.cohort.id)
    fp = _stored(plan.cohort).fingerprint

    framework = db.session.get(type(plan.framework), plan.framework.id)
    framework.aggregation_rule = AggregationRule.MINIMUM
    framework.threshold = 0.85
    db.session.commit()
    stored = _stored(plan.cohort)
    assert stored.fingerprint != fp and results.is_current(plan.cohort, framework)
    gr = stored.data["requirements"][str(plan.requirement.id)]
    assert gr["achieved_weighted_sum"] is False and gr["achieved_minimum"] is False  # 0.8 < 0.85
    html = _cohort_page(browser, plan.cohort.id)
    assert "0.85" in html and "Minimum over supporting courses" in html

    # A second supporting course without scores changes nothing in the values but is listed.
    support = db.session.scalar(select(CourseSupport))
    support.weight = 0.9
    db.session.commit()
    assert results.is_current(plan.cohort, framework)


def test_a_changed_plan_or_survey_is_stored_in_the_same_transaction(plan, teacher):
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 8, 8, 20, 12]]), "a.csv", user=teacher)
    db.session.commit()
    fp = _stored(plan.cohort).fingerprint
    item = db.session.get(type(plan.items[0]), plan.items[0].id)
    services.update_item(item, name=item.name, type=AssessmentType.HOMEWORK, full_marks=16,
                         objective_ids=[plan.co1.id], user=teacher)
    db.session.commit()
    stored = _stored(plan.cohort)
    assert stored.fingerprint != fp and results.is_current(plan.cohort, plan.framework)
    # homework: (8 + 8) / (16 + 10) instead of 16/20
    co1 = 0.3 * 16 / 26 + 0.7 * 32 / 40
    assert stored.data["requirements"][str(plan.requirement.id)]["weighted_sum"] == pytest.approx(co1)

    fp = stored.fingerprint
    services.import_surveys(plan.cohort, "指标点,来源,达成度\n3.2,毕业生,0.9\n".encode(), user=teacher)
    db.session.commit()
    assert _stored(plan.cohort).fingerprint != fp
    report = reports.cohort_report(plan.cohort, direct_weight=0.5)
    point = report.requirements[0].points[1]
    assert point.indirect == {"graduate": 0.9}
    assert point.combined == pytest.approx(0.5 * co1 + 0.5 * 0.9)


def test_a_failed_request_stores_nothing(plan, teacher):
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 8, 8, 20, 12]]), "a.csv", user=teacher)
    db.session.commit()
    fp = _stored(plan.cohort).fingerprint
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 1, 1, 1, 1]]), "a.csv", user=teacher)
    db.session.rollback()
    assert _stored(plan.cohort).fingerprint == fp
    assert results.is_current(plan.cohort, plan.framework)


def test_a_missing_row_is_computed_on_read_and_stored(plan, teacher):
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 8, 8, 20, 12]]), "a.csv", user=teacher)
    db.session.commit()
    db.session.execute(AchievementResult.__table__.delete())
    db.session.commit()
    report = reports.cohort_report(plan.cohort)
    assert report.requirements[0].weighted_sum == pytest.approx(0.8)
    db.session.commit()
    assert _stored(plan.cohort) is not None
