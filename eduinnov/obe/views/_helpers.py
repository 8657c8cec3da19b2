"""Helpers shared by the OBE pages: the improvement form (a requirement's page and its history)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from eduinnov.frameworks.models import CourseObjective, GraduationRequirement
from eduinnov.obe import queries
from eduinnov.obe.forms import ImprovementForm
from eduinnov.obe.models import ImprovementRecord
from eduinnov.programs.models import Cohort


def _improvement_form(requirement: GraduationRequirement, record: ImprovementRecord | None = None, *,
                      cohorts: list[Cohort] | None = None,
                      objectives: list[CourseObjective] | None = None) -> ImprovementForm:
    """The improvement form of a requirement (``cohorts``: its program's, ``objectives``: its candidate
    objectives (``queries.candidate_objectives``), when the caller has them)."""
    form = ImprovementForm(obj=record)
    choices = [("req", _("GR%(n)d itself", n=requirement.number))]
    choices += [(f"ip-{p.id}", _("Indicator point %(code)s", code=p.code)) for p in requirement.indicator_points]
    choices += [(f"co-{o.id}", f"{o.course.code} {o.course.display_name} CO{o.number}")
                for o in (objectives if objectives is not None else queries.candidate_objectives(requirement))]
    form.target.choices = choices
    form.cohort_id.choices = [("", _("—"))] + [(c.id, c.display_name)
                                               for c in (cohorts if cohorts is not None
                                                         else queries.list_cohorts_of_program(requirement.program_id))]
    if record is not None and request.method == "GET":
        form.status.data = record.status.value
        form.target.data = (f"co-{record.objective_id}" if record.objective_id else
                            f"ip-{record.indicator_point_id}" if record.indicator_point_id else "req")
    return form
