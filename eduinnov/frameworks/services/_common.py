"""Helpers shared by the framework services: access re-checks and the archived-version guard."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.auth.access import ensure_allowed  # noqa: F401  (re-exported for the services)
from eduinnov.core.errors import LockedError, ValidationError
from eduinnov.core.text import clean_text, require_text  # noqa: F401  (re-exported for the services)
from eduinnov.frameworks.models import FrameworkVersion


def ensure_editable(framework: FrameworkVersion) -> None:
    """Raise ``LockedError`` if the framework version is archived (read-only)."""
    if framework.is_archived:
        raise LockedError(_("This framework version is archived and read-only. Clone it to make changes."))


def check_nonnegative(value: float | None, field: str) -> float | None:
    """``value`` unchanged if None or >= 0, else ``ValidationError`` naming ``field``."""
    if value is not None and value < 0:
        raise ValidationError(_("%(field)s cannot be negative.", field=field))
    return value
