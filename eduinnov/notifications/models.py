"""In-app notices: one row per user and event that concerns them (a state change of an achievement)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.i18n import register_labels
from eduinnov.core.models import LabelledEnum, enum_type, utcnow
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.achievements.models import Achievement
    from eduinnov.auth.models import User

__all__ = ["Notification", "NoticeEvent"]


class NoticeEvent(LabelledEnum):
    """What happened to the achievement a notice is about."""

    SUBMITTED = "submitted"
    RESUBMITTED = "resubmitted"
    REVIEWED = "reviewed"
    RETURNED = "returned"      # a teacher sent a student's declaration back
    VERIFIED = "verified"
    REJECTED = "rejected"
    REOPENED = "reopened"
    CLAIMED = "claimed"        # a student claims to be a co-author / co-member
    CLAIM_ACCEPTED = "claim_accepted"
    CLAIM_REFUSED = "claim_refused"


register_labels(NoticeEvent, {
    NoticeEvent.SUBMITTED: _l("Submitted for review"),
    NoticeEvent.RESUBMITTED: _l("Submitted again after changes"),
    NoticeEvent.REVIEWED: _l("Reviewed by a teacher"),
    NoticeEvent.RETURNED: _l("Returned by a teacher"),
    NoticeEvent.VERIFIED: _l("Verified"),
    NoticeEvent.REJECTED: _l("Rejected"),
    NoticeEvent.REOPENED: _l("Decision taken back"),
    NoticeEvent.CLAIMED: _l("Membership claimed"),
    NoticeEvent.CLAIM_ACCEPTED: _l("Membership accepted"),
    NoticeEvent.CLAIM_REFUSED: _l("Membership refused"),
})


class Notification(db.Model):
    """A notice for one user; ``read_at`` is set when they mark it read, ``emailed_at`` once it is mailed."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event: Mapped[NoticeEvent] = mapped_column(enum_type(NoticeEvent))
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    achievement: Mapped[Achievement | None] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.event.value} user={self.user_id}>"
