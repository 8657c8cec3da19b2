"""CSRF: every POST route of the app refuses a request without a valid token, and changes nothing.

An administrator (who passes every role check) posts to each POST route with ids of real objects and a
plausible form, but without a token, with a token of another session, and with a forged one: 400 each
time, and the database is untouched. No view is exempt from Flask-WTF's global CSRFProtect.
"""

from __future__ import annotations

import pytest

from eduinnov.auth.models import Role
from eduinnov.extensions import csrf
from tests.clients import csrf_token
from tests.factories import make_user
from tests.security.test_idor import RULES, _hostile_form, _snapshot, _urls

POST_RULES = [r for r in RULES if "POST" in r.methods]


def test_no_view_is_exempt_from_csrf():
    from tests.security.test_idor import _APP

    exempt = {name for name in csrf._exempt_views} | {bp for bp in csrf._exempt_blueprints}
    assert exempt == set()
    assert _APP.config.get("WTF_CSRF_ENABLED", True) is True
    assert "POST" in {m for r in POST_RULES for m in r.methods} and len(POST_RULES) > 50


@pytest.mark.parametrize("token_kind", ["none", "other session", "forged"])
def test_every_post_route_refuses_a_missing_or_foreign_token(app, login_as, world_a, token_kind):
    admin = make_user(Role.ADMIN)
    browser = login_as(admin)
    other = login_as(admin)
    tokens = {"none": None, "other session": csrf_token(other.client, "/account/password"),
              "forged": "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.ZZZZZZ.forged-signature"}
    data = _hostile_form(world_a)
    if tokens[token_kind] is not None:
        data["csrf_token"] = tokens[token_kind]
    before = _snapshot()
    failures = []
    for rule in POST_RULES:
        if rule.endpoint == "auth.login":
            continue  # logged in: login redirects home before reading the form (tested in tests/auth)
        url = _urls(rule, world_a, world_a)[0] if rule.arguments else rule.rule
        response = browser.client.post(url, data=data)
        if response.status_code != 400:
            failures.append(f"{url} ({rule.endpoint}): {response.status_code}")
    assert failures == []
    assert _snapshot() == before
    assert browser.get("/").status_code == 200  # still logged in: a refused post logs nobody out


def test_anonymous_login_post_without_token_is_refused(client, world_a):
    response = client.post("/login", data={"email": world_a.teacher.email, "password": "correct horse battery"})
    assert response.status_code == 400
