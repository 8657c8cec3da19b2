"""Report job endpoints: status as JSON (for a progress bar) and the download of the finished file.

A job is visible only to the user who started it (and admins); staff must also still be members of
the program the report is about. Everything else answers 404, so job ids reveal nothing.
"""

import re

from flask import Blueprint, abort, jsonify, send_file, url_for
from flask_login import current_user, login_required

from eduinnov.auth.access import Action, can
from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.reports import jobs
from eduinnov.reports.models import ReportJob

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
    if path is None:
        abort(404)
    name = path.name
    if job.title:
        name = (_UNSAFE_NAME.sub("_", job.title).strip(" ._") or "report")[:120] + path.suffix
    return send_file(path, as_attachment=True, download_name=name, max_age=0)
