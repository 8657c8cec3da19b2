"""Background jobs (reports, mailings) with progress: the row every web worker and RQ worker reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from eduinnov.core.models import LabelledEnum, TimestampMixin, enum_type
from eduinnov.extensions import db

__all__ = ["JobState", "ReportJob"]


class JobState(LabelledEnum):
    QUEUED = "queued", _l("Waiting")
    RUNNING = "running", _l("Running")
    FINISHED = "finished", _l("Finished")
    FAILED = "failed", _l("Failed")


class ReportJob(TimestampMixin, db.Model):
    """A report generated in the background; its row is the state every web worker reads.

    The id is a random hex token (also the RQ job id), so it can appear in URLs without revealing
    how many reports exist.
    """

    __tablename__ = "report_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    func_path: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    title: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    backend: Mapped[str] = mapped_column(String(16), default="embedded")
    state: Mapped[JobState] = mapped_column(enum_type(JobState), default=JobState.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    # Technical detail of a failure (exception and traceback tail): for logs and admins, not users.
    error_detail: Mapped[str | None] = mapped_column(Text)
    # Relative to the reports folder (``instance/reports``); never an absolute path from a job.
    result_path: Mapped[str | None] = mapped_column(String(500))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_done(self) -> bool:
        return self.state in (JobState.FINISHED, JobState.FAILED)

    def __repr__(self) -> str:
        return f"<ReportJob {self.id} {self.func_path} {self.state.value}>"
