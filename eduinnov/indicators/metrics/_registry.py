"""The registry itself: :class:`Metric`, :data:`METRICS`, the ``@metric`` decorator, :class:`MetricContext` and the parameter checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import Select, case, distinct, func, literal, select

from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentType,
    VerificationStatus,
)
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Participation,
    ParticipationKind,
)
from eduinnov.indicators.models import EvaluationUnit
from eduinnov.programs.models import Cohort, Student, StudentStatus

S, C, P, R = EvaluationUnit.STUDENT, EvaluationUnit.COHORT, EvaluationUnit.PROGRAM, EvaluationUnit.PARTNER
ALL_UNITS = (S, C, P, R)

DEFAULT_INDEXING_WEIGHTS = {"SCI": 5, "SSCI": 5, "EI": 3, "CSSCI": 3, "PKU_CORE": 2, "CSCD": 2, "OTHER": 1}
DEFAULT_LEVEL_WEIGHTS = {"international": 5, "national": 4, "provincial": 2, "university": 1}


class MetricParamError(ValueError):
    """A metric parameter is missing, unknown or of the wrong kind; the message names it."""


@dataclass(frozen=True)
class Metric:
    """A registered metric: key, labels, the units it applies to, its parameters and defaults."""

    key: str
    fn: Callable[..., pd.Series]
    label: Any
    description: Any
    units: tuple[EvaluationUnit, ...]
    params: dict[str, Any] = field(default_factory=dict)
    unit_label: Any = ""

    def check_params(self, params: dict[str, Any] | None) -> dict[str, Any]:
        """Defaults merged with ``params``; unknown names raise :class:`MetricParamError`."""
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            known = ", ".join(sorted(self.params)) or "none"
            raise MetricParamError(_("metric %(key)s: unknown parameter %(name)r (known: %(known)s)", key=self.key, name=unknown[0], known=known))
        merged = {**self.params, **params}
        for name, value in params.items():
            check = _PARAM_CHECKS.get((self.key, name)) or _PARAM_CHECKS.get(name)
            if check is not None:
                check(value)
        return merged


#: Every metric by key, in registration order.
METRICS: dict[str, Metric] = {}


def metric(key: str, *, label: Any, description: Any, units: Iterable[EvaluationUnit] = ALL_UNITS,
           params: dict[str, Any] | None = None, unit: Any = "") -> Callable:
    """Register ``fn(ctx, **params) -> Series`` as metric ``key``."""

    def register(fn: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
        if key in METRICS:
            raise ValueError(f"metric {key!r} registered twice")
        METRICS[key] = Metric(key, fn, label, description, tuple(units), dict(params or {}), unit)
        return fn

    return register


def metric_choices(unit: EvaluationUnit | None = None) -> list[tuple[str, str]]:
    """(key, label) pairs for a select field, optionally only the metrics of ``unit``."""
    return [(m.key, f"{m.label} [{m.key}]") for m in METRICS.values() if unit is None or unit in m.units]


@dataclass
class MetricContext:
    """What a metric needs: the unit, the ids of the objects evaluated, and whether claims count.

    ``objects`` are ids of students, cohorts, programs or partner organisations (by ``unit``).
    """

    unit: EvaluationUnit
    objects: list[int]
    include_unverified: bool = False

    # -- helpers shared by the metric functions ------------------------------------------------------

    def series(self, rows: Iterable[tuple[Any, Any]], *, fill: float | None = 0.0) -> pd.Series:
        """Rows of (object id, value) as a float Series over every object (missing -> ``fill``)."""
        data = {int(k): float(v) for k, v in rows if k is not None and v is not None}
        s = pd.Series(data, dtype="float64").reindex(pd.Index(self.objects, dtype="int64"))
        return s if fill is None else s.fillna(fill)

    def statuses(self) -> list[VerificationStatus]:
        """Verification states that count."""
        if self.include_unverified:
            return [VerificationStatus.VERIFIED, *PENDING_STATES]
        return [VerificationStatus.VERIFIED]

    def achievement_pairs(self, *where: Any, extra: tuple = ()) -> Select:
        """DISTINCT (object id, achievement id, *extra) of counting achievements that satisfy ``where``.

        Students: achievements naming the student; cohorts: naming a student of the cohort; programs: the
        achievement's program; partners: achievements naming a student who took part with the partner.
        """
        a = Achievement
        conds = [a.verification_status.in_(self.statuses()), *where]
        if self.unit == S:
            obj = AchievementParticipant.student_id
            stmt = select(obj.label("obj"), a.id.label("aid"), *extra).join(a, a.id == AchievementParticipant.achievement_id)
        elif self.unit == C:
            obj = Student.cohort_id
            stmt = (select(obj.label("obj"), a.id.label("aid"), *extra)
                    .select_from(AchievementParticipant)
                    .join(Student, Student.id == AchievementParticipant.student_id)
                    .join(a, a.id == AchievementParticipant.achievement_id))
        elif self.unit == P:
            obj = a.program_id
            stmt = select(obj.label("obj"), a.id.label("aid"), *extra)
        else:
            obj = Participation.partner_id
            stmt = (select(obj.label("obj"), a.id.label("aid"), *extra)
                    .select_from(Participation)
                    .join(AchievementParticipant, AchievementParticipant.student_id == Participation.student_id)
                    .join(a, a.id == AchievementParticipant.achievement_id))
        return stmt.where(obj.in_(self.objects), *conds).distinct()

    def count_achievements(self, *where: Any) -> pd.Series:
        """Number of distinct counting achievements per object."""
        sub = self.achievement_pairs(*where).subquery()
        rows = db.session.execute(select(sub.c.obj, func.count(sub.c.aid)).group_by(sub.c.obj))
        return self.series(rows)

    def sum_achievement_weights(self, weight: Any, *where: Any) -> pd.Series:
        """Sum over distinct counting achievements of a per-achievement SQL weight expression."""
        sub = self.achievement_pairs(*where, extra=(weight.label("w"),)).subquery()
        rows = db.session.execute(select(sub.c.obj, func.sum(sub.c.w)).group_by(sub.c.obj))
        return self.series(rows)

    def students_stmt(self) -> Select:
        """(object id, student id) of the enrolled, suspended or graduated students of each object."""
        counted = Student.status != StudentStatus.WITHDRAWN
        if self.unit == S:
            return select(Student.id.label("obj"), Student.id.label("sid")).where(Student.id.in_(self.objects), counted)
        if self.unit == C:
            return select(Student.cohort_id.label("obj"), Student.id.label("sid")).where(
                Student.cohort_id.in_(self.objects), counted)
        if self.unit == P:
            return (select(Cohort.program_id.label("obj"), Student.id.label("sid")).join(Cohort)
                    .where(Cohort.program_id.in_(self.objects), counted))
        return (select(Participation.partner_id.label("obj"), Participation.student_id.label("sid"))
                .where(Participation.partner_id.in_(self.objects)).distinct())

    @cached_property
    def student_counts(self) -> pd.Series:
        """Students per object (computed once per run, shared by every per-100 metric)."""
        sub = self.students_stmt().subquery()
        rows = db.session.execute(select(sub.c.obj, func.count(distinct(sub.c.sid))).group_by(sub.c.obj))
        return self.series(rows)

    def per_100(self, counts: pd.Series) -> pd.Series:
        """Counts per 100 students of each object (0 where an object has no students)."""
        n = self.student_counts
        return (counts * 100.0 / n.where(n > 0)).fillna(0.0)

    def share_of_students(self, pairs: Select) -> pd.Series:
        """Share of each object's students appearing in ``pairs`` (obj, sid), in [0, 1]."""
        sub = pairs.subquery()
        rows = db.session.execute(select(sub.c.obj, func.count(distinct(sub.c.sid))).group_by(sub.c.obj))
        n = self.student_counts
        return (self.series(rows) / n.where(n > 0)).fillna(0.0)


# ---------------------------------------------------------------------------------------------------------
# Parameter helpers
# ---------------------------------------------------------------------------------------------------------


def _enum_list(values: Any, enum_cls: type, name: str) -> list:
    if values in (None, "", []):
        return list(enum_cls)
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        try:
            out.append(enum_cls(v))
        except ValueError:
            valid = ", ".join(m.value for m in enum_cls)
            raise MetricParamError(_("parameter %(name)s: %(value)r is not one of %(valid)s", name=name, value=v, valid=valid)) from None
    return out


def _weight_case(column: Any, weights: Any, enum_cls: type, name: str, default: dict[str, float]) -> Any:
    weights = weights if weights not in (None, "", {}) else default
    if not isinstance(weights, dict):
        raise MetricParamError(_("parameter %(name)s must be a mapping such as %(default)s", name=name, default=default))
    whens = []
    for k, w in weights.items():
        try:
            member = enum_cls(k)
        except ValueError:
            valid = ", ".join(m.value for m in enum_cls)
            raise MetricParamError(_("parameter %(name)s: %(value)r is not one of %(valid)s", name=name, value=k, valid=valid)) from None
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise MetricParamError(_("parameter %(name)s: the weight of %(key)s must be a number, got %(value)r", name=name, key=k, value=w)) from None
        whens.append((column == member, literal(w)))
    return case(*whens, else_=literal(0.0)) if whens else literal(0.0)


def _per_100(ctx: MetricContext, s: pd.Series, flag: Any) -> pd.Series:
    if not flag:
        return s
    if ctx.unit not in (C, P):
        raise MetricParamError("parameter per_100 applies to cohorts and programs only")
    return ctx.per_100(s)


def _check_bool(name: str) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if not isinstance(value, bool):
            raise MetricParamError(_("parameter %(name)s must be true or false, got %(value)r", name=name, value=value))
    return check


def _check_weights(enum_cls: type, default: dict[str, float]) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        _weight_case(literal(0), value, enum_cls, "weights", default)
    return check


def _check_default(value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise MetricParamError(_("parameter default must be a number or empty, got %(value)r", value=value))


#: Checks of parameter values run when a model is saved or imported (not only when it runs).
_PARAM_CHECKS: dict[Any, Callable[[Any], None]] = {
    "levels": lambda v: _enum_list(v, Level, "levels"),
    "kinds": lambda v: None,  # checked per metric below (achievement kinds or participation kinds)
    "indexing": lambda v: _enum_list(v, Indexing, "indexing"),
    "types": lambda v: _enum_list(v, PatentType, "types"),
    "per_100": _check_bool("per_100"),
    "default": _check_default,
    ("publications_weighted", "weights"): _check_weights(Indexing, DEFAULT_INDEXING_WEIGHTS),
    ("awards_weighted", "weights"): _check_weights(Level, DEFAULT_LEVEL_WEIGHTS),
    ("achievements", "kinds"): lambda v: _enum_list(v, AchievementKind, "kinds"),
    ("students_with_achievement_share", "kinds"): lambda v: _enum_list(v, AchievementKind, "kinds"),
    ("iur_participations", "kinds"): lambda v: _enum_list(v, ParticipationKind, "kinds"),
    ("patents", "status"): lambda v: _check_status(v),
    ("manual_score", "key"): lambda v: _check_key(v),
}


def _check_status(value: Any) -> None:
    if value not in ("applied", "granted"):
        raise MetricParamError(_("parameter status must be 'applied' or 'granted', got %(value)r", value=value))


def _check_key(value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise MetricParamError("parameter key must be a non-empty name such as 'expert_rating'")


