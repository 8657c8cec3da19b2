"""The review loop's pages: submit, teacher review, verify (one, "verify and next", or a batch), reject,
re-open, the verification queue, the review queue, and the program's evidence setting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.achievements import forms, queries, review
from eduinnov.achievements.models import Achievement
from eduinnov.achievements.services import FieldError, NotAllowed
from eduinnov.achievements.views._blueprint import bp
from eduinnov.achievements.views.pages import render_detail
from eduinnov.auth.access import Action, get_or_404, program_ids
from eduinnov.auth.decorators import loads
from eduinnov.auth.models import MembershipRole, Role
from eduinnov.core.errors import DomainError
from eduinnov.core.jinja import EnumLabels
from eduinnov.core.models import bilingual_name, display_language
from eduinnov.core.pagination import paginate
from eduinnov.core.web import fail_request, form_error, refuse
from eduinnov.extensions import db
from eduinnov.programs.models import Program


def _is_director_somewhere() -> bool:
    return current_user.role == Role.ADMIN or bool(program_ids(current_user, role=MembershipRole.DIRECTOR))


def _back(achievement: Achievement):
    return redirect(url_for(".detail", achievement_id=achievement.id))


# --- queues ---

@bp.route("/pending")
@login_required
def pending():
    if not _is_director_somewhere():
        abort(403)
    form = forms.QueueFilterForm(request.args)
    programs = queries.list_visible_programs(current_user)  # once: the filter's choices and the evidence settings
    lang = display_language()  # once, not per program
    names = {p.id: bilingual_name(p.name_zh, p.name_en, lang) for p in programs}
    form.program.choices = [(None, _("All programs"))] + [(p.id, f"{p.code} {names[p.id]}") for p in programs]
    filters = form.filters()
    page, duplicates = queries.pending_verification_page(current_user, filters, request.args.get("page"),
                                                         only_duplicates=bool(form.duplicates.data))
    directed_ids = None if current_user.role == Role.ADMIN else program_ids(current_user, role=MembershipRole.DIRECTOR)
    directed = [p for p in programs if directed_ids is None or p.id in directed_ids]
    return render_template("achievements/pending.html", page=page, form=form, duplicates=duplicates,
                           batch_form=forms.BatchVerifyForm(formdata=None), directed=directed,
                           setting_form=forms.EvidenceSettingForm(formdata=None), labels=EnumLabels(),
                           program_names=names)


@bp.route("/review")
@login_required
def review_queue():
    if current_user.role == Role.STUDENT:
        abort(403)
    page = paginate(queries.review_queue_stmt(current_user), request.args.get("page"))
    return render_template("achievements/review_queue.html", page=page,
                           pending_claims=queries.list_pending_claims(current_user))


# --- one achievement ---

@bp.route("/<int:achievement_id>/submit", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id")
def submit(achievement):
    try:
        review.submit_achievement(current_user, achievement)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(_("Submitted. You will be notified of the decision."), "success")
    return _back(achievement)


@bp.route("/<int:achievement_id>/review", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.EDIT)
def review_item(achievement):
    try:
        review.review_achievement(current_user, achievement)
    except DomainError as exc:
        refuse(exc)
        return _back(achievement)
    flash(_("Reviewed: the declaration goes on to the program's directors for verification."), "success")
    following = db.session.scalars(queries.review_queue_stmt(current_user).limit(1)).first()
    if request.form.get("next") == "1" and following is not None:
        return redirect(url_for(".detail", achievement_id=following.id))
    return _back(achievement)


@bp.route("/<int:achievement_id>/verify", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.VERIFY)
def verify(achievement):
    form = forms.VerifyForm()
    go_next = request.form.get("next") == "1"
    if form.validate():
        try:
            review.verify_achievement(current_user, achievement, form.note.data)
        except FieldError as exc:
            form_error(form, exc, "note")
        except DomainError as exc:
            refuse(exc)
            return _back(achievement)
        else:
            flash(_("“%(title)s” is verified.", title=achievement.title), "success")
            if go_next:
                following = queries.next_pending_id(current_user)
                if following is None:
                    flash(_("The verification queue is empty."), "info")
                    return redirect(url_for(".pending"))
                return redirect(url_for(".detail", achievement_id=following, queue=1))
            return _back(achievement)
    return render_detail(achievement, verify_form=form, queue=go_next)


@bp.route("/<int:achievement_id>/reject", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.EDIT)
def reject(achievement):
    form = forms.RejectForm()
    if form.validate():
        try:
            review.reject_achievement(current_user, achievement, form.reason.data or "")
        except NotAllowed as exc:
            refuse(exc)
        except FieldError as exc:
            form_error(form, exc, "reason")
        except DomainError as exc:
            refuse(exc)
            return _back(achievement)
        else:
            flash(_("Sent back with your reason; the person who declared it is notified."), "success")
            return _back(achievement)
    return render_detail(achievement, reject_form=form)


@bp.route("/<int:achievement_id>/reopen", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.VERIFY)
def reopen(achievement):
    try:
        review.reopen_achievement(current_user, achievement)
    except DomainError as exc:
        refuse(exc)
    else:
        flash(_("The decision was taken back: the achievement waits for verification again."), "success")
    return _back(achievement)


# --- several at once, settings ---

@bp.route("/pending/verify", methods=["POST"])
@login_required
def verify_batch():
    if not _is_director_somewhere():
        abort(403)
    form = forms.BatchVerifyForm()
    if not form.validate():
        flash(_("The form has expired; please try again."), "danger")
        return redirect(url_for(".pending"))
    ids = sorted({int(v) for v in request.form.getlist("ids") if v.isdigit() and 0 < int(v) < 2**31})
    items = [get_or_404(current_user, Achievement, i, Action.VERIFY) for i in ids]
    try:
        count = review.verify_many(current_user, items, form.note.data)
    except NotAllowed as exc:
        refuse(exc)
    except DomainError as exc:  # FieldError included: nothing was verified
        fail_request(exc)
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for(".pending", **request.args))
    flash(_("Verified: %(n)d.", n=count), "success")
    return redirect(url_for(".pending"))


@bp.route("/programs/<int:program_id>/evidence-setting", methods=["POST"])
@login_required
@loads(Program, "program_id", Action.MANAGE)
def evidence_setting(program):
    form = forms.EvidenceSettingForm()
    if form.validate():
        review.set_evidence_required(current_user, program, bool(form.evidence_required.data))
        if program.evidence_required:
            flash(_("%(code)s: verifying without evidence now needs a reason.", code=program.code), "success")
        else:
            flash(_("%(code)s: items may be verified without evidence.", code=program.code), "warning")
    return redirect(url_for(".pending"))
