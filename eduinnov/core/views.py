"""Small site-wide routes (the role-based home page is in ``eduinnov.home``: core imports no domain)."""

from flask import Blueprint

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def health():
    return {"status": "ok"}
