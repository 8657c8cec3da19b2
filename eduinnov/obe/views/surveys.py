"""Survey results of a cohort: the list, the import and deletion."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request
from eduinnov.extensions import db
from eduinnov.obe import queries, services
from eduinnov.obe.forms import SurveyUploadForm
from eduinnov.obe.models import SurveyResult
from eduinnov.obe.views._blueprint import bp
from eduinnov.programs.models import Cohort


@bp.route("/cohorts/<int:cohort_id>/surveys")
@login_required
@loads(Cohort, "cohort_id")
@staff_required
def surveys(cohort):
    return render_template("obe/surveys.html", cohort=cohort, results=queries.list_surveys_of_cohort(cohort),
                           form=SurveyUploadForm(), errors=None)


@bp.route("/cohorts/<int:cohort_id>/surveys/import", methods=["POST"])
@login_required
@loads(Cohort, "cohort_id", Action.MANAGE)
def surveys_import(cohort):
    form = SurveyUploadForm()
    errors = None
    if form.validate_on_submit():
        try:
            n = services.import_surveys(cohort, form.sheet.data.read(), user=current_user)
        except DomainError as exc:
            fail_request(exc)
            db.session.rollback()
            errors = str(exc).split("\n")
        else:
            flash(_("%(n)d survey results imported.", n=n), "success")
            return redirect(url_for("obe.surveys", cohort_id=cohort.id))
    return render_template("obe/surveys.html", cohort=cohort, results=queries.list_surveys_of_cohort(cohort),
                           form=form, errors=errors), 422


@bp.route("/surveys/<int:survey_id>/delete", methods=["POST"])
@login_required
@loads(SurveyResult, "survey_id", Action.MANAGE, name="result")
def survey_delete(result):
    cohort_id = result.cohort_id
    services.delete_survey(result, user=current_user)
    flash(_("Survey result deleted."), "success")
    return redirect(url_for("obe.surveys", cohort_id=cohort_id))
