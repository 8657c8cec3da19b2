"""The cohort dashboard in a real browser, in English then Chinese, and a comparison of two cohorts."""

import re

import pytest

from eduinnov.achievements.models import AchievementKind, Indexing, Level, PatentStatus
from eduinnov.frameworks.models import PartnerKind
from tests.factories import (
    PASSWORD,
    make_achievement,
    make_cohort,
    make_participation,
    make_partner,
    make_run,
    make_student,
    verified,
)

pytestmark = pytest.mark.e2e


def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _dashboard_loaded(page):
    # The OBE section comes with the page (stored results): nothing is fetched after it.
    assert page.locator("[data-fragment]").count() == 0
    assert page.locator("section[aria-labelledby=obe]").is_visible()


def test_dashboard_in_both_languages_and_a_comparison(page, live_server, program, cohort, teacher, director, shot):
    base = live_server
    students = [make_student(cohort, name=n) for n in ("林晓雨", "王浩然", "陈思远", "赵子涵")]
    earlier = make_cohort(program, 2021)
    old = [make_student(earlier, name=n) for n in ("周宇航", "吴梓轩")]
    K = AchievementKind
    verified(make_achievement(program, students[:2], K.PROJECT, level=Level.NATIONAL, title="课堂专注度识别"), director)
    verified(make_achievement(program, students[2:3], K.PROJECT, level=Level.PROVINCIAL), director)
    verified(make_achievement(program, students[:1], K.PUBLICATION, indexing=Indexing.EI), director)
    verified(make_achievement(program, students[1:2], K.PATENT, patent_status=PatentStatus.GRANTED), director)
    verified(make_achievement(program, students[3:], K.AWARD, level=Level.PROVINCIAL), director)
    verified(make_achievement(program, old, K.PROJECT, level=Level.UNIVERSITY), director)
    firm = make_partner(program, "某软件公司", PartnerKind.ENTERPRISE)
    make_participation(students[0], firm, "实习")
    make_run(cohort, students[:3])

    _log_in(page, base, teacher.email)
    page.get_by_role("link", name="Dashboards", exact=True).click()
    page.wait_for_url(re.compile(rf".*/dashboards/cohorts/{cohort.id}$"))
    _dashboard_loaded(page)
    html = page.content()
    assert "Cohort dashboard" in html and html.count("<svg") >= 7
    assert "National" in page.locator("svg").nth(1).inner_html()
    # A chart's data table is one click away.
    details = page.locator("details.chart-data-details").first
    details.locator("summary").click()
    assert details.locator("table").is_visible()
    assert "Training projects" in details.locator("table").inner_text()
    shot("dashboard-en")

    page.locator("form.lang-switch button[value=zh]").click()
    page.wait_for_url(re.compile(rf".*/dashboards/cohorts/{cohort.id}$"))
    _dashboard_loaded(page)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    levels_chart = page.locator("svg").nth(1).inner_html()
    assert "国家级" in levels_chart and "National" not in levels_chart
    assert "学生" in page.locator("#headline").locator("..").inner_text()
    shot("dashboard-zh")

    page.goto(f"{base}/dashboards/compare")
    page.locator(f"#c{cohort.id}").check()
    page.locator(f"#c{earlier.id}").check()
    page.locator(f"form:has(#c{cohort.id}) button[type=submit]").click()
    page.wait_for_load_state()
    assert "cohort=" in page.url
    table = page.locator("table.figure-table").inner_text()
    assert re.search(r"学生\s+2\s+4", table), table  # 2021 (two students), then 2022 (four)
    shot("dashboard-compare")
