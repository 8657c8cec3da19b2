"""Evidence-pack pages: access, validation, the embedded job with download, verification page, CLI."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document as WordDocument

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import ReportJob
from eduinnov.reports import services
from eduinnov.reports.models import ReportSnapshot
from tests.factories import make_student, make_user
from tests.reports.conftest import pdf_pages_text
from tests.reports.packdata import make_pack_data


@pytest.fixture
def d(program, other_program):
    return make_pack_data(program, other_program, with_run=True, with_scores=True)


def test_pack_page_offers_the_users_cohorts_and_runs(d, login_as):
    b = login_as(d.teacher)
    html = b.get(f"/reports/pack?cohort={d.cohort.id}").get_data(as_text=True)
    assert "Certification evidence pack" in html
    assert f'value="{d.run.id}" selected' in html or f'<option selected value="{d.run.id}"' in html
    assert "NUR" not in html  # no cohort of another program to choose
    assert 'src="/static/js/reports.js"' in html
    assert b.get(f"/reports/pack?program={d.program.id}").status_code == 200


@pytest.mark.parametrize("url", ["/reports/pack?cohort={other}", "/reports/pack?program={other_program}",
                                 "/reports/pack?cohort=999999", "/reports/pack?cohort=abc"])
def test_pack_page_of_another_program_is_not_found(d, login_as, url):
    b = login_as(d.teacher)
    assert b.get(url.format(other=d.other_cohort.id, other_program=d.other_program.id)).status_code == 404


def test_students_cannot_open_the_pack_page(d, login_as):
    user = make_user(Role.STUDENT, student=d.students[0])
    b = login_as(user)
    assert b.get(f"/reports/pack?cohort={d.cohort.id}").status_code == 403
    assert b.post("/reports/pack", {"cohort": d.cohort.id, "run": 0, "lang": "zh"},
                  token_from="/reports/verify").status_code == 403


def test_start_refuses_foreign_cohorts_foreign_runs_and_bad_input(d, login_as, program):
    b = login_as(d.director)
    page = f"/reports/pack?cohort={d.cohort.id}"
    # a cohort of another program, by id: 404 and nothing queued
    assert b.post("/reports/pack", {"cohort": d.other_cohort.id, "run": 0, "lang": "zh"},
                  token_from=page).status_code == 404
    # a run of another cohort: the run field says why
    from tests.factories import make_cohort

    later = make_cohort(program, 2023)
    r = b.post("/reports/pack", {"cohort": later.id, "run": d.run.id, "lang": "zh"}, token_from=page)
    assert r.status_code == 400
    assert "Not a valid choice" in r.get_data(as_text=True) or "does not belong" in r.get_data(as_text=True)
    # an unknown language
    r = b.post("/reports/pack", {"cohort": d.cohort.id, "run": d.run.id, "lang": "fr"}, token_from=page)
    assert r.status_code == 400
    # without a CSRF token
    r = b.client.post("/reports/pack", data={"cohort": d.cohort.id, "run": 0, "lang": "zh"})
    assert r.status_code == 400
    assert db.session.scalar(db.select(db.func.count(ReportJob.id))) == 0
    assert db.session.scalar(db.select(db.func.count(ReportSnapshot.id))) == 0


def test_pack_job_runs_embedded_and_only_the_requester_downloads(d, login_as, tmp_path):
    b = login_as(d.director)
    page = f"/reports/pack?cohort={d.cohort.id}"
    r = b.post("/reports/pack", {"cohort": d.cohort.id, "run": d.run.id, "lang": "zh"}, token_from=page)
    assert r.status_code == 302
    job_id = re.search(r"/reports/pack/([0-9a-f]{32})$", r.headers["Location"]).group(1)
    job_page = b.get(f"/reports/pack/{job_id}").get_data(as_text=True)
    assert f'data-status-url="/reports/jobs/{job_id}"' in job_page
    status = jobs.wait(job_id, timeout=240)
    assert status["state"] == "finished", status
    data = b.get(f"/reports/jobs/{job_id}").get_json()
    assert data["download_url"] == f"/reports/jobs/{job_id}/download"
    download = b.get(data["download_url"])
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    text = "".join(pdf_pages_text(download.data, tmp_path)).replace(" ", "")
    snapshot = db.session.scalar(db.select(ReportSnapshot))
    assert snapshot is not None and snapshot.created_by_id == d.director.id
    assert snapshot.fingerprint in text.replace("\n", "")
    assert "基于知识图谱的课程推荐系统" in text
    # the same pack as a Word file, from the same snapshot: same fingerprint
    assert f"/reports/pack/{job_id}/docx" in b.get(f"/reports/pack/{job_id}").get_data(as_text=True)
    word = b.get(f"/reports/pack/{job_id}/docx")
    assert word.status_code == 200 and word.data.startswith(b"PK")
    assert word.headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    doc = WordDocument(io.BytesIO(word.data))
    assert snapshot.fingerprint in "\n".join(p.text for p in doc.paragraphs)
    assert "1 学生" in [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    # the recent packs list links it
    assert f"/reports/jobs/{job_id}/download" in b.get(page).get_data(as_text=True)
    # a teacher of another program (and a colleague who did not ask for it) get 404
    outsider = login_as(make_user(Role.TEACHER, [d.other_program]))
    assert outsider.get(data["download_url"]).status_code == 404
    assert outsider.get(f"/reports/pack/{job_id}").status_code == 404
    assert outsider.get(f"/reports/pack/{job_id}/docx").status_code == 404
    assert login_as(d.teacher).get(data["download_url"]).status_code == 404
    assert login_as(d.teacher).get(f"/reports/pack/{job_id}/docx").status_code == 404


def test_verify_page_shows_the_snapshot_to_members_only(d, login_as, program):
    prepared = services.prepare_evidence_pack(program, d.cohort, d.run, lang="en", user=d.director)
    db.session.commit()
    fp = prepared.snapshot.fingerprint
    html = login_as(d.teacher).get(f"/reports/verify?fingerprint={fp.upper()}")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "Snapshot found" in text and "were not changed" in text
    assert "Software Engineering" in text and "周主任" in text and f"#{d.run.id}" in text
    assert "GR3" in text
    for user in (make_user(Role.TEACHER, [d.other_program]), make_user(Role.STUDENT, student=make_student(d.cohort))):
        r = login_as(user).get(f"/reports/verify?fingerprint={fp}")
        assert r.status_code == 404
        assert "No snapshot with this fingerprint" in r.get_data(as_text=True)
        assert "Software Engineering" not in r.get_data(as_text=True)
    bad = login_as(d.teacher).get("/reports/verify?fingerprint=xyz")
    assert bad.status_code == 400 and "64 hexadecimal characters" in bad.get_data(as_text=True)
    assert login_as(d.teacher).get("/reports/verify").status_code == 200
    # a snapshot whose stored data were edited no longer matches its fingerprint
    snapshot = db.session.get(ReportSnapshot, prepared.snapshot.id)
    snapshot.payload = {**snapshot.payload, "lang": "zh"}
    db.session.commit()
    assert "no longer hash" in login_as(d.teacher).get(f"/reports/verify?fingerprint={fp}").get_data(as_text=True)


def test_cli_writes_the_pack(d, runner, tmp_path, program):
    out = tmp_path / "out" / "pack.pdf"
    result = runner.invoke(args=["report", "pdf", "--program", "SE", "--cohort", str(d.cohort.id), "--lang", "en",
                                 "--run", "0", "--out", str(out), "--processes", "1"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    snapshot = db.session.scalar(db.select(ReportSnapshot))
    assert snapshot.fingerprint in result.output and snapshot.payload["evaluation"] is None
    assert snapshot.fingerprint in "".join(pdf_pages_text(out, tmp_path)).replace(" ", "").replace("\n", "")
    # the cohort may be given by its entry year; unknown programs and cohorts are clear errors
    by_year = runner.invoke(args=["report", "pdf", "--program", "SE", "--cohort", "2022", "--run", "0",
                                  "--out", str(tmp_path / "b.pdf"), "--processes", "1"])
    assert by_year.exit_code == 0, by_year.output
    assert "no program" in runner.invoke(args=["report", "pdf", "--program", "XX", "--cohort", "1",
                                               "--out", str(tmp_path / "c.pdf")]).output
    assert "no cohort" in runner.invoke(args=["report", "pdf", "--program", "SE", "--cohort", str(d.other_cohort.id),
                                              "--out", str(tmp_path / "c.pdf")]).output
    # the Word file of the same stored snapshot carries the PDF's fingerprint
    word = tmp_path / "pack.docx"
    result = runner.invoke(args=["report", "docx", "--program", "SE", "--cohort", str(d.cohort.id),
                                 "--snapshot", snapshot.fingerprint, "--out", str(word)])
    assert result.exit_code == 0, result.output
    doc = WordDocument(str(word))
    assert doc.core_properties.comments == snapshot.fingerprint
    assert snapshot.fingerprint in "\n".join(p.text for p in doc.paragraphs)
    assert "Program overview" in [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert "no pack snapshot" in runner.invoke(args=["report", "docx", "--program", "SE", "--cohort", "2022",
                                                     "--snapshot", "0" * 64, "--out", str(word)]).output
    # without --snapshot: a new snapshot, its fingerprint printed
    fresh = runner.invoke(args=["report", "docx", "--program", "SE", "--cohort", "2022", "--run", "0", "--lang", "en",
                                "--out", str(tmp_path / "fresh.docx")])
    assert fresh.exit_code == 0, fresh.output
    printed = re.search(r"snapshot fingerprint ([0-9a-f]{64})", fresh.output).group(1)
    assert WordDocument(str(tmp_path / "fresh.docx")).core_properties.comments == printed


def test_named_ranking_needs_a_director_and_a_reason(d, login_as):
    page = f"/reports/pack?cohort={d.cohort.id}"
    html = login_as(d.director).get(page).get_data(as_text=True)
    assert 'name="named_ranking"' in html and "Include a named ranking of students" in html
    form = {"cohort": d.cohort.id, "run": d.run.id, "lang": "zh", "named_ranking": "y"}
    teacher = login_as(d.teacher).post("/reports/pack", {**form, "named_ranking_reason": "panel asked"},
                                       token_from=page)
    assert teacher.status_code == 403 and "Only a director" in teacher.get_data(as_text=True)
    b = login_as(d.director)
    empty = b.post("/reports/pack", {**form, "named_ranking_reason": "  "}, token_from=page)
    assert empty.status_code == 400 and "Give the reason" in empty.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ReportJob.id))) == 0
    ok = b.post("/reports/pack", {**form, "named_ranking_reason": "panel asked"}, token_from=page)
    assert ok.status_code == 302
    job = db.session.scalar(db.select(ReportJob))
    assert job.args[-1] == "panel asked"
    assert jobs.wait(job.id, timeout=240)["state"] == "finished"
    snapshot = db.session.scalar(db.select(ReportSnapshot))
    assert snapshot.payload["named_ranking"] == {"reason": "panel asked", "by": d.director.name}
