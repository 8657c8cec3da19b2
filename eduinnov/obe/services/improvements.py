"""Continuous improvement: one record per turn of the loop (analysis, measure, next cycle's result)."""

from __future__ import annotations

from flask_babel import gettext as _

from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    CourseObjective,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
)
from eduinnov.obe.models import ImprovementRecord, ImprovementStatus
from eduinnov.programs.models import Cohort


def _check_target(framework: FrameworkVersion, requirement: GraduationRequirement | None,
                  point: IndicatorPoint | None, objective: CourseObjective | None,
                  cohort: Cohort | None) -> None:
    if requirement is None and point is None and objective is None:
        raise ValidationError(_("Choose what the record is about: a requirement, an indicator point or an objective."))
    for obj in (requirement, point, objective):
        if obj is not None and obj.program_id != framework.program_id:
            raise ValidationError(_("The target belongs to another program."))
    if requirement is not None and requirement.framework_id != framework.id:
        raise ValidationError(_("The requirement belongs to another framework version."))
    if point is not None and requirement is not None and point.requirement_id != requirement.id:
        raise ValidationError(_("The indicator point belongs to another requirement."))
    if cohort is not None and cohort.program_id != framework.program_id:
        raise ValidationError(_("The cohort belongs to another program."))


def create_improvement(requirement: GraduationRequirement, *, user: User, cycle_year: int, analysis: str,
                       measure: str, responsible: str, point: IndicatorPoint | None = None,
                       objective: CourseObjective | None = None, cohort: Cohort | None = None,
                       achievement_value: float | None = None, next_cycle_result: str | None = None,
                       status: ImprovementStatus = ImprovementStatus.PLANNED) -> ImprovementRecord:
    """Record one turn of the improvement loop under a requirement (optionally for a point or objective)."""
    framework = requirement.framework
    _check_target(framework, requirement, point, objective, cohort)
    if achievement_value is not None and not 0 <= achievement_value <= 1:
        raise ValidationError(_("The achievement value is between 0 and 1."))
    record = ImprovementRecord(
        framework_version=framework, requirement=requirement, indicator_point=point, objective=objective,
        cohort=cohort, cycle_year=cycle_year, analysis=analysis.strip(), measure=measure.strip(),
        responsible=responsible.strip(), achievement_value=achievement_value,
        next_cycle_result=(next_cycle_result or "").strip() or None, status=ImprovementStatus(status),
        created_by=user,
    )
    db.session.add(record)
    db.session.flush()
    return record


def update_improvement(record: ImprovementRecord, *, user: User, cycle_year: int, analysis: str, measure: str,
                       responsible: str, point: IndicatorPoint | None = None,
                       objective: CourseObjective | None = None, cohort: Cohort | None = None,
                       achievement_value: float | None = None, next_cycle_result: str | None = None,
                       status: ImprovementStatus = ImprovementStatus.PLANNED) -> ImprovementRecord:
    """Change an improvement record (e.g. add the next cycle's result and mark it checked)."""
    _check_target(record.framework_version, record.requirement, point, objective, cohort)
    if achievement_value is not None and not 0 <= achievement_value <= 1:
        raise ValidationError(_("The achievement value is between 0 and 1."))
    record.indicator_point, record.objective, record.cohort = point, objective, cohort
    record.cycle_year, record.analysis, record.measure = cycle_year, analysis.strip(), measure.strip()
    record.responsible, record.achievement_value = responsible.strip(), achievement_value
    record.next_cycle_result = (next_cycle_result or "").strip() or None
    record.status = ImprovementStatus(status)
    db.session.flush()
    return record


def delete_improvement(record: ImprovementRecord, *, user: User) -> None:
    """Delete an improvement record."""
    db.session.delete(record)
    db.session.flush()
