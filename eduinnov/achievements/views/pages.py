"""Pages of the achievements domain: list, create (staff) or declare (students) per kind, edit, detail,
evidence upload and download. The review loop's actions are in :mod:`.review`."""

from __future__ import annotations

import io
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from eduinnov.achievements import claims, duplicates, evidence, forms, queries, review, services
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    CasZone,
    EvidenceFile,
    Indexing,
    JcrQuartile,
    Level,
    PatentStatus,
    PatentType,
    PrizeRank,
    ProjectStatus,
    ProjectType,
    VerificationStatus,
)
from eduinnov.achievements.views._blueprint import bp
from eduinnov.auth.access import Action, can, get_or_404, program_ids
from eduinnov.auth.decorators import loads
from eduinnov.auth.models import MembershipRole, Role
from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import enum_label
from eduinnov.core.models import utcnow
from eduinnov.core.pagination import paginate
from eduinnov.core.web import clean_query_ids, fail_request, form_error, refuse
from eduinnov.programs.models import Program

# Labels of the columns for the history table (fields not listed show their column name).
FIELD_LABELS = {
    "program_id": _l("Program"), "kind": _l("Kind"), "title": _l("Title"), "year": _l("Year"),
    "description": _l("Description"), "supervisor_id": _l("Supervising teacher"),
    "created_by_id": _l("Recorded by"), "level": _l("Level"), "project_type": _l("Project type"),
    "project_status": _l("Project status"), "project_number": _l("Project number"),
    "start_date": _l("Start date"), "end_date": _l("End date"), "funding": _l("Funding (CNY)"),
    "venue": _l("Journal or conference"), "doi": _l("DOI"), "indexing": _l("Indexing"),
    "jcr_quartile": _l("JCR quartile"), "cas_zone": _l("CAS zone"),
    "patent_type": _l("Patent type"), "patent_status": _l("Patent status"),
    "application_number": _l("Application number"), "application_date": _l("Application date"),
    "grant_number": _l("Grant number"), "grant_date": _l("Grant date"), "competition": _l("Competition"),
    "prize_rank": _l("Prize"), "award_date": _l("Award date"), "verification_status": _l("Status"),
    "verified_by_id": _l("Decided by"), "verified_at": _l("Decided at"),
    "verification_note": _l("Reason or note"), "declared_by_student": _l("Declared by a student"),
    "submitted_at": _l("Submitted at"), "reviewed_by_id": _l("Reviewed by"), "reviewed_at": _l("Reviewed at"),
    "evidence": _l("Evidence file"),
}
_ENUM_FIELDS = {
    "kind": AchievementKind, "level": Level, "project_type": ProjectType, "project_status": ProjectStatus,
    "indexing": Indexing, "patent_type": PatentType, "patent_status": PatentStatus, "prize_rank": PrizeRank,
    "verification_status": VerificationStatus, "jcr_quartile": JcrQuartile, "cas_zone": CasZone,
}
_FIELD_ORDER = {name: i for i, name in enumerate(
    ("verification_status", "verified_by_id", "verified_at", "verification_note", *FIELD_LABELS)
)}
_USER_FIELDS = ("supervisor_id", "created_by_id", "verified_by_id", "reviewed_by_id")
_HIDDEN_FIELDS = {"sha256"}
ACTION_LABELS = {"create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"),
                 "evidence_added": _l("Evidence added"), "evidence_removed": _l("Evidence removed"),
                 "merge": _l("Merged")}


# The list counts its rows up to the asked page or this many ("More than 500 records" beyond): an exact count
# of 200,000 visible rows, or of every row matching a search, would cost more than the page itself.
LIST_COUNT_AT_MOST = 500
# The "waiting for verification" badge shows up to this number, then "999+".
BADGE_AT_MOST = 999


def _is_director_somewhere() -> bool:
    return current_user.role == Role.ADMIN or bool(program_ids(current_user, role=MembershipRole.DIRECTOR))


def _kind_or_404(value: str) -> AchievementKind:
    try:
        return AchievementKind(value)
    except ValueError:
        abort(404)


# --- lists ---

@bp.route("/", endpoint="list")
@login_required
def list_achievements():
    form = forms.AchievementFilterForm(clean_query_ids("program", "cohort"))
    programs, cohorts = queries.list_filter_choices(current_user)
    form.program.choices = [(None, _("All programs")), *programs]
    form.cohort.choices = [(None, _("All cohorts")), *cohorts]
    filters = form.filters(current_user)
    page = paginate(queries.list_achievements_stmt(current_user, filters), request.args.get("page"),
                    count_at_most=LIST_COUNT_AT_MOST)
    pending = (queries.count_pending_verification(current_user, at_most=BADGE_AT_MOST + 1)
               if _is_director_somewhere() else 0)
    if pending > BADGE_AT_MOST:
        pending = f"{BADGE_AT_MOST}+"
    return render_template(
        "achievements/list.html", page=page, form=form, pending=pending,
        is_student=current_user.role == Role.STUDENT,
        can_log=queries.has_programs_for_logging(current_user, programs) or services.may_declare(current_user),
        filtered=any(v for v in vars(filters).values()),
    )


# --- create and edit ---

@bp.route("/new")
@login_required
def new():
    programs = queries.list_programs_for_logging(current_user)
    if services.may_declare(current_user):
        programs = [current_user.student.cohort.program]
    if not programs:
        abort(403)
    return render_template("achievements/new.html", programs=programs, kinds=list(AchievementKind),
                           declaring=services.may_declare(current_user))


def _stopped_by_duplicates(form, program_id: int, kind: AchievementKind, exclude_id: int | None = None) -> bool:
    """True (and the look-alikes on the form) when similar items exist and the person has not confirmed."""
    form.duplicates = duplicates.find_duplicates(program_id, kind, form.achievement_data(), exclude_id=exclude_id)
    return bool(form.duplicates) and not form.confirm_distinct.data


@bp.route("/new/<kind>", methods=["GET", "POST"])
@login_required
def new_kind(kind: str):
    kind = _kind_or_404(kind)
    program_id = request.args.get("program")
    declaring = services.may_declare(current_user)
    if declaring:
        program = current_user.student.cohort.program
    elif current_user.role == Role.STUDENT:
        abort(403)
    elif program_id is None:
        programs = queries.list_programs_for_logging(current_user)
        if len(programs) != 1:
            if not programs:
                abort(403)
            return redirect(url_for(".new"))
        program = programs[0]
    else:
        program = get_or_404(current_user, Program, program_id, Action.EDIT)
    rows = min(max(request.args.get("rows", forms.DEFAULT_ROWS, type=int), 1), forms.MAX_ROWS)
    data = None
    if request.method == "GET":
        data = forms.initial_data(kind=kind, rows=rows)
        data["year"] = utcnow().year
        if any(m.program_id == program.id for m in current_user.memberships):
            data["supervisor_id"] = current_user.id
        if declaring:
            data["participants"][0]["student_no"] = current_user.student.student_no
    form = forms.FORMS[kind](data=data, program_id=program.id)
    if request.method == "POST" and "more_rows" in request.form:
        form.add_rows()
    elif form.is_submitted():
        valid = form.validate()
        participants = form.participant_rows()
        if valid and participants is not None and not _stopped_by_duplicates(form, program.id, kind):
            # A student's declaration starts as a draft: she adds her certificate, then submits it.
            draft = declaring or "save_draft" in request.form
            try:
                if declaring:
                    achievement = services.declare_achievement(
                        current_user, kind, form.achievement_data(), participants, draft=draft)
                else:
                    achievement = services.record_achievement(
                        current_user, program, kind, form.achievement_data(), participants, draft=draft)
            except services.FieldError as exc:
                fail_request(exc)
                form.add_service_error(exc)
            except services.NotAllowed as exc:
                refuse(exc)
            else:
                if declaring:
                    flash(_("Your declaration was saved as a draft. Add evidence such as a certificate below, "
                            "then submit it: a teacher of your program reviews it."), "success")
                elif draft:
                    flash(_("The draft was saved. Add evidence, then submit it."), "success")
                else:
                    flash(_("The achievement was recorded. A program director will verify it."), "success")
                return redirect(url_for(".detail", achievement_id=achievement.id))
    return render_template("achievements/form.html", form=form, kind=kind, program=program, achievement=None,
                           students=queries.list_program_students(program.id), declaring=declaring)


@bp.route("/<int:achievement_id>/edit", methods=["GET", "POST"])
@login_required
@loads(Achievement, "achievement_id")
def edit(achievement):
    if not services.may_edit(current_user, achievement):
        abort(403)
    data = forms.initial_data(achievement) if request.method == "GET" else None
    form = forms.FORMS[achievement.kind](data=data, program_id=achievement.program_id)
    if request.method == "POST" and "more_rows" in request.form:
        form.add_rows()
    elif form.is_submitted():
        valid = form.validate()
        participants = form.participant_rows()
        if valid and participants is not None and not _stopped_by_duplicates(
                form, achievement.program_id, achievement.kind, achievement.id):
            try:
                reset = services.update_achievement(current_user, achievement, form.achievement_data(),
                                                    participants)
            except services.FieldError as exc:
                fail_request(exc)
                form.add_service_error(exc)
            except DomainError as exc:  # e.g. someone else saved it meanwhile (core.versioning.StaleEdit)
                refuse(exc)
            else:
                flash(_("The achievement was saved."), "success")
                if reset:
                    flash(_("Its earlier verification no longer applies: it is submitted again and needs a "
                            "new verification."), "warning")
                if achievement.verification_status == VerificationStatus.REJECTED:
                    flash(_("When the corrections are complete, submit it again."), "info")
                return redirect(url_for(".detail", achievement_id=achievement.id))
    return render_template("achievements/form.html", form=form, kind=achievement.kind,
                           program=achievement.program, achievement=achievement,
                           students=queries.list_program_students(achievement.program_id),
                           declaring=achievement.declared_by_student and current_user.role == Role.STUDENT)


@bp.route("/<int:achievement_id>/delete", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id")
def delete(achievement):
    if not services.may_delete(current_user, achievement):
        abort(403)
    title = achievement.title
    services.delete_achievement(current_user, achievement)
    flash(_("“%(title)s” was deleted.", title=title), "success")
    return redirect(url_for(".list"))


# --- detail, verification ---

def _history_value(field: str, value, users: dict[int, str]) -> str:
    if value is None or value == "":
        return "—"
    if field in _ENUM_FIELDS:
        try:
            return enum_label(_ENUM_FIELDS[field](value))
        except ValueError:
            return str(value)
    if field in _USER_FIELDS:
        return users.get(value, f"#{value}")
    if field == "program_id":
        return users.get(("program", value), f"#{value}")
    if field.endswith("_at") and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "yyyy-MM-dd HH:mm")
        except ValueError:
            return value
    return str(value)


def _history(achievement: Achievement) -> list[dict]:
    entries = queries.get_audit_history(achievement)
    ids = {v for e in entries for f, old, new in e.changes if f in _USER_FIELDS for v in (old, new) if v}
    users = queries.user_names(ids)
    users[("program", achievement.program_id)] = achievement.program.code
    return [
        {
            "at": e.at, "user": e.user_name, "action": ACTION_LABELS.get(e.action, e.action),
            "is_create": e.action == "create",
            "changes": _merge_changes(e.changes) if e.action == "merge" else [
                (FIELD_LABELS.get(f, f), _history_value(f, old, users), _history_value(f, new, users))
                for f, old, new in sorted(e.changes, key=lambda c: _FIELD_ORDER.get(c[0], len(_FIELD_ORDER)))
                if f not in _HIDDEN_FIELDS
            ],
        }
        for e in entries
    ]


def _merge_changes(changes: list[tuple]) -> list[tuple]:
    """A merge entry as history lines: the item merged in, the students and files it brought."""
    values = {name: new for name, _old, new in changes}
    filled = values.get("fields_filled") or {}
    users = queries.user_names({v for f, v in filled.items() if f in _USER_FIELDS and isinstance(v, int)})
    return [
        (_("Merged item"), None, f"#{values.get('merged_id')} {values.get('merged_title') or ''}"),
        (_("Students added"), None, ", ".join(str(n) for n in values.get("students_added") or []) or "—"),
        (_("Evidence files moved"), None, ", ".join(values.get("evidence_moved") or []) or "—"),
        *[(FIELD_LABELS.get(f, f), None, _history_value(f, v, users)) for f, v in sorted(filled.items())],
    ]


def _kind_values(achievement: Achievement) -> list[tuple]:
    rows = []
    for name in services.KIND_FIELDS[achievement.kind]:
        value = getattr(achievement, name)
        if name in _ENUM_FIELDS and value is not None:
            value = enum_label(value)
        rows.append((FIELD_LABELS.get(name, name), value, name.endswith("_date")))
    return rows


def _transfer_form(achievement: Achievement):
    from eduinnov.achievements.transfers import TransferForm

    return TransferForm(formdata=None) if achievement.kind == AchievementKind.PATENT else None


def render_detail(achievement: Achievement, *, evidence_form=None, reject_form=None, verify_form=None,
                  queue: bool = False):
    """The detail page with its forms (also re-rendered by the review actions with their errors)."""
    return render_template(
        "achievements/detail.html", a=achievement, kind_values=_kind_values(achievement),
        history=_history(achievement), duplicates=duplicates.list_duplicates_of(achievement),
        merge_form=forms.MergeForm(formdata=None), transfer_form=_transfer_form(achievement),
        evidence_form=evidence_form or forms.EvidenceForm(),
        reject_form=reject_form or forms.RejectForm(formdata=None),
        verify_form=verify_form or forms.VerifyForm(formdata=None),
        may_edit=services.may_edit(current_user, achievement),
        may_delete=services.may_delete(current_user, achievement),
        may_verify=can(current_user, Action.VERIFY, achievement),
        may_review=review.may_review(current_user, achievement),
        needs_reason=review.needs_evidence_reason(achievement), queue=queue,
        decidable_claims={c.id for c in achievement.claims if claims.may_decide_claim(current_user, c)},
        max_file_mb=evidence.max_file_bytes() / 1024 / 1024,
        allowed_types=evidence.allowed_description(),
    )


@bp.route("/<int:achievement_id>")
@login_required
@loads(Achievement, "achievement_id")
def detail(achievement):
    return render_detail(achievement, queue=request.args.get("queue") == "1")


# --- evidence ---

@bp.route("/<int:achievement_id>/evidence", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id")
def evidence_upload(achievement):
    if not services.may_edit(current_user, achievement):
        abort(403)
    form = forms.EvidenceForm()
    if form.validate():
        try:
            row = services.add_evidence(current_user, achievement, form.file.data,
                                        allow_duplicate=form.confirm_distinct.data)
        except services.DuplicateEvidence as exc:
            form_error(form, exc, "file")
            form.duplicates = exc.duplicates
        except services.FieldError as exc:
            form_error(form, exc, "file")
        else:
            flash(_("“%(name)s” was added as evidence.", name=row.original_name), "success")
            return redirect(url_for(".detail", achievement_id=achievement.id, _anchor="evidence"))
    return render_detail(achievement, evidence_form=form)


@bp.route("/evidence/<int:file_id>")
@login_required
@loads(EvidenceFile, "file_id")
def evidence_download(file):
    try:
        stream = evidence.open_evidence(file.stored_name)
    except (ValueError, FileNotFoundError):
        abort(404)
    # Streamed from whichever store holds it (a local file or database chunks), never read whole: the length
    # and the validators come from the stream and the row, then ranges and If-None-Match are answered.
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    response = send_file(
        stream, mimetype=file.mime_type, as_attachment=not file.is_image,
        download_name=evidence.download_name(file.original_name), conditional=False, etag=file.sha256,
        last_modified=file.created_at, max_age=0,
    )
    response.content_length = size
    try:
        response = response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/evidence/<int:file_id>/delete", methods=["POST"])
@login_required
@loads(EvidenceFile, "file_id")
def evidence_delete(file):
    achievement = file.achievement
    if not services.may_edit(current_user, achievement):
        abort(403)
    name = file.original_name
    services.remove_evidence(current_user, file)
    flash(_("“%(name)s” was removed.", name=name), "success")
    return redirect(url_for(".detail", achievement_id=achievement.id, _anchor="evidence"))

