"""The ``obe`` blueprint (menu endpoint: ``obe.index``)."""

from flask import Blueprint

bp = Blueprint("obe", __name__, url_prefix="/obe")
