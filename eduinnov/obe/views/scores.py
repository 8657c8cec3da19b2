"""Score sheets: upload and preview, confirm, the CSV template, and one student's scores in an offering."""

from __future__ import annotations

import io
import re
import secrets

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from eduinnov.auth.access import Action
from eduinnov.auth.decorators import loads
from eduinnov.core.blobs import store_for
from eduinnov.core.web import fail_request, undo_on_failure
from eduinnov.extensions import db
from eduinnov.obe import reports, services
from eduinnov.obe.forms import ConfirmForm, UploadForm
from eduinnov.obe.models import CourseOffering
from eduinnov.obe.views._blueprint import bp
from eduinnov.programs.models import Student

PENDING_MAX_AGE = 24 * 3600


def _pending_store():
    """Score sheets between preview and confirm, in the configured store (a folder or the database), so the
    confirm may reach another app server than the preview. Each operation takes effect at once."""
    return store_for("obe-pending", autonomous=True)


def _pending_key(offering: CourseOffering, token: str) -> str | None:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        return None
    return f"{offering.id}-{current_user.id}-{token}"


@bp.route("/offerings/<int:offering_id>/scores/upload", methods=["GET"])
@login_required
@loads(CourseOffering, "offering_id", Action.EDIT)
def scores_upload_form(offering):
    return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=None)


@bp.route("/offerings/<int:offering_id>/scores/preview", methods=["POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.EDIT)
def scores_upload(offering):
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("obe/upload.html", offering=offering, form=form, parsed=None), 422
    data = form.sheet.data.read()
    filename = secure_filename(form.sheet.data.filename or "") or "sheet"
    original = (form.sheet.data.filename or filename)[:255]
    parsed = services.preview_score_sheet(offering, data, original)
    confirm = None
    if parsed.ok:
        token = secrets.token_hex(16)
        store, key = _pending_store(), _pending_key(offering, token)
        store.delete_older_than(PENDING_MAX_AGE)  # forgotten previews
        store.put(io.BytesIO(data), key=key)
        undo_on_failure(lambda: store.delete(key))  # removed again if this request fails
        confirm = ConfirmForm(token=token, filename=original)
    return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=parsed, confirm=confirm,
                           filename=original)


@bp.route("/offerings/<int:offering_id>/scores/confirm", methods=["POST"])
@login_required
@loads(CourseOffering, "offering_id", Action.EDIT)
def scores_confirm(offering):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    store, pending = _pending_store(), _pending_key(offering, form.token.data)
    if pending is None or not store.exists(pending):
        flash(_("The preview has expired: upload the sheet again."), "warning")
        return redirect(url_for("obe.scores_upload_form", offering_id=offering.id))
    claimed = pending + ".claimed"
    # One confirm per preview: of several racing for it, one renames the sheet and the others find it gone.
    if not store.rename(pending, claimed):
        flash(_("This import is already being confirmed (a second click, another tab or a colleague): it is "
                "imported once. Check the result before importing again."), "warning")
        return redirect(url_for("obe.offering", offering_id=offering.id))
    undo_on_failure(lambda: store.exists(claimed) and store.rename(claimed, pending))
    filename = form.filename.data or "sheet"
    try:
        record = services.import_score_sheet(offering, b"".join(store.iter_chunks(claimed)), filename,
                                             user=current_user)
    except services.ImportRefused as exc:
        fail_request(exc)
        db.session.rollback()
        return render_template("obe/upload.html", offering=offering, form=UploadForm(), parsed=exc.parsed,
                               confirm=None, filename=filename), 422
    store.delete_on_commit(claimed)
    flash(_("%(n)d students' scores imported from %(file)s; the previous scores were replaced.",
            n=record.row_count, file=filename), "success")
    return redirect(url_for("obe.offering", offering_id=offering.id))


@bp.route("/offerings/<int:offering_id>/scores/template.csv")
@login_required
@loads(CourseOffering, "offering_id", Action.EDIT)
def scores_template(offering):
    name = secure_filename(f"{offering.course.code}-{offering.term}.csv") or "scores.csv"
    return Response(services.score_template_csv(offering), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/offerings/<int:offering_id>/students/<int:student_id>")
@login_required
@loads(CourseOffering, "offering_id")
@loads(Student, "student_id")
def student_scores(offering, student):
    if student.cohort_id != offering.cohort_id:
        abort(404)
    return render_template("obe/student_scores.html", data=reports.student_scores(offering, student))
