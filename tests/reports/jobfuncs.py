"""Report job functions used by the job tests (imported by name, also by RQ worker processes)."""

from __future__ import annotations

import time
from pathlib import Path

from eduinnov.core.errors import DomainError
from eduinnov.jobs.services import output_path, report_job, report_progress


@report_job
def write_text(text: str, steps: int = 3, pause: float = 0.3) -> Path:
    for i in range(steps):
        time.sleep(pause)
        report_progress((i + 1) / (steps + 1), f"step {i + 1} of {steps}")
    path = output_path("résumé 报告.txt")
    path.write_text(text, encoding="utf-8")
    report_progress(1.0, "written")
    return path


@report_job
def fail_politely(message: str) -> None:
    report_progress(0.5, "halfway")
    raise DomainError(message)


@report_job
def crash() -> None:
    raise RuntimeError("secret internals at /srv/db")


@report_job
def escape_reports_dir() -> str:
    return "/etc/hostname"


@report_job
def locale_name() -> Path:
    from flask_babel import get_locale

    path = output_path("locale.txt")
    path.write_text(str(get_locale()))
    return path


def not_a_job() -> None:
    """Not decorated: must not be runnable by name."""
