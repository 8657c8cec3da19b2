"""Schools (学院): each program belongs to one; deans see every program of their school.

A dean is a membership (``school_deans``), like program membership: the account keeps its own role
(a program director or teacher) and gains VIEW on every object of the school's programs, never EDIT,
MANAGE or VERIFY (those still come only from program membership).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import BilingualMixin, TimestampMixin
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.auth.models import User
    from eduinnov.programs.models import Program

__all__ = ["DEFAULT_SCHOOL_CODE", "School", "SchoolDean", "default_school_id"]

#: The school a program lands in when it is created without one (and, on upgrade, every existing program).
DEFAULT_SCHOOL_CODE = "DEFAULT"
DEFAULT_SCHOOL_NAME_ZH = "默认学院"
DEFAULT_SCHOOL_NAME_EN = "Default school"


class School(BilingualMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))

    programs: Mapped[list[Program]] = relationship(back_populates="school", order_by="Program.code")
    deans: Mapped[list[SchoolDean]] = relationship(back_populates="school", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<School {self.code}>"


class SchoolDean(db.Model):
    """A user who is dean (院长) of a school: read access to every program of the school."""

    __tablename__ = "school_deans"
    __table_args__ = (UniqueConstraint("school_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    school: Mapped[School] = relationship(back_populates="deans")
    user: Mapped[User] = relationship(back_populates="deanships")


def default_school_id(context: Any) -> int:
    """Column default of ``programs.school_id``: the default school, created on first use.

    Keeps ``school_id`` NOT NULL without making every place that creates a program (imports, backups,
    benches) choose a school; an administrator moves the program to its school afterwards.
    """
    table = School.__table__
    conn = context.connection
    found = conn.execute(select(table.c.id).where(table.c.code == DEFAULT_SCHOOL_CODE)).scalar()
    if found is not None:
        return found
    from eduinnov.core.models import utcnow

    now = utcnow()
    result = conn.execute(insert(table).values(code=DEFAULT_SCHOOL_CODE, name_zh=DEFAULT_SCHOOL_NAME_ZH,
                                               name_en=DEFAULT_SCHOOL_NAME_EN, created_at=now, updated_at=now,
                                               row_version=1))
    return result.inserted_primary_key[0]
