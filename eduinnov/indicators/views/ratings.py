"""Manual ratings and SWOT records."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import loads, staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.pagination import paginate
from eduinnov.core.web import form_error, query_id
from eduinnov.indicators import queries, services
from eduinnov.indicators.forms import (
    ManualScoreForm,
    SwotForm,
)
from eduinnov.indicators.models import (
    ManualScore,
    SwotRecord,
)
from eduinnov.indicators.views._blueprint import bp
from eduinnov.indicators.views._helpers import _int
from eduinnov.programs.models import Cohort, Program
from eduinnov.programs.queries import get_student_by_number

# ---------------------------------------------------------------------------------------------------------
# Manual ratings and SWOT
# ---------------------------------------------------------------------------------------------------------


@bp.route("/ratings", methods=["GET", "POST"])
@login_required
@staff_required
def ratings():
    programs = queries.list_programs_for(current_user, Action.EDIT)
    form = ManualScoreForm()
    form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    cohorts = queries.list_cohorts_for(current_user, action=Action.EDIT)
    form.cohort_id.choices = [("", _("— rate a student instead —"))] + [
        (c.id, f"{c.program.code} {c.display_name}") for c in cohorts]
    if request.method == "GET" and request.args.get("program"):
        form.program_id.data = query_id("program")
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.EDIT)
        cohort = get_or_404(current_user, Cohort, form.cohort_id.data, Action.EDIT) if form.cohort_id.data else None
        student = None
        if form.student_no.data:
            student = get_student_by_number(form.student_no.data.strip())
            if student is None or not can(current_user, Action.EDIT, student):
                form.student_no.errors.append(_("No student with this number in your programs."))
        if not form.student_no.errors:
            try:
                services.add_manual_score(program, key=form.key.data, value=form.value.data, user=current_user,
                                          cohort=None if student else cohort, student=student, note=form.note.data)
            except DomainError as exc:
                form_error(form, exc, "value")
            else:
                flash(_("Rating saved."), "success")
                return redirect(url_for("indicators.ratings", program=program.id))
    page = paginate(queries.list_manual_scores_stmt(current_user, program_id=query_id("program"),
                                                    key=request.args.get("key") or None), request.args.get("page"))
    return render_template("indicators/ratings.html", form=form, page=page, keys=queries.list_manual_keys(current_user),
                           programs=programs, program_id=query_id("program"))


@bp.route("/ratings/<int:score_id>/delete", methods=["POST"])
@login_required
@loads(ManualScore, "score_id", Action.EDIT)
def rating_delete(score):
    program_id = score.program_id
    services.delete_manual_score(score, current_user)
    flash(_("Rating deleted."), "success")
    return redirect(url_for("indicators.ratings", program=program_id))


@bp.route("/swot")
@login_required
@staff_required
def swot_list():
    program_id = query_id("program")
    return render_template("indicators/swot_list.html", records=queries.list_swot_records(current_user, program_id),
                           programs=queries.list_programs_for(current_user), program_id=program_id,
                           can_create=bool(queries.list_programs_for(current_user, Action.MANAGE)))


@bp.route("/swot/new", methods=["GET", "POST"])
@bp.route("/swot/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
@staff_required
def swot_edit(record_id: int | None = None):
    record = get_or_404(current_user, SwotRecord, record_id, Action.MANAGE) if record_id else None
    programs = queries.list_programs_for(current_user, Action.MANAGE)
    if not programs:
        abort(403)
    form = SwotForm(obj=record)
    form.program_id.choices = [(p.id, f"{p.code} {p.display_name}") for p in programs]
    if request.method == "GET" and record is None:
        form.program_id.data = query_id("program")
        form.year.data = _int(request.args.get("year"))
    if form.validate_on_submit():
        program = get_or_404(current_user, Program, form.program_id.data, Action.MANAGE)
        if record is not None and (program.id != record.program_id or form.year.data != record.year):
            form.year.errors.append(_("Program and year of an existing record cannot change; create a new one."))
        else:
            existing = queries.get_swot(program.id, form.year.data)
            if record is None and existing is not None:
                form.year.errors.append(_("%(program)s already has a SWOT record for %(year)d; edit it instead.",
                                          program=program.code, year=form.year.data))
            else:
                texts = {f: getattr(form, f).data for f in services.SWOT_FIELDS}
                try:
                    saved = services.save_swot(program, form.year.data, current_user, **texts)
                except DomainError as exc:
                    form_error(form, exc, "strengths")
                else:
                    flash(_("SWOT record saved."), "success")
                    return redirect(url_for("indicators.swot_list", program=saved.program_id))
    return render_template("indicators/swot_form.html", form=form, record=record)


@bp.route("/swot/<int:record_id>/delete", methods=["POST"])
@login_required
@loads(SwotRecord, "record_id", Action.MANAGE)
def swot_delete(record):
    program_id = record.program_id
    services.delete_swot(record, current_user)
    flash(_("SWOT record deleted."), "success")
    return redirect(url_for("indicators.swot_list", program=program_id))


