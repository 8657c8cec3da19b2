"""The "minimum over a course's objectives" setting: degrees, stored figures and the provenance line."""

from __future__ import annotations

import html
import json

import pytest
from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.frameworks import services as framework_services
from eduinnov.frameworks.models import FrameworkVersion, ObjectiveIndicatorLink, ObjectiveRule
from eduinnov.obe import reports, results, services
from eduinnov.obe.models import AchievementResult

# One student: 作业1 8/10, 作业2 8/10, 题1 20/25, 题2 6/15.
# CO1 (homework 0.3, exam 0.7; 题2 counts for CO1 and CO2): 0.3 · 16/20 + 0.7 · (20 + 6)/(25 + 15) = 0.695
# CO2 (no type weights: its items' marks): 6/15 = 0.4
# SE101's value for IP 3.2, both objectives linked: mean 0.5475, minimum 0.4. It is the only course
# supporting the only point of GR3 with a value, so GR3 is that value under both aggregation rules.
CO1, CO2 = 0.3 * 16 / 20 + 0.7 * 26 / 40, 6 / 15
MEAN, MINIMUM = (CO1 + CO2) / 2, min(CO1, CO2)


def _sheet(rows):
    return ("\ufeff" + "\n".join(",".join(map(str, r)) for r in rows)).encode()


def _stored(cohort) -> AchievementResult:
    db.session.commit()  # end the read transaction: see what the requests committed
    return db.session.scalar(select(AchievementResult).where(AchievementResult.cohort_id == cohort.id))


@pytest.fixture
def scored(plan, teacher):
    """The plan with CO2 also linked to IP 3.2 and one student's scores."""
    db.session.add(ObjectiveIndicatorLink(objective_id=plan.co2.id, indicator_point_id=plan.points[1].id))
    services.import_score_sheet(plan.offering, _sheet([["学号", "作业1", "作业2", "题1", "题2"],
                                                       ["2021051001", 8, 8, 20, 6]]), "a.csv", user=teacher)
    db.session.commit()
    return plan


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _settings(framework: FrameworkVersion, **changes):
    values = dict(version=framework.version, title=framework.title, entry_year=framework.entry_year,
                  notes=framework.notes, threshold=framework.threshold, aggregation_rule=framework.aggregation_rule,
                  weight_h=framework.weight_h, weight_m=framework.weight_m, weight_l=framework.weight_l)
    values.update(changes)
    return values


def test_the_hand_computed_objective_values(scored):
    course_objectives = _stored(scored.cohort).data["course_objectives"]
    assert course_objectives[f"{scored.course.id}:{scored.co1.id}"] == pytest.approx(0.695)
    assert course_objectives[f"{scored.course.id}:{scored.co2.id}"] == pytest.approx(0.4)


def test_minimum_over_objectives_changes_the_stored_degrees_in_the_same_transaction(scored):
    gr, point = str(scored.requirement.id), scored.points[1]
    first = _stored(scored.cohort)
    assert first.data["requirements"][gr]["weighted_sum"] == pytest.approx(MEAN) == pytest.approx(0.5475)
    assert first.data["cells"][f"{point.id}:{scored.course.id}"] == pytest.approx(MEAN)
    fp = first.fingerprint

    framework = db.session.get(FrameworkVersion, scored.framework.id)
    threshold = framework.threshold
    framework_services.update_framework_settings(framework, **_settings(framework, threshold=0.5),
                                                 objective_rule=ObjectiveRule.MINIMUM)
    db.session.commit()  # the listener recomputes before the commit: the stored row is the new one
    after = _stored(scored.cohort)
    assert after.fingerprint != fp and results.is_current(scored.cohort, framework)
    req = after.data["requirements"][gr]
    assert req["weighted_sum"] == pytest.approx(MINIMUM) == pytest.approx(0.4)
    assert req["minimum"] == pytest.approx(0.4)
    assert req["achieved_weighted_sum"] is False  # 0.4 < 0.5, where the mean (0.5475) was achieved
    student = str(scored.students[0].id)
    students = json.loads(after.data["students"])  # stored packed (see results._PACKED)
    assert students["weighted_sum"][student][gr] == pytest.approx(0.4)
    assert req["share_weighted_sum"] == 0.0

    # and back: the mean again, achieved at 0.5
    framework_services.update_framework_settings(framework, **_settings(framework),
                                                 objective_rule=ObjectiveRule.MEAN)
    db.session.commit()
    back = _stored(scored.cohort).data["requirements"][gr]
    assert back["weighted_sum"] == pytest.approx(MEAN) and back["achieved_weighted_sum"] is True
    framework_services.update_framework_settings(framework, **_settings(framework, threshold=threshold))
    db.session.commit()
    assert _stored(scored.cohort).fingerprint == fp  # the default mean keeps the fingerprint of before


def test_leaving_the_rule_out_keeps_it(scored):
    framework = db.session.get(FrameworkVersion, scored.framework.id)
    framework.objective_rule = ObjectiveRule.MINIMUM
    db.session.commit()
    framework_services.update_framework_settings(framework, **_settings(framework, threshold=0.6))
    db.session.commit()
    assert db.session.get(FrameworkVersion, framework.id).objective_rule == ObjectiveRule.MINIMUM


def test_the_setting_is_on_the_settings_page_and_in_the_provenance_lines(scored, login_as, director):
    browser = login_as(director)
    fid = scored.framework.id
    settings = browser.get(f"/frameworks/{fid}/settings")
    db.session.commit()  # end the test's read transaction: read the current row version
    assert "Minimum over a course's objectives" in _text(settings)
    framework = db.session.get(FrameworkVersion, fid)
    form = {**{k: ("" if v is None else getattr(v, "value", v)) for k, v in _settings(framework).items()},
            "objective_rule": "minimum", "row_version": f"framework_versions:{fid}:{framework.row_version}"}
    saved = browser.post(f"/frameworks/{fid}/settings", data=form, token_from=f"/frameworks/{fid}/settings")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:2000]
    db.session.commit()
    assert db.session.get(FrameworkVersion, fid).objective_rule == ObjectiveRule.MINIMUM

    cohort_page = _text(browser.get(f"/obe/cohorts/{scored.cohort.id}"))
    assert "course objectives: Minimum over a course's objectives" in cohort_page
    assert "0.400" in cohort_page and "0.547" not in cohort_page
    req_page = browser.get(f"/obe/cohorts/{scored.cohort.id}/requirements/{scored.requirement.id}")
    assert "course objectives: Minimum over a course's objectives" in _text(req_page)
    assert "Minimum over a course's objectives" in _text(browser.get(f"/frameworks/{fid}"))
    report = reports.cohort_report(db.session.get(type(scored.cohort), scored.cohort.id))
    assert report.as_dict()["objective_rule"] == "minimum"


def test_a_bad_rule_is_refused_and_changes_nothing(scored, login_as, director):
    browser = login_as(director)
    fid = scored.framework.id
    framework = db.session.get(FrameworkVersion, fid)
    form = {**{k: ("" if v is None else getattr(v, "value", v)) for k, v in _settings(framework).items()},
            "objective_rule": "median", "row_version": f"framework_versions:{fid}:{framework.row_version}"}
    page = browser.post(f"/frameworks/{fid}/settings", data=form, token_from=f"/frameworks/{fid}/settings")
    assert page.status_code == 200 and "Not a valid choice" in page.get_data(as_text=True)
    db.session.commit()
    assert db.session.get(FrameworkVersion, fid).objective_rule == ObjectiveRule.MEAN
