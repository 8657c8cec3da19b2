"""Programs, cohorts and students."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import BilingualMixin, LabelledEnum, TimestampMixin, enum_type
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db
from eduinnov.schools.models import default_school_id

if TYPE_CHECKING:
    from eduinnov.auth.models import ProgramMembership, User
    from eduinnov.frameworks.models import FrameworkVersion
    from eduinnov.schools.models import School


class DegreeLevel(LabelledEnum):
    JUNIOR_COLLEGE = "junior_college", _l("Junior college")
    BACHELOR = "bachelor", _l("Bachelor")
    MASTER = "master", _l("Master")
    DOCTORATE = "doctorate", _l("Doctorate")


class StudentStatus(LabelledEnum):
    ENROLLED = "enrolled", _l("Enrolled")
    SUSPENDED = "suspended", _l("Suspended")
    GRADUATED = "graduated", _l("Graduated")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class Program(BilingualMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    discipline: Mapped[str | None] = mapped_column(String(120))
    degree_level: Mapped[DegreeLevel] = mapped_column(enum_type(DegreeLevel), default=DegreeLevel.BACHELOR)
    # Verifying an achievement without any evidence file needs a written reason (directors may turn it off).
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The school (学院) the program belongs to; a program created without one lands in the default school.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"), index=True,
                                           default=default_school_id)
    # Which accreditation standard structures the self-evaluation report (None: the engineering one).
    report_standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("report_standards.id", ondelete="SET NULL"), index=True
    )

    school: Mapped[School] = relationship(back_populates="programs")
    cohorts: Mapped[list[Cohort]] = relationship(
        back_populates="program", cascade="all, delete-orphan", order_by="Cohort.entry_year"
    )
    memberships: Mapped[list[ProgramMembership]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )
    frameworks: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="program", cascade="all, delete-orphan"
    )

    @property
    def program_id(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<Program {self.code}>"


class Cohort(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        UniqueConstraint("program_id", "entry_year"),
        CheckConstraint("entry_year BETWEEN 1950 AND 2100", name="entry_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    entry_year: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(64))

    program: Mapped[Program] = relationship(back_populates="cohorts")
    students: Mapped[list[Student]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="Student.student_no"
    )

    @property
    def display_name(self) -> str:
        return self.format_name(self.label, self.program.code, self.entry_year)

    @staticmethod
    def format_name(label: str | None, program_code: str, entry_year: int) -> str:
        """A cohort's name from its columns (for lists that read columns, not cohorts)."""
        return label or f"{program_code} {entry_year}"

    def __repr__(self) -> str:
        return f"<Cohort {self.program_id}/{self.entry_year}>"


class Student(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[StudentStatus] = mapped_column(enum_type(StudentStatus), default=StudentStatus.ENROLLED)

    cohort: Mapped[Cohort] = relationship(back_populates="students")
    account: Mapped[User | None] = relationship(back_populates="student")

    @property
    def program_id(self) -> int:
        return self.cohort.program_id

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.student_no})"

    def __repr__(self) -> str:
        return f"<Student {self.student_no}>"


def _trigram_index(name: str, column) -> Index:
    """A PostgreSQL trigram index on ``lower(column)``: ``lower(column) LIKE '%text%'`` without reading the table.

    Other databases do without (the search then reads every row, as before).
    """
    return Index(name, func.lower(column).label("lowered"), postgresql_using="gin",
                 postgresql_ops={"lowered": "gin_trgm_ops"}).ddl_if(dialect="postgresql")


# The achievement search matches students by any part of their name or number (achievements.queries).
_trigram_index("ix_students_name_trgm", Student.name)
_trigram_index("ix_students_student_no_trgm", Student.student_no)
# The trigram operator class comes with PostgreSQL's pg_trgm extension (trusted: a database owner may add it).
event.listen(Student.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))
