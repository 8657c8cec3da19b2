"""The review loop of an achievement: submit, teacher review, verify (one or many), reject, re-open.

States (:class:`~eduinnov.achievements.models.VerificationStatus`)::

    draft ──submit──▶ submitted ──review (students' declarations)──▶ reviewed ──verify──▶ verified
                         │  ▲                                           │
                         │  └──────────────submit again── rejected ◀────┘ reject (with a reason)
                         └── return / reject (with a reason) ──▶ rejected

Items recorded by teachers skip the review: a director verifies them once submitted. A teacher of the
program (or the student's supervisor) reviews a student's declaration; only directors verify. Every
change is a flushed update of the audited row (who, when, the reason, what changed), and each one
notifies the people it concerns (:mod:`eduinnov.notifications.services`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from eduinnov.achievements.models import Achievement, VerificationStatus
from eduinnov.achievements.services import FieldError, NotAllowed, may_edit
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import enum_label
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent
from eduinnov.notifications.services import notify_transition
from eduinnov.programs.models import Program

__all__ = [
    "may_review",
    "needs_evidence_reason",
    "reject_achievement",
    "reopen_achievement",
    "set_evidence_required",
    "review_achievement",
    "submit_achievement",
    "verify_achievement",
    "verify_many",
]


def may_review(user: User, achievement: Achievement) -> bool:
    """Whether ``user`` may review (or return) a student's declaration: a teacher or director of its program."""
    return user.role != Role.STUDENT and can(user, Action.EDIT, achievement)


def needs_evidence_reason(achievement: Achievement) -> bool:
    """Whether verifying ``achievement`` needs a written reason: no evidence while its program requires it."""
    return bool(achievement.program.evidence_required) and not achievement.evidence_files


def submit_achievement(user: User, achievement: Achievement) -> None:
    """Submit a draft, or submit again a rejected achievement after correcting it.

    Raises
    ------
    NotAllowed
        If ``user`` may not change the achievement (see :func:`~eduinnov.achievements.services.may_edit`).
    DomainError
        If it is neither a draft nor rejected.
    """
    if not may_edit(user, achievement):
        raise NotAllowed(_("You cannot submit this achievement."))
    status = achievement.verification_status
    if status not in (VerificationStatus.DRAFT, VerificationStatus.REJECTED):
        raise DomainError(_("Only a draft or a rejected achievement can be submitted."))
    event = NoticeEvent.RESUBMITTED if status == VerificationStatus.REJECTED else NoticeEvent.SUBMITTED
    achievement.verification_status = VerificationStatus.SUBMITTED
    achievement.submitted_at = utcnow()
    achievement.verified_by_id = None
    achievement.verified_at = None
    achievement.verification_note = None  # the reason stays in the history
    achievement.reviewed_by_id = None
    achievement.reviewed_at = None
    db.session.flush()
    notify_transition(event, achievement, user)


def review_achievement(user: User, achievement: Achievement) -> None:
    """A teacher confirms a student's declaration: it goes on to the directors for verification.

    Raises
    ------
    NotAllowed
        Unless ``user`` teaches in (or directs) the achievement's program.
    DomainError
        If the achievement is not a student's declaration waiting for review.
    """
    if not may_review(user, achievement):
        raise NotAllowed(_("Only a teacher of the program can review students' declarations."))
    if not achievement.needs_review:
        raise DomainError(_("This achievement is not a student's declaration waiting for review."))
    achievement.verification_status = VerificationStatus.REVIEWED
    achievement.reviewed_by_id = user.id
    achievement.reviewed_at = utcnow()
    db.session.flush()
    notify_transition(NoticeEvent.REVIEWED, achievement, user)


def _check_verifiable(user: User, achievement: Achievement) -> None:
    if not can(user, Action.VERIFY, achievement):
        raise NotAllowed(_("Only the program's directors can verify achievements."))
    if achievement.needs_review:
        raise DomainError(_("“%(title)s” is a student's declaration: a teacher must review it before it can "
                            "be verified.", title=achievement.title))
    if not achievement.awaits_verification:
        raise DomainError(_("Only a submitted achievement can be verified: “%(title)s” is %(status)s.",
                            title=achievement.title, status=enum_label(achievement.verification_status)))


def _set_verified(user: User, achievement: Achievement, note: str | None) -> None:
    achievement.verification_status = VerificationStatus.VERIFIED
    achievement.verified_by_id = user.id
    achievement.verified_at = utcnow()
    achievement.verification_note = note
    db.session.flush()
    notify_transition(NoticeEvent.VERIFIED, achievement, user, note)


def verify_achievement(user: User, achievement: Achievement, note: str | None = None) -> None:
    """Accept a submitted (or reviewed) achievement, recording who decided and when.

    Parameters
    ----------
    note : str, optional
        Kept with the decision. Required when the achievement has no evidence and its program
        requires evidence: it is then the reason for verifying without it.

    Raises
    ------
    NotAllowed
        Unless the user directs the program (or is an admin).
    DomainError
        If the achievement does not wait for verification (a draft, a declaration not yet reviewed,
        or already decided).
    FieldError
        Field ``note``: no evidence and no reason given.
    """
    _check_verifiable(user, achievement)
    note = (note or "").strip() or None
    if note is None and needs_evidence_reason(achievement):
        raise FieldError("note", _("“%(title)s” has no evidence file. Give the reason for verifying it "
                                   "without evidence.", title=achievement.title))
    _set_verified(user, achievement, note)


def verify_many(user: User, achievements: Sequence[Achievement], note: str | None = None) -> int:
    """Verify several achievements at once, all or none.

    Every achievement must wait for verification by ``user``; those without evidence need ``note``
    (the reason, recorded on each of them) when their program requires evidence.

    Returns
    -------
    int
        How many were verified.

    Raises
    ------
    NotAllowed, DomainError, FieldError
        As :func:`verify_achievement`, for the first achievement that cannot be verified; nothing changes.
    """
    if not achievements:
        raise DomainError(_("Select at least one achievement to verify."))
    note = (note or "").strip() or None
    for achievement in achievements:
        _check_verifiable(user, achievement)
    missing = [a.title for a in achievements if needs_evidence_reason(a)]
    if missing and note is None:
        raise FieldError("note", _("%(n)d of the selected achievements have no evidence file (%(titles)s). "
                                   "Give the reason for verifying them without evidence.",
                                   n=len(missing), titles="; ".join(missing[:5])))
    for achievement in achievements:
        _set_verified(user, achievement, note if needs_evidence_reason(achievement) else None)
    return len(achievements)


def reject_achievement(user: User, achievement: Achievement, reason: str) -> None:
    """Send an achievement back to its owner with a reason they will see.

    A teacher returns a student's declaration at review; a director rejects an achievement that waits
    for verification. The owner corrects it and submits it again.

    Raises
    ------
    NotAllowed
        If ``user`` may neither review nor verify it.
    FieldError
        If ``reason`` is empty (field ``reason``).
    DomainError
        If the achievement waits neither for review nor for verification.
    """
    if achievement.needs_review:
        if not may_review(user, achievement):
            raise NotAllowed(_("Only a teacher of the program can review students' declarations."))
        event = NoticeEvent.RETURNED
    else:
        if not can(user, Action.VERIFY, achievement):
            raise NotAllowed(_("Only the program's directors can verify achievements."))
        if not achievement.awaits_verification:
            raise DomainError(_("Only an achievement waiting for review or verification can be rejected."))
        event = NoticeEvent.REJECTED
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", _("Give the reason for the rejection: the person who declared it will see it."))
    achievement.verification_status = VerificationStatus.REJECTED
    achievement.verified_by_id = user.id
    achievement.verified_at = utcnow()
    achievement.verification_note = reason
    db.session.flush()
    notify_transition(event, achievement, user, reason)


def reopen_achievement(user: User, achievement: Achievement) -> None:
    """Take back a decision: the achievement waits for verification again (the history keeps the decision).

    Raises
    ------
    NotAllowed
        Unless the user directs the program (or is an admin).
    DomainError
        If no decision was taken.
    """
    if not can(user, Action.VERIFY, achievement):
        raise NotAllowed(_("Only the program's directors can verify achievements."))
    if not achievement.is_decided:
        raise DomainError(_("This achievement has no decision to take back."))
    reviewed = achievement.declared_by_student and achievement.reviewed_by_id is not None
    achievement.verification_status = VerificationStatus.REVIEWED if reviewed else VerificationStatus.SUBMITTED
    achievement.verified_by_id = None
    achievement.verified_at = None
    achievement.verification_note = None
    db.session.flush()
    notify_transition(NoticeEvent.REOPENED, achievement, user)


def set_evidence_required(user: User, program: Program, required: bool) -> None:
    """Turn the program's "verification needs evidence" setting on or off (its directors and admins).

    Raises
    ------
    NotAllowed
        Unless ``user`` directs the program.
    """
    if not can(user, Action.MANAGE, program):
        raise NotAllowed(_("Only the program's directors can change this setting."))
    program.evidence_required = required
    db.session.flush()
