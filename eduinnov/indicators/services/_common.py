"""Helpers shared by the indicators services: access re-checks, the archived guard, text cleaning."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError, LockedError, ValidationError
from eduinnov.indicators.models import EvaluationModel


def ensure_allowed(user: User, action: Action, obj: Any) -> None:
    """Raise ``DomainError`` unless ``user`` may perform ``action`` on ``obj``.

    Institution-wide objects (``program_id`` None) are for administrators only. Views already check
    access; services check again so a CLI command cannot act for a user outside their programs.
    """
    if getattr(obj, "program_id", None) is None:
        if user.role != Role.ADMIN:
            raise DomainError(_("You are not allowed to do this."))
        return
    if not can(user, action, obj):
        raise DomainError(_("You are not allowed to do this."))


def ensure_editable(model: EvaluationModel) -> None:
    """Raise ``LockedError`` if the model version is archived (read-only)."""
    if model.is_archived:
        raise LockedError(_("This model version is archived and read-only. Make a new version to change it."))


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
