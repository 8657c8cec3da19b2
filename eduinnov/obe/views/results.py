"""Achievement results: the shortfall list, a cohort, one graduation requirement of a cohort, one student."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.i18n import enum_label
from eduinnov.frameworks.models import GraduationRequirement
from eduinnov.obe import figures, queries, reports
from eduinnov.obe.models import SurveySource
from eduinnov.obe.views._blueprint import bp
from eduinnov.obe.views._helpers import _improvement_form
from eduinnov.programs.models import Cohort, Student


def _direct_weight() -> float | None:
    value = request.args.get("direct_weight", type=float)
    if value is None or not 0 <= value <= 1:
        return None
    return value


@bp.route("/shortfalls")
@login_required
@staff_required
def shortfalls():
    """Cohorts of the programs the user directs with graduation requirements below the threshold (the home
    page's figure)."""
    return render_template("obe/shortfalls.html", shortfalls=reports.list_obe_shortfalls(current_user),
                           limit=reports.MAX_OBE_COHORTS)


@bp.route("/cohorts/<int:cohort_id>")
@login_required
@loads(Cohort, "cohort_id")
@staff_required
def cohort(cohort):
    report = reports.cohort_report(cohort, direct_weight=_direct_weight(), detail=False)
    rule_attr = "weighted_sum" if report.rule.value == "weighted_sum" else "minimum"
    bars = figures.achievement_bars([(f"GR{r.requirement.number}", getattr(r, rule_attr)) for r in report.requirements],
                                    report.threshold, title=_("Requirement achievement"),
                                    series_name=enum_label(report.rule), label_header=_("Requirement"),
                                    width=460, height=300)
    trend = reports.cohort_trend(cohort, requirements=[r.requirement for r in report.requirements])
    return render_template("obe/cohort.html", cohort=cohort, report=report, bars=bars, trend=trend,
                           direct_weight=_direct_weight())


@bp.route("/cohorts/<int:cohort_id>/requirements/<int:requirement_id>")
@login_required
@loads(Cohort, "cohort_id")
@staff_required
@loads(GraduationRequirement, "requirement_id")
def requirement(cohort, requirement):
    report = reports.cohort_report(cohort, only=requirement.id)
    row = next((r for r in report.requirements if r.requirement.id == requirement.id), None)
    if row is None:
        abort(404)
    # The form's choices, and the trend's cohorts (read once) when the requirement is of the cohort's program.
    cohorts = queries.list_cohorts_of_program(requirement.program_id)
    same = requirement.program_id == cohort.program_id
    form = (_improvement_form(requirement, cohorts=cohorts, objectives=reports.candidate_objectives(report, requirement))
            if can(current_user, Action.MANAGE, requirement) else None)
    if form is not None and request.method == "GET":
        form.cohort_id.data = cohort.id
        form.cycle_year.data = cohort.entry_year + 4
        if row.weighted_sum is not None and row.achieved_weighted_sum is False:
            form.achievement_value.data = round(row.weighted_sum, 4)
    across = [(c, values[requirement.number]) for c, values in reports.cohort_trend(cohort, cohorts=cohorts if same else None)
              if values.get(requirement.number) is not None]
    return render_template("obe/requirement.html", cohort=cohort, report=report, row=row, form=form,
                           history=queries.list_improvements_of_requirement(requirement), sources=list(SurveySource),
                           across=across)


@bp.route("/students/<int:student_id>")
@login_required
@loads(Student, "student_id")
def student(student):
    report = reports.student_report(student)
    rule_index = 1 if report.rule.value == "weighted_sum" else 2
    items = [(f"GR{r[0].number}", r[rule_index]) for r in report.requirements]
    return render_template("obe/student.html", student=student, report=report,
                           radar=figures.achievement_radar(items, report.threshold,
                                                           title=_("Radar of requirement achievement")),
                           bars=figures.achievement_bars(items, report.threshold, title=_("Requirement achievement"),
                                                         label_header=_("Requirement")))
