"""Pages of the frameworks domain."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")


@bp.route("/")
@login_required
def list():
    return render_template("core/home.html")
