"""Pages that act on an achievement record as a whole: merging a duplicate, patent transfers.

A blueprint of its own (``achievement_records``) beside ``achievements.views``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.achievements import forms, merging, transfers
from eduinnov.achievements.models import Achievement, PatentTransfer
from eduinnov.achievements.services import FieldError, may_edit
from eduinnov.auth.access import Action, get_or_404
from eduinnov.auth.decorators import loads
from eduinnov.core.errors import DomainError
from eduinnov.core.web import refuse

bp = Blueprint("achievement_records", __name__, url_prefix="/achievements")


def _back(achievement_id: int, anchor: str | None = None):
    return redirect(url_for("achievements.detail", achievement_id=achievement_id, _anchor=anchor))


@bp.route("/<int:achievement_id>/merge", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.VERIFY, name="keep")
def merge(keep):
    form = forms.MergeForm()
    if not form.validate():
        flash(_("Give the number of the item to merge into this one."), "danger")
        return _back(keep.id, "duplicates")
    other = get_or_404(current_user, Achievement, form.other_id.data, Action.VERIFY)
    try:
        moved = merging.merge_achievements(current_user, keep, other)
    except DomainError as exc:
        refuse(exc)
        return _back(keep.id, "duplicates")
    flash(_("Item #%(id)d was merged into this one: %(s)d student(s) and %(f)d evidence file(s) added.",
            id=form.other_id.data, s=len(moved["students"]), f=len(moved["files"])), "success")
    return _back(keep.id)


@bp.route("/<int:achievement_id>/transfers", methods=["POST"])
@login_required
@loads(Achievement, "achievement_id", Action.EDIT)
def transfer_add(achievement):
    if not may_edit(current_user, achievement):
        abort(403)
    form = transfers.TransferForm()
    if form.validate():
        try:
            transfers.add_transfer(current_user, achievement, event_date=form.event_date.data, kind=form.kind.data,
                                   counterparty=form.counterparty.data, amount=form.amount.data)
        except FieldError as exc:
            refuse(exc)
        else:
            flash(_("The transfer was recorded."), "success")
    else:
        flash(" ".join(f"{form[name].label.text}: {errs[0]}" for name, errs in form.errors.items()), "danger")
    return _back(achievement.id, "transfers")


@bp.route("/transfers/<int:transfer_id>/delete", methods=["POST"])
@login_required
@loads(PatentTransfer, "transfer_id", Action.EDIT)
def transfer_delete(transfer):
    achievement_id = transfer.achievement_id
    if not may_edit(current_user, transfer.achievement):
        abort(403)
    transfers.remove_transfer(current_user, transfer)
    flash(_("The transfer was removed."), "success")
    return _back(achievement_id, "transfers")
