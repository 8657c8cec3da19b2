"""With the database store a finished job's file is kept in the database, so any app server can send it."""

from __future__ import annotations

from urllib.parse import unquote

from eduinnov.core.blobs import DATABASE, store_for
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import ReportJob

FUNCS = "tests.reports.jobfuncs"


def test_a_finished_file_moves_into_the_database_store(app, db, login_as, teacher, program, other_teacher,
                                                      monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", DATABASE)
    job_id = jobs.enqueue(f"{FUNCS}:write_text", "成果报告 content", 1, 0.0, title="成果报告", owner=teacher,
                          program_id=program.id)
    db.session.commit()
    status = jobs.wait(job_id, timeout=60)
    assert status["state"] == "finished", status
    assert status["result_path"] == f"database:{job_id}.txt" and status["download_name"] == "resume_.txt"  # secure_filename, as before
    assert not (jobs.reports_dir(app) / job_id).exists()  # nothing left on the worker's disk
    assert store_for(jobs.RESULTS_NAMESPACE, DATABASE).keys() == [f"{job_id}.txt"]
    job = db.session.get(ReportJob, job_id)
    assert jobs.result_file(job) is None

    browser = login_as(teacher)
    assert browser.get(f"/reports/jobs/{job_id}").get_json()["download_url"] == f"/reports/jobs/{job_id}/download"
    download = browser.get(f"/reports/jobs/{job_id}/download")
    assert download.status_code == 200 and download.get_data().decode("utf-8") == "成果报告 content"
    assert download.content_length == len("成果报告 content".encode())
    assert "成果报告.txt" in unquote(download.headers["Content-Disposition"])
    assert login_as(other_teacher).get(f"/reports/jobs/{job_id}/download").status_code == 404

    store_for(jobs.RESULTS_NAMESPACE, DATABASE).delete(f"{job_id}.txt")
    db.session.commit()
    assert jobs.get_status(job_id)["result_path"] is None
    assert browser.get(f"/reports/jobs/{job_id}/download").status_code == 404
