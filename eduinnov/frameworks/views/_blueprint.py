"""The ``frameworks`` blueprint (menu endpoints: ``frameworks.list``, ``frameworks.partners``)."""

from flask import Blueprint

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")
