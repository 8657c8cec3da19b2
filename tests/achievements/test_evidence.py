"""Evidence files: content-based type checks, size limits, storage, download access, clean-up."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import evidence, services
from eduinnov.achievements.models import EvidenceFile
from eduinnov.extensions import db
from tests.achievements.conftest import HTML
from tests.factories import make_docx, make_pdf, make_png, make_student, make_user


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / evidence.SUBDIR
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def _empty_upload_dir(app):
    for path in stored_files(app):
        path.unlink()
    yield
    for path in stored_files(app):
        path.unlink()


def upload(browser, achievement, content: bytes, name: str):
    url = f"/achievements/{achievement.id}"
    return browser.post(f"{url}/evidence", data={"file": (io.BytesIO(content), name)},
                        token_from=url, content_type="multipart/form-data")


# --- content checks (unit) ---

@pytest.mark.parametrize("content, name, mime", [
    (make_pdf(), "证书.pdf", "application/pdf"),
    (make_png(), "photo.PNG", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "scan.jpeg", "image/jpeg"),
    (b"GIF89a" + b"\x00" * 20, "a.gif", "image/gif"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "a.webp", "image/webp"),
    (make_docx(), "letter.docx", evidence.DOCX.mime_type),
])
def test_allowed_types_are_recognised_by_content(app, content, name, mime):
    with app.test_request_context():
        assert evidence.check_content(content, name).mime_type == mime


@pytest.mark.parametrize("content, name, words", [
    (HTML, "paper.pdf", "HTML"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "logo.png", "SVG"),
    (b"MZ\x90\x00" + b"\x00" * 60, "setup.pdf", "Windows program"),
    (b"#!/bin/sh\nrm -rf /\n", "run.pdf", "script"),
    (make_png(), "certificate.pdf", "does not match"),
    (make_pdf(), "noextension", "does not match"),
    (b"PK\x03\x04" + b"\x00" * 40, "broken.docx", "zip"),
    (b"plain text", "notes.pdf", "unrecognised"),
])
def test_refused_content_gets_a_clear_message(app, content, name, words):
    with app.test_request_context(), pytest.raises(evidence.EvidenceRejected, match=words):
        evidence.check_content(content, name)


def test_clean_name_keeps_chinese_and_drops_folders(app):
    assert evidence.clean_name("..\\..\\etc/获奖证书.pdf", "pdf") == "获奖证书.pdf"
    assert evidence.clean_name('a"b\r\n<c>.pdf', "pdf") == "abc.pdf"
    assert evidence.clean_name("", "png") == "evidence.png"


# --- through the pages ---

def test_pdf_and_png_are_accepted_and_stored_outside_static(app, login_as, teacher, achievement):
    b = login_as(teacher)
    pdf = make_pdf()
    response = upload(b, achievement, pdf, "获奖证书.pdf")
    assert response.status_code == 302
    assert upload(b, achievement, make_png(), "photo.png").status_code == 302
    files = db.session.query(EvidenceFile).order_by(EvidenceFile.id).all()
    assert [(f.original_name, f.mime_type) for f in files] == [("获奖证书.pdf", "application/pdf"),
                                                              ("photo.png", "image/png")]
    first = files[0]
    assert first.sha256 == hashlib.sha256(pdf).hexdigest() and first.size_bytes == len(pdf)
    assert first.uploaded_by_id == teacher.id
    assert first.stored_name != first.original_name and first.stored_name.endswith(".pdf")
    path = evidence.path_of(first.stored_name)
    assert path.read_bytes() == pdf
    static = Path(app.static_folder).resolve()
    assert static not in path.resolve().parents
    assert len(stored_files(app)) == 2


def test_html_renamed_pdf_is_rejected(app, login_as, teacher, achievement):
    response = upload(login_as(teacher), achievement, HTML, "paper.pdf")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "paper.pdf" in html and "HTML" in html
    assert db.session.query(EvidenceFile).count() == 0
    assert stored_files(app) == []


def test_oversize_file_is_rejected(app, login_as, teacher, achievement, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_FILE_BYTES", 1000)
    response = upload(login_as(teacher), achievement, make_pdf() + b"%" * 2000, "big.pdf")
    assert response.status_code == 200
    assert "larger than the limit" in response.get_data(as_text=True)
    assert db.session.query(EvidenceFile).count() == 0 and stored_files(app) == []


def test_request_larger_than_max_content_length_gets_413(app, login_as, teacher, achievement, monkeypatch):
    b = login_as(teacher)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    response = upload(b, achievement, make_pdf() + b"%" * 5000, "big.pdf")
    assert response.status_code == 413
    assert db.session.query(EvidenceFile).count() == 0 and stored_files(app) == []


def test_a_failed_request_removes_the_written_file(app, login_as, teacher, achievement, monkeypatch):
    b = login_as(teacher)

    def boom(*args, **kwargs):
        raise RuntimeError("failure after the file was written")

    monkeypatch.setattr("eduinnov.achievements.views.pages.flash", boom)
    with pytest.raises(RuntimeError):
        upload(b, achievement, make_pdf(), "a.pdf")
    assert stored_files(app) == []
    assert db.session.query(EvidenceFile).count() == 0


def _add(app, user, achievement, content=None, name="证书 2024.pdf") -> EvidenceFile:
    with app.test_request_context():
        row = services.add_evidence(user, achievement, FileStorage(io.BytesIO(content or make_pdf()), name))
        db.session.commit()
        return row


def test_download_by_a_named_student_and_not_by_others(app, login_as, teacher, achievement, student_user,
                                                      other_teacher, cohort):
    row = _add(app, teacher, achievement)
    url = f"/achievements/evidence/{row.id}"

    response = login_as(student_user).get(url)
    assert response.status_code == 200
    assert response.data == make_pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''%E8%AF%81%E4%B9%A6%202024.pdf" in disposition

    assert login_as(other_teacher).get(url).status_code == 404
    unnamed = make_user(student=make_student(cohort), role=student_user.role)
    assert login_as(unnamed).get(url).status_code == 404


def test_images_are_shown_inline(app, login_as, teacher, achievement):
    row = _add(app, teacher, achievement, make_png(), "photo.png")
    response = login_as(teacher).get(f"/achievements/evidence/{row.id}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline")


def test_removing_evidence_deletes_the_file_after_commit(app, login_as, teacher, achievement):
    row = _add(app, teacher, achievement)
    row_id, path = row.id, evidence.path_of(row.stored_name)
    assert path.exists()
    b = login_as(teacher)
    response = b.post(f"/achievements/evidence/{row_id}/delete", token_from=f"/achievements/{achievement.id}")
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(EvidenceFile, row_id) is None
    assert not path.exists()


def test_a_rolled_back_removal_keeps_the_file(app, teacher, achievement):
    row = _add(app, teacher, achievement)
    path = evidence.path_of(row.stored_name)
    with app.test_request_context():
        services.remove_evidence(teacher, db.session.get(EvidenceFile, row.id))
        db.session.rollback()
    db.session.commit()
    assert path.exists()


def test_deleting_the_achievement_removes_its_files(app, director, teacher, achievement):
    row = _add(app, teacher, achievement)
    path = evidence.path_of(row.stored_name)
    services.delete_achievement(director, achievement)
    db.session.commit()
    assert not path.exists()


def test_students_cannot_upload(app, login_as, student_user, achievement):
    response = upload(login_as(student_user), achievement, make_pdf(), "a.pdf")
    assert response.status_code == 403
    assert stored_files(app) == []
