"""Helpers shared by the framework services: access re-checks and the archived-version guard."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError, LockedError, ValidationError
from eduinnov.frameworks.models import FrameworkVersion


def ensure_allowed(user: User, action: Action, obj: Any) -> None:
    """Raise ``DomainError`` unless ``user`` may perform ``action`` on ``obj``.

    Views already check access with ``get_or_404``; services check again so that a CLI command or an
    import cannot act for a user outside their programs.
    """
    if not can(user, action, obj):
        raise DomainError(_("You are not allowed to do this."))


def ensure_editable(framework: FrameworkVersion) -> None:
    """Raise ``LockedError`` if the framework version is archived (read-only)."""
    if framework.is_archived:
        raise LockedError(_("This framework version is archived and read-only. Clone it to make changes."))


def clean_text(value: str | None) -> str | None:
    """Strip a text value; empty becomes None."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def require_text(value: str | None, field: str) -> str:
    """A stripped, non-empty text value, else ``ValidationError`` naming ``field``."""
    value = clean_text(value)
    if not value:
        raise ValidationError(_("%(field)s is required.", field=field))
    return value


def check_nonnegative(value: float | None, field: str) -> float | None:
    """``value`` unchanged if None or >= 0, else ``ValidationError`` naming ``field``."""
    if value is not None and value < 0:
        raise ValidationError(_("%(field)s cannot be negative.", field=field))
    return value
