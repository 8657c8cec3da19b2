"""Jinja filters and globals shared by all templates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale, ngettext

from eduinnov.core.i18n import LANGUAGES, enum_label


def _fmt_date(value: date | None) -> str:
    return format_date(value, "yyyy-MM-dd") if value else ""


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
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or "zh")
