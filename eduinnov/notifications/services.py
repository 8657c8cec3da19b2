"""Recording notices of achievement state changes for the people they concern, and reading them.

:func:`notify_transition` is called by the achievements services after each change of state. It adds
one :class:`Notification` per recipient (never the person who acted) and, when SMTP is configured
(``EDUINNOV_SMTP_URL``), hands the new notices to a background job that e-mails them
(:mod:`eduinnov.notifications.mail`): the request itself never talks to a mail server.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from eduinnov.achievements.models import Achievement
from eduinnov.auth.models import MembershipRole, ProgramMembership, User
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.notifications.models import NoticeEvent, Notification

__all__ = [
    "count_unread",
    "describe",
    "list_for_stmt",
    "mark_all_read",
    "mark_read",
    "notify_transition",
    "recipients_for",
    "smtp_url",
]


def smtp_url() -> str | None:
    """The SMTP server URL (``SMTP_URL`` config, else ``EDUINNOV_SMTP_URL``), or None: no e-mail."""
    configured = current_app.config.get("SMTP_URL") if has_app_context() else None
    return configured or os.environ.get("EDUINNOV_SMTP_URL") or None


def _members(program_id: int, role: MembershipRole | None = None) -> set[int]:
    stmt = select(ProgramMembership.user_id).where(ProgramMembership.program_id == program_id)
    if role is not None:
        stmt = stmt.where(ProgramMembership.role == role)
    return set(db.session.scalars(stmt))


def _owners(achievement: Achievement) -> set[int]:
    """Who an achievement belongs to: its creator, its supervisor and the accounts of its students."""
    ids = {achievement.created_by_id, achievement.supervisor_id}
    student_ids = [p.student_id for p in achievement.participants]
    if student_ids:
        ids |= set(db.session.scalars(select(User.id).where(User.student_id.in_(student_ids))))
    return {i for i in ids if i}


def _reviewers(achievement: Achievement) -> set[int]:
    """Who reviews a student's declaration: the supervisor, else the program's teachers (else directors)."""
    if achievement.supervisor_id:
        return {achievement.supervisor_id}
    return _members(achievement.program_id, MembershipRole.TEACHER) or _members(
        achievement.program_id, MembershipRole.DIRECTOR
    )


def recipients_for(event: NoticeEvent, achievement: Achievement) -> set[int]:
    """The users a change of state concerns (before leaving out the one who acted).

    Submitted (again): the reviewers of a student's declaration, or the directors for staff records.
    Reviewed: the directors, who now decide, and the owners. Returned, verified, rejected, re-opened:
    the owners (creator, supervisor, students named who have an account).
    """
    if event in (NoticeEvent.SUBMITTED, NoticeEvent.RESUBMITTED):
        if achievement.declared_by_student:
            return _reviewers(achievement)
        return _members(achievement.program_id, MembershipRole.DIRECTOR)
    if event == NoticeEvent.REVIEWED:
        return _members(achievement.program_id, MembershipRole.DIRECTOR) | _owners(achievement)
    if event == NoticeEvent.CLAIMED:
        deciders = (_members(achievement.program_id, MembershipRole.DIRECTOR) if achievement.is_verified
                    else _reviewers(achievement))
        return deciders | {achievement.created_by_id} - {None}
    return _owners(achievement)


def notify_transition(event: NoticeEvent, achievement: Achievement, actor: User | None,
                      note: str | None = None, *, recipients: set[int] | None = None) -> list[Notification]:
    """Record a notice of ``event`` for everyone it concerns except ``actor``; queue e-mail if configured.

    ``recipients`` (user ids) replaces the people :func:`recipients_for` would choose.

    Returns
    -------
    list[Notification]
        The new, flushed notices.
    """
    actor_id = getattr(actor, "id", None)
    chosen = recipients if recipients is not None else recipients_for(event, achievement)
    users = sorted({u for u in chosen if u} - {actor_id})
    if users:
        active = set(db.session.scalars(
            select(User.id).where(User.id.in_(users), User.is_active_account.is_(True))
        ))
        users = [u for u in users if u in active]
    rows = [Notification(user_id=uid, event=event, achievement_id=achievement.id, actor_id=actor_id,
                         note=(note or "").strip() or None, created_at=utcnow()) for uid in users]
    db.session.add_all(rows)
    db.session.flush()
    if rows and smtp_url():
        from eduinnov.jobs.services import enqueue

        enqueue("eduinnov.notifications.mail:send_notices", [n.id for n in rows],
                title=_("E-mail notices"), program_id=achievement.program_id)
    return rows


def describe(notice: Notification) -> str:
    """One sentence saying what happened, in the current language."""
    title = notice.achievement.title if notice.achievement is not None else _("(deleted achievement)")
    who = notice.actor.name if notice.actor is not None else _("Someone")
    messages = {
        NoticeEvent.SUBMITTED: _("%(who)s submitted “%(title)s” for review.", who=who, title=title),
        NoticeEvent.RESUBMITTED: _("%(who)s changed and submitted “%(title)s” again.", who=who, title=title),
        NoticeEvent.REVIEWED: _("%(who)s reviewed “%(title)s”; it now waits for a director's verification.",
                                who=who, title=title),
        NoticeEvent.RETURNED: _("%(who)s returned “%(title)s” to be corrected.", who=who, title=title),
        NoticeEvent.VERIFIED: _("%(who)s verified “%(title)s”.", who=who, title=title),
        NoticeEvent.REJECTED: _("%(who)s rejected “%(title)s”.", who=who, title=title),
        NoticeEvent.REOPENED: _("%(who)s took back the decision on “%(title)s”.", who=who, title=title),
        NoticeEvent.CLAIMED: _("%(who)s claims to be a co-author or team member of “%(title)s”.",
                               who=who, title=title),
        NoticeEvent.CLAIM_ACCEPTED: _("%(who)s accepted your membership of “%(title)s”.", who=who, title=title),
        NoticeEvent.CLAIM_REFUSED: _("%(who)s refused your membership of “%(title)s”.", who=who, title=title),
    }
    return messages[notice.event]


def list_for_stmt(user: User, *, unread_only: bool = False) -> Select:
    """The notices of ``user``, newest first (a statement to paginate)."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


def count_unread(user: User) -> int:
    """How many notices ``user`` has not marked read."""
    stmt = select(func.count(Notification.id)).where(Notification.user_id == user.id,
                                                     Notification.read_at.is_(None))
    return db.session.scalar(stmt) or 0


def mark_read(user: User, notices: Iterable[Notification]) -> int:
    """Mark the given notices of ``user`` read (others' notices are ignored); return how many changed."""
    changed = 0
    now = utcnow()
    for notice in notices:
        if notice.user_id == user.id and notice.read_at is None:
            notice.read_at = now
            changed += 1
    db.session.flush()
    return changed


def mark_all_read(user: User) -> int:
    """Mark every unread notice of ``user`` read; return how many changed."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.flush()
    return result.rowcount or 0
