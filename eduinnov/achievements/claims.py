"""Co-authors and team members claim membership of an achievement already recorded, instead of declaring
it a second time; a teacher of the program (a director once it is verified) accepts or refuses the claim.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from eduinnov.achievements.models import (
    Achievement,
    AchievementClaim,
    AchievementParticipant,
    ClaimStatus,
    ParticipantRole,
    VerificationStatus,
)
from eduinnov.achievements.review import may_review
from eduinnov.achievements.services import ROLES_BY_KIND, FieldError, NotAllowed, may_declare
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import enum_label
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent
from eduinnov.notifications.services import notify_transition

__all__ = ["claim_roles", "claim_membership", "decide_claim", "may_decide_claim", "may_claim"]


def claim_roles(achievement: Achievement) -> tuple[ParticipantRole, ...]:
    """Roles a claimant may ask for: the kind's roles except leader (a leader declares it herself)."""
    return tuple(r for r in ROLES_BY_KIND[achievement.kind] if r != ParticipantRole.LEADER)


def may_claim(user: User, achievement: Achievement) -> bool:
    """Whether the student ``user`` may claim ``achievement``: same program, submitted or later, not named yet."""
    if not may_declare(user) or achievement.program_id != user.student.cohort.program_id:
        return False
    if achievement.verification_status == VerificationStatus.DRAFT:
        return False
    return all(p.student_id != user.student_id for p in achievement.participants)


def claim_membership(user: User, achievement: Achievement, role: ParticipantRole | str,
                     note: str | None = None) -> AchievementClaim:
    """A student asks to be named on an achievement of her program.

    Raises
    ------
    NotAllowed
        If ``user`` is not a student of the achievement's program, or it is a draft.
    DomainError
        If she is already named on it or already has a claim waiting or accepted.
    FieldError
        Field ``role``: a role this kind of achievement does not have (or leader).
    """
    if not may_declare(user) or achievement.program_id != user.student.cohort.program_id \
            or achievement.verification_status == VerificationStatus.DRAFT:
        raise NotAllowed(_("You can only claim membership of achievements of your own program."))
    if any(p.student_id == user.student_id for p in achievement.participants):
        raise DomainError(_("You are already named on this achievement."))
    try:
        role = ParticipantRole(role)
    except ValueError:
        raise FieldError("role", _("Choose one of the listed values.")) from None
    if role not in claim_roles(achievement):
        raise FieldError("role", _("This role does not fit this kind of achievement."))
    claim = db.session.scalar(select(AchievementClaim).where(AchievementClaim.achievement_id == achievement.id,
                                                             AchievementClaim.student_id == user.student_id))
    if claim is not None and claim.status != ClaimStatus.REFUSED:
        raise DomainError(_("You already claimed this achievement; the claim is %(status)s.",
                            status=enum_label(claim.status)))
    if claim is None:
        claim = AchievementClaim(achievement=achievement, student_id=user.student_id)
        db.session.add(claim)
    claim.claimed_by_id = user.id
    claim.role = role
    claim.note = (note or "").strip()[:2000] or None
    claim.status = ClaimStatus.PENDING
    claim.decided_by_id = None
    claim.decided_at = None
    claim.decision_note = None
    db.session.flush()
    notify_transition(NoticeEvent.CLAIMED, achievement, user, claim.note)
    return claim


def may_decide_claim(user: User, claim: AchievementClaim) -> bool:
    """Teachers of the program decide claims; once the achievement is verified, only its directors."""
    if claim.achievement.is_verified:
        return can(user, Action.VERIFY, claim.achievement)
    return may_review(user, claim.achievement)


def decide_claim(user: User, claim: AchievementClaim, accept: bool, note: str | None = None) -> None:
    """Accept (the student is named on the achievement, last in rank) or refuse (with a reason) a claim.

    Raises
    ------
    NotAllowed
        See :func:`may_decide_claim`.
    DomainError
        If the claim was already decided.
    FieldError
        Field ``note``: refusing without a reason.
    """
    if not may_decide_claim(user, claim):
        raise NotAllowed(_("Only a teacher of the program (a director once it is verified) can decide this claim."))
    if not claim.is_pending:
        raise DomainError(_("This claim was already decided."))
    note = (note or "").strip() or None
    if not accept and note is None:
        raise FieldError("note", _("Give the reason for refusing: the student will see it."))
    achievement = claim.achievement
    if accept:
        last = db.session.scalar(select(func.max(AchievementParticipant.rank))
                                 .where(AchievementParticipant.achievement_id == achievement.id)) or 0
        achievement.participants.append(AchievementParticipant(student_id=claim.student_id, role=claim.role,
                                                               rank=last + 1))
        achievement.updated_at = utcnow()
    claim.status = ClaimStatus.ACCEPTED if accept else ClaimStatus.REFUSED
    claim.decided_by_id = user.id
    claim.decided_at = utcnow()
    claim.decision_note = note
    db.session.flush()
    event = NoticeEvent.CLAIM_ACCEPTED if accept else NoticeEvent.CLAIM_REFUSED
    notify_transition(event, achievement, user, note, recipients={claim.claimed_by_id})
