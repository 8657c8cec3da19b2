"""Uploads waiting between preview and confirm, kept server-side in the configured store.

With ``EDUINNOV_EVIDENCE_STORE=local`` they are files under ``instance/import-pending/``; with ``database``
they are rows of ``blob_chunks`` (namespace ``import-pending``), so the confirm may reach another app server
than the preview. Either way each write, rename and delete takes effect at once (as a file's would): an
upload must outlive a refused confirm, so it is not part of the request's transaction.

The browser only carries a random token. The file's bytes and a small JSON record (who uploaded it, for
which program and kind, the plan's fingerprint, when) stay on the server; confirm loads them by token
and refuses a token of another user, program or kind, or one older than :data:`MAX_AGE`. Row data is
never round-tripped through the form: confirm re-reads the stored bytes (the very file that was
previewed) and compares the new plan with the fingerprint of the one the user saw. An achievement file's
preview also stores its plan (``{token}.plan``, signed: ``services.dump_plan``), which the confirm carries
out instead of planning again when nothing the plan was made from has changed (``services.stored``).
"""

from __future__ import annotations

import io
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from eduinnov.core.blobs import BlobStore, store_for
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
    plan: bytes | None = None  # the signed plan of the preview (``services.dump_plan``), if stored


NAMESPACE = "import-pending"


def pending_store() -> BlobStore:
    """The store of pending uploads (expired ones are removed whenever a new one is saved)."""
    return store_for(NAMESPACE, root=Path(current_app.instance_path), autonomous=True)


def pending_dir() -> Path:
    """The folder of pending uploads of the local store (created on demand)."""
    path = Path(current_app.instance_path) / NAMESPACE
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read(store: BlobStore, key: str) -> bytes:
    return b"".join(store.iter_chunks(key))


def save_pending(data: bytes, *, filename: str, kind: str, program_id: int, user_id: int,
                 fingerprint: str, plan: bytes | None = None) -> tuple[str, list]:
    """Store an upload (and the plan of its preview, if given); return its token and an undo action for each
    stored part (for ``undo_on_failure``)."""
    token = secrets.token_urlsafe(24)
    store = pending_store()
    store.delete_older_than(MAX_AGE)  # forgotten previews
    meta = json.dumps({"filename": filename, "kind": kind, "program_id": program_id, "user_id": user_id,
                       "fingerprint": fingerprint, "created": time.time()}).encode("utf-8")
    data_key = store.put(io.BytesIO(data), key=f"{token}.upload")
    keys = [data_key]
    if plan:
        keys.append(store.put(io.BytesIO(plan), key=f"{token}.plan"))
    keys.append(store.put(io.BytesIO(meta), key=f"{token}.json"))  # last: the upload is complete once listed
    return token, [lambda key=key: store.delete(key) for key in keys]


def load_pending(token: str | None, *, kind: str, program_id: int, user_id: int) -> Pending | None:
    """The stored upload for ``token`` if it belongs to this user, program and kind and has not expired."""
    if not token or not TOKEN_RE.match(token):
        return None
    store = pending_store()
    try:
        meta = json.loads(_read(store, f"{token}.json"))
        data = _read(store, f"{token}.upload")
    except (OSError, ValueError):
        return None
    if (meta.get("kind"), meta.get("program_id"), meta.get("user_id")) != (kind, program_id, user_id):
        return None
    if time.time() - float(meta.get("created", 0)) > MAX_AGE:
        return None
    try:
        plan = _read(store, f"{token}.plan") if store.exists(f"{token}.plan") else None
    except OSError:
        plan = None
    return Pending(token, data, meta.get("filename") or "upload", kind, program_id, user_id,
                   meta.get("fingerprint", ""), plan)


@dataclass(frozen=True)
class PendingInfo:
    """What the list of a user's unconfirmed uploads shows (the bytes stay in the store)."""

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
    store = pending_store()
    keys = set(store.keys())
    for key in keys:
        token, _dot, suffix = key.partition(".")
        if suffix != "json" or f"{token}.upload" not in keys or not TOKEN_RE.match(token):
            continue
        try:
            meta = json.loads(_read(store, key))
        except (OSError, ValueError):
            continue
        if meta.get("user_id") != user_id or now - float(meta.get("created", 0)) > MAX_AGE:
            continue
        out.append(PendingInfo(token, meta.get("filename") or "upload", str(meta.get("kind")),
                               int(meta.get("program_id") or 0), float(meta.get("created", 0))))
    return sorted(out, key=lambda p: -p.created)


ALREADY_CLAIMED = "already-claimed"


def claim_pending(token: str | None, *, kind: str, program_id: int, user_id: int) -> Pending | str | None:
    """Take the stored upload for ``token`` for one confirm only: the stored upload, None if there is none
    for this user (expired, another user's), or :data:`ALREADY_CLAIMED` if another request took it first.

    The claim is an atomic rename of the upload's record (a file rename, or one UPDATE of its rows: only one
    of several requests racing for the same token can rename it; the others find it gone), so a double click, two tabs or two people confirming
    the same preview import it once. If the confirming request fails, ``core.web`` renames it back.
    """
    pending = load_pending(token, kind=kind, program_id=program_id, user_id=user_id)
    if pending is None:
        return None
    store = pending_store()
    if not store.rename(f"{token}.json", f"{token}.claimed"):
        return ALREADY_CLAIMED
    undo_on_failure(lambda: store.exists(f"{token}.claimed") and store.rename(f"{token}.claimed", f"{token}.json"))
    return pending


def discard_pending(token: str, *, on_commit: bool = False) -> None:
    """Remove a stored upload (after a successful import, or when the user cancels); with ``on_commit``,
    once the current transaction commits (the import it was confirmed for), never if it rolls back."""
    if not TOKEN_RE.match(token or ""):
        return
    store = pending_store()
    for suffix in (".upload", ".plan", ".json", ".claimed"):
        if on_commit:
            store.delete_on_commit(f"{token}{suffix}")
        else:
            store.delete(f"{token}{suffix}")
