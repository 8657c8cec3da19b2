"""Uploads waiting between preview and confirm, kept server-side under ``instance/import-pending/``.

The browser only carries a random token. The file's bytes and a small JSON record (who uploaded it, for
which program and kind, the plan's fingerprint, when) stay on the server; confirm loads them by token
and refuses a token of another user, program or kind, or one older than :data:`MAX_AGE`. Row data is
never round-tripped through the form: confirm re-reads the stored bytes (the very file that was
previewed) and compares the new plan with the fingerprint of the one the user saw.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from eduinnov.core.web import undo_on_failure

MAX_AGE = 2 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class Pending:
    """A stored upload: its bytes and what it was uploaded for."""

    token: str
    data: bytes
    filename: str
    kind: str
    program_id: int
    user_id: int
    fingerprint: str


def pending_dir() -> Path:
    """The folder of pending uploads (created on demand); expired ones are removed on each call."""
    path = Path(current_app.instance_path) / "import-pending"
    path.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in path.iterdir():
        try:
            if now - old.stat().st_mtime > MAX_AGE:
                old.unlink(missing_ok=True)
        except FileNotFoundError:  # removed by a concurrent request
            pass
    return path


def save_pending(data: bytes, *, filename: str, kind: str, program_id: int, user_id: int,
                 fingerprint: str) -> tuple[str, list[Path]]:
    """Store an upload; return its token and the files written (for ``track_new_file``)."""
    token = secrets.token_urlsafe(24)
    folder = pending_dir()
    data_path, meta_path = folder / f"{token}.upload", folder / f"{token}.json"
    data_path.write_bytes(data)
    meta_path.write_text(json.dumps({"filename": filename, "kind": kind, "program_id": program_id,
                                     "user_id": user_id, "fingerprint": fingerprint, "created": time.time()}))
    return token, [data_path, meta_path]


def load_pending(token: str | None, *, kind: str, program_id: int, user_id: int) -> Pending | None:
    """The stored upload for ``token`` if it belongs to this user, program and kind and has not expired."""
    if not token or not TOKEN_RE.match(token):
        return None
    folder = pending_dir()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.upload"
    try:
        meta = json.loads(meta_path.read_text())
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    if (meta.get("kind"), meta.get("program_id"), meta.get("user_id")) != (kind, program_id, user_id):
        return None
    if time.time() - float(meta.get("created", 0)) > MAX_AGE:
        return None
    return Pending(token, data, meta.get("filename") or "upload", kind, program_id, user_id, meta.get("fingerprint", ""))


@dataclass(frozen=True)
class PendingInfo:
    """What the list of a user's unconfirmed uploads shows (the bytes stay on disk)."""

    token: str
    filename: str
    kind: str
    program_id: int
    created: float

    @property
    def created_at(self) -> datetime:
        return datetime.fromtimestamp(self.created, tz=UTC)


def list_pending(user_id: int) -> list[PendingInfo]:
    """The uploads ``user_id`` previewed and has not confirmed yet (not expired, not being confirmed),
    newest first."""
    now = time.time()
    out = []
    for meta_path in pending_dir().glob("*.json"):
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            continue
        token = meta_path.stem
        if (meta.get("user_id") != user_id or now - float(meta.get("created", 0)) > MAX_AGE
                or not TOKEN_RE.match(token) or not (meta_path.parent / f"{token}.upload").exists()):
            continue
        out.append(PendingInfo(token, meta.get("filename") or "upload", str(meta.get("kind")),
                               int(meta.get("program_id") or 0), float(meta.get("created", 0))))
    return sorted(out, key=lambda p: -p.created)


ALREADY_CLAIMED = "already-claimed"


def claim_pending(token: str | None, *, kind: str, program_id: int, user_id: int) -> Pending | str | None:
    """Take the stored upload for ``token`` for one confirm only: the stored upload, None if there is none
    for this user (expired, another user's), or :data:`ALREADY_CLAIMED` if another request took it first.

    The claim is an atomic rename of the upload's record (only one of several requests racing for the same
    token can rename it; the others find it gone), so a double click, two tabs or two people confirming
    the same preview import it once. If the confirming request fails, ``core.web`` renames it back.
    """
    pending = load_pending(token, kind=kind, program_id=program_id, user_id=user_id)
    if pending is None:
        return None
    folder = pending_dir()
    meta_path, claimed = folder / f"{token}.json", folder / f"{token}.claimed"
    try:
        meta_path.rename(claimed)
    except FileNotFoundError:
        return ALREADY_CLAIMED
    undo_on_failure(lambda: claimed.exists() and claimed.rename(meta_path))
    return pending


def discard_pending(token: str) -> None:
    """Remove a stored upload (after a successful import, or when the user cancels)."""
    if not TOKEN_RE.match(token or ""):
        return
    folder = pending_dir()
    for suffix in (".upload", ".json", ".claimed"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)
