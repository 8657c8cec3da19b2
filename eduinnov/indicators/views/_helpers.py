"""Helpers shared by the evaluation pages: program choices, Saaty scale, the archived-version guard."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eduinnov.auth.access import Action, get_or_404
from eduinnov.auth.models import Role
from eduinnov.indicators import queries
from eduinnov.indicators.models import (
    EvaluationModel,
)
from eduinnov.programs.models import Program

SAATY = ["9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9"]


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _program_choices(action: Action = Action.MANAGE, *, institution: bool = True) -> list[tuple]:
    choices = [(p.id, f"{p.code} {p.display_name}") for p in queries.list_programs_for(current_user, action)]
    if institution and current_user.role == Role.ADMIN:
        choices.insert(0, ("", _("Institution-wide (administrators)")))
    return choices


def _program_or_none(program_id: int | None, action: Action = Action.MANAGE) -> Program | None:
    """The chosen program (checked), or None for institution-wide (administrators only)."""
    if program_id is None:
        if current_user.role != Role.ADMIN:
            abort(403)
        return None
    return get_or_404(current_user, Program, program_id, action)


def _locked(model: EvaluationModel):
    if not model.is_archived:
        return None
    flash(_("This version is archived and read-only. Make a new version to change it."), "warning")
    return redirect(url_for("indicators.detail", model_id=model.id))


def unlocked():
    """For ``@loads(..., unlocked=unlocked())``: the read-only redirect when the loaded model (or the model
    of the loaded node) is an archived version, else None."""

    def check(obj):
        return _locked(obj if isinstance(obj, EvaluationModel) else obj.model)

    return check
