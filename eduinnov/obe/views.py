"""Pages of the OBE domain."""

from flask import Blueprint

bp = Blueprint("obe", __name__, url_prefix="/obe")
