"""Evaluation pages: models and templates, the tree editor with AHP judgments, runs, comparison,
sensitivity, manual ratings and SWOT records (blueprint ``indicators``, under /evaluation).

The blueprint lives in ``_blueprint``; importing the page modules here registers their routes on it.
"""

from eduinnov.indicators.views._blueprint import bp

from eduinnov.indicators.views import models, nodes, ratings, runs  # noqa: F401  isort: skip
from eduinnov.indicators import views_targets  # noqa: F401  isort: skip  (the suggest-targets routes on bp)

__all__ = ["bp"]
