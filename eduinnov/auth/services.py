"""Account actions: authentication with throttling, passwords, deactivation, memberships."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select

from eduinnov.auth.models import LoginAttempt, MembershipRole, ProgramMembership, Role, User
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.models import utcnow
from eduinnov.extensions import db

MIN_PASSWORD_LENGTH = 10


class LoginRefused(DomainError):
    """Wrong credentials, an inactive account, or too many failures: one message for all."""


def count_recent_failures(email: str, address: str, since: datetime) -> tuple[int, int]:
    """Failed logins since ``since`` for this account and for this address."""
    per_email = db.session.scalar(
        select(func.count()).where(LoginAttempt.email == email, LoginAttempt.created_at >= since)
    )
    per_address = db.session.scalar(
        select(func.count()).where(LoginAttempt.address == address, LoginAttempt.created_at >= since)
    )
    return int(per_email or 0), int(per_address or 0)


def _record_failure(email: str, address: str, when: datetime) -> None:
    """Store a failed login in its own transaction: it must persist although the request is refused."""
    with db.engine.begin() as conn:
        conn.execute(insert(LoginAttempt).values(email=email, address=address, created_at=when))


def authenticate(
    email: str,
    password: str,
    address: str,
    *,
    max_per_account: int,
    max_per_address: int,
    window: timedelta,
) -> User:
    """Return the user for these credentials or raise :class:`LoginRefused`.

    Failures are recorded per account and per address. Past the limit, even a correct password is
    refused until the window passes, and the message is the same whether or not the account exists.
    """
    email = (email or "").strip().lower()
    now = utcnow()
    per_email, per_address = count_recent_failures(email, address, now - window)
    if per_email >= max_per_account or per_address >= max_per_address:
        raise LoginRefused(_l("Too many failed attempts. Please wait 15 minutes and try again."))
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.check_password(password) or not user.is_active:
        _record_failure(email, address, now)
        raise LoginRefused(_l("Invalid email or password."))
    user.last_login_at = now
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    return user


def purge_old_attempts(older_than: datetime) -> int:
    """Delete throttling records older than ``older_than``."""
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < older_than))
    return result.rowcount or 0


def check_password_strength(password: str) -> None:
    """Raise ValidationError for passwords that are too short."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("The password must be at least %(n)d characters long.", n=MIN_PASSWORD_LENGTH))


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; every other session is logged out."""
    if not user.check_password(current):
        raise ValidationError(_l("The current password is not correct."))
    check_password_strength(new)
    user.set_password(new)  # also rotates the session token


def log_out_everywhere(user: User) -> None:
    """Invalidate every session and remember-me cookie of ``user``."""
    user.rotate_session_token()


def create_user(
    *, email: str, name: str, role: Role, password: str, locale: str | None = None, student_id: int | None = None
) -> User:
    """Create an account; emails are unique, case-insensitively."""
    email = email.strip().lower()
    if get_user_by_email(email) is not None:
        raise ValidationError(_l("An account with this email already exists."))
    check_password_strength(password)
    if role == Role.STUDENT and student_id is None:
        raise ValidationError(_l("A student account must be linked to a student record."))
    student_id = student_id if role == Role.STUDENT else None
    _check_student_link(student_id, None)
    user = User(email=email, name=name.strip(), role=role, locale=locale, student_id=student_id)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, *, name: str, role: Role, is_active: bool, locale: str | None,
                student_id: int | None) -> User:
    """Change an account's details; deactivating it logs it out everywhere."""
    if role == Role.STUDENT and student_id is None:
        raise ValidationError(_l("A student account must be linked to a student record."))
    _check_student_link(student_id if role == Role.STUDENT else None, user)
    if user.is_active_account and not is_active:
        user.rotate_session_token()
    user.name = name.strip()
    user.role = role
    user.is_active_account = is_active
    user.locale = locale or None
    user.student_id = student_id if role == Role.STUDENT else None
    db.session.flush()
    return user


def _check_student_link(student_id: int | None, user: User | None) -> None:
    """Refuse a student record that does not exist or already belongs to another account."""
    if student_id is None:
        return
    from eduinnov.programs.models import Student

    if not 0 < student_id < 2**31 or db.session.get(Student, student_id) is None:
        raise ValidationError(_l("Choose an existing student record."))
    holder = db.session.scalar(select(User).where(User.student_id == student_id))
    if holder is not None and holder is not user:
        raise ValidationError(_l("This student record is already linked to the account %(email)s.",
                                 email=holder.email))


def set_memberships(user: User, memberships: dict[int, MembershipRole]) -> None:
    """Replace the user's program memberships with ``{program_id: role}``."""
    existing = {m.program_id: m for m in user.memberships}
    for program_id, membership in list(existing.items()):
        if program_id not in memberships:
            user.memberships.remove(membership)
    for program_id, role in memberships.items():
        if program_id in existing:
            existing[program_id].role = role
        else:
            user.memberships.append(ProgramMembership(program_id=program_id, role=role))
    db.session.flush()


def get_user_by_email(email: str) -> User | None:
    """The account with this email (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def list_users(search: str | None = None, *, role: Role | None = None, program_id: int | None = None):
    """A select() of users, filtered by name or email (wildcards are plain text), role and program.

    The program filter keeps its members (teachers, directors) and the accounts of its students.
    """
    from eduinnov.programs.models import Cohort, Student

    stmt = select(User).order_by(User.email)
    if search and search.strip():
        like = f"%{_escape_like(search.strip())}%"
        stmt = stmt.where(or_(User.email.ilike(like, escape="\\"), User.name.ilike(like, escape="\\")))
    if role is not None:
        stmt = stmt.where(User.role == role)
    if program_id is not None:
        members = select(ProgramMembership.user_id).where(ProgramMembership.program_id == program_id)
        students = select(Student.id).join(Cohort).where(Cohort.program_id == program_id)
        stmt = stmt.where(or_(User.id.in_(members), User.student_id.in_(students)))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_students(text: str, *, limit: int = 20) -> list:
    """Student records whose number or name contains ``text`` (numbers starting with it first), for linking.

    Returns
    -------
    list[Student]
        At most ``limit`` records, with their cohort and program loaded.
    """
    from sqlalchemy.orm import selectinload

    from eduinnov.programs.models import Cohort, Student

    text = (text or "").strip()
    if not text:
        return []
    like = f"%{_escape_like(text)}%"
    stmt = (select(Student).where(or_(Student.student_no.ilike(like, escape="\\"), Student.name.ilike(like, escape="\\")))
            .order_by(Student.student_no.ilike(f"{_escape_like(text)}%", escape="\\").desc(), Student.student_no)
            .options(selectinload(Student.cohort).selectinload(Cohort.program)).limit(limit))
    return list(db.session.scalars(stmt))
