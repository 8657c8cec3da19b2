"""Import pages: choose program and kind → upload → preview (nothing saved) → confirm (one transaction)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from eduinnov.auth.access import Action, can, get_or_404
from eduinnov.auth.decorators import staff_required
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request, undo_on_failure
from eduinnov.extensions import db
from eduinnov.imports import services, storage
from eduinnov.imports.forms import ConfirmForm, UploadForm
from eduinnov.imports.schemas import KIND_HELP, KIND_LABELS, ImportKind, schema_for
from eduinnov.programs.models import Program
from eduinnov.programs.queries import list_programs_for

bp = Blueprint("imports", __name__, url_prefix="/imports")

ACHIEVEMENT_KINDS = (ImportKind.ACHIEVEMENTS, ImportKind.PROJECTS, ImportKind.PUBLICATIONS, ImportKind.PATENTS,
                     ImportKind.AWARDS)


def _kind(value: str) -> ImportKind:
    try:
        return ImportKind(value)
    except ValueError:
        abort(404)


def _program_for(program_id: int, kind: ImportKind) -> Program:
    action = Action.MANAGE if kind == ImportKind.PARTNERS else Action.EDIT
    return get_or_404(current_user, Program, program_id, action)


def _context(program: Program, kind: ImportKind, **extra) -> dict:
    return {"program": program, "kind": kind, "kind_label": KIND_LABELS[kind], "kind_help": KIND_HELP[kind],
            "schema": schema_for(kind), "form": extra.pop("form", None) or UploadForm(), **extra}


def _done_url(program: Program, kind: ImportKind) -> str:
    try:
        if kind == ImportKind.STUDENTS:
            return url_for("programs.detail", program_id=program.id)
        if kind in ACHIEVEMENT_KINDS:
            return url_for("achievements.list", program=program.id)
        if kind in (ImportKind.PARTNERS, ImportKind.PARTICIPATIONS):
            return url_for("frameworks.partners", program=program.id)
    except BuildError:
        pass
    return url_for("imports.index")


@bp.route("/")
@login_required
@staff_required
def index():
    programs = [p for p in list_programs_for(current_user) if can(current_user, Action.EDIT, p)]
    manage = {p.id for p in programs if can(current_user, Action.MANAGE, p)}
    names = {p.id: p for p in list_programs_for(current_user)}
    kinds = {k.value: k for k in ImportKind}
    waiting = [(w, names.get(w.program_id), KIND_LABELS[kinds[w.kind]])
               for w in storage.list_pending(current_user.id) if w.kind in kinds]
    return render_template("imports/index.html", programs=programs, manage=manage, kinds=list(ImportKind),
                           labels=KIND_LABELS, help=KIND_HELP, waiting=waiting)


@bp.route("/<int:program_id>/<kind>")
@login_required
def upload(program_id: int, kind: str):
    kind = _kind(kind)
    program = _program_for(program_id, kind)
    return render_template("imports/upload.html", **_context(program, kind))


@bp.route("/<int:program_id>/<kind>/preview", methods=["POST"])
@login_required
def preview(program_id: int, kind: str):
    kind = _kind(kind)
    program = _program_for(program_id, kind)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("imports/upload.html", **_context(program, kind, form=form)), 422
    upload_file = form.file.data
    data = upload_file.read()
    filename = (upload_file.filename or "upload")[:255]
    try:
        result = services.preview_import(kind, program, current_user, data, filename)
    except DomainError as exc:
        fail_request(exc)
        abort(403, str(exc))
    confirm = None
    if result.ok:
        token, undos = storage.save_pending(data, filename=filename, kind=kind.value, program_id=program.id,
                                            user_id=current_user.id, fingerprint=result.plan_digest,
                                            plan=services.dump_plan(result))
        for undo in undos:
            undo_on_failure(undo)  # removed again if this request fails
        confirm = ConfirmForm(formdata=None, token=token)
    status = 200 if result.ok else 422
    return render_template("imports/upload.html", **_context(program, kind, preview=result, confirm=confirm,
                                                              students=_student_choices(program, result))), status


@bp.route("/<int:program_id>/<kind>/pending/<token>")
@login_required
def resume(program_id: int, kind: str, token: str):
    """A preview left unconfirmed, shown again from the stored file, with its confirm button."""
    kind = _kind(kind)
    program = _program_for(program_id, kind)
    pending = storage.load_pending(token, kind=kind.value, program_id=program.id, user_id=current_user.id)
    if pending is None:
        flash(_("This preview has expired or belongs to another upload: upload the file again."), "warning")
        return redirect(url_for("imports.index"))
    try:
        result = services.preview_import(kind, program, current_user, pending.data, pending.filename)
    except DomainError as exc:
        fail_request(exc)
        abort(403, str(exc))
    confirm = ConfirmForm(formdata=None, token=pending.token) if result.ok else None
    return render_template("imports/upload.html", **_context(program, kind, preview=result, confirm=confirm,
                                                              students=_student_choices(program, result)))


def _student_choices(program: Program, result: services.Preview) -> list[tuple[int, str]]:
    """All students of the program, for the unmatched-author selects (only when there are some)."""
    if not result.unmatched:
        return []
    return sorted(((s.id, s.display) for s in services._program_students(program)), key=lambda s: s[1])[:3000]


@bp.route("/<int:program_id>/<kind>/confirm", methods=["POST"])
@login_required
def confirm(program_id: int, kind: str):
    kind = _kind(kind)
    program = _program_for(program_id, kind)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    pending = storage.claim_pending(form.token.data, kind=kind.value, program_id=program.id, user_id=current_user.id)
    if pending == storage.ALREADY_CLAIMED:
        flash(_("This import is already being confirmed (a second click, another tab or a colleague): it is "
                "imported once. Check the result before importing again."), "warning")
        return redirect(url_for("imports.upload", program_id=program.id, kind=kind.value))
    if pending is None:
        flash(_("This preview has expired or belongs to another upload: upload the file again."), "warning")
        return redirect(url_for("imports.upload", program_id=program.id, kind=kind.value))
    resolutions = {k: val for k, val in request.form.items() if k.startswith("author-")}
    try:
        result = services.run_import(kind, program, current_user, pending.data, pending.filename,
                                     resolutions=resolutions, expected_fingerprint=pending.fingerprint,
                                     confirm_duplicates=bool(form.confirm_duplicates.data),
                                     stored=services.load_plan(pending.plan))
    except services.ImportRefused as exc:
        fail_request(exc)
        db.session.rollback()
        flash(str(exc), "danger")
        new_confirm = None
        if exc.retry:  # the file is fine: new choices, or a new look at a changed plan, may succeed
            # Not undone on failure: this answer is a 422 (the import was refused), and the stored
            # upload must outlive it for the next confirm; it expires like any other.
            token, _undos = storage.save_pending(pending.data, filename=pending.filename, kind=kind.value,
                                                 program_id=program.id, user_id=current_user.id,
                                                 fingerprint=exc.preview.plan_digest,
                                                 plan=services.dump_plan(exc.preview))
            new_confirm = ConfirmForm(formdata=None, token=token)
        storage.discard_pending(pending.token)
        return render_template("imports/upload.html", **_context(
            program, kind, preview=exc.preview, confirm=new_confirm,
            students=_student_choices(program, exc.preview))), 422
    except DomainError as exc:
        fail_request(exc)
        abort(403, str(exc))
    storage.discard_pending(pending.token, on_commit=True)
    counts = result.counts
    flash(_("Imported %(file)s: %(c)d created, %(u)d updated, %(s)d skipped.", file=pending.filename,
            c=counts[services.CREATE], u=counts[services.UPDATE], s=counts[services.SKIP]), "success")
    if kind == ImportKind.STUDENTS and counts[services.CREATE] and can(current_user, Action.MANAGE, program):
        flash(_("To give the new students their logins, open “Accounts” on their cohort's row: it creates the "
                "accounts and a list of one-time invitation links."), "info")
    return redirect(_done_url(program, kind))


@bp.route("/templates/<kind>.<fmt>")
@login_required
@staff_required
def template(kind: str, fmt: str):
    kind = _kind(kind)
    lang = "en" if request.args.get("lang") == "en" else "zh"
    schema = schema_for(kind)
    name = f"import-{kind.value}-{lang}.{fmt}"
    if fmt == "csv":
        return Response(schema.template_csv(lang), mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    if fmt == "xlsx":
        return Response(schema.template_xlsx(lang),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={name}"})
    abort(404)
