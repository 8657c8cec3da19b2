"""A walk through the main pages in a real browser, in Chinese and in English, as a program director and as
a student: key content is there, the menu and the pages speak the chosen language, nothing overflows
sideways at 1280 px, and the browser reports no console error (a CSP violation is one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eduinnov.achievements.models import AchievementKind, Level, PrizeRank, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import GraduationRequirement
from tests.factories import PASSWORD, make_achievement, make_framework, make_student, make_user

pytestmark = pytest.mark.e2e

OVERFLOWS = "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/**")


def _switch_language(page, code: str) -> None:
    page.locator(f"form.lang-switch button[value={code}]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if code == "zh" else "en")


def _visit(page, base: str, path: str, console_errors: list, *, expect: tuple[str, ...] = ()) -> str:
    """Open ``path``, check status 200, the expected texts, no sideways overflow and no console error."""
    response = page.goto(f"{base}{path}")
    assert response.status == 200, f"{path}: HTTP {response.status}"
    text = page.locator("body").inner_text()
    for needle in expect:
        assert needle in text, f"{path}: {needle!r} not on the page"
    assert not page.evaluate(OVERFLOWS), f"{path}: the page scrolls sideways"
    assert not console_errors, f"{path}: console errors {console_errors}"
    return text


@pytest.fixture
def walk_data(program, cohort, director):
    """A program with a cohort, two students, a verified and a claimed achievement and an active framework."""
    student = make_student(cohort, name="林晓雨", student_no="2022050001")
    other = make_student(cohort, name="周子涵", student_no="2022050002")
    verified = make_achievement(program, [student], title="基于深度学习的课堂专注度识别", year=2024,
                                level=Level.NATIONAL, verification_status=VerificationStatus.VERIFIED,
                                verified_by_id=director.id, verified_at=datetime.now(UTC))
    claimed = make_achievement(program, [other], kind=AchievementKind.AWARD, title="蓝桥杯省赛一等奖",
                               competition="蓝桥杯", prize_rank=PrizeRank.FIRST, level=Level.PROVINCIAL)
    fw = make_framework(program, version="2024", status=Lifecycle.ACTIVE, title="软件工程培养方案 2024")
    db.session.add(GraduationRequirement(framework=fw, number=1, title="工程知识", title_en="Engineering knowledge"))
    db.session.commit()
    account = make_user(Role.STUDENT, student=student, name="林晓雨")
    return {"student": student, "other": other, "verified": verified, "claimed": claimed, "framework": fw,
            "account": account}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_director_walks_through_the_main_pages(page, live_server, director, program, walk_data, console_errors,
                                               shot, lang):
    base, zh = live_server, lang == "zh"
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, base, director.email)
    _switch_language(page, lang)
    menu = page.locator("#mainnav .nav-link").all_inner_texts()
    assert ("成果" if zh else "Achievements") in menu and ("培养方案" if zh else "Frameworks") in menu
    assert not page.evaluate(OVERFLOWS), "the menu does not fit at 1280 px"

    s, fw = walk_data["student"], walk_data["framework"]
    pages = [
        ("/", ()),
        ("/programs/", ("软件工程" if zh else "Software Engineering",)),
        (f"/programs/{program.id}", ("软件工程" if zh else "Software Engineering", "2022")),
        ("/programs/students", (s.name, s.student_no)),
        (f"/programs/students/{s.id}", (s.name, "基于深度学习的课堂专注度识别")),
        ("/frameworks/", ("软件工程培养方案 2024",)),
        (f"/frameworks/{fw.id}", ("工程知识", "毕业要求" if zh else "Graduation requirements")),
        ("/frameworks/partners", ()),
        ("/achievements/", ("基于深度学习的课堂专注度识别", "蓝桥杯省赛一等奖")),
        ("/achievements/pending", ("蓝桥杯省赛一等奖",)),
        (f"/achievements/{walk_data['claimed'].id}", ("蓝桥杯", "认定" if zh else "Verify")),
        ("/evaluation/", ("内置模板" if zh else "Built-in templates",)),
        ("/evaluation/runs", ()),
        ("/obe/", ()),
    ]
    for path, expect in pages:
        _visit(page, base, path, console_errors, expect=expect)
        if path in ("/", f"/frameworks/{fw.id}", f"/achievements/{walk_data['claimed'].id}"):
            shot(f"walk-director-{lang}-{path.strip('/').replace('/', '-') or 'home'}")

    # The framework page's tabs switch (Bootstrap's JS runs under the CSP).
    page.goto(f"{base}/frameworks/{fw.id}")
    page.locator("main [data-bs-toggle=tab]").nth(1).click()
    page.wait_for_timeout(300)
    assert page.locator("main .tab-pane.active").count() == 1
    assert not console_errors, console_errors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_student_sees_only_their_own_records(page, live_server, walk_data, console_errors, shot, lang):
    base, zh = live_server, lang == "zh"
    s, other = walk_data["student"], walk_data["other"]
    _log_in(page, base, walk_data["account"].email)
    _switch_language(page, lang)
    # Home shows her achievements by state and leads to her own record.
    assert page.url == f"{base}/"
    assert page.locator("#fig-verified .display-6").inner_text() != "0"
    page.goto(f"{base}/programs/students/{s.id}")
    text = page.locator("main").inner_text()
    assert s.name in text and "基于深度学习的课堂专注度识别" in text
    menu = page.locator("#mainnav .nav-link").all_inner_texts()
    assert ("成果" if zh else "Achievements") in menu
    assert ("学生" if zh else "Students") not in menu and ("专业" if zh else "Programs") not in menu
    assert not console_errors, console_errors
    shot(f"walk-student-{lang}-home")

    text = _visit(page, base, "/achievements/", console_errors, expect=("基于深度学习的课堂专注度识别",))
    assert "蓝桥杯省赛一等奖" not in text, "a student sees another student's achievement"
    _visit(page, base, f"/achievements/{walk_data['verified'].id}", console_errors,
           expect=("基于深度学习的课堂专注度识别",))
    _visit(page, base, "/obe/", console_errors)

    # Another student's record, a claimed achievement of theirs and the staff lists are closed.
    for path in (f"/programs/students/{other.id}", f"/achievements/{walk_data['claimed'].id}", "/programs/students",
                 "/frameworks/", "/evaluation/"):
        response = page.goto(f"{base}{path}")
        assert response.status in (403, 404), f"{path}: HTTP {response.status} for a student"
        assert other.name not in page.locator("body").inner_text()
    assert console_errors, "the browser logs the 403/404 responses: the error collector must have seen them"
    console_errors.clear()

    # On a phone the menu collapses behind the toggler and nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/programs/students/{s.id}")
    assert page.locator(".navbar-toggler").is_visible()
    assert not page.locator("#mainnav").is_visible()
    assert not page.evaluate(OVERFLOWS), "the student's page scrolls sideways on a phone"
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav .nav-link").first.wait_for(state="visible")
    page.wait_for_timeout(400)  # let the collapse animation end before the screenshot
    assert not console_errors, console_errors
    shot(f"walk-student-{lang}-phone")
