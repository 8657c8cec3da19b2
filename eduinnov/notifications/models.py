"""In-app notices: one row per user and event that concerns them (a state change of an achievement)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import LabelledEnum, enum_type, utcnow
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.achievements.models import Achievement
    from eduinnov.auth.models import User

__all__ = ["Notification", "NoticeEvent"]


class NoticeEvent(LabelledEnum):
    """What happened to the achievement a notice is about."""

    SUBMITTED = "submitted", _l("Submitted for review")
    RESUBMITTED = "resubmitted", _l("Submitted again after changes")
    REVIEWED = "reviewed", _l("Reviewed by a teacher")
    RETURNED = "returned", _l("Returned by a teacher")      # a teacher sent a student's declaration back
    VERIFIED = "verified", _l("Verified")
    REJECTED = "rejected", _l("Rejected")
    REOPENED = "reopened", _l("Decision taken back")
    CLAIMED = "claimed", _l("Membership claimed")        # a student claims to be a co-author / co-member
    CLAIM_ACCEPTED = "claim_accepted", _l("Membership accepted")
    CLAIM_REFUSED = "claim_refused", _l("Membership refused")


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
