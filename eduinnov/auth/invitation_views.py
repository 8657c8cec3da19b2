"""Accounts for a cohort's roster (directors) and the invitation page where a student sets her password."""

from __future__ import annotations

import re
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from eduinnov.auth import invitations
from eduinnov.auth.access import Action
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.tabular import CSV_MIMETYPE, XLSX_MIMETYPE, Column, to_csv, to_xlsx
from eduinnov.core.web import form_error, refuse
from eduinnov.notifications.services import smtp_url
from eduinnov.programs.models import Cohort

bp = Blueprint("invitations", __name__)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class RosterAccountsForm(FlaskForm):
    fmt = SelectField(_l("Invitation list as"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])


class SetPasswordForm(FlaskForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)],
                        description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))])


@bp.route("/programs/cohorts/<int:cohort_id>/accounts", methods=["GET", "POST"])
@login_required
@loads(Cohort, "cohort_id", Action.MANAGE)
def roster(cohort):
    form = RosterAccountsForm()
    if form.validate_on_submit() and request.form.get("send") == "mail":
        return _mail_invitations(cohort)
    if form.validate_on_submit():
        try:
            issued = invitations.create_roster_accounts(current_user, cohort)
        except DomainError as exc:
            refuse(exc)
            return redirect(url_for(".roster", cohort_id=cohort.id))
        if not issued:
            flash(_("Every student of this cohort has already set a password: there is nobody to invite."), "info")
            return redirect(url_for(".roster", cohort_id=cohort.id))
        return _invitation_list(cohort, issued, form.fmt.data)
    return render_template("auth/roster_accounts.html", cohort=cohort, form=form,
                           summary=invitations.summarise_roster(cohort),
                           days=invitations._days(), can_mail=bool(smtp_url()))


def _mail_invitations(cohort: Cohort):
    """Accounts created now; the invitations e-mailed by a background job; who was not e-mailed and why."""
    try:
        mailing = invitations.mail_roster_invitations(current_user, cohort, base_url=request.url_root)
    except DomainError as exc:
        refuse(exc)
        return redirect(url_for(".roster", cohort_id=cohort.id))
    if not mailing.queued and not mailing.not_sent:
        flash(_("Every student of this cohort has already set a password: there is nobody to invite."), "info")
        return redirect(url_for(".roster", cohort_id=cohort.id))
    links = {i.token: url_for(".accept", token=i.token, _external=True) for i in mailing.not_sent}
    response = make_response(render_template("auth/roster_mailed.html", cohort=cohort, mailing=mailing, links=links))
    response.headers["Cache-Control"] = "no-store"  # the links of the students not e-mailed are shown once
    return response


def _invitation_list(cohort: Cohort, issued: list[invitations.IssuedInvitation], fmt: str):
    """The list of links, shown once: the tokens are not stored, so this file is the only copy."""
    columns = [Column("student_no", _("Student number")), Column("name", _("Name")), Column("cohort", _("Cohort")),
               Column("email", _("Login e-mail")), Column("link", _("Invitation link")),
               Column("expires", _("Valid until")), Column("account", _("Account"))]
    rows = [{"student_no": i.student_no, "name": i.name, "cohort": i.cohort, "email": i.email,
             "link": url_for(".accept", token=i.token, _external=True),
             "expires": format_datetime(i.expires_at, "yyyy-MM-dd HH:mm"),
             "account": _("new") if i.is_new_account else _("new link")} for i in issued]
    stem = f"invitations-{cohort.program.code}-{cohort.entry_year}"
    if fmt == "csv":
        data, mimetype, name = to_csv(columns, rows), CSV_MIMETYPE, f"{stem}.csv"
    else:
        data, mimetype, name = to_xlsx(columns, rows, sheet_title=_("Invitations")), XLSX_MIMETYPE, f"{stem}.xlsx"
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept(token: str):
    if not _TOKEN.fullmatch(token):  # not even the shape of a link we make
        abort(404)
    try:
        invitation = invitations.check_invitation(token)
    except invitations.InvitationRefused as exc:
        return render_template("auth/invitation.html", refused=str(exc), form=None), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.redeem_invitation(token, form.new.data)
        except ValidationError as exc:
            form_error(form, exc, "new")
        except invitations.InvitationRefused as exc:
            return render_template("auth/invitation.html", refused=str(exc), form=None), 410
        else:
            if current_user.is_authenticated:
                logout_user()
            flash(_("Your password is set. Log in with your e-mail and the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/invitation.html", refused=None, form=form, account=invitation.user)
