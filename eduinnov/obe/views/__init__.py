"""Pages of the OBE domain: offerings and their plans, score uploads, cohort and student achievement,
surveys and continuous-improvement records.

The blueprint lives in ``_blueprint``; importing the page modules here registers their routes on it.
"""

from eduinnov.obe.views import improvements, offerings, plan, results, scores, surveys  # noqa: F401
from eduinnov.obe.views._blueprint import bp

__all__ = ["bp"]
