"""Suggest targets in a real browser, in Chinese: from a model's page to the table, accepted into a new version."""

import re

import pytest

from eduinnov.achievements.models import AchievementKind, Level
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel
from tests.factories import PASSWORD, make_achievement, make_cohort, make_student, verified

pytestmark = pytest.mark.e2e


def test_director_accepts_suggested_targets(page, live_server, program, director, shot, console_errors, db):
    base = live_server
    earlier = make_cohort(program, 2021)
    later = make_cohort(program, 2022)
    old = [make_student(earlier, name=n) for n in ("周宇航", "吴梓轩", "林晓雨", "王浩然")]
    new = [make_student(later, name=n) for n in ("陈思远", "赵子涵")]
    for i, team in enumerate((old[:2], old[:1], old[2:3], new[:1])):
        verified(make_achievement(program, team, AchievementKind.PROJECT, level=Level.UNIVERSITY,
                                  title=f"项目{i}"), director)
    spec = {"name": "项目训练评价", "unit": "student",
            "grade_scale": [{"name_zh": "好", "name_en": "Good", "min": 0.5, "max": 1.0, "value": 0.75},
                            {"name_zh": "待提高", "name_en": "Needs improvement", "min": 0.0, "max": 0.5, "value": 0.25}],
            "tree": {"code": "G", "name_zh": "项目训练", "children": [
                {"code": "P", "name_zh": "大创项目", "metric": "projects",
                 "scaling": {"method": "target", "mode": "calibrated", "percentile": 90, "cohorts": 2, "target": 3}},
                {"code": "R", "name_zh": "导师评价", "metric": "manual_score",
                 "params": {"key": "mentor_rating", "default": 3}, "scaling": {"method": "range", "min": 1, "max": 5}},
            ]}}
    model = services.import_model(spec, program, director)
    db.session.commit()

    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(director.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/evaluation/models/{model.id}")
    if page.locator("form.lang-switch button[value=zh]").count():
        page.locator("form.lang-switch button[value=zh]").click()
        page.wait_for_url(re.compile(rf".*/evaluation/models/{model.id}$"))
    page.get_by_role("link", name="建议目标值").click()
    page.wait_for_url(re.compile(rf".*/evaluation/models/{model.id}/targets$"))
    row = page.locator("tr", has_text="大创项目")
    # Earlier cohort 2021: projects per student 2, 1, 1, 0 -> P90 = 2, a quarter at zero.
    assert "校准：往届 P90" in row.inner_text() and "2021 级学生" in row.inner_text() and "25%" in row.inner_text()
    assert row.locator("input[name=target-P]").input_value() == "2"
    shot("suggest-targets-zh")
    row.locator("input[name=target-P]").fill("2.5")
    page.get_by_role("button", name="接受并生成新版本").click()
    page.wait_for_url(re.compile(r".*/evaluation/models/\d+$"))
    assert "第 2 版" in page.content()
    db.session.expire_all()
    newest = db.session.query(EvaluationModel).filter_by(derived_from_id=model.id).one()
    assert next(n for n in newest.nodes if n.code == "P").scaling == {"method": "target", "target": 2.5}
    assert not console_errors
