"""Evaluation models (index trees), manual scores, evaluation runs with snapshots and SWOT records.

An :class:`EvaluationModel` is one version of an index system: a tree of :class:`IndicatorNode` rows under
one root (the goal), a grade scale and a unit of evaluation. Archived versions are read-only: the flush
guard at the end of this module refuses any change to them or to their nodes, whatever code path tried
it. A stored :class:`EvaluationRun` never changes either; it holds everything needed to show its numbers
again next year.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from eduinnov.core.errors import LockedError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import BilingualMixin, LabelledEnum, TimestampMixin, enum_type, utcnow
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.auth.models import User
    from eduinnov.programs.models import Cohort, Program, Student

__all__ = [
    "AggregationMethod",
    "Direction",
    "EvaluationModel",
    "EvaluationRun",
    "EvaluationRunReview",
    "EvaluationUnit",
    "IndicatorNode",
    "ManualScore",
    "ModelStatus",
    "SwotRecord",
    "WeightingMethod",
    "MAX_DEPTH",
]

#: Deepest indicator level below the goal (first-, second-, third-, fourth-level indicators).
MAX_DEPTH = 4


class EvaluationUnit(LabelledEnum):
    STUDENT = "student", _l("Student")
    COHORT = "cohort", _l("Cohort")
    PROGRAM = "program", _l("Program")
    PARTNER = "partner", _l("IUR partner organisation")


#: The lifecycle enum shared with framework versions (kept under this name for code written before the merge).
ModelStatus = Lifecycle


class Direction(LabelledEnum):
    BENEFIT = "benefit", _l("Benefit (larger is better)")
    COST = "cost", _l("Cost (smaller is better)")


class WeightingMethod(LabelledEnum):
    AHP = "ahp", _l("AHP (eigenvector)")
    AHP_GEOMETRIC = "ahp_geometric", _l("AHP (geometric mean)")
    AHM = "ahm", _l("AHM (attribute hierarchical model)")
    ENTROPY = "entropy", _l("Entropy weights (from the data)")
    CV = "cv", _l("Coefficient of variation (from the data)")
    CRITIC = "critic", _l("CRITIC (from the data)")
    EXPERT = "expert", _l("Given weights (expert)")
    COMBINED = "combined", _l("AHP combined with an objective method")
    EQUAL = "equal", _l("Equal weights")

    @property
    def uses_judgments(self) -> bool:
        return self in (WeightingMethod.AHP, WeightingMethod.AHP_GEOMETRIC, WeightingMethod.AHM,
                        WeightingMethod.COMBINED)

    @property
    def is_objective(self) -> bool:
        return self in (WeightingMethod.ENTROPY, WeightingMethod.CV, WeightingMethod.CRITIC)


class AggregationMethod(LabelledEnum):
    WEIGHTED_SUM = "weighted_sum", _l("Weighted sum")
    FUZZY = "fuzzy", _l("Fuzzy comprehensive evaluation")
    GRA = "gra", _l("Grey relational analysis")
    TOPSIS = "topsis", _l("TOPSIS")
    UNASCERTAINED = "unascertained", _l("Unascertained measure")
    PCA = "pca", _l("Principal component composite")
    COUPLING = "coupling", _l("Coupling coordination degree")


class EvaluationModel(TimestampMixin, VersionedMixin, db.Model):
    """One version of an index system; ``program_id`` NULL means institution-wide (administrators)."""

    __tablename__ = "evaluation_models"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("program_id", "name", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[EvaluationUnit] = mapped_column(enum_type(EvaluationUnit))
    #: Bands best -> worst: ``[{"name_zh", "name_en", "min", "max", "value"}, ...]`` on the 0..1 score scale.
    grade_scale: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # active_history: the archived guard needs the old status even when the row was expired.
    status: Mapped[Lifecycle] = mapped_column(enum_type(Lifecycle, name="modelstatus"), default=Lifecycle.DRAFT,
                                                active_history=True)
    include_unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Extra analyses beside the tree, e.g. ``{"location_quotient": ["metric_key", ...]}``.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    template_key: Mapped[str | None] = mapped_column(String(64))
    derived_from_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_models.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    program: Mapped[Program | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    nodes: Mapped[list[IndicatorNode]] = relationship(
        back_populates="model", cascade="all, delete-orphan", order_by="IndicatorNode.position"
    )
    runs: Mapped[list[EvaluationRun]] = relationship(back_populates="model", order_by="EvaluationRun.created_at")

    @property
    def is_archived(self) -> bool:
        return self.status == Lifecycle.ARCHIVED

    @property
    def root(self) -> IndicatorNode | None:
        return next((n for n in self.nodes if n.parent_id is None and n.parent is None), None)

    def __repr__(self) -> str:
        return f"<EvaluationModel {self.name!r} v{self.version} {self.status.value}>"


class IndicatorNode(BilingualMixin, VersionedMixin, db.Model):
    """A node of the index tree: the root (goal), an inner indicator with children, or a leaf bound to a metric."""

    __tablename__ = "indicator_nodes"
    __audited__ = True
    __table_args__ = (UniqueConstraint("model_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("evaluation_models.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_nodes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=1)
    # Leaves
    metric_key: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction), default=Direction.BENEFIT)
    metric_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: How a leaf's raw value becomes a 0..1 score: ``{"method": "minmax" | "target" | "range" | "none", ...}``.
    scaling: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Inner nodes
    weighting: Mapped[WeightingMethod | None] = mapped_column(enum_type(WeightingMethod))
    #: Upper-triangle pairwise judgments keyed by child codes: ``{"B1": {"B2": "3", "B3": "1/2"}, ...}``.
    judgments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Given weights keyed by child code (expert weighting).
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: e.g. ``{"beta": 2}`` (AHM), ``{"objective": "entropy", "alpha": 0.5, "method": "linear"}`` (combined).
    weighting_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    aggregation: Mapped[AggregationMethod | None] = mapped_column(enum_type(AggregationMethod))
    aggregation_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    model: Mapped[EvaluationModel] = relationship(back_populates="nodes")
    parent: Mapped[IndicatorNode | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[IndicatorNode]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="IndicatorNode.position"
    )

    @property
    def program_id(self) -> int | None:
        return self.model.program_id

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @property
    def is_leaf(self) -> bool:
        return not self.is_root and not self.children

    @property
    def depth(self) -> int:
        depth, node = 0, self
        while node.parent is not None:
            depth, node = depth + 1, node.parent
        return depth

    def __repr__(self) -> str:
        return f"<IndicatorNode {self.code}>"


class ManualScore(VersionedMixin, db.Model):
    """An expert or survey rating of a cohort or a student, entered by hand (several entries are averaged)."""

    __tablename__ = "manual_scores"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("(cohort_id IS NULL) <> (student_id IS NULL)", name="exactly_one_target"),
        Index("ix_manual_scores_key", "metric_key", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    metric_key: Mapped[str] = mapped_column(String(64))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cohort: Mapped[Cohort | None] = relationship()
    student: Mapped[Student | None] = relationship()
    entered_by: Mapped[User | None] = relationship()


class EvaluationRun(db.Model):
    """One run of a model version on a target, with a snapshot of everything behind its numbers.

    Stored once and never updated; ``fingerprint`` is the SHA-256 of the canonical JSON of the snapshot.
    ``program_id`` is the program whose data was evaluated (NULL for an institution-wide run).
    """

    __tablename__ = "evaluation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("evaluation_models.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[int] = mapped_column(Integer)
    unit: Mapped[EvaluationUnit] = mapped_column(enum_type(EvaluationUnit))
    target_cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    target_program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    target_label: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: The model version as evaluated (the same shape as the YAML export).
    model_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``{"objects": [{"id", "label"}], "values": {leaf_code: [value per object]}}``.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``{node_code: {"children": [...], "weights": [...], "method": ..., "CR": ..., ...}}``.
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``{node_code: [score per object]}`` (leaves: their 0..1 scores).
    node_scores: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``[{"id", "label", "score", "grade", "grade_index", "rank"}]`` in object order.
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Mean score, grade distribution, extra analyses (location quotient ...), warnings.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    #: Outcome of the health check stored in ``summary["health"]`` (NULL: a run made before the check).
    health_passed: Mapped[bool | None] = mapped_column(Boolean)

    model: Mapped[EvaluationModel] = relationship(back_populates="runs")
    target_cohort: Mapped[Cohort | None] = relationship(foreign_keys=[target_cohort_id])
    target_program: Mapped[Program | None] = relationship(foreign_keys=[target_program_id])
    created_by: Mapped[User | None] = relationship()

    review: Mapped[EvaluationRunReview | None] = relationship(back_populates="run", uselist=False)

    def __repr__(self) -> str:
        return f"<EvaluationRun {self.id} {self.model_name!r} v{self.model_version}>"

    @property
    def is_published(self) -> bool:
        """Whether dashboards, comparisons and evidence packs may use this run.

        A run whose health check failed is held back until a director records why it stands; runs made
        before the check existed (``health_passed`` NULL) are not held back.
        """
        return self.health_passed is not False or self.review is not None


class EvaluationRunReview(db.Model):
    """A director's reasoned decision that a run whose health check failed stands and may be published.

    Runs never change, so the decision is a row of its own: who, when and why (audited).
    """

    __tablename__ = "evaluation_run_reviews"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id", ondelete="CASCADE"), unique=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    run: Mapped[EvaluationRun] = relationship(back_populates="review")
    reviewed_by: Mapped[User | None] = relationship()


class SwotRecord(TimestampMixin, VersionedMixin, db.Model):
    """A program's SWOT analysis for one year and the measures derived from it (SO / WO / ST / WT)."""

    __tablename__ = "swot_records"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("program_id", "year"),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    strengths: Mapped[str | None] = mapped_column(Text)
    weaknesses: Mapped[str | None] = mapped_column(Text)
    opportunities: Mapped[str | None] = mapped_column(Text)
    threats: Mapped[str | None] = mapped_column(Text)
    so_measures: Mapped[str | None] = mapped_column(Text)
    wo_measures: Mapped[str | None] = mapped_column(Text)
    st_measures: Mapped[str | None] = mapped_column(Text)
    wt_measures: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    program: Mapped[Program] = relationship()


# ---------------------------------------------------------------------------------------------------------
# Flush guard: archived model versions and stored runs are read-only, whatever code path tries to change them.
# ---------------------------------------------------------------------------------------------------------

ARCHIVED_MESSAGE = "This evaluation model version is archived and read-only."


def _model_was_archived(model: EvaluationModel) -> bool:
    hist = inspect(model).attrs["status"].history
    if hist.deleted:  # status changes in this flush: what it was before decides
        old = hist.deleted[0]
        return getattr(old, "value", old) == Lifecycle.ARCHIVED.value
    return model.is_archived


def _node_model(node: IndicatorNode) -> EvaluationModel | None:
    try:
        if node.model is not None:
            return node.model
        return db.session.get(EvaluationModel, node.model_id) if node.model_id else None
    except Exception:  # a node half-built in this flush
        return None


@event.listens_for(Session, "before_flush")
def _guard_archived(session: Session, flush_context: Any, instances: Any) -> None:
    for action, objs in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in list(objs):
            if isinstance(obj, EvaluationModel) and action != "create":
                if action == "update" and not session.is_modified(obj, include_collections=False):
                    continue
                if _model_was_archived(obj):
                    raise LockedError(ARCHIVED_MESSAGE)
            elif isinstance(obj, IndicatorNode):
                if action == "update" and not session.is_modified(obj, include_collections=False):
                    continue
                model = _node_model(obj)
                if model is not None and (model.is_archived or _model_was_archived(model)):
                    if not (action == "delete" and obj.model in session.deleted):
                        raise LockedError(ARCHIVED_MESSAGE)
            elif isinstance(obj, EvaluationRun) and action == "update":
                if session.is_modified(obj, include_collections=False):
                    raise LockedError("A stored evaluation run cannot be changed.")
