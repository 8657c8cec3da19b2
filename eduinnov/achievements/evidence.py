"""Evidence files: checked by their content (never their name), stored under random names outside static.

Allowed: PDF, PNG, JPEG, GIF, WebP, and Office Word / Excel documents (docx / xlsx: a zip archive
holding ``[Content_Types].xml``). HTML, SVG, scripts, executables and anything else are refused, as is
a file whose name promises another type than its content (``report.pdf`` that is really HTML).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from eduinnov.core.web import track_new_file

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
SUBDIR = "evidence"
_STORED_NAME_RE = re.compile(r"[0-9a-f]{32}\.[a-z]{3,4}")


@dataclass(frozen=True)
class FileType:
    mime_type: str
    extension: str              # the extension given to the stored file
    accepted_names: tuple[str, ...]  # extensions a user's file name may carry for this content
    description: str


PDF = FileType("application/pdf", "pdf", ("pdf",), "PDF")
PNG = FileType("image/png", "png", ("png",), "PNG")
JPEG = FileType("image/jpeg", "jpg", ("jpg", "jpeg", "jpe", "jfif"), "JPEG")
GIF = FileType("image/gif", "gif", ("gif",), "GIF")
WEBP = FileType("image/webp", "webp", ("webp",), "WebP")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", ("docx",),
                "Word (.docx)")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", ("xlsx",),
                "Excel (.xlsx)")
ALLOWED = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX)


class EvidenceRejected(Exception):
    """The uploaded file cannot be accepted; the message says why, in the user's language."""


@dataclass(frozen=True)
class StoredUpload:
    original_name: str
    stored_name: str
    mime_type: str
    size_bytes: int
    sha256: str
    path: Path


def allowed_description() -> str:
    """The list of accepted types, for help texts and messages."""
    return ", ".join(t.description for t in ALLOWED)


def max_file_bytes() -> int:
    """The per-file size limit: ``EVIDENCE_MAX_FILE_BYTES`` or 10 MB, never above MAX_CONTENT_LENGTH."""
    limit = int(current_app.config.get("EVIDENCE_MAX_FILE_BYTES") or DEFAULT_MAX_FILE_BYTES)
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(request_limit)) if request_limit else limit


def evidence_dir() -> Path:
    """The folder holding evidence files (inside ``UPLOAD_DIR``, which is outside the static folder)."""
    path = Path(current_app.config["UPLOAD_DIR"]) / SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    """The disk path of a stored evidence file (only generated names are accepted)."""
    if not _STORED_NAME_RE.fullmatch(stored_name):
        raise ValueError(f"not a stored evidence name: {stored_name!r}")
    return evidence_dir() / stored_name


def open_evidence(stored_name: str) -> BinaryIO:
    """The bytes of a stored evidence file, opened for reading (the caller closes it).

    The one way other modules read evidence content (the evidence pack's appendix, exports): today a thin
    wrapper over :func:`path_of`, so that the store can move elsewhere without changing its readers.

    Raises
    ------
    ValueError
        ``stored_name`` is not a generated evidence name.
    FileNotFoundError
        The file is no longer in the store.
    """
    return open(path_of(stored_name), "rb")  # noqa: SIM115 - returned to the caller, who closes it


def _office_type(data: bytes) -> FileType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # macro-enabled documents are refused
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return None


def detect(data: bytes) -> FileType | None:
    """The allowed type of ``data`` judged by its first bytes (and a zip's entries), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    return None


def describe_content(data: bytes) -> str:
    """A short human description of content that is not allowed (for the error message)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        if b"<svg" in data[:4096].lower():
            return _("an SVG image (which can contain scripts)")
        return _("HTML or XML markup")
    if head.startswith(b"mz"):
        return _("a Windows program")
    if head.startswith(b"\x7felf"):
        return _("a program")
    if head.startswith(b"#!"):
        return _("a script")
    if data.startswith(b"PK\x03\x04"):
        return _("a zip archive that is not a Word or Excel document")
    kind = filetype.guess(data[:8192])
    if kind is not None:
        return _("a %(type)s file", type=kind.extension.upper())
    return _("an unrecognised type")


def clean_name(name: str | None, fallback_ext: str) -> str:
    """A displayable file name: no folders, no control characters, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C" and ch not in '"<>|:*?')
    name = name.strip().strip(".") or f"evidence.{fallback_ext}"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) <= 5 else name[:255]
    return name


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def check_content(data: bytes, name: str) -> FileType:
    """The type of an upload, or :class:`EvidenceRejected` with a message naming the problem."""
    if not data:
        raise EvidenceRejected(_("The file “%(name)s” is empty.", name=name))
    kind = detect(data)
    if kind is None:
        raise EvidenceRejected(_(
            "The file “%(name)s” was refused: its content is %(content)s. Accepted types: %(types)s.",
            name=name, content=describe_content(data), types=allowed_description(),
        ))
    if _extension(name) not in kind.accepted_names:
        raise EvidenceRejected(_(
            "The file “%(name)s” was refused: its name does not match its content, which is %(type)s. "
            "Rename it with the right extension (.%(ext)s) or choose the intended file.",
            name=name, type=kind.description, ext=kind.extension,
        ))
    return kind


def store_upload(upload: FileStorage) -> StoredUpload:
    """Check ``upload`` and write it under a random name; the file is removed if the request fails.

    Raises
    ------
    EvidenceRejected
        If no file was chosen, the file is empty, larger than :func:`max_file_bytes`, or not allowed.
    """
    if upload is None or not upload.filename:
        raise EvidenceRejected(_("Choose a file to upload."))
    limit = max_file_bytes()
    data = upload.stream.read(limit + 1)
    name = clean_name(upload.filename, "bin")
    if len(data) > limit:
        raise EvidenceRejected(_("The file “%(name)s” is larger than the limit of %(mb).1f MB.",
                                 name=name, mb=limit / 1024 / 1024))
    kind = check_content(data, name)
    stored_name = f"{secrets.token_hex(16)}.{kind.extension}"
    path = evidence_dir() / stored_name
    with open(path, "xb") as fh:  # exclusive: never overwrite another file
        track_new_file(path)
        fh.write(data)
    return StoredUpload(original_name=name, stored_name=stored_name, mime_type=kind.mime_type,
                        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), path=path)


def download_name(original_name: str) -> str:
    """The name offered when downloading (Werkzeug adds an RFC 5987 ``filename*`` for non-ASCII names)."""
    return clean_name(original_name, "bin")


# --- removing files from disk only once the deletion of their rows is committed ---

_PENDING_KEY = "evidence_files_to_delete"


def delete_after_commit(path: Path) -> None:
    """Remove ``path`` from disk when the current database transaction commits (never if it rolls back)."""
    from eduinnov.extensions import db

    db.session.info.setdefault(_PENDING_KEY, []).append(Path(path))


@event.listens_for(Session, "after_commit")
def _delete_committed(session: Session) -> None:
    for path in session.info.pop(_PENDING_KEY, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
