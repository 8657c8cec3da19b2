"""The improvement loop across framework versions in Chromium: a director maps the requirements of the
old version to a renumbered new one, and the new requirement's improvement page shows the old cycles."""

from __future__ import annotations

import pytest

from eduinnov.extensions import db
from eduinnov.frameworks import services
from eduinnov.frameworks.models import FrameworkStatus
from eduinnov.obe import services as obe_services
from eduinnov.obe.models import ImprovementStatus
from tests.factories import PASSWORD, make_cohort, make_obe_framework

pytestmark = pytest.mark.e2e


def test_map_requirements_and_see_the_chain(page, live_server, program, director, shot, console_errors):
    base = live_server
    old = make_obe_framework(program, "2017", status=FrameworkStatus.ACTIVE)
    gr1 = next(r for r in old.requirements if r.number == 1)
    obe_services.create_improvement(gr1, user=director, cycle_year=2021, analysis="微积分基础薄弱，建模题失分多",
                                    measure="增设习题课与建模案例", responsible="数学教研室",
                                    cohort=make_cohort(program, 2017), achievement_value=0.62,
                                    next_cycle_result="2025 届达成度 0.74", status=ImprovementStatus.VERIFIED)
    new = services.create_framework(program, version="2024", title="软件工程培养方案 2024", user=director)
    services.create_requirement(new, number=2, title="工程知识")
    services.create_requirement(new, number=5, title="使用现代工具")
    db.session.commit()

    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(director.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/frameworks/{new.id}")
    page.get_by_role("link", name="Map requirements to earlier versions").click()
    page.wait_for_load_state()
    page.get_by_label("GR1 工程知识").select_option(label="GR2 工程知识")
    shot("lineage-mapping")
    page.get_by_role("button", name="Save mapping").click()
    page.wait_for_load_state()
    assert "mapped; 1 not carried over" in page.content()
    assert "GR3" in page.locator(".alert-warning").inner_text()  # listed as not carried over
    shot("lineage-framework-after-mapping")

    gr2 = next(r for r in new.requirements if r.number == 2)
    page.goto(f"{base}/obe/requirements/{gr2.id}/improvements")
    body = page.locator("main").inner_text()
    assert "2017 GR1" in body and "微积分基础薄弱" in body and "2025 届达成度 0.74" in body
    shot("lineage-improvements-chain")
    assert not console_errors, console_errors
