"""Evidence files: content-based type checks, size limits, storage, download access, clean-up."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import evidence, services
from eduinnov.achievements.models import EvidenceFile
from eduinnov.core.blobs import DATABASE, LOCAL, BlobChunk
from eduinnov.extensions import db
from tests.achievements.conftest import HTML
from tests.factories import make_docx, make_pdf, make_png, make_student, make_user


def local_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / evidence.SUBDIR
    return sorted(folder.iterdir()) if folder.exists() else []


def stored_files(app) -> list[str]:
    """The names in the configured evidence store (a folder, or database chunks)."""
    return evidence.evidence_store().keys()


@pytest.fixture(autouse=True, params=[LOCAL, DATABASE])
def store_kind(request, app, monkeypatch):
    """Every test of this module runs once with the local folder and once with the database store."""
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", request.param)
    for path in local_files(app):
        path.unlink()
    yield request.param
    for path in local_files(app):
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

def test_pdf_and_png_are_accepted_and_stored_outside_static(app, login_as, teacher, achievement, store_kind):
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
    with evidence.open_evidence(first.stored_name) as fh:
        assert fh.read() == pdf
    assert evidence.evidence_size(first.stored_name) == len(pdf)
    assert sorted(stored_files(app)) == sorted(f.stored_name for f in files)
    if store_kind == LOCAL:
        path = evidence.path_of(first.stored_name)
        assert path.read_bytes() == pdf
        assert Path(app.static_folder).resolve() not in path.resolve().parents
    else:  # nothing on this machine's disk: every app server reads it from the database
        assert local_files(app) == []


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

    assert response.content_length == len(make_pdf())
    assert response.headers["ETag"] == f'"{row.sha256}"'

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
    row_id, name = row.id, row.stored_name
    assert evidence.evidence_exists(name)
    b = login_as(teacher)
    response = b.post(f"/achievements/evidence/{row_id}/delete", token_from=f"/achievements/{achievement.id}")
    assert response.status_code == 302
    db.session.expunge_all()
    assert db.session.get(EvidenceFile, row_id) is None
    assert not evidence.evidence_exists(name) and stored_files(app) == []


def test_a_rolled_back_removal_keeps_the_file(app, teacher, achievement):
    row = _add(app, teacher, achievement)
    name = row.stored_name
    with app.test_request_context():
        services.remove_evidence(teacher, db.session.get(EvidenceFile, row.id))
        db.session.flush()
        db.session.rollback()
    db.session.commit()
    assert evidence.evidence_exists(name)
    with evidence.open_evidence(name) as fh:
        assert fh.read() == make_pdf()


def test_deleting_the_achievement_removes_its_files(app, director, teacher, achievement):
    row = _add(app, teacher, achievement)
    name = row.stored_name
    assert services.delete_achievement(director, achievement) == [name]
    db.session.commit()
    assert not evidence.evidence_exists(name) and stored_files(app) == []


def test_students_cannot_upload(app, login_as, student_user, achievement):
    response = upload(login_as(student_user), achievement, make_pdf(), "a.pdf")
    assert response.status_code == 403
    assert stored_files(app) == []


def test_download_answers_ranges_and_revalidation_from_the_stream(app, login_as, teacher, achievement):
    content = make_pdf("x" * 3000)
    row = _add(app, teacher, achievement, content)
    b, url = login_as(teacher), f"/achievements/evidence/{row.id}"
    part = b.client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(content)}"
    tail = b.client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == content[-50:]
    assert b.client.get(url, headers={"If-None-Match": f'"{row.sha256}"'}).status_code == 304
    assert b.client.get(url, headers={"Range": f"bytes={len(content) + 10}-"}).status_code == 416


def test_a_file_missing_from_the_store_is_a_404(app, login_as, teacher, achievement):
    row = _add(app, teacher, achievement)
    evidence.evidence_store().delete(row.stored_name)
    db.session.commit()
    assert login_as(teacher).get(f"/achievements/evidence/{row.id}").status_code == 404


def test_a_file_larger_than_a_chunk_round_trips(app, teacher, achievement, monkeypatch, store_kind):
    """Over several database chunks (made small here), read back byte for byte, also after seeking."""
    monkeypatch.setattr("eduinnov.core.blobs.CHUNK_BYTES", 1000)
    content = make_pdf("".join(chr(65 + i % 26) for i in range(5500)))
    row = _add(app, teacher, achievement, content)
    assert row.sha256 == hashlib.sha256(content).hexdigest() and row.size_bytes == len(content)
    if store_kind == DATABASE:
        chunks = db.session.scalars(select(BlobChunk.seq).where(BlobChunk.key == row.stored_name)
                                    .order_by(BlobChunk.seq)).all()
        assert chunks == list(range(-(-len(content) // 1000)))
    with evidence.open_evidence(row.stored_name) as fh:
        assert fh.read(10) == content[:10]
        fh.seek(2995)
        assert fh.read(10) == content[2995:3005]
        fh.seek(0)
        assert fh.read() == content


def _big_zip(*entries: str) -> bytes:
    """A zip over 64 KiB (random, stored uncompressed) whose directory lists ``entries``."""
    import os
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("media/image1.bin", os.urandom(200_000))
        for entry in entries:
            archive.writestr(entry, "<x/>")
    return buf.getvalue()


class _Unseekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def seek(self, *args):
        raise OSError("not seekable")


@pytest.mark.parametrize("seekable", [True, False])
def test_a_large_word_document_is_judged_by_its_zip_directory(app, teacher, achievement, seekable):
    docx = _big_zip("word/document.xml")
    assert len(docx) > 200_000
    stream = io.BytesIO(docx) if seekable else _Unseekable(docx)
    with app.test_request_context():
        row = services.add_evidence(teacher, achievement, FileStorage(stream, "report.docx"))
        db.session.commit()
        assert row.mime_type == evidence.DOCX.mime_type and row.size_bytes == len(docx)
        assert row.sha256 == hashlib.sha256(docx).hexdigest()
        with evidence.open_evidence(row.stored_name) as fh:
            assert fh.read() == docx


@pytest.mark.parametrize("entries, words", [((), "zip archive"), (("word/document.xml", "word/vbaProject.bin"), "zip")])
def test_a_large_zip_that_is_no_plain_office_document_is_refused(app, teacher, achievement, entries, words):
    with app.test_request_context(), pytest.raises(services.FieldError, match=words):
        services.add_evidence(teacher, achievement, FileStorage(io.BytesIO(_big_zip(*entries)), "x.docx"))
    db.session.rollback()
    assert stored_files(app) == []


def test_an_oversize_stream_of_unknown_size_leaves_nothing_stored(app, teacher, achievement, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_FILE_BYTES", 100_000)
    big = make_pdf() + b"%" * 300_000  # found too large only after several chunks were stored
    monkeypatch.setattr("eduinnov.core.blobs.CHUNK_BYTES", 50_000)
    with app.test_request_context(), pytest.raises(services.FieldError, match="larger than the limit"):
        services.add_evidence(teacher, achievement, FileStorage(_Unseekable(big), "big.pdf"))
    db.session.commit()  # even if the transaction commits, no partial file is left
    assert stored_files(app) == [] and db.session.query(EvidenceFile).count() == 0
