"""A director's review of a run whose health check failed: who, when and why it stands (audited)."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from eduinnov.indicators.models import EvaluationRun, EvaluationRunReview
from eduinnov.indicators.services._common import clean_text, ensure_allowed

__all__ = ["MIN_REASON_LENGTH", "review_run"]

#: A reason shorter than this says nothing an accreditation panel could check.
MIN_REASON_LENGTH = 20


def review_run(run: EvaluationRun, reason: str | None, user: User) -> EvaluationRunReview:
    """Record that a run whose health check failed stands, and why; from then on it is published.

    Parameters
    ----------
    run : EvaluationRun
        A stored run whose health check failed and that has no review yet.
    reason : str
        Why the verdict stands despite the failed checks (at least 20 characters).
    user : User
        A director of the run's program (or an administrator).

    Raises
    ------
    DomainError
        The run passed its health check (nothing to review) or was already reviewed.
    ValidationError
        The reason is missing or too short.
    """
    ensure_allowed(user, Action.MANAGE, run)
    if run.health_passed is not False:
        raise DomainError(_("This run passed its health check; there is nothing to review."))
    if run.review is not None:
        raise DomainError(_("This run has already been reviewed."))
    text = clean_text(reason)
    if text is None or len(text) < MIN_REASON_LENGTH:
        raise ValidationError(_("Say in at least %(n)d characters why this verdict stands despite the failed "
                                "checks.", n=MIN_REASON_LENGTH))
    # by id, not through run.review: a stored run must not even look modified to the flush guard
    review = EvaluationRunReview(run_id=run.id, program_id=run.program_id, reason=text, reviewed_by_id=user.id)
    db.session.add(review)
    db.session.flush()
    db.session.expire(run, ["review"])  # reloaded on next access: the run now reads as published
    return review
