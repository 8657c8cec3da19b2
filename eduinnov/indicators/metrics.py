"""The metric registry: measured quantities an index tree's leaves are bound to.

A metric is one small decorated function ``fn(ctx, **params) -> pd.Series`` returning one value per
evaluation object (the Series is indexed by object id; objects without rows get 0 unless the metric
says otherwise). Each runs ONE SQL aggregation (``select ... group by``) for all objects of a run — never
a query per object. Adding a metric is adding one decorated function here; the editor, the YAML
validation and the runs find it through :data:`METRICS`.

Only verified achievements count unless the model says ``include_unverified`` (then claimed ones count
too; rejected ones never do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, distinct, func, literal, select

from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
    VerificationStatus,
)
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.indicators.models import EvaluationUnit, ManualScore
from eduinnov.programs.models import Cohort, Student, StudentStatus

__all__ = ["METRICS", "Metric", "MetricContext", "MetricParamError", "metric", "metric_choices"]

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


# ---------------------------------------------------------------------------------------------------------
# Achievements
# ---------------------------------------------------------------------------------------------------------


@metric("projects", label=_l("Training projects"), unit=_l("projects"),
        description=_l("Innovation and entrepreneurship training projects at the chosen levels "
                       "(levels: international, national, provincial, university); optionally per 100 students."),
        params={"levels": [], "per_100": False})
def projects(ctx: MetricContext, levels: Any, per_100: Any) -> pd.Series:
    """Distinct training projects per object at ``levels`` (all levels when empty)."""
    s = ctx.count_achievements(Achievement.kind == AchievementKind.PROJECT,
                               Achievement.level.in_(_enum_list(levels, Level, "levels")))
    return _per_100(ctx, s, per_100)


@metric("projects_per_100", label=_l("Training projects per 100 students"), unit=_l("per 100 students"),
        description=_l("Training projects at the chosen levels for every 100 students of the cohort or program."),
        units=(C, P), params={"levels": []})
def projects_per_100(ctx: MetricContext, levels: Any) -> pd.Series:
    """Training projects at ``levels`` per 100 students."""
    return ctx.per_100(projects(ctx, levels, False))


@metric("students_with_achievement_share", label=_l("Share of students with an achievement"), unit="0–1",
        description=_l("Share of the students with at least one counting achievement of the chosen kinds "
                       "(project, publication, patent, award)."),
        units=(C, P), params={"kinds": []})
def students_with_achievement_share(ctx: MetricContext, kinds: Any) -> pd.Series:
    """Share of each object's students named on at least one counting achievement of ``kinds``."""
    kinds = _enum_list(kinds, AchievementKind, "kinds")
    a = Achievement
    if ctx.unit == C:
        obj = Student.cohort_id
        base = select(obj.label("obj"), Student.id.label("sid")).join(
            AchievementParticipant, AchievementParticipant.student_id == Student.id)
    else:
        obj = Cohort.program_id
        base = (select(obj.label("obj"), Student.id.label("sid")).join(Cohort, Cohort.id == Student.cohort_id)
                .join(AchievementParticipant, AchievementParticipant.student_id == Student.id))
    pairs = (base.join(a, a.id == AchievementParticipant.achievement_id)
             .where(obj.in_(ctx.objects), a.verification_status.in_(ctx.statuses()), a.kind.in_(kinds),
                    Student.status != StudentStatus.WITHDRAWN))
    return ctx.share_of_students(pairs)


@metric("publications", label=_l("Publications"), unit=_l("papers"),
        description=_l("Papers indexed in the chosen tiers (SCI, SSCI, EI, CSSCI, PKU_CORE, CSCD, OTHER)."),
        params={"indexing": [], "per_100": False})
def publications(ctx: MetricContext, indexing: Any, per_100: Any) -> pd.Series:
    """Distinct publications per object in the ``indexing`` tiers (all when empty; unindexed count as OTHER)."""
    tiers = _enum_list(indexing, Indexing, "indexing")
    tier = func.coalesce(Achievement.indexing, Indexing.OTHER.value)
    s = ctx.count_achievements(Achievement.kind == AchievementKind.PUBLICATION,
                               tier.in_([t.value for t in tiers]))
    return _per_100(ctx, s, per_100)


@metric("publications_weighted", label=_l("Publications weighted by indexing"), unit=_l("weighted papers"),
        description=_l("Sum of paper weights by indexing tier; defaults SCI/SSCI 5, EI/CSSCI 3, "
                       "PKU core/CSCD 2, other 1."),
        params={"weights": dict(DEFAULT_INDEXING_WEIGHTS), "per_100": False})
def publications_weighted(ctx: MetricContext, weights: Any, per_100: Any) -> pd.Series:
    """Sum of indexing weights over distinct publications (a paper without indexing counts as OTHER)."""
    tier = func.coalesce(Achievement.indexing, Indexing.OTHER.value)
    w = _weight_case(tier, weights, Indexing, "weights", DEFAULT_INDEXING_WEIGHTS)
    s = ctx.sum_achievement_weights(w, Achievement.kind == AchievementKind.PUBLICATION)
    return _per_100(ctx, s, per_100)


@metric("patents", label=_l("Patents"), unit=_l("patents"),
        description=_l("Patents applied for (status 'applied': every filing, granted ones included) or granted "
                       "(status 'granted'), of the chosen types (invention, utility_model, design)."),
        params={"status": "applied", "types": [], "per_100": False})
def patents(ctx: MetricContext, status: Any, types: Any, per_100: Any) -> pd.Series:
    """Distinct patents per object: all filings (``applied``) or granted ones, of ``types``."""
    if status not in ("applied", "granted"):
        raise MetricParamError(_("parameter status must be 'applied' or 'granted', got %(value)r", value=status))
    where = [Achievement.kind == AchievementKind.PATENT,
             Achievement.patent_type.in_(_enum_list(types, PatentType, "types"))]
    if status == "granted":
        where.append(Achievement.patent_status == PatentStatus.GRANTED)
    return _per_100(ctx, ctx.count_achievements(*where), per_100)


@metric("awards", label=_l("Competition awards"), unit=_l("awards"),
        description=_l("Competition awards at the chosen levels."), params={"levels": [], "per_100": False})
def awards(ctx: MetricContext, levels: Any, per_100: Any) -> pd.Series:
    """Distinct competition awards per object at ``levels``."""
    s = ctx.count_achievements(Achievement.kind == AchievementKind.AWARD,
                               Achievement.level.in_(_enum_list(levels, Level, "levels")))
    return _per_100(ctx, s, per_100)


@metric("awards_weighted", label=_l("Awards weighted by level"), unit=_l("weighted awards"),
        description=_l("Sum of award weights by level; defaults international 5, national 4, provincial 2, "
                       "university 1."),
        params={"weights": dict(DEFAULT_LEVEL_WEIGHTS), "per_100": False})
def awards_weighted(ctx: MetricContext, weights: Any, per_100: Any) -> pd.Series:
    """Sum of level weights over distinct competition awards."""
    w = _weight_case(Achievement.level, weights, Level, "weights", DEFAULT_LEVEL_WEIGHTS)
    s = ctx.sum_achievement_weights(w, Achievement.kind == AchievementKind.AWARD)
    return _per_100(ctx, s, per_100)


@metric("achievements", label=_l("Achievements"), unit=_l("achievements"),
        description=_l("Counting achievements of the chosen kinds and levels (levels apply to projects and "
                       "awards; papers and patents have none and count whenever levels is empty)."),
        params={"kinds": [], "levels": [], "per_100": False})
def achievements(ctx: MetricContext, kinds: Any, levels: Any, per_100: Any) -> pd.Series:
    """Distinct achievements per object of ``kinds`` (and ``levels`` when given)."""
    where = [Achievement.kind.in_(_enum_list(kinds, AchievementKind, "kinds"))]
    if levels:
        where.append(Achievement.level.in_(_enum_list(levels, Level, "levels")))
    return _per_100(ctx, ctx.count_achievements(*where), per_100)


@metric("project_funding_per_student", label=_l("Project funding per student"), unit=_l("yuan per student"),
        description=_l("Total funding of the counting training projects divided by the number of students."),
        units=(C, P))
def project_funding_per_student(ctx: MetricContext) -> pd.Series:
    """Sum of project funding over distinct projects, per student of the object."""
    s = ctx.sum_achievement_weights(func.coalesce(Achievement.funding, 0), Achievement.kind == AchievementKind.PROJECT)
    n = ctx.student_counts
    return (s / n.where(n > 0)).fillna(0.0)


# ---------------------------------------------------------------------------------------------------------
# People and IUR cooperation
# ---------------------------------------------------------------------------------------------------------


@metric("students", label=_l("Number of students"), unit=_l("students"),
        description=_l("Students of the cohort or program (withdrawn students excluded); for a partner, "
                       "the students who took part with it."), units=(C, P, R))
def students(ctx: MetricContext) -> pd.Series:
    """Number of (non-withdrawn) students per object."""
    return ctx.student_counts.copy()


@metric("iur_participation_rate", label=_l("IUR participation rate"), unit="0–1",
        description=_l("Share of the students with at least one placement, joint project or exchange with an "
                       "IUR partner."), units=(C, P))
def iur_participation_rate(ctx: MetricContext) -> pd.Series:
    """Share of each object's students with at least one IUR participation."""
    if ctx.unit == C:
        obj = Student.cohort_id
        base = select(obj.label("obj"), Student.id.label("sid"))
    else:
        obj = Cohort.program_id
        base = select(obj.label("obj"), Student.id.label("sid")).join(Cohort, Cohort.id == Student.cohort_id)
    pairs = base.join(Participation, Participation.student_id == Student.id).where(
        obj.in_(ctx.objects), Student.status != StudentStatus.WITHDRAWN)
    return ctx.share_of_students(pairs)


@metric("iur_participations", label=_l("IUR participations"), unit=_l("participations"),
        description=_l("Placements, joint projects and exchanges of the chosen kinds (placement, joint_project, "
                       "exchange)."), params={"kinds": []})
def iur_participations(ctx: MetricContext, kinds: Any) -> pd.Series:
    """Number of IUR participations per object."""
    kinds = _enum_list(kinds, ParticipationKind, "kinds")
    pt = Participation
    if ctx.unit == S:
        obj, stmt = pt.student_id, select(pt.student_id, func.count(pt.id))
    elif ctx.unit == C:
        obj = Student.cohort_id
        stmt = select(obj, func.count(pt.id)).join(Student, Student.id == pt.student_id)
    elif ctx.unit == P:
        obj = PartnerOrganisation.program_id
        stmt = select(obj, func.count(pt.id)).join(PartnerOrganisation, PartnerOrganisation.id == pt.partner_id)
    else:
        obj, stmt = pt.partner_id, select(pt.partner_id, func.count(pt.id))
    rows = db.session.execute(stmt.where(obj.in_(ctx.objects), pt.kind.in_(kinds)).group_by(obj))
    return ctx.series(rows)


@metric("joint_supervisors", label=_l("Joint (industry) supervisors"), unit=_l("supervisors"),
        description=_l("External supervisors employed by the partner (programs: by all their partners)."),
        units=(P, R))
def joint_supervisors(ctx: MetricContext) -> pd.Series:
    """Number of joint supervisors per partner or per program."""
    js = JointSupervisor
    if ctx.unit == R:
        obj, stmt = js.partner_id, select(js.partner_id, func.count(js.id))
    else:
        obj = PartnerOrganisation.program_id
        stmt = select(obj, func.count(js.id)).join(PartnerOrganisation, PartnerOrganisation.id == js.partner_id)
    return ctx.series(db.session.execute(stmt.where(obj.in_(ctx.objects)).group_by(obj)))


@metric("practice_base_capacity", label=_l("Practice base capacity"), unit=_l("places"),
        description=_l("Total capacity of the partner's practice bases (programs: of all their partners)."),
        units=(P, R))
def practice_base_capacity(ctx: MetricContext) -> pd.Series:
    """Sum of practice-base capacities per partner or per program."""
    pb = PracticeBase
    cap = func.sum(func.coalesce(pb.capacity, 0))
    if ctx.unit == R:
        obj, stmt = pb.partner_id, select(pb.partner_id, cap)
    else:
        obj = PartnerOrganisation.program_id
        stmt = select(obj, cap).join(PartnerOrganisation, PartnerOrganisation.id == pb.partner_id)
    return ctx.series(db.session.execute(stmt.where(obj.in_(ctx.objects)).group_by(obj)))


@metric("partners", label=_l("IUR partner organisations"), unit=_l("partners"),
        description=_l("Partner organisations of the program (a cohort gets its program's number)."), units=(C, P))
def partners(ctx: MetricContext) -> pd.Series:
    """Number of partner organisations of each program (for cohorts: of their program)."""
    po = PartnerOrganisation
    if ctx.unit == P:
        stmt = select(po.program_id, func.count(po.id)).where(po.program_id.in_(ctx.objects)).group_by(po.program_id)
    else:
        stmt = (select(Cohort.id, func.count(po.id)).join(po, po.program_id == Cohort.program_id)
                .where(Cohort.id.in_(ctx.objects)).group_by(Cohort.id))
    return ctx.series(db.session.execute(stmt))


# ---------------------------------------------------------------------------------------------------------
# Manual scores
# ---------------------------------------------------------------------------------------------------------


@metric("manual_score", label=_l("Manual score (expert or survey rating)"), unit=_l("rating"),
        description=_l("Mean of the ratings entered by hand under the given key, per student or per cohort "
                       "(programs: mean of their cohorts' ratings). Objects without a rating get 'default'; "
                       "leave it empty to refuse the run instead."),
        units=(S, C, P), params={"key": "expert_rating", "default": None})
def manual_score(ctx: MetricContext, key: Any, default: Any) -> pd.Series:
    """Mean manual rating under ``key`` per object; unrated objects get ``default`` (NaN when None)."""
    if not isinstance(key, str) or not key.strip():
        raise MetricParamError("parameter key must be a non-empty name such as 'expert_rating'")
    ms = ManualScore
    if ctx.unit == S:
        obj, stmt = ms.student_id, select(ms.student_id, func.avg(ms.value))
    elif ctx.unit == C:
        obj, stmt = ms.cohort_id, select(ms.cohort_id, func.avg(ms.value))
    else:
        obj = Cohort.program_id
        stmt = select(obj, func.avg(ms.value)).join(Cohort, Cohort.id == ms.cohort_id)
    rows = db.session.execute(stmt.where(ms.metric_key == key.strip(), obj.in_(ctx.objects)).group_by(obj))
    s = ctx.series(rows, fill=None)
    if default is not None:
        try:
            s = s.fillna(float(default))
        except (TypeError, ValueError):
            raise MetricParamError(_("parameter default must be a number or empty, got %(value)r", value=default)) from None
    return s


# ---------------------------------------------------------------------------------------------------------
# OBE achievement degrees (through the OBE module's own report; one report per cohort, not one SQL query)
# ---------------------------------------------------------------------------------------------------------


def _check_rule(value: Any) -> None:
    if value not in ("program", "weighted_sum", "minimum"):
        raise MetricParamError(_("parameter rule must be 'program', 'weighted_sum' or 'minimum', got %(value)r", value=value))


def _check_requirement(value: Any) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise MetricParamError(_("parameter requirement must be a graduation requirement number or empty, got %(value)r", value=value))


_PARAM_CHECKS[("obe_achievement", "rule")] = _check_rule
_PARAM_CHECKS[("obe_achievement", "requirement")] = _check_requirement


@metric("obe_achievement", label=_l("OBE achievement degree"), unit="0–1",
        description=_l("Achievement degree of the graduation requirements, from the OBE module's cohort report: of "
                       "one requirement (its number) or, when empty, the lowest over all requirements; under the "
                       "program's rule unless rule is weighted_sum or minimum. Cohorts or students without a "
                       "framework or scores get 'default' (empty: the run is refused)."),
        units=(S, C), params={"requirement": None, "rule": "program", "default": None})
def obe_achievement(ctx: MetricContext, requirement: Any, rule: Any, default: Any) -> pd.Series:
    """Graduation-requirement achievement per cohort (class value) or per student (the student's own value)."""
    from eduinnov.obe.reports import cohort_report

    if ctx.unit == C:
        cohort_ids = list(ctx.objects)
    else:
        cohort_ids = sorted(set(db.session.scalars(select(Student.cohort_id).where(Student.id.in_(ctx.objects)))))
    values: dict[int, float] = {}
    for cohort in db.session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids))):
        report = cohort_report(cohort)
        if report.framework is None:
            continue
        rule_value = report.rule.value if rule == "program" else rule
        rows = [r for r in report.requirements if requirement is None or r.requirement.number == requirement]
        if ctx.unit == C:
            vals = [getattr(r, rule_value) for r in rows if getattr(r, rule_value) is not None]
            if vals:
                values[cohort.id] = float(min(vals))
            continue
        frame = report.student_values.get(rule_value)
        if frame is None:
            continue
        cols = [r.requirement.id for r in rows if r.requirement.id in frame.columns]
        if cols:
            per_student = frame[cols].min(axis=1, skipna=True).dropna()
            values.update({int(sid): float(v) for sid, v in per_student.items()})
    s = ctx.series(values.items(), fill=None)
    return s if default is None else s.fillna(float(default))


# ---------------------------------------------------------------------------------------------------------
# Parameters in words (for pages; the YAML keeps the raw values)
# ---------------------------------------------------------------------------------------------------------

_PARAM_ENUMS: dict[Any, type] = {
    "levels": Level, "indexing": Indexing, "types": PatentType, "status": PatentStatus,
    ("iur_participations", "kinds"): ParticipationKind, "kinds": AchievementKind,
}


def _value_label(enum_cls: type | None, value: Any) -> str:
    from eduinnov.core.i18n import enum_label

    if enum_cls is not None:
        try:
            return enum_label(enum_cls(value))
        except ValueError:
            pass
    return str(value)


def describe_params(metric_key: str, params: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The parameters of a leaf as (name, value) pairs in the current language, leaving out defaults.

    Enum values become their labels (``["national"]`` → "National"); weights read "SCI 5 · EI 3";
    ``per_100`` becomes "per 100 students". Unknown keys are shown as given.

    Parameters
    ----------
    metric_key : str
        The metric the parameters belong to.
    params : dict or None
        The leaf's stored parameters.

    Returns
    -------
    list of (str, str)
        Translated parameter names and values, ready to print.
    """
    from flask_babel import gettext as _

    metric_ = METRICS.get(metric_key)
    defaults = metric_.params if metric_ else {}
    names = {"levels": _("levels"), "indexing": _("indexing"), "types": _("patent types"), "status": _("status"),
             "kinds": _("kinds"), "weights": _("weights"), "key": _("rating key"), "default": _("when missing"),
             "requirement": _("graduation requirement"), "rule": _("rule")}
    out = []
    for name, value in (params or {}).items():
        if value == defaults.get(name, object()) or value in (None, [], {}):
            continue
        enum_cls = _PARAM_ENUMS.get((metric_key, name)) or _PARAM_ENUMS.get(name)
        if name == "per_100":
            if value:
                out.append((_("per 100 students"), ""))
            continue
        if name == "weights" and isinstance(value, dict):
            enum_cls = Indexing if metric_key == "publications_weighted" else Level
            text = " · ".join(f"{_value_label(enum_cls, k)} {v:g}" if isinstance(v, int | float) else
                              f"{_value_label(enum_cls, k)} {v}" for k, v in value.items())
        elif name == "rule":
            text = {"weighted_sum": _("weighted sum"), "minimum": _("minimum"),
                    "program": _("the program's rule")}.get(value, str(value))
        elif name == "requirement":
            text = f"GR{value}"
        elif isinstance(value, list):
            text = ", ".join(_value_label(enum_cls, v) for v in value)
        else:
            text = _value_label(enum_cls, value)
        out.append((names.get(name, name), text))
    return out
