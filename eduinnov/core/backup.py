"""Backup and restore of the embedded SQLite database and the uploaded files (``flask backup`` / ``restore``).

A backup is one ``.tar.gz`` holding

* ``database.sqlite3`` — a consistent copy made with SQLite's online backup API (``sqlite3.Connection.backup``),
  which copies the database page by page under SQLite's own locking, so a copy taken while the app runs is
  a snapshot of one committed state (a plain file copy of a live database can catch a half-written page
  or miss the write-ahead log);
* ``uploads/…`` — every file under ``UPLOAD_DIR`` (the evidence files of the local store), taken after the
  database, so every file the copied database names is there (files of later uploads may be too; they are
  harmless). With ``EDUINNOV_EVIDENCE_STORE=database`` the evidence files are rows of ``blob_chunks`` and
  come with the database copy itself;
* ``manifest.json`` — the format, when, the Alembic revision of the copy, and the SHA-256 and size of
  every other member.

``restore`` verifies the whole archive before it changes anything: only regular files with safe names,
exactly the members the manifest lists, each with its checksum and size, and a database that passes
``PRAGMA integrity_check``. A tampered, truncated or corrupt archive is refused with the reason and
nothing is touched. It then writes the copy into the live database with the backup API (so open
connections see either the old or the new database) and swaps the uploads folder, keeping the previous
one beside it as ``<UPLOAD_DIR>.before-restore-<time>``.

PostgreSQL has its own tools, ``pg_dump`` and ``pg_restore`` (see the README); both commands refuse to
run on it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from sqlalchemy.engine import make_url

FORMAT = "eduinnov-backup/1"
DATABASE_MEMBER = "database.sqlite3"
MANIFEST_MEMBER = "manifest.json"
UPLOADS_PREFIX = "uploads/"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why (nothing was changed)."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: member name → (sha256, size), and the database's Alembic revision."""

    created_at: str
    revision: str | None
    files: dict[str, tuple[str, int]]

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "created_at": self.created_at, "revision": self.revision,
                           "files": {name: {"sha256": digest, "size": size}
                                     for name, (digest, size) in sorted(self.files.items())}},
                          indent=2, ensure_ascii=False).encode("utf-8")


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite URL; :class:`BackupError` for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            f"The database is {url.get_backend_name()}, not SQLite: back it up with pg_dump and restore it with "
            "pg_restore (see the README, 'Backups'). Copy UPLOAD_DIR with the dump.")
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _revision(db_file: Path) -> str | None:
    conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def _upload_files(upload_dir: Path) -> Iterator[tuple[str, Path]]:
    if not upload_dir.is_dir():
        return
    for path in sorted(upload_dir.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield UPLOADS_PREFIX + path.relative_to(upload_dir).as_posix(), path


def create_backup(database_url: str, upload_dir: Path, out: Path) -> Manifest:
    """Write a backup archive of the SQLite database at ``database_url`` and ``upload_dir`` to ``out``."""
    db_file = sqlite_path(database_url)
    if not db_file.is_file():
        raise BackupError(f"There is no database file at {db_file}.")
    if out.exists():
        raise BackupError(f"{out} exists already; choose another name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as tmp:
        copy = Path(tmp) / DATABASE_MEMBER
        source = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one consistent snapshot, whatever other connections are doing
        finally:
            target.close()
            source.close()
        files = {DATABASE_MEMBER: _sha256_file(copy)}
        uploads = list(_upload_files(upload_dir))
        partial = out.with_name(out.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                archive.add(copy, arcname=DATABASE_MEMBER)
                for name, path in uploads:
                    # Hash what goes into the archive, not the path twice (a file may change meanwhile).
                    data = path.read_bytes()
                    files[name] = (hashlib.sha256(data).hexdigest(), len(data))
                    info = tarfile.TarInfo(name)
                    info.size, info.mtime, info.mode = len(data), int(path.stat().st_mtime), 0o600
                    archive.addfile(info, io.BytesIO(data))
                manifest = Manifest(datetime.now(UTC).isoformat(timespec="seconds"), _revision(copy), files)
                body = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST_MEMBER)
                info.size, info.mode = len(body), 0o600
                archive.addfile(info, io.BytesIO(body))
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (not path.is_absolute() and ".." not in path.parts and name == path.as_posix()
            and (name in (DATABASE_MEMBER, MANIFEST_MEMBER) or name.startswith(UPLOADS_PREFIX)))


def verify_archive(archive_path: Path, into: Path) -> Manifest:
    """Check a backup against its manifest and unpack it into the empty folder ``into``.

    Raises
    ------
    BackupError
        Unreadable archive, unsafe or unexpected member, missing member, checksum or size mismatch,
        a database that fails ``PRAGMA integrity_check``. ``into`` may then hold partial files; the
        live database and uploads are untouched.
    """
    try:
        archive = tarfile.open(archive_path, "r:gz")
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{archive_path} is not a readable backup archive ({exc}).") from None
    found: dict[str, tuple[str, int]] = {}
    manifest_data: bytes | None = None
    try:
        with archive:
            for member in archive:
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(f"The archive holds an unexpected member {member.name!r}: refused.")
                if member.name in found or (member.name == MANIFEST_MEMBER and manifest_data is not None):
                    raise BackupError(f"The archive holds {member.name!r} twice: refused.")
                stream = archive.extractfile(member)
                if member.name == MANIFEST_MEMBER:
                    manifest_data = stream.read(1024 * 1024 * 16)
                    continue
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with target.open("wb") as f:
                    while chunk := stream.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        f.write(chunk)
                found[member.name] = (digest.hexdigest(), size)
    except (OSError, tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"The archive is damaged ({type(exc).__name__}: {exc}): refused.") from None
    if manifest_data is None:
        raise BackupError("The archive has no manifest.json: it is not an eduinnov backup.")
    try:
        raw = json.loads(manifest_data)
        if raw.get("format") != FORMAT:
            raise BackupError(f"The archive's format is {raw.get('format')!r}, not {FORMAT!r}.")
        listed = {name: (entry["sha256"], int(entry["size"])) for name, entry in raw["files"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError("The archive's manifest.json cannot be read: refused.") from None
    if DATABASE_MEMBER not in listed:
        raise BackupError("The archive's manifest lists no database.")
    missing, extra = sorted(set(listed) - set(found)), sorted(set(found) - set(listed))
    if missing or extra:
        raise BackupError(f"The archive does not match its manifest (missing {missing[:5]}, not listed "
                          f"{extra[:5]}): refused.")
    bad = [name for name in listed if listed[name] != found[name]]
    if bad:
        raise BackupError(f"Checksum mismatch for {', '.join(bad[:5])}: the archive was changed or damaged. "
                          "Nothing was restored.")
    db_copy = into / DATABASE_MEMBER
    try:
        conn = sqlite3.connect(f"file:{db_copy}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The archive's database is not a SQLite database ({exc}).") from None
    if check != "ok":
        raise BackupError(f"The archive's database fails SQLite's integrity check ({check}).")
    return Manifest(str(raw.get("created_at")), raw.get("revision"), listed)


def restore_backup(archive_path: Path, database_url: str, upload_dir: Path) -> Manifest:
    """Replace the SQLite database and ``upload_dir`` with a verified backup; return its manifest.

    Everything is verified first (:func:`verify_archive`); on any error nothing is changed.
    """
    db_file = sqlite_path(database_url)
    upload_dir = upload_dir.resolve()
    upload_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=upload_dir.parent, prefix=".restore-") as tmp:
        staged = Path(tmp)
        manifest = verify_archive(archive_path, staged)
        new_uploads = staged / "uploads"
        new_uploads.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        previous = upload_dir.with_name(f"{upload_dir.name}.before-restore-{stamp}")
        had_uploads = upload_dir.exists()
        if had_uploads:
            upload_dir.rename(previous)
        try:
            new_uploads.rename(upload_dir)
            db_file.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(f"file:{staged / DATABASE_MEMBER}?mode=ro", uri=True)
            target = sqlite3.connect(db_file, timeout=30)
            try:
                source.backup(target)  # writes the whole copy into the live file under SQLite's locks
            finally:
                target.close()
                source.close()
        except BaseException:
            if upload_dir.exists():
                shutil.rmtree(upload_dir)
            if had_uploads:
                previous.rename(upload_dir)
            raise
    if had_uploads and not any(previous.iterdir()):
        previous.rmdir()
    return manifest
