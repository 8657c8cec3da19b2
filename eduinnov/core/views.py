"""Home page and small site-wide routes."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from eduinnov.auth.models import Role

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def home():
    if current_user.role == Role.STUDENT:
        if current_user.student_id:
            return redirect(url_for("programs.student_detail", student_id=current_user.student_id))
        return render_template("core/home.html")
    return render_template("core/home.html")


@bp.route("/healthz")
def health():
    return {"status": "ok"}
