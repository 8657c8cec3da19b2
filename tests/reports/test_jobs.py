"""Background report jobs: embedded (thread in the app process) and RQ (separate worker processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import update

from eduinnov.config import ROOT
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import JobState, ReportJob

FUNCS = "tests.reports.jobfuncs"


def _watch(job_id: str, timeout: float = 60.0) -> tuple[dict, list[tuple[str, float]]]:
    """Poll until the job is done; return the final status and every (state, progress) seen."""
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + timeout
    while True:
        status = jobs.get_status(job_id)
        if not seen or seen[-1] != (status["state"], status["progress"]):
            seen.append((status["state"], status["progress"]))
        if status["state"] in ("finished", "failed"):
            return status, seen
        assert time.monotonic() < deadline, f"job still {status['state']} after {timeout}s: {seen}"
        time.sleep(0.02)


def test_embedded_job_reports_progress_and_writes_its_file(app, db, admin):
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "中文 report", title="Test", owner=admin)
    assert jobs.get_status(job_id)["state"] == "queued"
    db.session.commit()  # the job starts only once the enqueuing transaction commits

    status, seen = _watch(job_id)

    assert status["state"] == "finished", status
    assert status["progress"] == 1.0
    assert status["message"] == "written"
    assert ("running", 0.0) in seen or seen[0][0] == "queued"
    running = [p for state, p in seen if state == "running"]
    assert any(0 < p < 1 for p in running), f"no intermediate progress seen: {seen}"
    assert running == sorted(running)
    path = Path(status["result_path"])
    assert path.read_text(encoding="utf-8") == "中文 report"
    assert path.parent == jobs.reports_dir(app) / job_id
    job = db.session.get(ReportJob, job_id)
    assert job.owner_id == admin.id and job.backend == "embedded"
    assert job.started_at is not None and job.finished_at is not None


def test_job_waits_for_commit_and_never_runs_after_rollback(app, db):
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "x", 1, 0.0)
    time.sleep(0.3)
    assert jobs.get_status(job_id)["state"] == "queued"  # not handed to the worker yet
    db.session.rollback()
    time.sleep(0.3)
    assert jobs.get_status(job_id) is None
    assert not (jobs.reports_dir(app) / job_id).exists()


def test_failing_job_reports_its_message(db):
    job_id = jobs.enqueue(f"{FUNCS}:fail_politely", "Cohort 2021 has no students")
    db.session.commit()
    status = jobs.wait(job_id, timeout=60)
    assert status["state"] == "failed"
    assert status["message"] == "Cohort 2021 has no students"
    assert status["progress"] == 0.5
    assert status["result_path"] is None


def test_unexpected_error_is_logged_not_shown(db):
    job_id = jobs.enqueue(f"{FUNCS}:crash")
    db.session.commit()
    status = jobs.wait(job_id, timeout=60)
    assert status["state"] == "failed"
    assert "secret internals" not in status["message"]
    assert "secret internals" in db.session.get(ReportJob, job_id).error_detail


def test_a_job_may_only_return_a_file_in_the_reports_folder(db):
    job_id = jobs.enqueue(f"{FUNCS}:escape_reports_dir")
    db.session.commit()
    status = jobs.wait(job_id, timeout=60)
    assert status["state"] == "failed"
    assert status["result_path"] is None


def test_job_runs_in_the_language_it_was_requested_in(app, db):
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        job_id = jobs.enqueue(f"{FUNCS}:locale_name")
        db.session.commit()
    status = jobs.wait(job_id, timeout=60)
    assert Path(status["result_path"]).read_text() == "en"


@pytest.mark.parametrize("func_path", [
    f"{FUNCS}:not_a_job",       # exists but not a @report_job
    f"{FUNCS}:missing",
    "os:system",
    "nonsense",
])
def test_only_report_jobs_can_be_enqueued(func_path):
    with pytest.raises((ValueError, ImportError)):
        jobs.enqueue(func_path, "x")


def test_arguments_must_be_json(db):
    with pytest.raises(ValueError, match="JSON"):
        jobs.enqueue(f"{FUNCS}:write_text", object())


def test_progress_outside_a_job_is_a_no_op_and_output_path_refuses():
    jobs.report_progress(0.5, "nothing happens")
    with pytest.raises(RuntimeError):
        jobs.output_path("x.pdf")


def test_a_job_whose_worker_vanished_is_reported_failed(app, db):
    job = ReportJob(id="f" * 32, func_path=f"{FUNCS}:crash", args=[], state=JobState.RUNNING, backend="embedded")
    db.session.add(job)
    db.session.commit()
    assert jobs.get_status(job.id)["state"] == "running"
    old = datetime.now(UTC) - timedelta(hours=2)
    db.session.execute(update(ReportJob).where(ReportJob.id == job.id).values(updated_at=old))
    db.session.commit()
    with force_locale("en"):
        status = jobs.get_status(job.id)
    assert status["state"] == "failed"
    assert "interrupted" in status["message"]


def test_unknown_job_has_no_status():
    assert jobs.get_status("0" * 32) is None


# -- RQ on a real Redis -------------------------------------------------------------------------------

def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["EDUINNOV_ENV"] = "testing"  # same instance folder and test database as this process
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("EDUINNOV_REDIS_URL", None)
    return env


def _start(cmd: list[str], redis_url: str) -> subprocess.Popen:
    env = _worker_env()
    env["EDUINNOV_REDIS_URL"] = redis_url
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_rq_job_runs_in_a_separate_worker_with_the_same_states(app, db, redis_url):
    from redis import Redis
    from rq import Queue

    job_id = jobs.enqueue(f"{FUNCS}:write_text", "via Redis", 3, 0.4)
    db.session.commit()
    queue = Queue(jobs.QUEUE_NAME, connection=Redis.from_url(redis_url))
    assert job_id in queue.job_ids
    assert db.session.get(ReportJob, job_id).backend == "rq"
    assert jobs.get_status(job_id)["state"] == "queued"

    rq = str(Path(sys.executable).with_name("rq"))
    worker = _start([rq, "worker", "--burst", "-w", "rq.worker.SimpleWorker", "--url", redis_url,
                     jobs.QUEUE_NAME], redis_url)
    try:
        status, seen = _watch(job_id, timeout=120)
    finally:
        output = worker.communicate(timeout=120)[0].decode(errors="replace")
    assert worker.returncode == 0, output
    assert status["state"] == "finished", (status, output)
    assert status["progress"] == 1.0
    running = [p for state, p in seen if state == "running"]
    assert any(0 < p < 1 for p in running), f"no intermediate progress seen: {seen}"
    assert Path(status["result_path"]).read_text(encoding="utf-8") == "via Redis"


def test_rq_failure_is_reported_through_get_status(app, db, redis_url):
    job_id = jobs.enqueue(f"{FUNCS}:fail_politely", "No evaluation run chosen")
    db.session.commit()
    flask = str(Path(sys.executable).with_name("flask"))
    worker = _start([flask, "--app", "app.py", "report", "worker", "--burst", "--simple"], redis_url)
    output = worker.communicate(timeout=120)[0].decode(errors="replace")
    assert worker.returncode == 0, output
    status = jobs.get_status(job_id)
    assert status["state"] == "failed", output
    assert status["message"] == "No evaluation run chosen"


def test_worker_command_explains_the_embedded_mode(runner, monkeypatch, app):
    monkeypatch.delenv("EDUINNOV_REDIS_URL", raising=False)
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = runner.invoke(args=["report", "worker", "--burst"])
    assert result.exit_code != 0
    assert "EDUINNOV_REDIS_URL is not set" in result.output


def test_embedded_jobs_do_not_block_the_caller(db):
    # enqueue + commit return at once even though the job takes a while
    started = time.monotonic()
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "slow", 2, 0.5)
    db.session.commit()
    assert time.monotonic() - started < 0.5
    assert threading.active_count() >= 2
    assert jobs.wait(job_id, timeout=60)["state"] == "finished"
