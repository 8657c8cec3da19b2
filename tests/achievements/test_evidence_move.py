"""`flask evidence migrate --to database|local`: every file moved, checked by SHA-256, all or nothing."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import evidence, services
from eduinnov.achievements.models import EvidenceFile
from eduinnov.core.blobs import DATABASE, LOCAL, store_for
from eduinnov.extensions import db
from tests.achievements.conftest import make_pdf, make_png


@pytest.fixture(autouse=True)
def _clean_local_folder(app):
    folder = Path(app.config["UPLOAD_DIR"]) / evidence.SUBDIR
    for path in (folder.iterdir() if folder.exists() else ()):
        path.unlink()
    yield
    for path in (folder.iterdir() if folder.exists() else ()):
        path.unlink()


def _files(app, teacher, achievement, monkeypatch, kind: str) -> dict[str, bytes]:
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", kind)
    contents = [make_pdf("one"), make_png(), make_pdf("three" * 500)]
    out = {}
    with app.test_request_context():
        for i, content in enumerate(contents):
            name = f"f{i}.png" if content.startswith(b"\x89PNG") else f"f{i}.pdf"
            row = services.add_evidence(teacher, achievement, FileStorage(io.BytesIO(content), name),
                                        allow_duplicate=True)
            out[row.stored_name] = content
        db.session.commit()
    return out


def _contents(kind: str) -> dict[str, bytes]:
    store = store_for(evidence.SUBDIR, kind)
    return {key: b"".join(store.iter_chunks(key)) for key in store.keys()}


def migrate(app, target: str):
    return app.test_cli_runner().invoke(args=["evidence", "migrate", "--to", target])


def test_move_to_the_database_and_back(app, teacher, achievement, monkeypatch, login_as):
    files = _files(app, teacher, achievement, monkeypatch, LOCAL)
    result = migrate(app, DATABASE)
    assert result.exit_code == 0, result.output
    assert "3 evidence files copied into the database store" in result.output
    assert "EDUINNOV_EVIDENCE_STORE=database" in result.output
    assert _contents(DATABASE) == files and _contents(LOCAL) == {}

    monkeypatch.setitem(app.config, "EVIDENCE_STORE", DATABASE)  # the servers now read from the database
    row = db.session.scalars(db.select(EvidenceFile).order_by(EvidenceFile.id)).first()
    response = login_as(teacher).get(f"/achievements/evidence/{row.id}")
    assert response.status_code == 200 and response.data == files[row.stored_name]

    again = migrate(app, LOCAL)
    assert again.exit_code == 0, again.output
    assert _contents(LOCAL) == files and _contents(DATABASE) == {}
    for name, content in files.items():
        assert hashlib.sha256(evidence.path_of(name).read_bytes()).hexdigest() == hashlib.sha256(content).hexdigest()


def test_a_damaged_file_stops_the_whole_move(app, teacher, achievement, monkeypatch):
    files = _files(app, teacher, achievement, monkeypatch, LOCAL)
    damaged = sorted(files)[1]
    evidence.path_of(damaged).write_bytes(files[damaged][:-1] + b"!")
    result = migrate(app, DATABASE)
    assert result.exit_code == 1
    assert "Nothing was moved" in result.output and f"{damaged}: the local copy does not match" in result.output
    assert _contents(DATABASE) == {}  # not even the good files
    assert set(_contents(LOCAL)) == set(files)


def test_a_missing_file_stops_the_whole_move_back(app, teacher, achievement, monkeypatch):
    files = _files(app, teacher, achievement, monkeypatch, DATABASE)
    lost = sorted(files)[0]
    store_for(evidence.SUBDIR, DATABASE).delete(lost)
    db.session.commit()
    result = migrate(app, LOCAL)
    assert result.exit_code == 1 and f"{lost}: in neither store" in result.output
    assert _contents(LOCAL) == {}  # the copies written before the problem was found are gone again
    assert set(_contents(DATABASE)) == set(files) - {lost}


def test_an_interrupted_move_can_be_run_again(app, teacher, achievement, monkeypatch):
    files = _files(app, teacher, achievement, monkeypatch, LOCAL)
    first = sorted(files)[0]
    store_for(evidence.SUBDIR, DATABASE).put(io.BytesIO(files[first]), key=first)  # copied, source kept
    db.session.commit()
    result = migrate(app, DATABASE)
    assert result.exit_code == 0, result.output
    assert "2 evidence files copied" in result.output and "1 were there already" in result.output
    assert _contents(DATABASE) == files and _contents(LOCAL) == {}
