"""A dean in a real browser: the menu's Schools entry, the school dashboard with its charts and tables,
a program of the school read-only, and the administrators' comparison of schools."""

import re

import pytest

from eduinnov.achievements.models import AchievementKind, Level
from eduinnov.auth.models import Role
from tests.factories import (
    PASSWORD,
    make_achievement,
    make_cohort,
    make_run,
    make_school,
    make_student,
    make_user,
    verified,
)

pytestmark = pytest.mark.e2e


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_a_dean_opens_the_school_dashboard_and_an_admin_compares_schools(page, live_server, program, other_program,
                                                                         cohort, director, admin, shot):
    base = live_server
    students = [make_student(cohort, name=n) for n in ("林晓雨", "王浩然", "陈思远")]
    later = make_cohort(program, 2023)
    newer = [make_student(later, name=n) for n in ("周宇航", "吴梓轩")]
    K = AchievementKind
    verified(make_achievement(program, students[:2], K.PROJECT, level=Level.NATIONAL), director)
    verified(make_achievement(program, students[2:], K.PUBLICATION), director)
    verified(make_achievement(program, newer[:1], K.AWARD, level=Level.PROVINCIAL), director)
    make_run(cohort, students)
    dean = make_user(Role.TEACHER, name="王院长")
    make_school("ENG", [program], [dean], name_zh="工学院", name_en="School of Engineering")
    make_school("MED", [other_program], name_zh="医学院", name_en="School of Medicine")

    _log_in(page, base, dean.email)
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("#dean-school-ENG").is_visible()
    shot("school-dean-home-en")
    page.get_by_role("link", name="Schools", exact=True).click()
    page.wait_for_url(re.compile(r".*/schools/\d+$"))
    html = page.content()
    assert "School dashboard: School of Engineering" in html and html.count("<svg") >= 3
    row = page.locator(f"#program-{program.code}")
    assert "Excellent 2 · Needs work 1" in row.inner_text()
    shot("school-dashboard-en")

    page.locator(f"#program-{program.code} a").first.click()  # the program's trends: readable
    page.wait_for_url(re.compile(r".*/dashboards/programs/\d+/trends$"))
    assert page.locator("h1").inner_text().startswith("Trends across cohorts")

    page.context.clear_cookies()
    _log_in(page, base, admin.email)
    page.goto(f"{base}/schools/university")
    assert page.locator("#school-ENG").is_visible() and page.locator("#school-MED").is_visible()
    assert page.locator("svg").count() >= 2  # kinds and per-100 (no OBE results here: no OBE chart)
    shot("schools-compared-en")
