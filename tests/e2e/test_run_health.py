"""A run page as a director sees it: a healthy run, a run that failed its health check, and the review."""

import re

import pytest

from eduinnov.achievements.models import AchievementKind, Indexing, Level
from eduinnov.extensions import db
from eduinnov.indicators import services
from tests.factories import PASSWORD, make_achievement, make_student, simple_spec, verified

pytestmark = pytest.mark.e2e


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_run_pages_healthy_failed_and_reviewed(page, live_server, program, cohort, director, shot, console_errors):
    base = live_server
    students = [make_student(cohort, name=n) for n in ("林晓雨", "王浩然", "陈思远", "赵子涵", "周宇航", "吴梓轩")]
    K = AchievementKind
    verified(make_achievement(program, students[:2], K.PROJECT, level=Level.NATIONAL), director)
    verified(make_achievement(program, students[:1], K.PROJECT, level=Level.UNIVERSITY), director)
    verified(make_achievement(program, students[1:3], K.PUBLICATION, indexing=Indexing.EI), director)
    verified(make_achievement(program, students[3:5], K.AWARD, level=Level.PROVINCIAL), director)
    healthy_model = services.import_model(simple_spec(), program, director)
    healthy = services.run_evaluation(healthy_model, services.Target(cohort=cohort), director)
    harsh = simple_spec(name="Harsh targets")
    for leaf in harsh["tree"]["children"]:
        leaf["scaling"] = {"method": "target", "target": 100}
    failed = services.run_evaluation(services.import_model(harsh, program, director),
                                     services.Target(cohort=cohort), director)
    db.session.commit()
    assert healthy.health_passed is True and failed.health_passed is False

    _log_in(page, base, director.email)
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/evaluation/runs/{healthy.id}")
    status = page.locator(".health-status")
    assert status.get_attribute("data-passed") == "yes" and "Health check passed" in status.inner_text()
    assert "score band" in page.locator(".grade-legend").inner_text()
    shot("run-health-passed")

    page.goto(f"{base}/evaluation/runs/{failed.id}")
    status = page.locator(".health-status")
    assert status.get_attribute("data-passed") == "no"
    assert "not published" in status.inner_text()
    checks = page.locator(".health-checks").inner_text()
    assert "100 % of the units are graded Poor." in checks and "Calibrate the targets" in checks
    shot("run-health-failed")

    page.locator("textarea[name=reason]").fill("The ministry's targets; this cohort is in its first year.")
    page.locator("#health form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/evaluation/runs/{failed.id}.*"))
    assert "reviewed, published" in page.locator(".health-status").inner_text()
    assert "first year" in page.locator(".health-status").inner_text()
    shot("run-health-reviewed")

    # a fuzzy template: grades by maximum membership, the memberships shown beside each grade
    from eduinnov.indicators.yaml_io import get_template

    tpl = get_template("ahp_fuzzy")
    fuzzy = services.run_evaluation(services.import_model(tpl.spec, program, director, template_key=tpl.key),
                                    services.Target(cohort=cohort), director)
    db.session.commit()
    page.goto(f"{base}/evaluation/runs/{fuzzy.id}")
    assert page.locator(".grade-legend").get_attribute("data-rule") == "max_membership"
    assert page.locator("td.membership").count() == len(students)
    assert "†" in page.locator("table").nth(1).inner_text()  # defuzzified node scores are marked
    shot("run-membership-legend")

    page.locator("form.lang-switch button[value=zh]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/evaluation/runs/{failed.id}")
    assert "健康检查未通过" in page.locator(".health-status").inner_text()
    shot("run-health-failed-zh")
    assert console_errors == []
