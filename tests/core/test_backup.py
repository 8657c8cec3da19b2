"""`flask backup` / `flask restore` on the SQLite default: a consistent copy of the database and the uploaded
files, verified by SHA-256 on restore; tampered or corrupt archives are refused and change nothing;
PostgreSQL is refused with the pg_dump advice."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest
from flask_migrate import upgrade

from eduinnov.core.backup import BackupError, create_backup, restore_backup, verify_archive
from tests.factories import app_for


@pytest.fixture(scope="module")
def migrated_file(tmp_path_factory) -> Path:
    """A SQLite file upgraded to head with two programs (built once, copied by each test)."""
    path = tmp_path_factory.mktemp("backup") / "template.sqlite3"
    app = app_for(f"sqlite:///{path}")
    with app.app_context():
        from eduinnov.extensions import db
        from eduinnov.programs.models import Program

        upgrade()
        db.session.add_all([Program(code="SE", name_zh="软件工程", name_en="Software Engineering"),
                            Program(code="CS", name_zh="计算机科学", name_en="Computer Science")])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def site(migrated_file, tmp_path):
    """A database file, an uploads folder with two evidence files, and an app on them."""
    db_file = tmp_path / "instance" / "eduinnov.sqlite3"
    db_file.parent.mkdir()
    shutil.copy(migrated_file, db_file)
    uploads = tmp_path / "instance" / "uploads"
    (uploads / "evidence").mkdir(parents=True)
    (uploads / "evidence" / "a.pdf").write_bytes(b"%PDF-1.7 certificate")
    (uploads / "evidence" / "b.png").write_bytes(b"\x89PNG photo")
    url = f"sqlite:///{db_file}"
    app = app_for(url, UPLOAD_DIR=uploads)
    return app, url, db_file, uploads, tmp_path


def _invoke(app, *args: str, input: str | None = None):
    """Run a CLI command on ``app`` (its own app context: the test suite's app has one pushed already)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def _codes(db_file: Path) -> list[str]:
    conn = sqlite3.connect(db_file)
    try:
        return [r[0] for r in conn.execute("SELECT code FROM programs ORDER BY code")]
    finally:
        conn.close()


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _write(archive: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _snapshot(db_file: Path, uploads: Path) -> tuple[bytes, dict[str, bytes]]:
    return db_file.read_bytes(), {p.relative_to(uploads).as_posix(): p.read_bytes()
                                  for p in uploads.rglob("*") if p.is_file()}


def test_backup_is_a_consistent_snapshot_with_checksums(site):
    app, url, db_file, uploads, tmp = site
    # Another connection is in the middle of a write transaction: its row must not be in the copy.
    writer = sqlite3.connect(db_file)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE programs SET name_en = 'half-written' WHERE code = 'SE'")
    try:
        manifest = create_backup(url, uploads, tmp / "b.tar.gz")
    finally:
        writer.rollback()
        writer.close()
    members = _members(tmp / "b.tar.gz")
    assert set(members) == {"database.sqlite3", "uploads/evidence/a.pdf", "uploads/evidence/b.png", "manifest.json"}
    listed = json.loads(members["manifest.json"])
    assert listed["format"] == "eduinnov-backup/1" and listed["revision"] == manifest.revision is not None
    import hashlib

    for name, entry in listed["files"].items():
        assert entry == {"sha256": hashlib.sha256(members[name]).hexdigest(), "size": len(members[name])}
    copy = tmp / "copy.sqlite3"
    copy.write_bytes(members["database.sqlite3"])
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT name_en FROM programs WHERE code = 'SE'").fetchone() == ("Software Engineering",)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_restore_brings_back_the_database_and_the_files(site):
    app, url, db_file, uploads, tmp = site
    result = _invoke(app, "backup", "--out", str(tmp / "b.tar.gz"))
    assert result.exit_code == 0, result.output
    assert "2 uploaded file(s)" in result.output
    # Life goes on: a program is deleted, an evidence file changed, another one added.
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute("DELETE FROM programs WHERE code = 'CS'")
    conn.close()
    (uploads / "evidence" / "a.pdf").write_bytes(b"overwritten")
    (uploads / "evidence" / "new.pdf").write_bytes(b"after the backup")
    assert _codes(db_file) == ["SE"]

    refused = _invoke(app, "restore", str(tmp / "b.tar.gz"), input="n\n")
    assert refused.exit_code != 0 and _codes(db_file) == ["SE"]  # asked, and "no" changes nothing

    result = _invoke(app, "restore", str(tmp / "b.tar.gz"), "--yes")
    assert result.exit_code == 0, result.output
    assert "every checksum matched" in result.output
    assert _codes(db_file) == ["CS", "SE"]
    assert (uploads / "evidence" / "a.pdf").read_bytes() == b"%PDF-1.7 certificate"
    assert not (uploads / "evidence" / "new.pdf").exists()
    kept = [p for p in uploads.parent.iterdir() if p.name.startswith("uploads.before-restore-")]
    assert len(kept) == 1 and (kept[0] / "evidence" / "new.pdf").read_bytes() == b"after the backup"


def _tampered(members: dict[str, bytes], case: str) -> dict[str, bytes]:
    members = dict(members)
    if case == "changed file":
        members["uploads/evidence/a.pdf"] = b"%PDF-1.7 forged certificate"
    elif case == "changed database":
        data = bytearray(members["database.sqlite3"])
        data[-100] ^= 0xFF
        members["database.sqlite3"] = bytes(data)
    elif case == "missing file":
        del members["uploads/evidence/b.png"]
    elif case == "extra file":
        members["uploads/evidence/planted.pdf"] = b"planted"
    elif case == "path traversal":
        members["../../etc/cron.d/evil"] = b"* * * * * root sh"
    elif case == "no manifest":
        del members["manifest.json"]
    elif case == "bad manifest":
        members["manifest.json"] = b"{not json"
    return members


@pytest.mark.parametrize("case, message", [
    ("changed file", "Checksum mismatch for uploads/evidence/a.pdf"),
    ("changed database", "Checksum mismatch for database.sqlite3"),
    ("missing file", "does not match its manifest"),
    ("extra file", "does not match its manifest"),
    ("path traversal", "unexpected member"),
    ("no manifest", "no manifest.json"),
    ("bad manifest", "manifest.json cannot be read"),
    ("truncated", "damaged"),
    ("not an archive", "not a readable backup archive"),
])
def test_a_tampered_or_corrupt_archive_is_refused_and_nothing_changes(site, case, message):
    app, url, db_file, uploads, tmp = site
    good = tmp / "b.tar.gz"
    create_backup(url, uploads, good)
    conn = sqlite3.connect(db_file)
    with conn:
        conn.execute("DELETE FROM programs WHERE code = 'CS'")
    conn.close()
    bad = tmp / "bad.tar.gz"
    if case == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif case == "not an archive":
        bad.write_bytes(b"PK\x03\x04 a zip, not a backup")
    else:
        _write(bad, _tampered(_members(good), case))
    before = _snapshot(db_file, uploads)
    result = _invoke(app, "restore", str(bad), "--yes")
    assert result.exit_code == 1
    assert message in result.output and "were not changed" in result.output
    assert _snapshot(db_file, uploads) == before
    assert not [p for p in uploads.parent.iterdir() if p.name != "uploads" and p.suffix != ".sqlite3"]


def test_a_database_that_fails_the_integrity_check_is_refused(site):
    app, url, db_file, uploads, tmp = site
    good = tmp / "b.tar.gz"
    create_backup(url, uploads, good)
    members = _members(good)
    data = bytearray(members["database.sqlite3"])
    data[100:4096] = b"\x00" * (4096 - 100)  # wreck the schema page, keep the header
    members["database.sqlite3"] = bytes(data)
    manifest = json.loads(members["manifest.json"])
    import hashlib

    manifest["files"]["database.sqlite3"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    members["manifest.json"] = json.dumps(manifest).encode()  # a consistent manifest: only SQLite can tell
    bad = tmp / "bad.tar.gz"
    _write(bad, members)
    with pytest.raises(BackupError, match="integrity|not a SQLite database|malformed"):
        verify_archive(bad, tmp / "unpack")
    before = _snapshot(db_file, uploads)
    with pytest.raises(BackupError):
        restore_backup(bad, url, uploads)
    assert _snapshot(db_file, uploads) == before


@pytest.mark.parametrize("command", [["backup"], ["restore", "ARCHIVE", "--yes"]])
def test_postgresql_is_refused_with_the_pg_dump_advice(tmp_path, command):
    archive = tmp_path / "b.tar.gz"
    archive.write_bytes(b"x")
    app = app_for("postgresql+psycopg://nobody@127.0.0.1:9/none", UPLOAD_DIR=tmp_path / "uploads")
    args = [str(archive) if a == "ARCHIVE" else a for a in command]
    result = _invoke(app, *args)
    assert result.exit_code == 1
    assert "pg_dump" in result.output and "pg_restore" in result.output


def test_backup_refuses_to_overwrite_an_archive(site):
    app, url, db_file, uploads, tmp = site
    (tmp / "b.tar.gz").write_bytes(b"keep me")
    result = _invoke(app, "backup", "--out", str(tmp / "b.tar.gz"))
    assert result.exit_code == 1 and "exists already" in result.output
    assert (tmp / "b.tar.gz").read_bytes() == b"keep me"
