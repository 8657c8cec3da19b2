"""Manual scores (expert and survey ratings) and SWOT records of a program."""

from __future__ import annotations

import math

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.indicators.models import ManualScore, SwotRecord
from eduinnov.indicators.services._common import clean_text, ensure_allowed
from eduinnov.programs.models import Cohort, Program, Student

__all__ = ["SWOT_FIELDS", "add_manual_score", "delete_manual_score", "delete_swot", "save_swot"]

SWOT_FIELDS = ("strengths", "weaknesses", "opportunities", "threats", "so_measures", "wo_measures", "st_measures",
               "wt_measures")


def add_manual_score(program: Program, *, key: str, value: float, user: User, cohort: Cohort | None = None,
                     student: Student | None = None, note: str | None = None) -> ManualScore:
    """Record one rating of a cohort or a student under ``key`` (several ratings are averaged by the metric).

    Raises
    ------
    ValidationError
        Neither or both of cohort and student, a target outside ``program``, an empty key or a value that
        is not a finite number.
    """
    ensure_allowed(user, Action.EDIT, program)
    if (cohort is None) == (student is None):
        raise ValidationError(_("Rate either a cohort or a student."))
    target_program = cohort.program_id if cohort is not None else student.program_id
    if target_program != program.id:
        raise ValidationError(_("The cohort or student is not in this program."))
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise ValidationError(_("Rating key: give a short name such as expert_rating (at most 64 characters)."))
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValidationError(_("Value: must be a number.")) from None
    if not math.isfinite(value):
        raise ValidationError(_("Value: must be a number."))
    score = ManualScore(program_id=program.id, metric_key=key, cohort_id=cohort.id if cohort else None,
                        student_id=student.id if student else None, value=value, note=clean_text(note),
                        entered_by_id=user.id, entered_at=utcnow())
    db.session.add(score)
    db.session.flush()
    return score


def delete_manual_score(score: ManualScore, user: User) -> None:
    """Delete one rating."""
    ensure_allowed(user, Action.EDIT, score)
    db.session.delete(score)
    db.session.flush()


def save_swot(program: Program, year: int, user: User, **texts: str | None) -> SwotRecord:
    """Create or update the SWOT record of ``program`` for ``year`` (fields: :data:`SWOT_FIELDS`).

    Raises
    ------
    ValidationError
        A year outside 1950–2100, an unknown field, or a record with no text at all.
    """
    ensure_allowed(user, Action.MANAGE, program)
    if not isinstance(year, int) or not 1950 <= year <= 2100:
        raise ValidationError(_("Year: must be between 1950 and 2100."))
    unknown = set(texts) - set(SWOT_FIELDS)
    if unknown:
        raise ValidationError(f"unknown SWOT field {sorted(unknown)[0]}")
    values = {f: clean_text(texts.get(f)) for f in SWOT_FIELDS}
    if not any(values.values()):
        raise ValidationError(_("Write at least one of strengths, weaknesses, opportunities, threats or measures."))
    record = db.session.scalar(select(SwotRecord).where(SwotRecord.program_id == program.id, SwotRecord.year == year))
    if record is None:
        record = SwotRecord(program_id=program.id, year=year, created_by_id=user.id)
        db.session.add(record)
    for f, v in values.items():
        setattr(record, f, v)
    db.session.flush()
    return record


def delete_swot(record: SwotRecord, user: User) -> None:
    """Delete a SWOT record."""
    ensure_allowed(user, Action.MANAGE, record)
    db.session.delete(record)
    db.session.flush()
