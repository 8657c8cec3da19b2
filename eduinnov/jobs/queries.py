"""Reads of background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Select, func, select

from eduinnov.jobs.models import JobState, ReportJob

__all__ = ["list_jobs_stmt"]


class _Owner(Protocol):
    """Who started a job (a user: anything with an ``id``)."""

    id: int


def list_jobs_stmt(user: _Owner, *, state: JobState | None = None, since: datetime | None = None) -> Select:
    """Report jobs ``user`` started, newest first, optionally in one state and finished since a moment."""
    stmt = select(ReportJob).where(ReportJob.owner_id == user.id)
    if state is not None:
        stmt = stmt.where(ReportJob.state == state)
    if since is not None:
        stmt = stmt.where(ReportJob.finished_at >= since)
    return stmt.order_by(func.coalesce(ReportJob.finished_at, ReportJob.created_at).desc(), ReportJob.id)
