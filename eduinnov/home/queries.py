"""What each role's home page counts: the work waiting for the user now, each figure with its list link.

The home page composes reads of several domains (achievements, OBE, imports, report jobs, evaluation
runs), which is why it lives in its own package and not in ``core`` (which imports no domain).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from eduinnov.achievements import queries as achievement_queries
from eduinnov.achievements.models import Achievement, VerificationStatus
from eduinnov.auth.access import program_ids
from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.core.jinja import age_in_days
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import AggregationRule
from eduinnov.imports.storage import list_pending
from eduinnov.indicators.queries import count_held_runs
from eduinnov.obe.reports import cohort_report
from eduinnov.programs.models import Cohort
from eduinnov.reports.models import JobState, ReportJob
from eduinnov.reports.queries import list_jobs_stmt

__all__ = [
    "CohortShortfall",
    "count_pending_imports",
    "failed_health_runs",
    "list_finished_jobs",
    "list_obe_shortfalls",
]

MAX_OBE_COHORTS = 8  # cohorts computed for the home page (the most recent entry years first)


@dataclass(frozen=True)
class CohortShortfall:
    """A cohort with graduation requirements below the threshold under its framework's rule."""

    cohort: Cohort
    below: int
    total: int
    threshold: float
    numbers: list[str] = field(default_factory=list)


def _directed_ids(user: User) -> set[int] | None:
    return None if user.role == Role.ADMIN else program_ids(user, role=MembershipRole.DIRECTOR)


def list_obe_shortfalls(user: User) -> list[CohortShortfall]:
    """Cohorts of the programs ``user`` directs whose graduation requirements fall below the threshold.

    The verdict follows each framework's own rule (weighted sum or minimum); cohorts without scores
    are left out. Only the :data:`MAX_OBE_COHORTS` most recent cohorts are computed.
    """
    ids = _directed_ids(user)
    stmt = select(Cohort).order_by(Cohort.entry_year.desc(), Cohort.id).limit(MAX_OBE_COHORTS)
    if ids is not None:
        stmt = stmt.where(Cohort.program_id.in_(ids or [-1]))
    out = []
    for cohort in db.session.scalars(stmt):
        report = cohort_report(cohort)
        if report.framework is None or not report.offerings:
            continue
        minimum = report.rule == AggregationRule.MINIMUM
        verdicts = [(r.requirement.number, r.achieved_minimum if minimum else r.achieved_weighted_sum)
                    for r in report.requirements]
        judged = [(n, v) for n, v in verdicts if v is not None]
        below = [str(n) for n, v in judged if v is False]
        if below:
            out.append(CohortShortfall(cohort=cohort, below=len(below), total=len(judged),
                                       threshold=report.threshold, numbers=below))
    return out


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
    behind them is ``reports.jobs`` with the same filter)."""
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
