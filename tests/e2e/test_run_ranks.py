"""A director reads a run page where students tie: they share a rank (1, 1, 3), in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eduinnov.achievements.models import Level, VerificationStatus
from eduinnov.extensions import db
from eduinnov.indicators import services
from tests.factories import PASSWORD, make_achievement, make_student

pytestmark = pytest.mark.e2e

SPEC = {
    "name": "Projects only", "unit": "student",
    "grade_scale": [{"name_zh": "优秀", "name_en": "Excellent", "min": 0.5, "max": 1.0, "value": 0.75},
                    {"name_zh": "较差", "name_en": "Poor", "min": 0.0, "max": 0.5, "value": 0.25}],
    "tree": {"code": "G", "name_zh": "创新能力", "weighting": "equal",
             "children": [{"code": "P", "name_zh": "项目", "metric": "projects",
                           "scaling": {"method": "target", "target": 2}}]},
}


def test_tied_students_share_their_rank_on_the_run_page(page, live_server, program, cohort, director, shot,
                                                        console_errors):
    a = make_student(cohort, name="甲同学", student_no="2022000001")
    b = make_student(cohort, name="乙同学", student_no="2022000002")
    c = make_student(cohort, name="丙同学", student_no="2022000003")
    for student in (a, b):  # one verified project each: the same score
        make_achievement(program, [student], level=Level.NATIONAL, verification_status=VerificationStatus.VERIFIED,
                         verified_by_id=director.id, verified_at=datetime.now(UTC))
    model = services.import_model(SPEC, program, director)
    run = services.run_evaluation(model, services.Target(cohort=cohort), director)
    db.session.commit()
    assert c.id
    page.goto(f"{live_server}/login")
    page.locator("input[name=email]").fill(director.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/**")
    page.goto(f"{live_server}/evaluation/runs/{run.id}")
    rows = page.locator("table", has=page.locator("td", has_text="甲同学")).first.locator("tbody tr")
    cells = [rows.nth(i).locator("td").nth(0).inner_text().strip() for i in range(rows.count())]
    names = [rows.nth(i).locator("td").nth(1).inner_text().strip() for i in range(rows.count())]
    assert list(zip(cells, names, strict=True))[:3] == [("1", "甲同学 (2022000001)"), ("1", "乙同学 (2022000002)"),
                                                       ("3", "丙同学 (2022000003)")]
    shot("run-shared-ranks")
    assert not console_errors
