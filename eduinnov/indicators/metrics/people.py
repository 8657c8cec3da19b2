"""Metrics over people and IUR cooperation, and manual scores."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerOrganisation,
    PracticeBase,
)
from eduinnov.indicators.metrics._registry import (
    C,
    MetricContext,
    MetricParamError,
    P,
    R,
    S,
    _enum_list,
    metric,
)
from eduinnov.indicators.models import ManualScore
from eduinnov.programs.models import Cohort, Student, StudentStatus

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


