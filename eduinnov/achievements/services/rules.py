"""The rules every way in obeys: fields per kind, who may log, edit or delete, and the cleaning of values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.achievements import patents
from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementKind,
    CasZone,
    Indexing,
    JcrQuartile,
    Level,
    ParticipantRole,
    PatentStatus,
    PatentType,
    PrizeRank,
    ProjectStatus,
    ProjectType,
    VerificationStatus,
)
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import ProgramMembership, Role, User
from eduinnov.core.errors import FieldError
from eduinnov.extensions import db
from eduinnov.programs.models import Program

COMMON_FIELDS = ("title", "year", "description", "supervisor_id")
KIND_FIELDS: dict[AchievementKind, tuple[str, ...]] = {
    AchievementKind.PROJECT: ("level", "project_type", "project_status", "project_number", "start_date",
                              "end_date", "funding"),
    AchievementKind.PUBLICATION: ("venue", "doi", "indexing", "jcr_quartile", "cas_zone"),
    AchievementKind.PATENT: ("patent_type", "patent_status", "application_number", "application_date",
                             "grant_number", "grant_date"),
    AchievementKind.AWARD: ("competition", "level", "prize_rank", "award_date"),
}
_ALL_KIND_FIELDS = tuple(dict.fromkeys(f for fields in KIND_FIELDS.values() for f in fields))
_REQUIRED: dict[AchievementKind, tuple[str, ...]] = {
    AchievementKind.PROJECT: ("level", "project_type", "project_status"),
    AchievementKind.PUBLICATION: ("venue", "indexing"),
    AchievementKind.PATENT: ("patent_type", "patent_status", "application_number", "application_date"),
    AchievementKind.AWARD: ("competition", "level", "prize_rank"),
}
_ENUMS: dict[str, type[Enum]] = {
    "level": Level, "project_type": ProjectType, "project_status": ProjectStatus, "indexing": Indexing,
    "patent_type": PatentType, "patent_status": PatentStatus, "prize_rank": PrizeRank,
    "jcr_quartile": JcrQuartile, "cas_zone": CasZone,
}
_DATES = ("start_date", "end_date", "application_date", "grant_date", "award_date")
_MAX_LENGTHS = {"title": 500, "project_number": 64, "venue": 300, "doi": 200, "application_number": 32,
                "grant_number": 32, "competition": 300}
PROJECT_LEVELS = (Level.NATIONAL, Level.PROVINCIAL, Level.UNIVERSITY)
ROLES_BY_KIND: dict[AchievementKind, tuple[ParticipantRole, ...]] = {
    AchievementKind.PROJECT: (ParticipantRole.LEADER, ParticipantRole.MEMBER),
    AchievementKind.PUBLICATION: (ParticipantRole.AUTHOR,),
    AchievementKind.PATENT: (ParticipantRole.INVENTOR,),
    AchievementKind.AWARD: (ParticipantRole.LEADER, ParticipantRole.MEMBER),
}
DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


class DuplicateEvidence(FieldError):
    """The uploaded file is already evidence of other achievements of the program (``duplicates``)."""

    def __init__(self, duplicates: list) -> None:
        names = "; ".join(f"#{d.achievement_id} “{d.title}”" for d in duplicates[:5])
        super().__init__("file", _("The same file is already evidence of %(items)s. If this is right, tick "
                                   "“This is a different achievement” and upload it again.", items=names))
        self.duplicates = duplicates


@dataclass(frozen=True)
class ParticipantInput:
    """One student named on an achievement, as entered (the student is looked up and checked)."""

    student_id: int
    role: ParticipantRole
    rank: int
    is_corresponding: bool = False


# --- permissions beyond the program-level ones of auth.access ---

def may_log_in(user: User, program: Program) -> bool:
    """Whether ``user`` may record achievements in ``program`` (its teachers and directors, admins)."""
    return can(user, Action.EDIT, program)


def may_declare(user: User) -> bool:
    """Whether ``user`` may declare achievements of her own: an active student account linked to a student."""
    return user.is_authenticated and user.is_active and user.role == Role.STUDENT and user.student_id is not None


# States in which the people who own an item (not directors) may still change it.
_OWNER_EDITABLE = (VerificationStatus.DRAFT, VerificationStatus.SUBMITTED, VerificationStatus.REJECTED)
_STUDENT_EDITABLE = (VerificationStatus.DRAFT, VerificationStatus.REJECTED)


def may_edit(user: User, achievement: Achievement) -> bool:
    """Whether ``user`` may change ``achievement`` (its data, students or evidence).

    Directors of the program and admins: always (editing a verified item returns it to *submitted*).
    Its creator or supervisor: while it is a draft, submitted, or rejected back to them. A student: her
    own declaration while it is a draft or rejected (once submitted, it waits for the review).
    """
    if user.role == Role.STUDENT:
        return (may_declare(user) and achievement.declared_by_student and achievement.created_by_id == user.id
                and achievement.verification_status in _STUDENT_EDITABLE
                and can(user, Action.VIEW, achievement))
    if not can(user, Action.EDIT, achievement):
        return False
    if can(user, Action.VERIFY, achievement):
        return True
    return (achievement.verification_status in _OWNER_EDITABLE
            and user.id in (achievement.created_by_id, achievement.supervisor_id))


def may_delete(user: User, achievement: Achievement) -> bool:
    """Whether ``user`` may delete ``achievement``: directors and admins, or its creator before a decision."""
    if user.role == Role.STUDENT:
        return may_edit(user, achievement) and achievement.verification_status == VerificationStatus.DRAFT
    if not can(user, Action.EDIT, achievement):
        return False
    if can(user, Action.VERIFY, achievement):
        return True
    return (achievement.verification_status in (VerificationStatus.DRAFT, *PENDING_STATES)
            and user.id == achievement.created_by_id)


# --- validation helpers ---

def normalise_doi(value: str | None) -> str | None:
    """A DOI in canonical form: lowercase, without ``https://doi.org/`` or ``doi:`` prefixes.

    Parameters
    ----------
    value : str or None
        The DOI as typed; empty means none.

    Returns
    -------
    str or None
        The normalised DOI, or None for empty input.

    Raises
    ------
    FieldError
        If the value does not match ``10.<4-9 digits>/<suffix>``.
    """
    text = (value or "").strip()
    if not text:
        return None
    lowered = text.lower()
    for prefix in _DOI_PREFIXES:
        if lowered.startswith(prefix):
            lowered = lowered[len(prefix):].strip()
            break
    if not DOI_RE.fullmatch(lowered) or len(lowered) > _MAX_LENGTHS["doi"]:
        raise FieldError("doi", _("This is not a valid DOI: it should look like 10.1234/abcd.5678."))
    return lowered


def _coerce_enum(field: str, value: Any) -> Enum | None:
    if value in (None, ""):
        return None
    enum_cls = _ENUMS[field]
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        raise FieldError(field, _("Choose one of the listed values.")) from None


def clean_values(kind: AchievementKind, data: Mapping[str, Any]) -> dict[str, Any]:
    """Values for every kind column of ``kind`` (others None), type-checked and with rules applied."""
    out: dict[str, Any] = {}
    title = (data.get("title") or "").strip()
    if not title:
        raise FieldError("title", _("Give the title."))
    out["title"] = title
    try:
        year = int(data.get("year"))
    except (TypeError, ValueError):
        raise FieldError("year", _("Give the year as a number such as 2024.")) from None
    if not 1950 <= year <= 2100:
        raise FieldError("year", _("The year must be between 1950 and 2100."))
    out["year"] = year
    out["description"] = (data.get("description") or "").strip() or None
    out["supervisor_id"] = data.get("supervisor_id") or None

    fields = KIND_FIELDS[kind]
    for name in _ALL_KIND_FIELDS:
        if name not in fields:  # another kind's column: None (nothing to check)
            out[name] = None
            continue
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        if name in _ENUMS:
            value = _coerce_enum(name, value)
        elif name in _DATES and value is not None and not isinstance(value, date):
            raise FieldError(name, _("Give a date as YYYY-MM-DD."))
        out[name] = value
    for name, limit in _MAX_LENGTHS.items():
        if isinstance(out.get(name), str) and len(out[name]) > limit:
            raise FieldError(name, _("At most %(n)d characters.", n=limit))
    for name in _REQUIRED[kind]:
        if out[name] is None:
            raise FieldError(name, _("This field is required."))

    if kind == AchievementKind.PROJECT:
        if out["level"] not in PROJECT_LEVELS:
            raise FieldError("level", _("A training project is national, provincial or university level."))
        if out["funding"] is not None:
            try:
                out["funding"] = Decimal(str(out["funding"]))
            except InvalidOperation:
                raise FieldError("funding", _("Give the funding as a number.")) from None
            if out["funding"] < 0:
                raise FieldError("funding", _("Funding cannot be negative."))
        if out["start_date"] and out["end_date"] and out["end_date"] < out["start_date"]:
            raise FieldError("end_date", _("The end date cannot be before the start date."))
    elif kind == AchievementKind.PUBLICATION:
        out["doi"] = normalise_doi(out["doi"])
    elif kind == AchievementKind.PATENT:
        granted = out["patent_status"] == PatentStatus.GRANTED
        for name in ("grant_number", "grant_date"):
            if granted and out[name] is None:
                raise FieldError(name, _("A granted patent needs its grant number and grant date."))
            if not granted and out[name] is not None:
                raise FieldError(name, _("Leave the grant number and date empty until the patent is granted."))
        _check_patent_numbers(out)
        if granted and out["grant_date"] < out["application_date"]:
            raise FieldError("grant_date", _("The grant date cannot be before the application date."))
    return out


def patent_type_mismatch(encoded: PatentType) -> str:
    """The message for a patent type that contradicts its number (forms and imports say the same)."""
    from eduinnov.core.i18n import enum_label

    return _("The application number says “%(type)s”.", type=enum_label(encoded))


def _check_patent_numbers(out: dict[str, Any]) -> None:
    """Application and grant numbers: CNIPA check digit, the type they encode, canonical spelling."""
    try:
        number, encoded = patents.parse_application(out["application_number"])
    except patents.PatentNumberError as exc:
        raise FieldError("application_number", str(exc)) from None
    out["application_number"] = number
    if out["patent_type"] != encoded:
        raise FieldError("patent_type", patent_type_mismatch(encoded))
    if out["grant_number"] is not None:
        try:
            grant, grant_type = patents.parse_grant_number(out["grant_number"], application_number=number)
        except patents.PatentNumberError as exc:
            raise FieldError("grant_number", str(exc)) from None
        if grant_type != encoded:
            from eduinnov.core.i18n import enum_label

            raise FieldError("grant_number", _("The grant number says “%(type)s”.", type=enum_label(grant_type)))
        out["grant_number"] = grant


def _check_supervisor(program_id: int, supervisor_id: Any) -> int | None:
    if supervisor_id in (None, ""):
        return None
    try:
        supervisor_id = int(supervisor_id)
    except (TypeError, ValueError):
        raise FieldError("supervisor_id", _("Choose a teacher of this program.")) from None
    member = db.session.scalar(
        select(ProgramMembership.id).where(ProgramMembership.program_id == program_id,
                                           ProgramMembership.user_id == supervisor_id)
    )
    if member is None:
        raise FieldError("supervisor_id", _("The supervisor must be a teacher of this program."))
    return supervisor_id


