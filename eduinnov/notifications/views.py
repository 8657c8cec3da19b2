"""The notifications page, marking notices read, and the unread count shown in the navbar."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from eduinnov.core.pagination import paginate
from eduinnov.extensions import db
from eduinnov.notifications import services
from eduinnov.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _navbar_count():
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.count_unread(current_user)

    return {"unread_notifications": unread_notifications}


def _own_or_404(notification_id: int) -> Notification:
    """A notice of the current user (404 for anyone else's, as for one that does not exist)."""
    if not 0 < notification_id < 2**31:
        abort(404)
    notice = db.session.get(Notification, notification_id)
    if notice is None or notice.user_id != current_user.id:
        abort(404)
    return notice


@bp.route("/", endpoint="list")
@login_required
def list_notifications():
    unread_only = request.args.get("unread") == "1"
    page = paginate(services.list_for_stmt(current_user, unread_only=unread_only), request.args.get("page"))
    return render_template("notifications/list.html", page=page, unread_only=unread_only,
                           describe=services.describe, unread=services.count_unread(current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    notice = _own_or_404(notification_id)
    services.mark_read(current_user, [notice])
    if request.form.get("open") == "1" and notice.achievement_id:
        return redirect(url_for("achievements.detail", achievement_id=notice.achievement_id))
    return redirect(url_for(".list"))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = services.mark_all_read(current_user)
    flash(_("Marked read: %(n)d.", n=count), "success")
    return redirect(url_for(".list"))
