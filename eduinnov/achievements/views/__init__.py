"""Pages of the achievements domain: lists, forms, detail and evidence (``pages``); the review loop and
the verification queue (``review``); membership claims (``claims``).

The blueprint lives in ``_blueprint``; importing the page modules here registers their routes on it.
"""

from eduinnov.achievements.views import claims, pages, review  # noqa: F401
from eduinnov.achievements.views._blueprint import bp

__all__ = ["bp"]
