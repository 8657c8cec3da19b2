"""The main menu: which sections each role sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from eduinnov.auth.access import Action, can, dean_school_ids
from eduinnov.auth.models import Role


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    prefix: str
    roles: tuple[Role, ...]
    when: Callable[[object], bool] | None = None  # a further condition on the user (e.g. deans only)


def _admin_or_dean(user) -> bool:
    return user.role == Role.ADMIN or bool(dean_school_ids(user))


NAV = (
    NavItem(_l("Programs"), "programs.list", "programs.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Students"), "programs.students", "programs.student", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Frameworks"), "frameworks.list", "frameworks.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Partnerships"), "frameworks.partners", "frameworks.partner", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Achievements"), "achievements.list", "achievements.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER, Role.STUDENT)),
    NavItem(_l("Evaluation"), "indicators.list", "indicators.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Dashboards"), "dashboards.index", "dashboards.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("Import"), "imports.index", "imports.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER)),
    NavItem(_l("OBE achievement"), "obe.index", "obe.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER, Role.STUDENT)),
    NavItem(_l("Schools"), "schools.index", "schools.", (Role.ADMIN, Role.DIRECTOR, Role.TEACHER), _admin_or_dean),
    NavItem(_l("Evidence pack"), "reports.pack", "reports.pack", (Role.ADMIN, Role.DIRECTOR)),
    NavItem(_l("Users"), "auth.users", "auth.user", (Role.ADMIN,)),
    NavItem(_l("Accreditation standards"), "reports.standards_list", "reports.standard", (Role.ADMIN,)),
)


def nav_items() -> list[dict]:
    """Menu entries for the current user (entries whose endpoint does not exist yet are left out)."""
    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    # The most specific matching prefix wins: student pages light up "Students", not also "Programs".
    matching = [i.prefix for i in NAV if endpoint.startswith(i.prefix)]
    active_prefix = max(matching, key=len, default=None)
    items = []
    for item in NAV:
        if current_user.role not in item.roles or (item.when is not None and not item.when(current_user)):
            continue
        try:
            url = url_for(item.endpoint)
        except BuildError:
            continue
        items.append({"label": item.label, "url": url, "prefix": item.prefix,
                      "active": item.prefix == active_prefix})
    return items


def optional_url(endpoint: str, **values) -> str | None:
    """``url_for`` that gives None for an endpoint the app does not have (the link is then left out)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, optional_url=optional_url, can=can, Action=Action)
