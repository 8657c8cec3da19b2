"""Versioned cultivation frameworks: OBE requirements, indicator points, courses, support matrix, modules."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import BilingualMixin, LabelledEnum, TimestampMixin, enum_type
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.programs.models import Program


#: The lifecycle enum shared with evaluation models (kept under this name for code written before the merge).
FrameworkStatus = Lifecycle


class AggregationRule(LabelledEnum):
    WEIGHTED_SUM = "weighted_sum", _l("Weighted sum over supporting courses")
    MINIMUM = "minimum", _l("Minimum over supporting courses")


class ObjectiveRule(LabelledEnum):
    """How a course's value for an indicator point combines the course objectives that support it."""

    MEAN = "mean", _l("Mean over a course's objectives")
    MINIMUM = "minimum", _l("Minimum over a course's objectives")


class SupportStrength(LabelledEnum):
    HIGH = "H", _l("H (strong)")
    MEDIUM = "M", _l("M (medium)")
    LOW = "L", _l("L (weak)")


class ModuleKind(LabelledEnum):
    COURSE_LEARNING = "course_learning", _l("Stage-based course learning")
    PROJECT_PRACTICE = "project_practice", _l("Systematic project practice training")
    COMPREHENSIVE_PRACTICE = "comprehensive_practice", _l("Comprehensive practice training")
    PLATFORM = "platform", _l("Practice platform")
    LINE = "line", _l("Line")
    OTHER = "other", _l("Other")


class CourseCategory(LabelledEnum):
    """Course categories of the credit-structure table of engineering accreditation (课程体系学分结构)."""

    MATH_SCIENCE = "math_science", _l("Mathematics and natural sciences")
    ENGINEERING = "engineering", _l("Engineering foundation and professional courses")
    PRACTICE = "practice", _l("Engineering practice and capstone")
    HUMANITIES = "humanities", _l("Humanities and social sciences")
    OTHER = "other", _l("Other courses")


class ModuleLine(LabelledEnum):
    IN_CLASS = "in_class", _l("In class")
    OUT_OF_CLASS = "out_of_class", _l("Out of class")
    BOTH = "both", _l("In and out of class")


class FrameworkVersion(TimestampMixin, VersionedMixin, db.Model):
    """One version of a program's cultivation framework (培养方案)."""

    __tablename__ = "framework_versions"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("program_id", "version"),
        # At most one active version per program (a partial unique index, portable to SQLite and PostgreSQL).
        Index(
            "uq_framework_versions_one_active",
            "program_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("threshold > 0 AND threshold <= 1", name="threshold_range"),
        CheckConstraint("weight_h >= 0 AND weight_m >= 0 AND weight_l >= 0", name="weights_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    entry_year: Mapped[int | None] = mapped_column(Integer)
    # active_history: the archived-version guard needs the old status even when the row was expired.
    status: Mapped[Lifecycle] = mapped_column(
        enum_type(Lifecycle, name="frameworkstatus"), default=Lifecycle.DRAFT, active_history=True
    )
    notes: Mapped[str | None] = mapped_column(Text)
    # OBE settings travel with the version so past reports stay reproducible.
    threshold: Mapped[float] = mapped_column(Float, default=0.7)
    aggregation_rule: Mapped[AggregationRule] = mapped_column(
        enum_type(AggregationRule), default=AggregationRule.WEIGHTED_SUM
    )
    objective_rule: Mapped[ObjectiveRule] = mapped_column(
        enum_type(ObjectiveRule), default=ObjectiveRule.MEAN, server_default=ObjectiveRule.MEAN.value
    )
    weight_h: Mapped[float] = mapped_column(Float, default=3.0)
    weight_m: Mapped[float] = mapped_column(Float, default=2.0)
    weight_l: Mapped[float] = mapped_column(Float, default=1.0)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    program: Mapped[Program] = relationship(back_populates="frameworks")
    requirements: Mapped[list[GraduationRequirement]] = relationship(
        back_populates="framework", cascade="all, delete-orphan", order_by="GraduationRequirement.number"
    )
    courses: Mapped[list[Course]] = relationship(
        back_populates="framework", cascade="all, delete-orphan", order_by="Course.code"
    )
    modules: Mapped[list[Module]] = relationship(
        back_populates="framework", cascade="all, delete-orphan", order_by="Module.position"
    )

    @property
    def framework(self) -> FrameworkVersion:
        return self

    @property
    def is_archived(self) -> bool:
        return self.status == Lifecycle.ARCHIVED

    def strength_weight(self, strength: SupportStrength | None) -> float | None:
        """The numeric weight this version gives to H / M / L."""
        return {
            SupportStrength.HIGH: self.weight_h,
            SupportStrength.MEDIUM: self.weight_m,
            SupportStrength.LOW: self.weight_l,
        }.get(strength)

    def __repr__(self) -> str:
        return f"<FrameworkVersion {self.program_id} v{self.version} {self.status.value}>"


class _FrameworkChild:
    """Rows that live inside one framework version: their program is the framework's."""

    @property
    def program_id(self) -> int:
        return self.framework.program_id


class GraduationRequirement(_FrameworkChild, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "graduation_requirements"
    __audited__ = True
    __table_args__ = (UniqueConstraint("framework_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)

    framework: Mapped[FrameworkVersion] = relationship(back_populates="requirements")
    indicator_points: Mapped[list[IndicatorPoint]] = relationship(
        back_populates="requirement", cascade="all, delete-orphan", order_by="IndicatorPoint.position"
    )


class RequirementSuccession(VersionedMixin, db.Model):
    """A requirement of a newer version continues one of an earlier version: its history carries over.

    Records (improvement records, stored figures) stay attached to the version they were made under; this
    link lets the newer version's pages show them as the earlier cycles of the same requirement. Several
    earlier requirements may continue as one (merged codes); an earlier requirement without a link is
    "not carried over" and is listed as such on the mapping page.
    """

    __tablename__ = "requirement_successions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("predecessor_id", "successor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(
        ForeignKey("graduation_requirements.id", ondelete="CASCADE"), index=True
    )
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("graduation_requirements.id", ondelete="CASCADE"), index=True
    )

    predecessor: Mapped[GraduationRequirement] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[GraduationRequirement] = relationship(foreign_keys=[successor_id])

    @property
    def framework(self) -> FrameworkVersion:
        """The newer version: the link is part of it (and read-only once it is archived)."""
        return self.successor.framework

    @property
    def program_id(self) -> int:
        return self.framework.program_id


class IndicatorPoint(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "indicator_points"
    __audited__ = True
    __table_args__ = (UniqueConstraint("requirement_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("graduation_requirements.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)

    requirement: Mapped[GraduationRequirement] = relationship(back_populates="indicator_points")
    supports: Mapped[list[CourseSupport]] = relationship(
        back_populates="indicator_point", cascade="all, delete-orphan"
    )

    @property
    def framework(self) -> FrameworkVersion:
        return self.requirement.framework

    @property
    def program_id(self) -> int:
        return self.framework.program_id


class Course(BilingualMixin, _FrameworkChild, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "courses"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("framework_id", "code"),
        CheckConstraint("credits >= 0", name="credits_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    credits: Mapped[float] = mapped_column(Float, default=0.0)
    # Where the course counts in the credit-structure table; "other" until someone says (server default).
    category: Mapped[CourseCategory] = mapped_column(
        enum_type(CourseCategory), default=CourseCategory.OTHER, server_default=CourseCategory.OTHER.value
    )
    term: Mapped[int | None] = mapped_column(Integer)
    is_required: Mapped[bool] = mapped_column(default=True)

    framework: Mapped[FrameworkVersion] = relationship(back_populates="courses")
    module: Mapped[Module | None] = relationship(back_populates="courses")
    objectives: Mapped[list[CourseObjective]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="CourseObjective.number"
    )
    supports: Mapped[list[CourseSupport]] = relationship(back_populates="course", cascade="all, delete-orphan")


class CourseObjective(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "course_objectives"
    __audited__ = True
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)

    course: Mapped[Course] = relationship(back_populates="objectives")
    indicator_links: Mapped[list[ObjectiveIndicatorLink]] = relationship(
        back_populates="objective", cascade="all, delete-orphan"
    )

    @property
    def framework(self) -> FrameworkVersion:
        return self.course.framework

    @property
    def program_id(self) -> int:
        return self.framework.program_id


class CourseSupport(VersionedMixin, db.Model):
    """One cell of the course-support matrix: how strongly a course supports an indicator point."""

    __tablename__ = "course_supports"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("course_id", "indicator_point_id"),
        CheckConstraint("strength IS NOT NULL OR weight IS NOT NULL", name="strength_or_weight"),
        CheckConstraint("weight IS NULL OR weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    indicator_point_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_points.id", ondelete="CASCADE"), index=True
    )
    strength: Mapped[SupportStrength | None] = mapped_column(enum_type(SupportStrength, length=1))
    weight: Mapped[float | None] = mapped_column(Float)

    course: Mapped[Course] = relationship(back_populates="supports")
    indicator_point: Mapped[IndicatorPoint] = relationship(back_populates="supports")

    @property
    def framework(self) -> FrameworkVersion:
        return self.course.framework

    @property
    def program_id(self) -> int:
        return self.framework.program_id

    @property
    def effective_weight(self) -> float:
        """The numeric weight: the explicit one, else the framework's number for H / M / L."""
        if self.weight is not None:
            return self.weight
        return self.framework.strength_weight(self.strength) or 0.0

    @property
    def label(self) -> str:
        return self.strength.value if self.strength else f"{self.weight:g}"


class ObjectiveIndicatorLink(VersionedMixin, db.Model):
    __tablename__ = "objective_indicator_links"
    __audited__ = True
    __table_args__ = (UniqueConstraint("objective_id", "indicator_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("course_objectives.id", ondelete="CASCADE"), index=True)
    indicator_point_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_points.id", ondelete="CASCADE"), index=True
    )

    objective: Mapped[CourseObjective] = relationship(back_populates="indicator_links")
    indicator_point: Mapped[IndicatorPoint] = relationship()

    @property
    def framework(self) -> FrameworkVersion:
        return self.objective.framework

    @property
    def program_id(self) -> int:
        return self.framework.program_id


class Module(BilingualMixin, _FrameworkChild, TimestampMixin, VersionedMixin, db.Model):
    """A node of the module structure (e.g. the '3332' system): any depth, ordered by position."""

    __tablename__ = "modules"
    __audited__ = True
    __table_args__ = (CheckConstraint("credits IS NULL OR credits >= 0", name="credits_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[ModuleKind] = mapped_column(enum_type(ModuleKind), default=ModuleKind.OTHER)
    line: Mapped[ModuleLine | None] = mapped_column(enum_type(ModuleLine))
    credits: Mapped[float | None] = mapped_column(Float)
    term: Mapped[str | None] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str | None] = mapped_column(Text)

    framework: Mapped[FrameworkVersion] = relationship(back_populates="modules")
    parent: Mapped[Module | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[Module]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="Module.position"
    )
    courses: Mapped[list[Course]] = relationship(back_populates="module")
