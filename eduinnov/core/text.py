"""Cleaning of typed text shared by the services of every domain."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.core.errors import ValidationError


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
