"""Background jobs for long reports: a web request only enqueues, a worker renders, any process reads the state.

Two backends, one API:

- **embedded** (default): jobs run in a small thread pool inside the process that enqueued them (the
  gunicorn worker). Heavy work such as :func:`eduinnov.reports.pdf.render_pdf_parallel` runs in child
  processes, so the thread mostly waits and requests keep being served.
- **RQ** (when ``EDUINNOV_REDIS_URL`` is set): the job id goes to the Redis queue ``eduinnov-reports``
  and separate ``flask report worker`` (or ``rq worker eduinnov-reports``) processes run it.

Either way the state lives in the ``report_jobs`` table (:class:`ReportJob`), so every web worker can
show progress. A job function is a plain function decorated with :func:`report_job`, taking JSON-
serialisable arguments, calling :func:`report_progress` as it goes, writing its file to
:func:`output_path` and returning that path::

    @report_job
    def cohort_pack(cohort_id: int, user_id: int) -> Path:
        report_progress(0.1, _("Collecting data"))
        ...
        path = output_path("cohort-pack.pdf")
        path.write_bytes(pdf)
        return path

    job_id = enqueue("eduinnov.reports.packs:cohort_pack", cohort.id, user.id,
                     title=_("Evidence pack"), owner=user, program_id=cohort.program_id)

The job is handed to the worker only when the enqueuing transaction commits (at the end of the
request, or when a CLI command or test commits), so a worker never looks for a row that is not there
yet and a failed request starts nothing. Jobs run in the language that was active when they were
enqueued; a :class:`~eduinnov.core.errors.DomainError` becomes the failure message shown to the user,
any other exception a generic message (details in ``error_detail`` and the log).
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from eduinnov.core.errors import DomainError
from eduinnov.core.i18n import enum_label
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.jobs.models import JobState, ReportJob

__all__ = [
    "QUEUE_NAME",
    "JobStatus",
    "enqueue",
    "get_status",
    "output_path",
    "redis_url",
    "report_job",
    "report_progress",
    "reports_dir",
    "result_file",
    "open_result",
    "rq_queue",
    "run_job",
    "wait",
]

log = logging.getLogger(__name__)

QUEUE_NAME = "eduinnov-reports"
_PENDING = "eduinnov_report_jobs_pending"
_PROGRESS_INTERVAL = 0.25  # seconds between progress writes when only the fraction changes


class JobStatus(TypedDict):
    id: str
    state: str            # queued / running / finished / failed
    state_label: str      # translated
    progress: float       # 0..1
    message: str | None
    title: str | None
    result_path: str | None   # absolute path of the result file when finished
    download_name: str | None


# -- configuration ----------------------------------------------------------------------------------

def redis_url(app: Flask | None = None) -> str | None:
    """The Redis URL that switches jobs to RQ (``REDIS_URL`` config, else ``EDUINNOV_REDIS_URL``), or None."""
    app = app or current_app
    return app.config.get("REDIS_URL") or os.environ.get("EDUINNOV_REDIS_URL") or None


def reports_dir(app: Flask | None = None) -> Path:
    """Where job results are written: ``REPORT_DIR`` config, else ``<instance>/reports``."""
    app = app or current_app
    return Path(app.config.get("REPORT_DIR") or Path(app.instance_path) / "reports").resolve()


def report_job(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function as runnable by :func:`enqueue` (nothing else can be run by name)."""
    func.__eduinnov_report_job__ = True  # type: ignore[attr-defined]
    return func


def _resolve(func_path: str) -> Callable[..., Any]:
    module_name, sep, name = func_path.partition(":")
    if not sep:
        module_name, _dot, name = func_path.rpartition(".")
    if not module_name or not name:
        raise ValueError(f"job function must be 'package.module:function', not {func_path!r}")
    func = getattr(importlib.import_module(module_name), name, None)
    if func is None or not getattr(func, "__eduinnov_report_job__", False):
        raise ValueError(f"{func_path!r} is not a function decorated with @report_job")
    return func


# -- enqueueing ---------------------------------------------------------------------------------------

def enqueue(func_path: str, *args: Any, title: str | None = None, owner: Any = None,
            program_id: int | None = None) -> str:
    """Record a job and hand it to the worker once the current transaction commits; return its id.

    Parameters
    ----------
    func_path
        ``"package.module:function"`` of a :func:`report_job` function (never user input).
    *args
        JSON-serialisable arguments for the function (ids, not model objects).
    title
        Shown to the user next to the progress bar.
    owner
        The user who asked for it (only they and admins may see and download it).
    program_id
        The program the report is about, if any.
    """
    import json

    _resolve(func_path)
    try:
        json.dumps(list(args))
    except TypeError as exc:
        raise ValueError(f"job arguments must be JSON-serialisable: {exc}") from None
    app = current_app._get_current_object()
    backend = "rq" if redis_url(app) else "embedded"
    try:
        locale = str(get_locale() or "") or None
    except Exception:  # no Babel context
        locale = None
    job = ReportJob(
        id=uuid.uuid4().hex, func_path=func_path, args=list(args), title=str(title) if title else None,
        locale=locale, backend=backend, state=JobState.QUEUED, progress=0.0,
        owner_id=getattr(owner, "id", owner), program_id=program_id,
    )
    db.session.add(job)
    db.session.flush()
    db.session().info.setdefault(_PENDING, []).append((app, job.id, backend))
    return job.id


@event.listens_for(Session, "after_commit")
def _submit_pending(session: Session) -> None:
    for app, job_id, backend in session.info.pop(_PENDING, []):
        _submit(app, job_id, backend)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _submit(app: Flask, job_id: str, backend: str) -> None:
    try:
        if backend == "rq":
            rq_queue(app).enqueue_call(
                "eduinnov.jobs.services.run_job", args=(job_id,), job_id=job_id,
                timeout=int(app.config.get("REPORT_JOB_TIMEOUT", 3600)),
                result_ttl=86400, failure_ttl=7 * 86400, description=f"report job {job_id}",
            )
        else:
            _executor(app).submit(_run_logged, job_id, app)
    except Exception as exc:
        log.exception("could not start report job %s", job_id)
        with app.app_context():
            _update(job_id, state=JobState.FAILED, finished_at=utcnow(), error_detail=repr(exc),
                    message=_("The report could not be started. Please try again later."))


_executor_lock = threading.Lock()
_executor_instance: ThreadPoolExecutor | None = None


def _executor(app: Flask) -> ThreadPoolExecutor:
    global _executor_instance
    with _executor_lock:
        if _executor_instance is None:
            _executor_instance = ThreadPoolExecutor(
                max_workers=int(app.config.get("REPORT_WORKERS", 1)), thread_name_prefix="report-job"
            )
        return _executor_instance


def _forget_executor() -> None:  # a forked child has the pool object but none of its threads
    global _executor_instance
    _executor_instance = None


os.register_at_fork(after_in_child=_forget_executor)


_redis_clients: dict[str, Any] = {}


def rq_queue(app: Flask | None = None):
    """The RQ queue of report jobs on the configured Redis."""
    from redis import Redis
    from rq import Queue

    url = redis_url(app)
    if not url:
        raise RuntimeError("EDUINNOV_REDIS_URL is not set")
    if url not in _redis_clients:
        _redis_clients[url] = Redis.from_url(url)
    return Queue(QUEUE_NAME, connection=_redis_clients[url])


# -- running ------------------------------------------------------------------------------------------

@dataclass
class _JobContext:
    app: Flask
    job_id: str
    last_write: float = 0.0
    last_fraction: float = 0.0
    last_message: str | None = None
    files: list[Path] = field(default_factory=list)


_current: contextvars.ContextVar[_JobContext | None] = contextvars.ContextVar("report_job", default=None)


def _update(job_id: str, **values: Any) -> None:
    """Write job state in its own short transaction, visible at once to every process."""
    values.setdefault("updated_at", utcnow())
    table = ReportJob.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == job_id).values(**values))


def report_progress(fraction: float, message: str | None = None) -> None:
    """From inside a job: record how far it got (0..1) and what it is doing; does nothing outside a job."""
    ctx = _current.get()
    if ctx is None:
        return
    fraction = min(max(float(fraction), 0.0), 1.0)
    message = str(message) if message is not None else ctx.last_message
    now = time.monotonic()
    if message == ctx.last_message and fraction < 1.0 and now - ctx.last_write < _PROGRESS_INTERVAL:
        return
    ctx.last_write, ctx.last_fraction, ctx.last_message = now, fraction, message
    with ctx.app.app_context():
        _update(ctx.job_id, progress=fraction, message=message)


def output_path(filename: str) -> Path:
    """From inside a job: a path for a result file, ``<reports dir>/<job id>/<filename>``."""
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("output_path() is only available inside a report job")
    name = secure_filename(filename) or "report"
    folder = reports_dir(ctx.app) / ctx.job_id
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _worker_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    global _rq_app
    if _rq_app is None:
        from eduinnov import create_app

        _rq_app = create_app()
    return _rq_app


_rq_app: Flask | None = None


def _fresh_connections(app: Flask) -> None:
    """After a fork (RQ's work-horse), drop pooled connections inherited from the parent."""
    pid = os.getpid()
    if app.extensions.get("eduinnov_report_pid") != pid:
        if app.extensions.get("eduinnov_report_pid") is not None:
            with app.app_context():
                db.engine.dispose(close=False)
        app.extensions["eduinnov_report_pid"] = pid


def _run_logged(job_id: str, app: Flask) -> None:
    try:
        run_job(job_id, app)
    except Exception:  # run_job records failures itself; this only guards the thread pool
        log.exception("report job %s crashed", job_id)


def run_job(job_id: str, app: Flask | None = None) -> None:
    """Run a queued job to its end, recording state, progress, result or failure (both backends)."""
    app = app or _worker_app()
    _fresh_connections(app)
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        if job is None:
            log.warning("report job %s does not exist", job_id)
            return
        if job.state != JobState.QUEUED:
            log.warning("report job %s is %s, not queued: not run again", job_id, job.state.value)
            return
        func_path, args, locale = job.func_path, list(job.args or []), job.locale
        db.session.rollback()
        _update(job_id, state=JobState.RUNNING, started_at=utcnow(), progress=0.0, message=None)
        ctx = _JobContext(app, job_id)
        token = _current.set(ctx)
        try:
            with force_locale(locale or app.config.get("BABEL_DEFAULT_LOCALE", "zh")):
                try:
                    result = _resolve(func_path)(*args)
                    db.session.commit()  # a job may record things (e.g. a snapshot) like a CLI command
                    relative = _store_result(app, job_id, _relative_result(app, result))
                except DomainError as exc:
                    db.session.rollback()
                    _fail(job_id, str(exc), exc)
                except Exception as exc:
                    db.session.rollback()
                    log.exception("report job %s (%s) failed", job_id, func_path)
                    _fail(job_id, _("The report could not be generated. The error has been logged."), exc)
                else:
                    _update(job_id, state=JobState.FINISHED, progress=1.0, finished_at=utcnow(),
                            result_path=relative, message=ctx.last_message or _("Done"))
        finally:
            _current.reset(token)
            db.session.remove()


def _fail(job_id: str, message: str, exc: BaseException) -> None:
    detail = "".join(traceback.format_exception(exc))[-4000:]
    _update(job_id, state=JobState.FAILED, finished_at=utcnow(), message=message, error_detail=detail)


def _relative_result(app: Flask, result: Any) -> str | None:
    if result is None:
        return None
    root = reports_dir(app)
    path = Path(result).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RuntimeError(f"a report job must return a file under {root}, not {result!r}")
    return path.relative_to(root).as_posix()


RESULTS_NAMESPACE = "report-results"
_STORED_PREFIX = "database:"


def _store_result(app: Flask, job_id: str, relative: str | None) -> str | None:
    """With ``EDUINNOV_EVIDENCE_STORE=database``, move the finished file into the database store, so the app
    server that serves the download need not be the machine that ran the job; ``result_path`` then reads
    ``database:<key>/<file name>``. With the local store the file stays under the reports folder."""
    from eduinnov.core.blobs import DATABASE, configured_kind, store_for

    if relative is None or configured_kind(app) != DATABASE:
        return relative
    root = reports_dir(app)
    path = root / relative
    ext = path.suffix.lstrip(".").lower()
    key = f"{job_id}.{ext}" if 0 < len(ext) <= 8 and ext.isascii() and ext.isalnum() else job_id
    with path.open("rb") as fh:
        store_for(RESULTS_NAMESPACE, DATABASE, autonomous=True).put(fh, key=key)
    path.unlink()
    if path.parent != root:
        try:
            path.parent.rmdir()
        except OSError:  # the job left other files beside its result
            pass
    return f"{_STORED_PREFIX}{key}/{path.name}"


def _stored_result(job: ReportJob) -> tuple[str, str] | None:
    """(key, file name) of a result kept in the database store, or None."""
    if not job.result_path or not job.result_path.startswith(_STORED_PREFIX):
        return None
    key, _sep, name = job.result_path[len(_STORED_PREFIX):].partition("/")
    return key, name or key


def open_result(job: ReportJob):
    """``(stream, file name)`` of a finished job's result, wherever it is kept, or None; close the stream."""
    if job.state != JobState.FINISHED or not job.result_path:
        return None
    stored = _stored_result(job)
    if stored is not None:
        from eduinnov.core.blobs import DATABASE, store_for

        try:
            return store_for(RESULTS_NAMESPACE, DATABASE).open(stored[0]), stored[1]
        except (ValueError, FileNotFoundError):
            return None
    path = result_file(job)
    return (path.open("rb"), path.name) if path is not None else None


def _result_name(job: ReportJob) -> tuple[str, str] | None:
    """(where, file name) of an available result: a server path or ``database:<key>``; None if there is none."""
    stored = _stored_result(job)
    if stored is not None:
        from eduinnov.core.blobs import DATABASE, store_for

        if job.state != JobState.FINISHED:
            return None
        try:
            found = store_for(RESULTS_NAMESPACE, DATABASE).exists(stored[0])
        except ValueError:
            found = False
        return (f"{_STORED_PREFIX}{stored[0]}", stored[1]) if found else None
    path = result_file(job)
    return (str(path), path.name) if path is not None else None


# -- reading ------------------------------------------------------------------------------------------

def _load(job_id: str) -> ReportJob | None:
    stmt = select(ReportJob).where(ReportJob.id == str(job_id)).execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def result_file(job: ReportJob) -> Path | None:
    """The result file of a finished job, if it still exists inside the reports folder (None for a result
    kept in the database store: read it with :func:`open_result`)."""
    if job.state != JobState.FINISHED or not job.result_path or _stored_result(job) is not None:
        return None
    root = reports_dir()
    path = (root / job.result_path).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC
        return moment.replace(tzinfo=UTC)
    return moment


def get_status(job_id: str) -> JobStatus | None:
    """The state of a job as plain values (for a progress bar or a JSON endpoint), or None if unknown.

    A job whose worker vanished (RQ reports it failed or stopped; an embedded job not heard from within
    ``REPORT_JOB_STALE_SECONDS``, default one hour) is reported failed.
    """
    job = _load(job_id)
    if job is None:
        return None
    state, message = job.state, job.message
    if not job.is_done:
        lost = _lost_message(job)
        if lost:
            state, message = JobState.FAILED, lost
    result = _result_name(job)
    return JobStatus(
        id=job.id, state=state.value, state_label=enum_label(state), progress=float(job.progress or 0.0),
        message=message, title=job.title, result_path=result[0] if result else None,
        download_name=result[1] if result else None,
    )


def _lost_message(job: ReportJob) -> str | None:
    if job.backend == "rq" and redis_url():
        try:
            from rq.job import Job

            rq_state = Job.fetch(job.id, connection=rq_queue().connection).get_status()
        except Exception:  # unknown to Redis (expired) or Redis unreachable: rely on the table
            rq_state = None
        if rq_state is not None and str(getattr(rq_state, "value", rq_state)) in ("failed", "stopped", "canceled"):
            return _("The report worker stopped before the report was finished.")
        return None
    stale = timedelta(seconds=float(current_app.config.get("REPORT_JOB_STALE_SECONDS", 3600)))
    last = _aware(job.updated_at) or _aware(job.created_at)
    if last is not None and datetime.now(UTC) - last > stale:
        return _("The report was interrupted (the server restarted). Please start it again.")
    return None


def wait(job_id: str, timeout: float = 300.0, interval: float = 0.1) -> JobStatus:
    """Block until the job finished or failed (for the CLI and tests; never in a web request)."""
    deadline = time.monotonic() + timeout
    while True:
        status = get_status(job_id)
        if status is None:
            raise LookupError(f"no report job {job_id}")
        if status["state"] in (JobState.FINISHED.value, JobState.FAILED.value):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"report job {job_id} still {status['state']} after {timeout} s")
        time.sleep(interval)
