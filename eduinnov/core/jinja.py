"""Jinja filters and globals shared by all templates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask, request, url_for
from flask_babel import format_datetime, get_locale, ngettext, to_user_timezone

from eduinnov.core.i18n import LANGUAGES, enum_label


def _fmt_date(value: date | None) -> str:
    """``format_date(value, "yyyy-MM-dd")`` without Babel's per-call locale look-up and pattern parsing (a list
    page formats one date per row): the same digits in every language; a datetime's date in the display time
    zone (naive ones read as UTC), as flask-babel's ``format_date`` does."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _fmt_datetime(value: datetime | str | None) -> str:
    """A moment in the configured display time zone (BABEL_DEFAULT_TIMEZONE, Asia/Shanghai by default).

    Naive values are UTC (as stored); ISO strings (snapshots, audit entries) are read first.
    """
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return format_datetime(value, "yyyy-MM-dd HH:mm") if value else ""


def age_in_days(value: datetime | None, now: datetime | None = None) -> int | None:
    """Whole days since ``value`` (naive datetimes, as SQLite returns them, are read as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return max(0, ((now or datetime.now(UTC)) - value).days)


def _fmt_age(value: datetime | None) -> str:
    days = age_in_days(value)
    if days is None:
        return ""
    return ngettext("%(num)d day", "%(num)d days", days)


class EnumLabels:
    """:func:`enum_label` for one page (made per request, never kept): each member's label translated once,
    not once per row. Used as ``labels(member)`` by list templates."""

    def __init__(self) -> None:
        self._seen: dict[tuple[type, object], str] = {}

    def __call__(self, member) -> str:
        if member is None:
            return ""
        key = (type(member), member)
        label = self._seen.get(key)
        if label is None:
            label = self._seen[key] = enum_label(member)
        return label


def _url_with(**changes) -> str:
    """The current URL with some query arguments replaced (for pagination and filters).

    Query arguments that ``url_for`` would read as its own options (``_external``, ``_scheme``,
    ``_anchor`` …) or that repeat a route argument are dropped: a link must never be steered by them.
    """
    view_args = request.view_args or {}
    args = {k: v for k, v in request.args.items() if not k.startswith("_") and k not in view_args}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **view_args, **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["label"] = enum_label
    app.jinja_env.filters["date"] = _fmt_date
    app.jinja_env.filters["datetime"] = _fmt_datetime
    app.jinja_env.filters["age_days"] = _fmt_age
    app.jinja_env.globals["url_with"] = _url_with
    app.jinja_env.globals["enum_label"] = enum_label
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "zh")
