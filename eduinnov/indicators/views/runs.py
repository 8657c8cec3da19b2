"""Evaluation runs: start one, list, detail, review, compare."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import query_id, refuse
from eduinnov.evaluation.params import default
from eduinnov.indicators import queries, services
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators.forms import (
    RunForm,
    RunReviewForm,
    SensitivityForm,
)
from eduinnov.indicators.models import (
    EvaluationModel,
    EvaluationRun,
)
from eduinnov.indicators.views._blueprint import bp
from eduinnov.programs.models import Cohort, Program

# ---------------------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------------------


@bp.route("/models/<int:model_id>/run", methods=["POST"])
@login_required
@loads(EvaluationModel, "model_id", Action.MANAGE)
def run(model):
    targets = queries.unit_targets(current_user, model)
    form = RunForm()
    form.cohort_id.choices = [(c.id, c.display_name) for c in targets.get("cohorts", [])]
    form.program_id.choices = [(p.id, p.display_name) for p in targets.get("programs", [])]
    if not form.validate_on_submit():
        flash(_("Choose what to evaluate from the list."), "danger")
        return redirect(url_for("indicators.detail", model_id=model.id, _anchor="run"))
    cohort = get_or_404(current_user, Cohort, form.cohort_id.data) if form.cohort_id.data else None
    program = get_or_404(current_user, Program, form.program_id.data) if form.program_id.data else None
    try:
        stored = services.run_evaluation(model, services.Target(cohort=cohort, program=program), current_user)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.detail", model_id=model.id, _anchor="run"))
    flash(_("Evaluation stored: %(n)d evaluated, mean score %(mean).3f.", n=stored.summary["n"],
            mean=stored.summary["mean"]), "success")
    return redirect(url_for("indicators.run_detail", run_id=stored.id))


@bp.route("/runs")
@login_required
@staff_required
def runs():
    page = paginate(queries.list_runs_stmt(current_user, model_id=query_id("model")),
                    request.args.get("page"))
    return render_template("indicators/runs.html", page=page)


@bp.route("/runs/<int:run_id>")
@login_required
@loads(EvaluationRun, "run_id")
def run_detail(run):
    sform = SensitivityForm(request.args)
    sensitivity = None
    if request.args.get("sensitivity") and sform.validate():
        try:
            sensitivity = run_reports.run_sensitivity(run, draws=sform.draws.data or 300, spread=sform.spread.data or default("sensitivity", "spread"),
                                                   seed=sform.seed.data if sform.seed.data is not None else 1)
        except DomainError as exc:
            refuse(exc)
    swot_program = run.program_id
    english = _english()
    return render_template(
        "indicators/run.html", run=run, view=run_reports.run_view(run), sform=sform, sensitivity=sensitivity,
        others=queries.runs_to_compare(current_user, run), swot=queries.get_swot(swot_program),
        can_delete=False, verified=services.fingerprint_of(run) == run.fingerprint,
        can_write_swot=bool(run.program_id) and can(current_user, Action.MANAGE, run),
        health=services.health_view(run, english=english), legend=services.grade_legend(run, english=english),
        memberships=services.run_memberships(run), review_form=RunReviewForm(),
        can_review=can(current_user, Action.MANAGE, run),
    )


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


@bp.route("/runs/<int:run_id>/review", methods=["POST"])
@login_required
@loads(EvaluationRun, "run_id", Action.MANAGE)
def run_review(run):
    form = RunReviewForm()
    if not form.validate_on_submit():
        flash(_("Say in at least 20 characters why this verdict stands despite the failed checks."), "danger")
        return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))
    try:
        services.review_run(run, form.reason.data, current_user)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))
    flash(_("Review recorded: the run is now published."), "success")
    return redirect(url_for("indicators.run_detail", run_id=run.id, _anchor="health"))


@bp.route("/compare")
@login_required
@staff_required
def compare():
    run_a = get_or_404(current_user, EvaluationRun, request.args.get("a"))
    run_b = get_or_404(current_user, EvaluationRun, request.args.get("b"))
    try:
        comparison = run_reports.compare_runs(run_a, run_b)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for("indicators.run_detail", run_id=run_a.id))
    return render_template("indicators/compare.html", a=run_a, b=run_b, cmp=comparison)


