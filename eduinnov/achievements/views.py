"""Pages of the achievements domain."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("achievements", __name__, url_prefix="/achievements")


@bp.route("/")
@login_required
def list():
    return render_template("core/home.html")
