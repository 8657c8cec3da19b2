"""The blueprint of the achievements pages (``achievements.*`` endpoints)."""

from flask import Blueprint

bp = Blueprint("achievements", __name__, url_prefix="/achievements")
