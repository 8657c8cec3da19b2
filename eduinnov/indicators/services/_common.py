"""Helpers shared by the indicators services: access re-checks, the archived guard, text cleaning."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.auth.access import ensure_allowed  # noqa: F401  (re-exported for the services)
from eduinnov.core.errors import LockedError
from eduinnov.core.text import clean_text, require_text  # noqa: F401  (re-exported for the services)
from eduinnov.indicators.models import EvaluationModel


def ensure_editable(model: EvaluationModel) -> None:
    """Raise ``LockedError`` if the model version is archived (read-only)."""
    if model.is_archived:
        raise LockedError(_("This model version is archived and read-only. Make a new version to change it."))



