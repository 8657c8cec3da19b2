"""Hostile text typed into names and titles is shown as text on every page, never run as markup.

Program A's objects get names such as ``<img src=x onerror=alert(1)>`` and ``"><script>…`` (students,
achievement, partner and its items, framework content, courses, offering, evaluation model and its
indicators, SWOT text, the director's own name); then every GET page of the app is opened with A's ids,
as A's director and as an administrator. No page may carry the payload unescaped, and the payload must
show up escaped on the pages that list or detail those objects (so the check is not vacuous).
"""

from __future__ import annotations

import re

import pytest

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.indicators import services as indicator_services
from tests.factories import make_user
from tests.security.test_idor import ADMIN_ONLY, RULES, _object_args, _urls

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(2)</script>'
RAW = (IMG, "<script>alert(2)", 'src=x onerror=alert(1)>')
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
SCRIPT_ESCAPED = "&lt;script&gt;alert(2)&lt;/script&gt;"


def _poison(w) -> None:
    for i, student in enumerate(w.students):
        student.name = f"{IMG}{i}" if i == 0 else f"{SCRIPT}{i}"
    w.achievement.title = f"{SCRIPT} award {IMG}"
    w.achievement.description = IMG
    w.partner.name_zh, w.partner.name_en, w.partner.city = IMG, SCRIPT, IMG
    w.agreement.title, w.base.name, w.joint.name, w.participation.title = IMG, SCRIPT, IMG, SCRIPT
    w.cohort.label = IMG
    w.framework.title, w.framework.notes = SCRIPT, IMG
    w.requirement.title, w.point.description = IMG, SCRIPT
    w.course.name_zh, w.course.name_en = IMG, SCRIPT
    w.objective.description, w.module.name_zh = SCRIPT, IMG
    w.offering.class_name, w.offering.notes = "c" + IMG[:40], SCRIPT
    w.improvement.analysis, w.improvement.measure, w.improvement.responsible = IMG, SCRIPT, IMG
    w.model.name, w.model.description = f"{IMG} model", SCRIPT
    for node in w.model.nodes:
        node.name_zh, node.name_en, node.description = f"{IMG}{node.code}", f"{SCRIPT}{node.code}", IMG
    w.swot.strengths, w.swot.weaknesses = IMG, SCRIPT
    w.rating.note = IMG
    w.director.name = IMG
    w.program.name_zh, w.program.name_en = f"{IMG}专业", f"{SCRIPT} program"
    db.session.commit()
    # A run made after the renaming stores the hostile labels in its snapshot too.
    indicator_services.run_evaluation(w.model, indicator_services.Target(cohort=w.cohort), w.director)
    db.session.commit()


@pytest.fixture
def poisoned(world_a, world_b):
    _poison(world_a)
    return world_a


def _pages(a):
    for rule in RULES:
        if "GET" not in rule.methods or rule.endpoint in ADMIN_ONLY | {"auth.logout"}:
            continue
        if rule.arguments and not _object_args(rule):
            continue  # templates by key and the like: nothing of A's in them
        url = _urls(rule, a, a)[0] if rule.arguments else rule.rule
        yield rule, url


@pytest.mark.parametrize("who", ["director", "admin"])
def test_no_page_renders_hostile_names_as_markup(login_as, poisoned, who):
    user = poisoned.director if who == "director" else make_user(Role.ADMIN)
    browser = login_as(user)
    shown_escaped, failures = set(), []
    for rule, url in _pages(poisoned):
        response = browser.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
            continue
        if response.mimetype not in ("text/html", "application/json"):
            continue
        body = response.get_data(as_text=True)
        for raw in RAW:
            if raw in body:
                at = body.index(raw)
                failures.append(f"{url} ({rule.endpoint}): unescaped {raw!r} near {body[max(0, at - 80):at + 40]!r}")
        if IMG_ESCAPED in body or SCRIPT_ESCAPED in body:
            shown_escaped.add(rule.endpoint)
    assert failures == []
    expected = {
        "programs.students", "programs.student_detail", "achievements.list", "achievements.detail",
        "frameworks.partners", "frameworks.partner_detail", "frameworks.detail", "frameworks.course_detail",
        "obe.index", "obe.offering", "indicators.detail", "indicators.node", "indicators.run_detail",
    }
    assert expected <= shown_escaped, f"payload not shown on {sorted(expected - shown_escaped)}"


def test_forms_keep_hostile_values_inside_their_attributes(login_as, poisoned):
    """Edit forms put the stored value back in ``value="…"`` with the quote escaped."""
    browser = login_as(poisoned.director)
    html = browser.get(f"/programs/students/{poisoned.students[1].id}/edit").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;1"' in field
