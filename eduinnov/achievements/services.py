"""Actions on achievements: record (staff) or declare (students), update, delete, evidence files.

The review loop (submit, review, verify, reject, re-open) is in :mod:`eduinnov.achievements.review`.

Services take the acting ``user`` and plain values, change models and ``flush()``; the request commits.
Kind-specific rules (DOI syntax, patent grant data, project dates) are checked here so that every way
in — form, import, shell — obeys them; a broken rule raises :class:`FieldError` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import evidence, patents
from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementKind,
    AchievementParticipant,
    CasZone,
    EvidenceFile,
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
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent
from eduinnov.notifications.services import notify_transition
from eduinnov.programs.models import Cohort, Program, Student

__all__ = [
    "COMMON_FIELDS",
    "KIND_FIELDS",
    "ROLES_BY_KIND",
    "DuplicateEvidence",
    "FieldError",
    "NotAllowed",
    "ParticipantInput",
    "add_evidence",
    "delete_achievement",
    "may_delete",
    "may_edit",
    "may_declare",
    "may_log_in",
    "normalise_doi",
    "declare_achievement",
    "record_achievement",
    "remove_evidence",
    "update_achievement",
]

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


class FieldError(ValidationError):
    """Invalid input for one field (``field`` is the form field name, or ``participants``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DuplicateEvidence(FieldError):
    """The uploaded file is already evidence of other achievements of the program (``duplicates``)."""

    def __init__(self, duplicates: list) -> None:
        names = "; ".join(f"#{d.achievement_id} “{d.title}”" for d in duplicates[:5])
        super().__init__("file", _("The same file is already evidence of %(items)s. If this is right, tick "
                                   "“This is a different achievement” and upload it again.", items=names))
        self.duplicates = duplicates


class NotAllowed(DomainError):
    """The user may see the achievement but not perform this action on it (views answer 403)."""


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


def _clean(kind: AchievementKind, data: Mapping[str, Any]) -> dict[str, Any]:
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
        value = data.get(name) if name in fields else None
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


def _set_participants(achievement: Achievement, participants: Iterable[ParticipantInput]) -> None:
    """Replace the students of ``achievement``, updating rows in place (no unique-key clash)."""
    rows = list(participants)
    if not rows:
        raise FieldError("participants", _("Name at least one student."))
    allowed_roles = ROLES_BY_KIND[achievement.kind]
    seen_ranks: set[int] = set()
    seen_students: set[int] = set()
    for row in rows:
        if row.rank < 1:
            raise FieldError("participants", _("Ranks start at 1."))
        if row.rank in seen_ranks:
            raise FieldError("participants", _("Rank %(rank)d is given twice.", rank=row.rank))
        if row.student_id in seen_students:
            raise FieldError("participants", _("A student is named twice."))
        if row.role not in allowed_roles:
            raise FieldError("participants", _("This role does not fit this kind of achievement."))
        seen_ranks.add(row.rank)
        seen_students.add(row.student_id)
    found = {
        s.id: s for s in db.session.scalars(
            select(Student).join(Cohort).where(Student.id.in_(seen_students),
                                               Cohort.program_id == achievement.program_id)
        )
    }
    if set(found) != seen_students:
        raise FieldError("participants", _("Every student must belong to the achievement's program."))

    current = {p.student_id: p for p in achievement.participants}
    for p in list(achievement.participants):
        if p.student_id not in seen_students:
            achievement.participants.remove(p)
    for row in rows:
        participant = current.get(row.student_id)
        if participant is None:
            participant = AchievementParticipant(student=found[row.student_id])
            achievement.participants.append(participant)
        participant.role = row.role
        participant.rank = row.rank
        participant.is_corresponding = bool(row.is_corresponding) and achievement.kind == AchievementKind.PUBLICATION


def _apply(achievement: Achievement, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if getattr(achievement, name) != value:
            setattr(achievement, name, value)


# --- recording and editing ---

def _new_achievement(user: User, program: Program, kind: AchievementKind, data: Mapping[str, Any],
                     participants: Iterable[ParticipantInput], *, draft: bool,
                     by_student: bool) -> Achievement:
    kind = AchievementKind(kind)
    values = _clean(kind, data)
    values["supervisor_id"] = _check_supervisor(program.id, values["supervisor_id"])
    status = VerificationStatus.DRAFT if draft else VerificationStatus.SUBMITTED
    achievement = Achievement(program_id=program.id, kind=kind, created_by_id=user.id, verification_status=status,
                              declared_by_student=by_student, submitted_at=None if draft else utcnow())
    achievement.program = program
    _apply(achievement, values)
    _set_participants(achievement, participants)  # the object is not in the session until this passes
    db.session.add(achievement)
    db.session.flush()
    if not draft:
        notify_transition(NoticeEvent.SUBMITTED, achievement, user)
    return achievement


def record_achievement(user: User, program: Program, kind: AchievementKind, data: Mapping[str, Any],
                       participants: Iterable[ParticipantInput], *, draft: bool = False) -> Achievement:
    """Log a new achievement created by a teacher or director: *submitted* (or a *draft* to finish later).

    Parameters
    ----------
    user : User
        The teacher, director or admin logging it (must be allowed to edit in ``program``).
    program : Program
        The program the achievement and all its students belong to.
    kind : AchievementKind
        Project, publication, patent or award; decides which columns of ``data`` are read.
    data : Mapping[str, Any]
        Column values: ``title``, ``year``, ``description``, ``supervisor_id`` and the kind's fields
        (:data:`KIND_FIELDS`); enum values may be given as enums or their string values.
    participants : Iterable[ParticipantInput]
        The students named, with role and rank.
    draft : bool
        Keep it as a draft (nobody is asked to verify it until it is submitted).

    Returns
    -------
    Achievement
        The new, flushed achievement.

    Raises
    ------
    NotAllowed
        If the user may not log achievements in ``program``.
    FieldError
        If a value or a rule across values is wrong; nothing is added.
    """
    if not may_log_in(user, program):
        raise NotAllowed(_("You cannot record achievements in this program."))
    return _new_achievement(user, program, kind, data, participants, draft=draft, by_student=False)


def declare_achievement(user: User, kind: AchievementKind, data: Mapping[str, Any],
                        participants: Iterable[ParticipantInput], *, draft: bool = False) -> Achievement:
    """A student declares an achievement of her own, in her program; a teacher reviews it, a director verifies.

    The student must be among the students named (she may name her co-authors or team members too).

    Raises
    ------
    NotAllowed
        If ``user`` is not a student account linked to a student record.
    FieldError
        If a value is wrong, or she is not named herself (field ``participants``); nothing is added.
    """
    if not may_declare(user):
        raise NotAllowed(_("Only a student account linked to a student record can declare achievements."))
    rows = list(participants)
    if user.student_id not in {r.student_id for r in rows}:
        raise FieldError("participants", _(
            "You can only declare achievements you took part in: name yourself among the students."))
    program = user.student.cohort.program
    return _new_achievement(user, program, kind, data, rows, draft=draft, by_student=True)


def update_achievement(user: User, achievement: Achievement, data: Mapping[str, Any],
                       participants: Iterable[ParticipantInput]) -> bool:
    """Change an achievement's data and students.

    Editing an achievement that was already verified (allowed to directors and admins only) returns
    it to *submitted*: the decision no longer covers the new data. A rejected achievement stays
    rejected until its owner submits it again. The audit log records every change.

    Parameters
    ----------
    user : User
        The acting user; see :func:`may_edit`.
    achievement : Achievement
        The achievement to change (its program and kind stay).
    data : Mapping[str, Any]
        As for :func:`record_achievement`.
    participants : Iterable[ParticipantInput]
        The full new list of students.

    Returns
    -------
    bool
        True when a verification decision was reset to *submitted*.

    Raises
    ------
    NotAllowed
        If the user may not edit it.
    FieldError
        If a value is wrong; the achievement is left unchanged.
    """
    if not may_edit(user, achievement):
        raise NotAllowed(_("You cannot change this achievement."))
    values = _clean(achievement.kind, data)
    values["supervisor_id"] = _check_supervisor(achievement.program_id, values["supervisor_id"])
    # Check the students before touching any column, so a refusal leaves the object as it was.
    before = {p.student_id: (p.role, p.rank, p.is_corresponding) for p in achievement.participants}
    rows = list(participants)
    if user.role == Role.STUDENT and user.student_id not in {r.student_id for r in rows}:
        raise FieldError("participants", _(
            "You can only declare achievements you took part in: name yourself among the students."))
    _set_participants(achievement, rows)
    after = {p.student_id: (p.role, p.rank, p.is_corresponding) for p in achievement.participants}
    _apply(achievement, values)
    changed = bool(db.session.is_modified(achievement, include_collections=False)) or before != after
    reset = changed and achievement.verification_status == VerificationStatus.VERIFIED
    if reset:
        achievement.verification_status = VerificationStatus.SUBMITTED
        achievement.verified_by_id = None
        achievement.verified_at = None
        achievement.verification_note = None
        achievement.submitted_at = utcnow()
    if changed:
        achievement.updated_at = utcnow()  # students changed alone still bump the row (and audit it)
    db.session.flush()
    return reset


def delete_achievement(user: User, achievement: Achievement) -> list[str]:
    """Delete an achievement with its students and evidence rows.

    Returns
    -------
    list[str]
        The stored names of its evidence files; they leave the evidence store when the transaction commits.

    Raises
    ------
    NotAllowed
        Unless the user is a director of the program or an admin, or its creator before a decision
        (a student: only her drafts).
    """
    if not may_delete(user, achievement):
        raise NotAllowed(_("You cannot delete this achievement."))
    names = [f.stored_name for f in achievement.evidence_files]
    for name in names:
        evidence.delete_after_commit(name)
    db.session.delete(achievement)
    db.session.flush()
    return names


# --- evidence ---

def _audit_evidence(user: User, achievement: Achievement, action: str, file: EvidenceFile) -> None:
    """An audit row on the achievement naming the evidence file added or removed (shown in its history)."""
    db.session.add(AuditLog(
        created_at=utcnow(), user_id=user.id, program_id=achievement.program_id,
        entity_type=Achievement.__tablename__, entity_id=achievement.id, action=action,
        changes={"evidence": file.original_name, "sha256": file.sha256},
    ))


def add_evidence(user: User, achievement: Achievement, upload: FileStorage, *,
                 allow_duplicate: bool = False) -> EvidenceFile:
    """Check an uploaded file by its content, store it under a random name and attach it.

    A file whose SHA-256 is already the evidence of another achievement of the program is refused
    (:class:`DuplicateEvidence`) unless ``allow_duplicate`` says the person confirmed it is different.

    Parameters
    ----------
    user : User
        The uploader (see :func:`may_edit`).
    achievement : Achievement
        The achievement the file supports.
    upload : FileStorage
        The uploaded file.

    Returns
    -------
    EvidenceFile
        The new, flushed row; the file is in the evidence store and vanishes again if the request fails.

    Raises
    ------
    NotAllowed
        If the user may not change the achievement.
    FieldError
        If the file is empty, too large, or not an allowed type (field ``file``).
    """
    if not may_edit(user, achievement):
        raise NotAllowed(_("You cannot add evidence to this achievement."))
    try:
        stored = evidence.store_upload(upload)
    except evidence.EvidenceRejected as exc:
        raise FieldError("file", str(exc)) from None
    if not allow_duplicate:
        from eduinnov.achievements.duplicates import find_evidence_duplicates

        found = find_evidence_duplicates(achievement.program_id, stored.sha256, exclude_id=achievement.id)
        if found:
            evidence.evidence_store().delete(stored.stored_name)
            raise DuplicateEvidence(found)
    row = EvidenceFile(
        achievement=achievement, original_name=stored.original_name, stored_name=stored.stored_name,
        mime_type=stored.mime_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    _audit_evidence(user, achievement, "evidence_added", row)
    return row


def remove_evidence(user: User, file: EvidenceFile) -> None:
    """Delete an evidence row; its stored file is removed once the transaction commits.

    Raises
    ------
    NotAllowed
        If the user may not change the achievement.
    """
    if not may_edit(user, file.achievement):
        raise NotAllowed(_("You cannot remove evidence from this achievement."))
    evidence.delete_after_commit(file.stored_name)
    _audit_evidence(user, file.achievement, "evidence_removed", file)
    file.achievement.evidence_files.remove(file)
    db.session.delete(file)
    db.session.flush()

