"""Walk every route of the app: login required, POST-only changes, malformed ids never 500."""

from __future__ import annotations

import re

import pytest

from eduinnov import create_app
from eduinnov.config import TestConfig

# Endpoints an anonymous visitor may reach.
PUBLIC = {"static", "auth.login", "auth.language", "core.health", "invitations.accept"}
# Endpoints named for a pure action (no form page of their own) must accept POST only. Every other GET
# is checked by test_get_never_changes_the_database below, whatever its name.
ACTION = re.compile(r"(^|_)(delete|remove|verify|reject|reopen|activate|archive|logout)(_|$)")

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
def test_action_routes_accept_only_post(rule):
    name = rule.endpoint.split(".")[-1]
    if ACTION.search(name):
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
    assert {"auth.login", "auth.logout", "home.index"} <= endpoints


def _row_counts() -> dict[str, int]:
    from sqlalchemy import func, select

    from eduinnov.extensions import db

    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def _existing_id(arg: str) -> str:
    """An id of an existing row for a route argument such as ``student_id`` or ``framework_id``."""
    from sqlalchemy import select

    from eduinnov.extensions import db

    stem = arg.removesuffix("_id")
    tables = [t for t in db.metadata.sorted_tables if "id" in t.c]
    exact = [t for t in tables if t.name in (stem + "s", stem + "es", stem[:-1] + "ies", stem)]
    prefix = [t for t in tables if t.name.startswith(stem)]
    for table in exact + prefix:
        found = db.session.scalar(select(table.c.id).order_by(table.c.id).limit(1))
        if found is not None:
            return str(found)
    return "1"


def test_get_never_changes_the_database_and_never_fails(runner, login_as):
    """As an admin on the demo data, every GET page answers without error and writes nothing."""
    from eduinnov.auth.models import Role, User
    from eduinnov.extensions import db

    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    admin = db.session.query(User).filter_by(role=Role.ADMIN).first()
    b = login_as(admin, "eduinnov-demo")
    before = _row_counts()
    failures, reached = [], 0
    for rule in RULES:
        if "GET" not in rule.methods or rule.endpoint in ("auth.logout",):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?" + arg + ">", _existing_id(arg), path)
        response = b.get(path)
        if response.status_code >= 500:
            failures.append(f"{path}: {response.status_code}")
        elif response.status_code < 400:
            reached += 1
    assert failures == []
    after = _row_counts()
    after.pop("login_attempts", None), before.pop("login_attempts", None)
    assert {k: (before[k], after[k]) for k in before if before[k] != after[k]} == {}
    assert reached >= len([r for r in RULES if "GET" in r.methods]) * 0.8, "too few pages reached with real ids"
