"""What each role's home page counts: the work waiting for the user now, each figure with its list link.

The home page composes reads of several domains (achievements, OBE, imports, report jobs, evaluation
runs), which is why it lives in its own package and not in ``core`` (which imports no domain).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from eduinnov.achievements import queries as achievement_queries
from eduinnov.achievements.models import Achievement, VerificationStatus
from eduinnov.auth.models import User
from eduinnov.core.jinja import age_in_days
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.imports.storage import list_pending
from eduinnov.indicators.queries import count_held_runs
from eduinnov.jobs.models import JobState, ReportJob
from eduinnov.jobs.queries import list_jobs_stmt
from eduinnov.obe.reports import CohortShortfall, list_obe_shortfalls

__all__ = [
    "CohortShortfall",
    "count_pending_imports",
    "failed_health_runs",
    "list_finished_jobs",
    "list_obe_shortfalls",
]


def failed_health_runs(user: User) -> int:
    """How many evaluation runs of ``user``'s programs failed their health check and wait for a director's
    review (they are not published until one records why the run stands)."""
    return count_held_runs(user)


def count_pending_imports(user: User) -> int:
    """Uploads ``user`` previewed but has not confirmed yet (they expire after two hours): the list on the
    imports page (``imports.storage.list_pending``)."""
    return len(list_pending(user.id))


FINISHED_JOB_DAYS = 14


def list_finished_jobs(user: User, days: int = FINISHED_JOB_DAYS, limit: int = 5) -> tuple[int, list[ReportJob]]:
    """Report jobs of ``user`` finished in the last ``days`` days: how many, and the latest few (the list
    behind them is ``jobs.services`` with the same filter)."""
    stmt = list_jobs_stmt(user, state=JobState.FINISHED, since=utcnow() - timedelta(days=days))
    jobs = list(db.session.scalars(stmt))
    return len(jobs), jobs[:limit]


def oldest_age_days(moment: datetime | None) -> int | None:
    """Whole days since ``moment`` (None stays None)."""
    return age_in_days(moment)


def student_summary(user: User) -> dict[VerificationStatus, int]:
    """How many of the student's achievements are in each state."""
    return achievement_queries.count_by_status(user)


def list_recent_rejections(user: User) -> list[Achievement]:
    """The user's own achievements (recorded, supervised or declared) rejected back to them."""
    return achievement_queries.list_rejected_for(user)
