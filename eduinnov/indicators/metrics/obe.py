"""The OBE achievement-degree metric (through the OBE module's own cohort report)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.indicators.metrics._registry import (
    _PARAM_CHECKS,
    C,
    MetricContext,
    MetricParamError,
    S,
    metric,
)
from eduinnov.programs.models import Cohort, Student

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


