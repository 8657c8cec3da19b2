"""Pages of the programs domain."""

from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("programs", __name__, url_prefix="/programs")


@bp.route("/")
@login_required
def list():
    return render_template("core/home.html")
