"""Metrics over achievements: projects, publications, patents, awards, funding."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
)
from eduinnov.indicators.metrics._registry import (
    DEFAULT_INDEXING_WEIGHTS,
    DEFAULT_LEVEL_WEIGHTS,
    C,
    MetricContext,
    MetricParamError,
    P,
    _enum_list,
    _per_100,
    _weight_case,
    metric,
)
from eduinnov.programs.models import Cohort, Student, StudentStatus

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


