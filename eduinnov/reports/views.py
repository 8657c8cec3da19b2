"""Report job endpoints (status as JSON for a progress bar, download of the finished file), the
certification-evidence pack page and the fingerprint verification page.

A job is visible only to the user who started it (and admins); staff must also still be members of
the program the report is about. Everything else answers 404, so job ids reveal nothing.
"""

import io
import re
from datetime import timedelta
from pathlib import PurePath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can, get_or_404, require_role
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.i18n import LANGUAGES, select_locale
from eduinnov.core.models import utcnow
from eduinnov.core.pagination import paginate
from eduinnov.core.versioning import expect_posted_version
from eduinnov.core.web import fail_request, parse_id
from eduinnov.extensions import db
from eduinnov.indicators import queries as indicator_queries
from eduinnov.jobs import queries as job_queries
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import JobState, ReportJob
from eduinnov.programs.models import Cohort
from eduinnov.reports import pack, pack_history, services, standards
from eduinnov.reports.models import ChapterContent, ReportChapter, ReportStandard
from eduinnov.reports.pack_forms import ChapterForm, PackForm, ProgramStandardForm, VerifyForm

bp = Blueprint("reports", __name__, url_prefix="/reports")

_JOB_ID = re.compile(r"[0-9a-f]{32}")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def _job_or_404(job_id: str) -> ReportJob:
    if not _JOB_ID.fullmatch(job_id):
        abort(404)
    job = db.session.get(ReportJob, job_id)
    if job is None:
        abort(404)
    if current_user.role == Role.ADMIN:
        return job
    if job.owner_id != current_user.id:
        abort(404)
    if job.program_id is not None and current_user.role != Role.STUDENT and not can(current_user, Action.VIEW, job):
        abort(404)  # no longer a member of that program
    return job


@bp.get("/jobs/")
@login_required
def jobs_list():
    """The user's report jobs; ``state=finished&days=14`` is the home page's figure."""
    try:
        state = JobState(request.args.get("state")) if request.args.get("state") else None
    except ValueError:
        state = None
    days = request.args.get("days", type=int)
    since = utcnow() - timedelta(days=days) if days and 0 < days <= 3660 else None
    page = paginate(job_queries.list_jobs_stmt(current_user, state=state, since=since), request.args.get("page"))
    return render_template("reports/jobs.html", page=page, state=state, days=days if since else None,
                           states=list(JobState))


@bp.get("/jobs/<job_id>")
@login_required
def job_status(job_id):
    job = _job_or_404(job_id)
    status = jobs.get_status(job.id)
    return jsonify({
        "id": status["id"],
        "state": status["state"],
        "state_label": status["state_label"],
        "progress": status["progress"],
        "message": status["message"],
        "title": status["title"],
        "download_url": url_for(".job_download", job_id=job.id) if status["result_path"] else None,
    })


@bp.get("/jobs/<job_id>/download")
@login_required
def job_download(job_id):
    job = _job_or_404(job_id)
    path = jobs.result_file(job)
    if path is not None:  # a file of this server's reports folder
        return send_file(path, as_attachment=True, download_name=_job_file_name(job, path.name), max_age=0)
    opened = jobs.open_result(job)  # kept in the database store (EDUINNOV_EVIDENCE_STORE=database)
    if opened is None:
        abort(404)
    stream, name = opened
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    response = send_file(stream, as_attachment=True, download_name=_job_file_name(job, name), max_age=0,
                         conditional=False, etag=False)
    response.content_length = size
    return response


def _job_file_name(job: ReportJob, name: str) -> str:
    if job.title:
        return (_UNSAFE_NAME.sub("_", job.title).strip(" ._") or "report")[:120] + PurePath(name).suffix
    return name


# -- certification-evidence pack ------------------------------------------------------------------------

def _pack_form(cohort: Cohort | None, formdata=None) -> PackForm:
    """The pack form with the user's cohorts, the chosen cohort's runs and the user's language."""
    form = PackForm(formdata=formdata)
    cohorts = indicator_queries.list_cohorts_for(current_user, action=Action.EDIT)
    form.cohort.choices = [(c.id, f"{c.program.code} · {c.display_name}") for c in cohorts]
    runs = pack.list_pack_runs(cohort) if cohort is not None else []
    form.run.choices = [(r.id, _("#%(id)d %(model)s v%(version)d · %(target)s · %(when)s", id=r.id, model=r.model_name,
                                 version=r.model_version, target=r.target_label,
                                 when=format_datetime(r.created_at, "yyyy-MM-dd HH:mm")))
                        for r in runs] + [(0, _("— no evaluation chapter —"))]
    if formdata is None:
        form.cohort.data = cohort.id if cohort is not None else None
        form.run.data = runs[0].id if runs else 0
        lang = select_locale()  # the user's language, then the cookie, then the site default
        form.lang.data = lang if lang in LANGUAGES else "zh"
    return form


def _render_pack(cohort: Cohort | None, form: PackForm, status: int = 200):
    history = pack_history.pack_history(cohort) if cohort is not None else []
    return render_template("reports/pack.html", cohort=cohort, form=form, history=history,
                           recent=services.list_pack_jobs(current_user), status_of=jobs.get_status), status


@bp.get("/pack", endpoint="pack")
@login_required
def pack_page():
    require_role(current_user, Role.ADMIN, Role.DIRECTOR, Role.TEACHER)
    cohort = None
    if request.args.get("cohort"):
        cohort = get_or_404(current_user, Cohort, request.args.get("cohort"), Action.EDIT)
    elif request.args.get("program"):
        from eduinnov.programs.models import Program

        program = get_or_404(current_user, Program, request.args.get("program"), Action.EDIT)
        cohort = program.cohorts[-1] if program.cohorts else None
    return _render_pack(cohort, _pack_form(cohort))


@bp.post("/pack")
@login_required
def pack_start():
    require_role(current_user, Role.ADMIN, Role.DIRECTOR, Role.TEACHER)
    cohort_id = request.form.get("cohort")
    cohort = get_or_404(current_user, Cohort, cohort_id, Action.EDIT)  # never trust the posted id
    form = _pack_form(cohort, formdata=request.form)
    if not form.validate():
        return _render_pack(cohort, form, 400)
    reason = (form.named_ranking_reason.data or "") if form.named_ranking.data else None
    try:
        run = services.resolve_pack_run(cohort, form.run.data) if form.run.data else None
        job_id = services.start_pack_job(cohort.program, cohort, run, lang=form.lang.data, user=current_user,
                                         named_ranking_reason=reason)
    except ValidationError as exc:
        fail_request(exc)
        field = form.named_ranking_reason if reason is not None and "reason" in str(exc) else form.run
        field.errors = [*field.errors, str(exc)]
        return _render_pack(cohort, form, 400)
    except DomainError as exc:
        fail_request(exc)
        flash(str(exc), "danger")
        return _render_pack(cohort, form, 403)
    flash(_("The evidence pack is being generated. You can leave this page; it stays in “Recent packs”."), "info")
    return redirect(url_for(".pack_job", job_id=job_id))


@bp.get("/pack/<job_id>")
@login_required
def pack_job(job_id):
    job = _job_or_404(job_id)
    if job.func_path != services.PACK_JOB:
        abort(404)
    status = jobs.get_status(job.id)
    cohort_id = job.args[1] if job.args and len(job.args) > 1 else None
    return render_template("reports/pack_job.html", job=job, status=status, cohort_id=cohort_id)


@bp.get("/pack/<job_id>/docx")
@login_required
def pack_docx(job_id):
    """The Word file of a finished pack (written beside its PDF, from the same snapshot)."""
    job = _job_or_404(job_id)
    if job.func_path != services.PACK_JOB:
        abort(404)
    path = services.pack_docx_file(job)
    if path is None:
        abort(404)
    name = (_UNSAFE_NAME.sub("_", job.title or "").strip(" ._") or "report")[:120] + ".docx"
    return send_file(path, as_attachment=True, download_name=name, max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


# -- fingerprint verification ---------------------------------------------------------------------------

@bp.get("/verify", endpoint="fingerprint")
@login_required
def verify():
    form = VerifyForm(request.args)
    snapshot, code = None, 200
    searched = "fingerprint" in request.args
    if searched:
        if not form.validate():
            code = 400
        else:
            # Not found, or in a program the user is not a member of: the same answer.
            snapshot = services.find_snapshot_by_fingerprint(form.fingerprint.data, current_user)
            code = 200 if snapshot is not None else 404
    summary = pack.snapshot_summary(snapshot.payload) if snapshot is not None else None
    matches = snapshot.matches_payload() if snapshot is not None else None
    return render_template("reports/verify.html", form=form, snapshot=snapshot, summary=summary,
                           matches=matches, searched=searched), code


# -- accreditation standards: the report's chapter lists (admins) ----------------------------------------

def _standards_page(status: int = 200, forms: dict | None = None):
    from eduinnov.programs.models import Program

    standards_list = standards.list_standards()
    chapter_forms = {}
    for standard in standards_list:
        for chapter in standard.chapters:
            form = (forms or {}).get(chapter.id) or ChapterForm(obj=chapter, formdata=None,
                                                                prefix=f"c{chapter.id}")
            form.content.data = form.content.data.value if hasattr(form.content.data, "value") else form.content.data
            chapter_forms[chapter.id] = form
    new_forms = {s.id: (forms or {}).get(f"new{s.id}") or ChapterForm(formdata=None, prefix=f"new{s.id}")
                 for s in standards_list}
    assign = ProgramStandardForm(formdata=None)
    programs = list(db.session.scalars(db.select(Program).order_by(Program.code)))
    assign.program.choices = [(p.id, f"{p.code} · {p.display_name}") for p in programs]
    assign.standard.choices = [(s.id, s.display_name) for s in standards_list]
    by_id = {s.id: s for s in standards_list}
    return render_template("reports/standards.html", standards=standards_list, chapter_forms=chapter_forms,
                           new_forms=new_forms, assign=assign, programs=programs, by_id=by_id), status


@bp.get("/standards")
@login_required
def standards_list():
    require_role(current_user, Role.ADMIN)
    return _standards_page()


@bp.post("/standards/defaults")
@login_required
def standards_defaults():
    require_role(current_user, Role.ADMIN)
    added = standards.ensure_default_standards()
    flash(_("%(n)d built-in standards stored; you can edit them now.", n=len(added)), "success")
    return redirect(url_for(".standards_list"))


@bp.post("/standards/<int:standard_id>/chapters")
@login_required
def standard_chapter_add(standard_id: int):
    require_role(current_user, Role.ADMIN)
    standard = db.session.get(ReportStandard, standard_id) or abort(404)
    form = ChapterForm(prefix=f"new{standard.id}")
    if form.validate():
        try:
            standards.add_chapter(standard, number=form.number.data, name_zh=form.name_zh.data,
                                  name_en=form.name_en.data, content=ChapterContent(form.content.data),
                                  position=form.position.data)
        except ValidationError as exc:
            fail_request(exc)
            form.name_zh.errors = [*form.name_zh.errors, str(exc)]
        else:
            flash(_("Chapter added."), "success")
            return redirect(url_for(".standards_list"))
    return _standards_page(400, {f"new{standard.id}": form})


@bp.post("/standards/chapters/<int:chapter_id>")
@login_required
def standard_chapter_save(chapter_id: int):
    require_role(current_user, Role.ADMIN)
    chapter = db.session.get(ReportChapter, chapter_id) or abort(404)
    expect_posted_version(chapter)  # a save of an older version is refused (someone else edited it)
    form = ChapterForm(prefix=f"c{chapter.id}")
    if form.validate():
        try:
            standards.update_chapter(chapter, number=form.number.data, name_zh=form.name_zh.data,
                                     name_en=form.name_en.data, content=ChapterContent(form.content.data),
                                     position=form.position.data)
        except DomainError as exc:
            fail_request(exc)  # a stale save answers 409 (the status below is replaced), others 200
            form.name_zh.errors = [*form.name_zh.errors, str(exc)]
            return _standards_page(200, {chapter.id: form})
        flash(_("Chapter saved."), "success")
        return redirect(url_for(".standards_list"))
    return _standards_page(400, {chapter.id: form})


@bp.post("/standards/chapters/<int:chapter_id>/delete")
@login_required
def standard_chapter_delete(chapter_id: int):
    require_role(current_user, Role.ADMIN)
    chapter = db.session.get(ReportChapter, chapter_id) or abort(404)
    standards.delete_chapter(chapter)
    flash(_("Chapter deleted."), "success")
    return redirect(url_for(".standards_list"))


@bp.post("/standards/assign")
@login_required
def standard_assign():
    require_role(current_user, Role.ADMIN)
    from eduinnov.programs.models import Program

    program = db.session.get(Program, parse_id(request.form.get("program"))) or abort(404)
    standard = db.session.get(ReportStandard, parse_id(request.form.get("standard"))) or abort(404)
    standards.assign_standard(program, standard)
    flash(_("%(program)s now follows %(standard)s.", program=program.code, standard=standard.display_name),
          "success")
    return redirect(url_for(".standards_list"))
