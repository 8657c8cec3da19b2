"""Walk every route of the app: login required, POST-only changes, malformed ids never 500."""

from __future__ import annotations

import re

import pytest

from eduinnov import create_app
from eduinnov.config import TestConfig

# Endpoints an anonymous visitor may reach.
PUBLIC = {"static", "auth.login", "auth.language", "core.health"}
# Words in endpoint names that mark a state-changing action: such routes must accept POST only.
CHANGING = re.compile(r"(^|[._])(delete|remove|verify|reject|reopen|activate|archive|clone|logout|upload|confirm|"
                      r"run|import|add|unlink|link|save|restore|duplicate|submit|approve)([._]|$)")

_APP = create_app(TestConfig())
RULES = [r for r in _APP.url_map.iter_rules() if r.endpoint != "static"]


def _url(rule, value="1") -> str:
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + arg + ">", value, path)
    return path


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.endpoint)
def test_anonymous_users_are_sent_to_login(client, rule):
    if rule.endpoint in PUBLIC:
        return
    method = "GET" if "GET" in rule.methods else "POST"
    response = client.open(_url(rule), method=method)
    if method == "POST":
        # CSRF is checked before login: a forged anonymous POST is refused either way, never performed.
        assert response.status_code in (302, 400), rule.rule
    else:
        assert response.status_code == 302, rule.rule
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.endpoint)
def test_state_changing_routes_accept_only_post(rule):
    name = rule.endpoint.split(".")[-1]
    if CHANGING.search(name) and not name.endswith(("_form", "_page", "new", "edit")):
        assert "GET" not in rule.methods, f"{rule.endpoint} ({rule.rule}) changes state but accepts GET"


@pytest.mark.parametrize("rule", [r for r in RULES if r.arguments], ids=lambda r: r.endpoint)
@pytest.mark.parametrize("bad", ["0", "-1", "abc", "99999999999999999999", "1.5", "%00"])
def test_malformed_ids_give_404_never_500(login_as, admin, rule, bad):
    b = login_as(admin)
    method = "GET" if "GET" in rule.methods else "POST"
    if method == "GET":
        response = b.get(_url(rule, bad))
    else:
        response = b.post(_url(rule, bad))
    assert response.status_code == 404, f"{rule.rule} with {bad!r}: {response.status_code}"


def test_the_route_list_is_not_empty():
    endpoints = {r.endpoint for r in RULES}
    assert {"auth.login", "auth.logout", "core.home"} <= endpoints
