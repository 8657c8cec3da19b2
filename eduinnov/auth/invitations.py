"""Accounts for a whole roster, and the one-time invitation links that let each student set her password.

A roster account is created without any password (``User.clear_password``: no password matches it).
Its invitation is a random token shown once, in the list the director downloads; only its SHA-256 is
stored. A link is refused when unknown, expired (``INVITATION_DAYS``, default 14), already used, or
replaced by a newer invitation; using it sets the password and marks it used, in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import NO_PASSWORD, Invitation, Role, User
from eduinnov.auth.services import check_password_strength
from eduinnov.core.errors import DomainError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.programs.models import Cohort, Student, StudentStatus

__all__ = [
    "DEFAULT_DAYS",
    "InvitationRefused",
    "IssuedInvitation",
    "RosterMailing",
    "RosterSummary",
    "check_invitation",
    "create_roster_accounts",
    "issue_invitation",
    "mail_roster_invitations",
    "redeem_invitation",
    "summarise_roster",
    "token_hash",
]

DEFAULT_DAYS = 14
# Students who are not (or no longer) in the program get no account from a roster.
_SKIPPED_STATUSES = (StudentStatus.WITHDRAWN,)


class InvitationRefused(DomainError):
    """The link cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class IssuedInvitation:
    """One line of the invitation list: the student, the account's login e-mail and the one-time token."""

    student_no: str
    name: str
    cohort: str
    email: str
    token: str
    expires_at: datetime
    is_new_account: bool


@dataclass(frozen=True)
class RosterSummary:
    """The accounts of a cohort: students with an active account, waiting for their invitation, without."""

    total: int
    active: int
    waiting: int
    without: int


def token_hash(token: str) -> str:
    """The stored form of an invitation token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _days() -> int:
    if has_app_context():
        return int(current_app.config.get("INVITATION_DAYS", DEFAULT_DAYS))
    return DEFAULT_DAYS


def _login_email(student: Student) -> str:
    """The student's own e-mail, else a login name under ``STUDENT_EMAIL_DOMAIN`` (the student number)."""
    if student.email:
        return student.email.strip().lower()
    domain = current_app.config.get("STUDENT_EMAIL_DOMAIN", "students.invalid") if has_app_context() \
        else "students.invalid"
    return f"{student.student_no.strip().lower()}@{domain}"


def issue_invitation(account: User, *, created_by: User | None) -> tuple[str, Invitation]:
    """A new invitation for ``account``; earlier open ones are revoked. Returns the token (shown once) and the row."""
    now = utcnow()
    for old in db.session.scalars(select(Invitation).where(
            Invitation.user_id == account.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))):
        old.revoked_at = now
    token = secrets.token_urlsafe(32)
    row = Invitation(user_id=account.id, token_hash=token_hash(token), created_at=now,
                     expires_at=now + timedelta(days=_days()), created_by_id=created_by.id if created_by else None)
    db.session.add(row)
    return token, row


def summarise_roster(cohort: Cohort) -> RosterSummary:
    """How many students of the cohort have an active account, a waiting one, none."""
    rows = db.session.execute(
        select(Student.id, User.id, User.password_hash).outerjoin(User, User.student_id == Student.id)
        .where(Student.cohort_id == cohort.id, Student.status.not_in(_SKIPPED_STATUSES))
    ).all()
    without = sum(1 for r in rows if r[1] is None)
    waiting = sum(1 for r in rows if r[1] is not None and (r[2] or NO_PASSWORD).startswith(NO_PASSWORD))
    return RosterSummary(total=len(rows), active=len(rows) - without - waiting, waiting=waiting, without=without)


def _roster_accounts(actor: User, cohort: Cohort) -> list[tuple[Student, User, bool]]:
    """Create the missing accounts of the cohort; return (student, account, is new) for every account that
    waits for its first password (students who set theirs are left out)."""
    if not can(actor, Action.MANAGE, cohort.program):
        raise DomainError(_("Only the program's directors can create student accounts."))
    students = list(db.session.scalars(
        select(Student).where(Student.cohort_id == cohort.id, Student.status.not_in(_SKIPPED_STATUSES))
        .order_by(Student.student_no)))
    accounts = {u.student_id: u for u in db.session.scalars(
        select(User).where(User.student_id.in_([s.id for s in students] or [-1])))}
    wanted = {s.id: _login_email(s) for s in students if s.id not in accounts}
    taken = dict(db.session.execute(select(func.lower(User.email), User.id)
                                    .where(func.lower(User.email).in_(list(wanted.values()) or [""]))).all())
    seen: dict[str, str] = {}
    for s in students:
        email = wanted.get(s.id)
        if email is None:
            continue
        if email in taken or email in seen:
            raise DomainError(_("The e-mail %(email)s of student %(no)s is already used by another account: correct "
                                "the student's e-mail first.", email=email, no=s.student_no))
        seen[email] = s.student_no
    out: list[tuple[Student, User, bool]] = []
    for s in students:
        account = accounts.get(s.id)
        is_new = account is None
        if is_new:
            account = User(email=wanted[s.id], name=s.name, role=Role.STUDENT, student_id=s.id,
                           is_active_account=True)
            account.clear_password()
            db.session.add(account)
            db.session.flush()
        elif account.has_password:
            continue
        out.append((s, account, is_new))
    return out


def _issue(actor: User | None, cohort_label: str, student: Student, account: User, is_new: bool) -> IssuedInvitation:
    token, row = issue_invitation(account, created_by=actor)
    return IssuedInvitation(student_no=student.student_no, name=student.name, cohort=cohort_label,
                            email=account.email, token=token, expires_at=row.expires_at, is_new_account=is_new)


def create_roster_accounts(actor: User, cohort: Cohort) -> list[IssuedInvitation]:
    """Create an account for each student of the cohort without one, and invite every account not yet used.

    Students who already set their password are left alone; those whose account waits for its first
    password get a new invitation (the old link stops working). Withdrawn students are skipped.

    Raises
    ------
    DomainError
        Unless ``actor`` manages the cohort's program; or when a student's login e-mail belongs to
        another account (named in the message; nothing is created).
    """
    issued = [_issue(actor, cohort.display_name, *row) for row in _roster_accounts(actor, cohort)]
    db.session.flush()
    return issued


@dataclass(frozen=True)
class RosterMailing:
    """What :func:`mail_roster_invitations` did: who is e-mailed (by a background job), who is not and why."""

    queued: list[tuple[str, str, str]]  # (student number, name, e-mail)
    not_sent: list[IssuedInvitation]    # no e-mail address of her own: her link is shown once, to hand over
    job_id: str | None


def mail_roster_invitations(actor: User, cohort: Cohort, *, base_url: str) -> RosterMailing:
    """Create the missing accounts and have a background job e-mail each student her one-time link.

    Only students with an e-mail address of their own are mailed; the job issues their links itself, so no
    link is ever written to the database or the job's arguments in plain text. The others get their link
    here (shown once, like the downloaded list). The request never talks to the mail server.

    Raises
    ------
    DomainError
        As :func:`create_roster_accounts`; or when no SMTP server is configured.
    """
    from eduinnov.notifications.invitations import queue_invitations
    from eduinnov.notifications.services import smtp_url

    if not smtp_url():
        raise DomainError(_("No mail server is configured: download the invitation list instead."))
    rows = _roster_accounts(actor, cohort)
    queued = [(s.student_no, s.name, account.email) for s, account, _new in rows if s.email and s.email.strip()]
    to_mail = [account.id for s, account, _new in rows if s.email and s.email.strip()]
    not_sent = [_issue(actor, cohort.display_name, s, account, new) for s, account, new in rows
                if not (s.email and s.email.strip())]
    db.session.flush()
    job_id = None
    if to_mail:
        job_id = queue_invitations(to_mail, actor, base_url, program_id=cohort.program_id,
                                   title=_("E-mail invitations: %(cohort)s", cohort=cohort.display_name))
    return RosterMailing(queued=queued, not_sent=not_sent, job_id=job_id)


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes (stored as UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def check_invitation(token: str) -> Invitation:
    """The usable invitation for ``token``.

    Raises
    ------
    InvitationRefused
        Unknown, used, replaced or expired, each with its own message.
    """
    row = db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token or "")))
    if row is None:
        raise InvitationRefused(_("This invitation link is not valid. Check that you copied the whole link, or ask "
                                  "your program director for a new one."))
    if row.used_at is not None:
        raise InvitationRefused(_("This invitation link was already used. Log in with the password you set, or ask "
                                  "your program director for a new link."))
    if row.revoked_at is not None:
        raise InvitationRefused(_("This invitation link was replaced by a newer one: use the latest link you "
                                  "received."))
    if _aware(row.expires_at) <= utcnow():
        raise InvitationRefused(_("This invitation link expired on %(date)s. Ask your program director for a new "
                                  "one.", date=format_date(_aware(row.expires_at).date())))
    if not row.user.is_active_account:
        raise InvitationRefused(_("This account is deactivated."))
    return row


def redeem_invitation(token: str, password: str) -> User:
    """Set the account's password from an invitation, which is then used up.

    Raises
    ------
    InvitationRefused
        The link cannot be used (see :func:`check_invitation`).
    ValidationError
        The password is too short; the link stays usable.
    """
    row = check_invitation(token)
    check_password_strength(password)
    row.used_at = utcnow()
    row.user.set_password(password)  # also rotates the session token
    db.session.flush()
    return row.user


def open_invitations(users: Iterable[User]) -> dict[int, Invitation]:
    """The latest open (unused, not replaced) invitation of each given user."""
    ids = [u.id for u in users]
    out: dict[int, Invitation] = {}
    for row in db.session.scalars(select(Invitation).where(
            Invitation.user_id.in_(ids or [-1]), Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at)):
        out[row.user_id] = row
    return out

