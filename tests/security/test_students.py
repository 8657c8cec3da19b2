"""A student sees her own record, scores and achievements, and nothing of her classmates'."""

from __future__ import annotations

import pytest

from eduinnov.achievements.models import EvidenceFile
from eduinnov.extensions import db
from tests.factories import make_achievement
from tests.security.test_idor import RULES, _urls


@pytest.fixture
def classmate_achievement(world_a):
    achievement = make_achievement(world_a.program, [world_a.students[1]], title="classmate secret")
    file = EvidenceFile(achievement=achievement, original_name="c.pdf", stored_name="c" * 32 + ".pdf",
                        mime_type="application/pdf", size_bytes=1, sha256="0" * 64)
    db.session.add(file)
    db.session.commit()
    return achievement, file


def test_a_student_gets_404_for_every_page_of_a_classmate(login_as, world_a, classmate_achievement):
    achievement, file = classmate_achievement
    browser = login_as(world_a.student_user)
    classmate = world_a.students[1]
    urls = [
        f"/achievements/{achievement.id}", f"/achievements/evidence/{file.id}",
        f"/obe/offerings/{world_a.offering.id}/students/{classmate.id}",
    ]
    for rule in RULES:
        if "GET" in rule.methods and "student_id" in rule.arguments:
            url = _urls(rule, world_a, world_a)[0]
            urls.append(url.replace(f"/{world_a.student.id}", f"/{classmate.id}"))
    failures = [f"{u}: {code}" for u in urls if (code := browser.get(u).status_code) != 404]
    assert failures == []
    assert len(urls) >= 5


def test_a_student_sees_her_own_pages(login_as, world_a):
    browser = login_as(world_a.student_user)
    own = [f"/programs/students/{world_a.student.id}", f"/obe/students/{world_a.student.id}",
           f"/achievements/{world_a.achievement.id}", "/achievements/"]
    assert [browser.get(u).status_code for u in own] == [200] * len(own)


def test_lists_show_a_student_only_her_own_achievements(login_as, world_a, classmate_achievement):
    browser = login_as(world_a.student_user)
    html = browser.get("/achievements/").get_data(as_text=True)
    assert world_a.achievement.title in html and "classmate secret" not in html
    assert browser.get("/programs/students").status_code == 403
    assert browser.get("/obe/").status_code == 302  # to her own OBE page
