"""OBE assessment and achievement-degree models.

Assessment plans (offerings, items, item → objective mappings, per-objective type weights), the scores
imported from teachers' sheets, indirect survey results and continuous-improvement records.

None of these models has a ``framework`` attribute on purpose: the archived-version lock in
``core.audit`` follows ``obj.framework``, and scores or improvement records of a cohort must stay
writable after the framework version they were taught under is archived.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import LabelledEnum, TimestampMixin, enum_type, utcnow
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.auth.models import User
    from eduinnov.frameworks.models import (
        Course,
        CourseObjective,
        FrameworkVersion,
        GraduationRequirement,
        IndicatorPoint,
    )
    from eduinnov.programs.models import Cohort, Student

__all__ = [
    "AchievementResult", "AssessmentItem", "AssessmentType", "CourseOffering", "ImprovementRecord", "ImprovementStatus",
    "ItemObjectiveMapping", "ObjectiveTypeWeight", "Score", "ScoreImport", "SurveyResult", "SurveySource",
]


class AssessmentType(LabelledEnum):
    EXAM = "exam", _l("Exam")
    HOMEWORK = "homework", _l("Homework")
    LAB = "lab", _l("Lab")
    PROJECT = "project", _l("Project")
    REPORT = "report", _l("Report")
    QUIZ = "quiz", _l("Quiz")
    PARTICIPATION = "participation", _l("Class participation")
    OTHER = "other", _l("Other")


class SurveySource(LabelledEnum):
    GRADUATE = "graduate", _l("Graduate survey")
    EMPLOYER = "employer", _l("Employer survey")
    SELF = "self", _l("Student self-assessment")


class ImprovementStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Measure carried out")
    VERIFIED = "verified", _l("Effect checked in the next cycle")


class CourseOffering(TimestampMixin, VersionedMixin, db.Model):
    """One teaching of a course to a cohort in a term, with its assessment plan and score sheet."""

    __tablename__ = "course_offerings"
    __audited__ = True
    __table_args__ = (UniqueConstraint("course_id", "cohort_id", "term", "class_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    term: Mapped[str] = mapped_column(String(32))  # e.g. 2023-2024-1
    class_name: Mapped[str] = mapped_column(String(64), default="")  # parallel classes of one cohort
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    notes: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship()
    cohort: Mapped[Cohort] = relationship()
    teacher: Mapped[User | None] = relationship()
    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="offering", cascade="all, delete-orphan",
        order_by="(AssessmentItem.position, AssessmentItem.id)",
    )
    type_weights: Mapped[list[ObjectiveTypeWeight]] = relationship(
        back_populates="offering", cascade="all, delete-orphan"
    )
    imports: Mapped[list[ScoreImport]] = relationship(
        back_populates="offering", cascade="all, delete-orphan", order_by="ScoreImport.created_at.desc()"
    )

    @property
    def program_id(self) -> int:
        return self.cohort.program_id

    @property
    def display_name(self) -> str:
        suffix = f" {self.class_name}" if self.class_name else ""
        return f"{self.course.code} {self.course.display_name} · {self.cohort.display_name} · {self.term}{suffix}"


class AssessmentItem(TimestampMixin, VersionedMixin, db.Model):
    """An exam question or part, a homework, a lab report, a project …: one column of the score sheet."""

    __tablename__ = "assessment_items"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("offering_id", "name"),
        CheckConstraint("full_marks > 0", name="full_marks_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # the column header in the score sheet
    type: Mapped[AssessmentType] = mapped_column(enum_type(AssessmentType))
    full_marks: Mapped[float] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, default=0)

    offering: Mapped[CourseOffering] = relationship(back_populates="items")
    mappings: Mapped[list[ItemObjectiveMapping]] = relationship(
        back_populates="item", cascade="all, delete-orphan"
    )
    scores: Mapped[list[Score]] = relationship(back_populates="item", cascade="all, delete-orphan")

    @property
    def program_id(self) -> int:
        return self.offering.program_id


class ItemObjectiveMapping(VersionedMixin, db.Model):
    """An assessment item assesses a course objective (with the share of its marks, 1 when omitted)."""

    __tablename__ = "item_objective_mappings"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("item_id", "objective_id"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 1)", name="share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("course_objectives.id", ondelete="CASCADE"), index=True)
    share: Mapped[float | None] = mapped_column(Float)

    item: Mapped[AssessmentItem] = relationship(back_populates="mappings")
    objective: Mapped[CourseObjective] = relationship()

    @property
    def effective_share(self) -> float:
        return 1.0 if self.share is None else self.share

    @property
    def program_id(self) -> int:
        return self.item.program_id


class ObjectiveTypeWeight(VersionedMixin, db.Model):
    """w_jk: the weight of assessment type k in the achievement of course objective j (Σ_k w_jk = 1)."""

    __tablename__ = "objective_type_weights"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("offering_id", "objective_id", "type"),
        CheckConstraint("weight >= 0 AND weight <= 1", name="weight_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id", ondelete="CASCADE"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("course_objectives.id", ondelete="CASCADE"), index=True)
    type: Mapped[AssessmentType] = mapped_column(enum_type(AssessmentType))
    weight: Mapped[float] = mapped_column(Float)

    offering: Mapped[CourseOffering] = relationship(back_populates="type_weights")
    objective: Mapped[CourseObjective] = relationship()

    @property
    def program_id(self) -> int:
        return self.offering.program_id


class Score(VersionedMixin, db.Model):
    """One student's score on one assessment item; ``value`` None means no work handed in (counts 0)."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("item_id", "student_id"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    value: Mapped[float | None] = mapped_column(Float)

    item: Mapped[AssessmentItem] = relationship(back_populates="scores")
    student: Mapped[Student] = relationship()

    @property
    def program_id(self) -> int:
        return self.item.program_id


class ScoreImport(db.Model):
    """A score sheet that replaced an offering's scores: who, when, which file, how many rows."""

    __tablename__ = "score_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("course_offerings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    row_count: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    encoding: Mapped[str | None] = mapped_column(String(32))

    offering: Mapped[CourseOffering] = relationship(back_populates="imports")
    user: Mapped[User | None] = relationship()

    @property
    def program_id(self) -> int:
        return self.offering.program_id


class SurveyResult(TimestampMixin, VersionedMixin, db.Model):
    """Indirect evaluation of an indicator point for a cohort: a survey's mean score scaled to 0..1."""

    __tablename__ = "survey_results"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("cohort_id", "indicator_point_id", "source"),
        CheckConstraint("value >= 0 AND value <= 1", name="value_range"),
        CheckConstraint("respondents IS NULL OR respondents >= 0", name="respondents_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    indicator_point_id: Mapped[int] = mapped_column(
        ForeignKey("indicator_points.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[SurveySource] = mapped_column(enum_type(SurveySource))
    value: Mapped[float] = mapped_column(Float)
    respondents: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int | None] = mapped_column(Integer)

    cohort: Mapped[Cohort] = relationship()
    indicator_point: Mapped[IndicatorPoint] = relationship()

    @property
    def program_id(self) -> int:
        return self.cohort.program_id


class ImprovementRecord(TimestampMixin, VersionedMixin, db.Model):
    """One turn of the continuous-improvement loop for a requirement, indicator point or course objective."""

    __tablename__ = "improvement_records"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(
            "requirement_id IS NOT NULL OR indicator_point_id IS NOT NULL OR objective_id IS NOT NULL",
            name="has_target",
        ),
        CheckConstraint("cycle_year BETWEEN 1950 AND 2100", name="cycle_year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("graduation_requirements.id", ondelete="CASCADE"), index=True
    )
    indicator_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("indicator_points.id", ondelete="CASCADE"), index=True
    )
    objective_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_objectives.id", ondelete="CASCADE"), index=True
    )
    cycle_year: Mapped[int] = mapped_column(Integer)
    achievement_value: Mapped[float | None] = mapped_column(Float)  # the figure that triggered the record
    analysis: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(120))
    next_cycle_result: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ImprovementStatus] = mapped_column(enum_type(ImprovementStatus),
                                                      default=ImprovementStatus.PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    framework_version: Mapped[FrameworkVersion] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    requirement: Mapped[GraduationRequirement | None] = relationship()
    indicator_point: Mapped[IndicatorPoint | None] = relationship()
    objective: Mapped[CourseObjective | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def program_id(self) -> int:
        return self.framework_version.program_id

    @property
    def target_label(self) -> str:
        if self.objective is not None:
            return f"{self.objective.course.code} CO{self.objective.number}"
        if self.indicator_point is not None:
            return str(self.indicator_point.code)
        return f"GR{self.requirement.number}" if self.requirement else ""


class AchievementResult(db.Model):
    """A cohort's achievement degrees under one framework version, stored with the fingerprint of their inputs.

    Written by :mod:`eduinnov.obe.results` only: recomputed in the transaction that changes a score
    sheet, a plan, a survey or a framework setting, so a stored row is never stale. ``data`` holds plain
    values (see :func:`eduinnov.obe.results.compute_results`). No ``framework`` attribute on purpose
    (see the module docstring): figures of a cohort taught under an archived version stay writable.
    """

    __tablename__ = "obe_results"
    __table_args__ = (UniqueConstraint("cohort_id", "framework_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework_versions.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)
    # ``data["requirements"]`` once more, on its own: the school roll-ups read every cohort's verdicts
    # without parsing whole documents (mostly per-student figures). NULL in rows stored without it.
    requirements: Mapped[dict | None] = mapped_column(JSON)
    # ``data`` without its per-offering and per-student parts (a few KB of a few hundred): what the cohort
    # page, the drill-down and the dashboard read. NULL in rows stored without it (``data`` is read then).
    summary: Mapped[dict | None] = mapped_column(JSON)
