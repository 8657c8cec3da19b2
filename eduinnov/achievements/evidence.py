"""Evidence files: checked by their content (never their name), stored under random names outside static.

Allowed: PDF, PNG, JPEG, GIF, WebP, and Office Word / Excel documents (docx / xlsx: a zip archive
holding ``[Content_Types].xml``). HTML, SVG, scripts, executables and anything else are refused, as is
a file whose name promises another type than its content (``report.pdf`` that is really HTML).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from eduinnov.core.blobs import BlobStore, store_for

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


def allowed_description() -> str:
    """The list of accepted types, for help texts and messages."""
    return ", ".join(t.description for t in ALLOWED)


def max_file_bytes() -> int:
    """The per-file size limit: ``EVIDENCE_MAX_FILE_BYTES`` or 10 MB, never above MAX_CONTENT_LENGTH."""
    limit = int(current_app.config.get("EVIDENCE_MAX_FILE_BYTES") or DEFAULT_MAX_FILE_BYTES)
    request_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return min(limit, int(request_limit)) if request_limit else limit


def evidence_dir() -> Path:
    """The folder of the local store's evidence files (inside ``UPLOAD_DIR``, outside the static folder).

    Only the local store keeps files there; read evidence through :func:`open_evidence`.
    """
    path = Path(current_app.config["UPLOAD_DIR"]) / SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    """The disk path of an evidence file in the *local* store (only generated names are accepted).

    Meaningless with the database store: read through :func:`open_evidence` instead.
    """
    return evidence_dir() / _check_stored_name(stored_name)


def _office_type(data: bytes | BinaryIO) -> FileType | None:
    """Word or Excel by the zip's entries; ``data`` is the bytes or a seekable stream of the whole file (only its
    directory is read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
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


def detect(data: bytes, *, whole: BinaryIO | None = None) -> FileType | None:
    """The allowed type of ``data`` judged by its first bytes (and a zip's entries), or None.

    ``whole``: a seekable stream of the whole file when ``data`` is only its beginning (a zip's entries are
    listed at its end)."""
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
        return _office_type(whole if whole is not None else data)
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


def check_content(data: bytes, name: str, *, whole: BinaryIO | None = None) -> FileType:
    """The type of an upload, or :class:`EvidenceRejected` with a message naming the problem (``whole``: see
    :func:`detect`)."""
    if not data:
        raise EvidenceRejected(_("The file “%(name)s” is empty.", name=name))
    kind = detect(data, whole=whole)
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
    """Check ``upload`` and put it in the evidence store under a random name; it vanishes if the request fails.

    The file is read once, in chunks, while it is hashed and written (only its first bytes are kept to
    judge the type), never whole into memory; a file over the limit is refused before anything is stored
    (a stream whose size is unknown, once it has been read past the limit: what was stored is removed).

    Raises
    ------
    EvidenceRejected
        If no file was chosen, the file is empty, larger than :func:`max_file_bytes`, or not allowed.
    """
    if upload is None or not upload.filename:
        raise EvidenceRejected(_("Choose a file to upload."))
    limit = max_file_bytes()
    name = clean_name(upload.filename, "bin")
    stream = upload.stream
    try:  # an uploaded file is spooled, so its size is known before anything is read
        start = stream.tell()
        size = stream.seek(0, io.SEEK_END) - start
        stream.seek(start)
    except (AttributeError, OSError, ValueError):
        size = None  # not seekable: the reader refuses it once it has read past the limit
    if size is not None and size > limit:
        raise _too_large(name, limit)
    head = stream.read(_HEAD_BYTES)
    kind, stream = _check_head(stream, head, name, limit)
    reader = _CheckedReader(stream, head, limit, name)
    stored_name = evidence_store().put(reader, extension=kind.extension)
    return StoredUpload(original_name=name, stored_name=stored_name, mime_type=kind.mime_type,
                        size_bytes=reader.size, sha256=reader.digest.hexdigest())


_HEAD_BYTES = 64 * 1024


def _check_head(stream, head: bytes, name: str, limit: int):
    """``(type, stream to read the rest from)``: the type judged from the first bytes; a larger zip
    (Word/Excel) by the directory at its end."""
    if len(head) > limit:
        raise _too_large(name, limit)
    if not (head.startswith(b"PK\x03\x04") and len(head) == _HEAD_BYTES):
        return check_content(head, name), stream
    try:
        size = stream.seek(0, io.SEEK_END)
    except (AttributeError, OSError, ValueError):  # not seekable: read it (at most the limit)
        whole = head + stream.read(limit + 1 - len(head))
        if len(whole) > limit:
            raise _too_large(name, limit) from None
        kind = check_content(whole, name)
        stream = io.BytesIO(whole)
    else:
        if size > limit:
            raise _too_large(name, limit)
        stream.seek(0)
        kind = check_content(head, name, whole=stream)
    stream.seek(len(head))  # the store reads the rest from here
    return kind, stream


def _too_large(name: str, limit: int) -> EvidenceRejected:
    return EvidenceRejected(_("The file “%(name)s” is larger than the limit of %(mb).1f MB.",
                              name=name, mb=limit / 1024 / 1024))


class _CheckedReader:
    """The upload's bytes for the store: hashed while read, refused past the size limit."""

    def __init__(self, stream, head: bytes, limit: int, name: str) -> None:
        self._stream, self._head, self._limit, self._name = stream, head, limit, name
        self.size, self.digest = 0, hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = n if n and n > 0 else 1024 * 1024
        data, self._head = self._head[:n], self._head[n:]
        if len(data) < n:
            data += self._stream.read(n - len(data))
        self.size += len(data)
        if self.size > self._limit:
            raise _too_large(self._name, self._limit)
        self.digest.update(data)
        return data


def download_name(original_name: str) -> str:
    """The name offered when downloading (Werkzeug adds an RFC 5987 ``filename*`` for non-ASCII names)."""
    return clean_name(original_name, "bin")


# --- the store, the one read path, and removal once the deletion of their rows is committed ---

def evidence_store() -> BlobStore:
    """The configured store of evidence files (``EDUINNOV_EVIDENCE_STORE``: ``local`` or ``database``)."""
    return store_for(SUBDIR)


def open_evidence(stored_name: str) -> BinaryIO:
    """The stored bytes of an evidence file as a readable, seekable binary stream, whatever the store.

    The one way to read evidence (downloads, the report pack). Close the stream when done (``with``).

    Raises
    ------
    ValueError
        ``stored_name`` is not a generated evidence name.
    FileNotFoundError
        Nothing is stored under this name (``core.blobs.BlobMissing``).
    """
    _check_stored_name(stored_name)
    return evidence_store().open(stored_name)


def evidence_size(stored_name: str) -> int:
    """The stored size in bytes (FileNotFoundError if nothing is stored under this name)."""
    _check_stored_name(stored_name)
    return evidence_store().size(stored_name)


def evidence_exists(stored_name: str) -> bool:
    """Whether the bytes of this evidence file are in the store."""
    return evidence_store().exists(_check_stored_name(stored_name))


def _check_stored_name(stored_name: str) -> str:
    if not isinstance(stored_name, str) or not _STORED_NAME_RE.fullmatch(stored_name):
        raise ValueError(f"not a stored evidence name: {stored_name!r}")
    return stored_name


def delete_after_commit(stored_name: str | Path) -> None:
    """Remove a stored evidence file when the current transaction commits (never if it rolls back).

    A path (of the local store) is accepted too: its file name is the stored name.
    """
    name = stored_name.name if isinstance(stored_name, Path) else stored_name
    evidence_store().delete_on_commit(_check_stored_name(name))
