"""Evaluation pages: models and templates, the tree editor with AHP judgments, runs, comparison,
sensitivity, suggested targets, manual ratings and SWOT records (blueprint ``indicators``, under /evaluation).

The blueprint lives in ``_blueprint``; importing the page modules here registers their routes on it.
"""

from eduinnov.indicators.views import models, nodes, ratings, runs, targets  # noqa: F401
from eduinnov.indicators.views._blueprint import bp

__all__ = ["bp"]
