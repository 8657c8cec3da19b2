"""The "suggest targets" page of a model: per target leaf, the distribution and a suggested full-marks value.

A director chooses what the targets are applied to (a cohort for student models, the program for cohort
models), reads per leaf the current target, the distribution it is applied to (min / P50 / P90 / max, share
of zeros) and the suggestion, edits the values and accepts them into a new draft version of the model.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError as CsrfError

from eduinnov.auth.access import Action, get_or_404
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request, refuse
from eduinnov.indicators import queries, services
from eduinnov.indicators.models import EvaluationModel, EvaluationUnit
from eduinnov.indicators.views._blueprint import bp
from eduinnov.programs.models import Cohort, Program


def _target(model: EvaluationModel, choices: dict, cohort_id: str | None):
    """The run target chosen on the page (the newest cohort / the model's program by default)."""
    if model.unit == EvaluationUnit.STUDENT:
        cohorts = sorted(choices.get("cohorts", []), key=lambda c: c.entry_year, reverse=True)
        cohort = None
        if cohort_id and cohort_id.isdigit():
            cohort = get_or_404(current_user, Cohort, int(cohort_id))
        elif cohorts:
            cohort = cohorts[0]
        return services.Target(cohort=cohort), cohort
    if model.unit == EvaluationUnit.PROGRAM:
        return services.Target(), None
    program = model.program or next(iter(choices.get("programs", [])), None)
    if program is not None:
        program = get_or_404(current_user, Program, program.id)
    return services.Target(program=program), None


@bp.route("/models/<int:model_id>/targets", methods=["GET", "POST"])
@login_required
@loads(EvaluationModel, "model_id", Action.MANAGE)
def suggest_targets(model):
    choices = queries.unit_targets(current_user, model)
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except CsrfError:
            flash(_("The form expired; please try again."), "danger")
            return redirect(url_for("indicators.suggest_targets", model_id=model.id))
        values = {key.removeprefix("target-"): value.strip() for key, value in request.form.items()
                  if key.startswith("target-") and value.strip()}
        try:
            new = services.apply_targets(model, values, current_user)
        except DomainError as exc:
            refuse(exc)  # nothing of a half-made version stays
            return redirect(url_for("indicators.suggest_targets", model_id=model.id,
                                    cohort_id=request.form.get("cohort_id") or None))
        flash(_("Targets accepted into version %(v)d (a draft): check it and activate it.", v=new.version), "success")
        return redirect(url_for("indicators.detail", model_id=new.id))
    target, cohort = _target(model, choices, request.args.get("cohort_id"))
    rows, error = [], None
    try:
        rows = services.suggest_targets(model, target, current_user)
    except DomainError as exc:
        fail_request(exc)
        error = str(exc)
    return render_template("indicators/targets.html", model=model, rows=rows, error=error, cohort=cohort,
                           cohorts=sorted(choices.get("cohorts", []), key=lambda c: c.entry_year, reverse=True),
                           target_label=target.label(model.unit) if (cohort or target.program or
                                                                       model.unit == EvaluationUnit.PROGRAM) else "")
