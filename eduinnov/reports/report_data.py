"""Pack payload parts of the self-evaluation report's chapters: curriculum and credit structure,
objectives (framework revisions, surveys), faculty and support conditions. Plain JSON-ready data in the
pack's language, read by :func:`eduinnov.reports.pack.build_pack_payload`."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from flask_babel import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eduinnov.auth.models import ProgramMembership, User
from eduinnov.core.i18n import enum_label
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Agreement,
    CourseCategory,
    FrameworkVersion,
    JointSupervisor,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.obe.models import SurveyResult
from eduinnov.programs.models import Cohort, Program

__all__ = ["credit_structure", "curriculum_part", "faculty_part", "num", "objectives_part", "support_part", "when"]


def num(value: Any, digits: int = 6) -> float | None:
    """A finite float rounded for the snapshot (canonical JSON refuses NaN), or None."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, digits) if math.isfinite(number) else None


def when(moment: datetime | None) -> str | None:
    """A moment as shown in the pack (``yyyy-MM-dd HH:mm``, the user's time zone), or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def credit_structure(courses: Sequence[tuple[str, float | None]],
                     minima: Mapping[str, float] | None) -> dict[str, Any]:
    """Credits and share of total per course category, checked against the standard's minimum shares.

    Parameters
    ----------
    courses
        ``(category value, credits)`` per course of the framework version.
    minima
        Category value → minimum share of total credits (e.g. ``{"math_science": 0.15}``), or None.

    Returns
    -------
    dict
        ``total`` credits and ``rows`` in category order, each with ``category``, ``label``, ``credits``,
        ``courses`` (count), ``share`` (None when there are no credits), ``minimum`` and ``meets``
        (None when the standard sets no minimum or nothing can be computed).
    """
    totals: dict[str, float] = {c.value: 0.0 for c in CourseCategory}
    counts: Counter[str] = Counter()
    for category, credits in courses:
        totals[category] = totals.get(category, 0.0) + float(credits or 0.0)
        counts[category] += 1
    total = sum(totals.values())
    rows = []
    for category in CourseCategory:
        credits = totals[category.value]
        share = credits / total if total > 0 else None
        minimum = (minima or {}).get(category.value)
        meets = None if minimum is None or share is None else share + 1e-9 >= minimum
        rows.append({"category": category.value, "label": enum_label(category), "credits": num(credits, 2),
                     "courses": counts[category.value], "share": num(share), "minimum": num(minimum),
                     "meets": meets})
    return {"total": num(total, 2), "rows": rows}


def curriculum_part(framework: FrameworkVersion, minima: Mapping[str, float] | None) -> dict[str, Any]:
    courses = sorted(framework.courses, key=lambda c: ((c.term or 99), c.code))
    return {
        "courses": [{"code": c.code, "name": c.display_name, "credits": num(c.credits, 2), "term": c.term,
                     "required": bool(c.is_required), "category": c.category.value,
                     "category_label": enum_label(c.category)} for c in courses],
        "credit_structure": credit_structure([(c.category.value, c.credits) for c in courses], minima),
    }


def objectives_part(program: Program, cohort: Cohort) -> dict[str, Any]:
    """The framework versions (the objectives' revision history) and the cohort's survey results."""
    versions = sorted(program.frameworks, key=lambda f: (f.entry_year or 0, f.version))
    surveys = db.session.scalars(
        select(SurveyResult).where(SurveyResult.cohort_id == cohort.id)
        .options(selectinload(SurveyResult.indicator_point))
        .order_by(SurveyResult.year, SurveyResult.source, SurveyResult.id)
    )
    return {
        "versions": [{"version": f.version, "title": f.title, "status": enum_label(f.status),
                      "entry_year": f.entry_year, "activated_at": when(f.activated_at),
                      "archived_at": when(f.archived_at), "notes": f.notes} for f in versions],
        "surveys": [{"source": enum_label(r.source), "point": r.indicator_point.code, "value": num(r.value),
                     "respondents": r.respondents, "year": r.year} for r in surveys],
    }


def faculty_part(program: Program) -> dict[str, Any]:
    """Teachers and directors of the program (names are staff, not students) and joint supervisors."""
    members = db.session.execute(
        select(User.name, ProgramMembership.role).join(ProgramMembership, ProgramMembership.user_id == User.id)
        .where(ProgramMembership.program_id == program.id, User.is_active_account.is_(True))
        .order_by(ProgramMembership.role, User.name)
    ).all()
    supervisors = db.session.scalars(
        select(JointSupervisor).join(PartnerOrganisation)
        .where(PartnerOrganisation.program_id == program.id).order_by(JointSupervisor.name)
    )
    return {
        "members": [{"name": name, "role": enum_label(role)} for name, role in members],
        "supervisors": [{"name": s.name, "title": s.title, "expertise": s.expertise,
                         "partner": s.partner.display_name} for s in supervisors],
    }


def support_part(program: Program) -> dict[str, Any]:
    """Practice bases and agreements with partner organisations."""
    bases = db.session.scalars(
        select(PracticeBase).join(PartnerOrganisation)
        .where(PartnerOrganisation.program_id == program.id).order_by(PracticeBase.name)
    )
    agreements = db.session.scalars(
        select(Agreement).join(PartnerOrganisation)
        .where(PartnerOrganisation.program_id == program.id).order_by(Agreement.start_date, Agreement.title)
    )
    return {
        "bases": [{"name": b.name, "partner": b.partner.display_name, "capacity": b.capacity,
                   "established": b.established_on.isoformat() if b.established_on else None} for b in bases],
        "agreements": [{"title": a.title, "partner": a.partner.display_name, "status": enum_label(a.status),
                        "start": a.start_date.isoformat() if a.start_date else None,
                        "end": a.end_date.isoformat() if a.end_date else None} for a in agreements],
    }
