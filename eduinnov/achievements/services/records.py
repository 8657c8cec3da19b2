"""Recording, declaring, updating and deleting achievements with their students."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.achievements import evidence
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    VerificationStatus,
)
from eduinnov.achievements.services.rules import (
    ROLES_BY_KIND,
    ParticipantInput,
    _check_supervisor,
    clean_values,
    may_declare,
    may_delete,
    may_edit,
    may_log_in,
)
from eduinnov.auth.models import Role, User
from eduinnov.core.errors import FieldError, NotAllowed
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent
from eduinnov.notifications.services import notify_transition
from eduinnov.programs.models import Cohort, Program, Student


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
    values = clean_values(kind, data)
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
    values = clean_values(achievement.kind, data)
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


