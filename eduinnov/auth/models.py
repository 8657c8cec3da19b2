"""Accounts, roles, program membership and login throttling."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from eduinnov.core.models import LabelledEnum, TimestampMixin, enum_type, utcnow
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.programs.models import Program, Student
    from eduinnov.schools.models import SchoolDean


class Role(LabelledEnum):
    ADMIN = "admin", _l("Administrator")
    DIRECTOR = "director", _l("Program director")
    TEACHER = "teacher", _l("Teacher")
    STUDENT = "student", _l("Student")


class MembershipRole(LabelledEnum):
    DIRECTOR = "director", _l("Program director")
    TEACHER = "teacher", _l("Teacher")


# A password hash no password matches: roster accounts wait for their owner to set one (invitation).
NO_PASSWORD = "!unset"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # Flask-Login's "alternative id": copied cookies die when this changes.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="SET NULL"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    student: Mapped[Student | None] = relationship(back_populates="account")
    memberships: Mapped[list[ProgramMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    deanships: Mapped[list[SchoolDean]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"

    # Flask-Login
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return bool(self.is_active_account)

    def get_id(self) -> str:
        return self.session_token

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)
        self.rotate_session_token()

    def check_password(self, password: str) -> bool:
        if not self.has_password:
            return False
        return check_password_hash(self.password_hash, password)

    @property
    def has_password(self) -> bool:
        """False for an account made from a roster whose owner has not yet set a password."""
        return bool(self.password_hash) and not self.password_hash.startswith(NO_PASSWORD)

    def clear_password(self) -> None:
        """Leave the account without any password (nothing can log in until an invitation is used)."""
        self.password_hash = NO_PASSWORD
        self.rotate_session_token()

    def rotate_session_token(self) -> None:
        """Invalidate every copied session and remember-me cookie of this user."""
        self.session_token = new_session_token()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ProgramMembership(VersionedMixin, db.Model):
    __tablename__ = "program_memberships"
    __table_args__ = (UniqueConstraint("user_id", "program_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    role: Mapped[MembershipRole] = mapped_column(enum_type(MembershipRole))

    user: Mapped[User] = relationship(back_populates="memberships")
    program: Mapped[Program] = relationship(back_populates="memberships")


class LoginAttempt(db.Model):
    """A failed login, kept for throttling per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "created_at"),
        Index("ix_login_attempts_address_at", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Invitation(db.Model):
    """A one-time link that lets the owner of a new account set her password.

    Only the SHA-256 of the token is stored; the link itself is shown once, in the invitation list.
    An invitation is refused when it has expired, was used, or was replaced by a newer one.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
