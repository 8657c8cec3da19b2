"""Small helpers shared by the framework views."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from eduinnov.core.web import query_id
from eduinnov.frameworks.models import FrameworkVersion


def locked_redirect(framework: FrameworkVersion, anchor: str | None = None):
    """Redirect back to the framework page with the read-only message, or None if the version is editable."""
    if not framework.is_archived:
        return None
    flash(_("This framework version is archived and read-only. Clone it to make changes."), "warning")
    return redirect(url_for("frameworks.detail", framework_id=framework.id, _anchor=anchor))


def back_to(framework: FrameworkVersion, anchor: str):
    """Redirect to a tab of the framework page."""
    return redirect(url_for("frameworks.detail", framework_id=framework.id, _anchor=anchor))


def int_arg(name: str) -> int | None:
    """A query-string id (``core.web.query_id``): None when absent, ignored with a message when invalid."""
    return query_id(name)


def unlocked(anchor: str | None = None):
    """For ``@loads(..., unlocked=unlocked("obe"))``: the read-only redirect when the loaded object's
    framework version (or the version itself) is archived, else None."""

    def check(obj):
        return locked_redirect(obj if isinstance(obj, FrameworkVersion) else obj.framework, anchor)

    return check
