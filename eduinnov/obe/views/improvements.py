"""Continuous-improvement records of a graduation requirement."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.web import form_error
from eduinnov.frameworks import queries as framework_queries
from eduinnov.frameworks.models import CourseObjective, GraduationRequirement, IndicatorPoint
from eduinnov.obe import queries, services
from eduinnov.obe.forms import ImprovementForm
from eduinnov.obe.models import ImprovementRecord, ImprovementStatus
from eduinnov.obe.views._blueprint import bp
from eduinnov.obe.views._helpers import _improvement_form
from eduinnov.programs.models import Cohort


def _target_of(form: ImprovementForm) -> tuple[IndicatorPoint | None, CourseObjective | None]:
    value = form.target.data or "req"
    if value.startswith("ip-"):
        return get_or_404(current_user, IndicatorPoint, value[3:], Action.MANAGE), None
    if value.startswith("co-"):
        objective = get_or_404(current_user, CourseObjective, value[3:], Action.MANAGE)
        return None, objective
    return None, None


def _improvement_values(form: ImprovementForm) -> dict:
    point, objective = _target_of(form)
    cohort = get_or_404(current_user, Cohort, form.cohort_id.data) if form.cohort_id.data else None
    return dict(point=point, objective=objective, cohort=cohort, cycle_year=form.cycle_year.data,
                analysis=form.analysis.data, measure=form.measure.data, responsible=form.responsible.data,
                achievement_value=form.achievement_value.data, next_cycle_result=form.next_cycle_result.data,
                status=ImprovementStatus(form.status.data))


@bp.route("/requirements/<int:requirement_id>/improvements/add", methods=["POST"])
@login_required
@loads(GraduationRequirement, "requirement_id", Action.MANAGE)
def improvement_add(requirement):
    form = _improvement_form(requirement)
    cohort_id = form.cohort_id.data if isinstance(form.cohort_id.data, int) else None
    if form.validate_on_submit():
        try:
            services.create_improvement(requirement, user=current_user, **_improvement_values(form))
        except DomainError as exc:
            form_error(form, exc, "target")
        else:
            flash(_("Improvement record saved."), "success")
            back = (url_for("obe.requirement", cohort_id=form.cohort_id.data, requirement_id=requirement.id)
                    if form.cohort_id.data else url_for("obe.improvements", requirement_id=requirement.id))
            return redirect(back)
    return render_template("obe/improvement_form.html", form=form, requirement=requirement, record=None,
                           cohort_id=cohort_id), 422


@bp.route("/requirements/<int:requirement_id>/improvements")
@login_required
@loads(GraduationRequirement, "requirement_id")
@staff_required
def improvements(requirement):
    form = _improvement_form(requirement) if can(current_user, Action.MANAGE, requirement) else None
    return render_template("obe/improvements.html", requirement=requirement, form=form,
                           history=queries.list_improvements_of_requirement(requirement),
                           ancestors=framework_queries.list_requirement_ancestors(requirement))


@bp.route("/improvements/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
@loads(ImprovementRecord, "record_id", Action.MANAGE)
def improvement_edit(record):
    requirement = record.requirement
    if requirement is None:
        abort(404)
    form = _improvement_form(requirement, record)
    if form.validate_on_submit():
        try:
            services.update_improvement(record, user=current_user, **_improvement_values(form))
        except DomainError as exc:
            form_error(form, exc, "target")
        else:
            flash(_("Improvement record saved."), "success")
            return redirect(url_for("obe.improvements", requirement_id=requirement.id))
    return render_template("obe/improvement_form.html", form=form, requirement=requirement, record=record,
                           cohort_id=record.cohort_id)


@bp.route("/improvements/<int:record_id>/delete", methods=["POST"])
@login_required
@loads(ImprovementRecord, "record_id", Action.MANAGE)
def improvement_delete(record):
    requirement_id = record.requirement_id
    services.delete_improvement(record, user=current_user)
    flash(_("Improvement record deleted."), "success")
    if requirement_id:
        return redirect(url_for("obe.improvements", requirement_id=requirement_id))
    return redirect(url_for("obe.index"))
