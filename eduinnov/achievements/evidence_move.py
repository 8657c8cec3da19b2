"""Moving every evidence file from one store to the other (``flask evidence migrate --to database|local``).

All or nothing: each file named by an evidence row is copied a chunk at a time, its SHA-256 checked against
the row while copying and checked again by reading the copy back from the target. If any file is missing
or differs, every copy written so far is removed again and nothing changes. Only when all of them are in the
target are the source copies removed (unless asked to keep them). Files already in the target with the
right content are left as they are, so a move interrupted half way can simply be run again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from eduinnov.achievements.evidence import SUBDIR
from eduinnov.achievements.models import EvidenceFile
from eduinnov.core.blobs import DATABASE, KINDS, LOCAL, BlobStore, sha256_of, store_for
from eduinnov.extensions import db


class MoveRefused(Exception):
    """The move was not done (nothing changed); ``problems`` lists why, one line per file."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class MoveResult:
    target: str
    copied: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)
    removed_from_source: int = 0
    left_in_source: list[str] = field(default_factory=list)  # files no evidence row names
    bytes_copied: int = 0


class _Hashing:
    """A source stream that hashes what the target store reads from it."""

    def __init__(self, stream) -> None:
        self.stream, self.digest, self.size = stream, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data


def move_evidence(target: str, *, keep_source: bool = False) -> MoveResult:
    """Move every evidence file into the store of kind ``target`` (``local`` or ``database``) and commit.

    Raises
    ------
    MoveRefused
        A file is missing from both stores or differs from its row's SHA-256 (nothing was changed).
    """
    if target not in KINDS:
        raise MoveRefused(f"Unknown store {target!r}: choose 'local' or 'database'.")
    source_kind = LOCAL if target == DATABASE else DATABASE
    src, dst = store_for(SUBDIR, source_kind), store_for(SUBDIR, target)
    rows = db.session.execute(select(EvidenceFile.stored_name, EvidenceFile.sha256, EvidenceFile.size_bytes)
                              .order_by(EvidenceFile.id)).all()
    result, problems, written = MoveResult(target), [], []
    try:
        for name, sha256, size in rows:
            if dst.exists(name):
                digest, length = sha256_of(dst, name)
                if (digest, length) == (sha256, size):
                    result.already_there.append(name)
                    continue
                problems.append(f"{name}: a different file of this name is already in the {target} store")
                continue
            if not src.exists(name):
                problems.append(f"{name}: in neither store")
                continue
            with src.open(name) as stream:
                reader = _Hashing(stream)
                dst.put(reader, key=name)
            written.append(name)
            if (reader.digest.hexdigest(), reader.size) != (sha256, size):
                problems.append(f"{name}: the {source_kind} copy does not match its SHA-256 (damaged)")
                continue
            if sha256_of(dst, name) != (sha256, size):
                problems.append(f"{name}: the copy in the {target} store reads back differently")
                continue
            result.copied.append(name)
            result.bytes_copied += size
        if problems:
            raise MoveRefused(f"Nothing was moved: {len(problems)} of {len(rows)} evidence files have problems.",
                              problems)
        db.session.commit()  # the database copies (if the target is the database)
    except BaseException:
        db.session.rollback()
        _undo(dst, written)
        raise
    named = {name for name, _sha, _size in rows}
    result.left_in_source = [key for key in src.keys() if key not in named]
    if not keep_source:
        for name in named:
            if src.exists(name):
                src.delete(name)
                result.removed_from_source += 1
        db.session.commit()
    return result


def _undo(store: BlobStore, written: list[str]) -> None:
    if store.kind == LOCAL:  # database copies went with the rollback
        for name in written:
            store.delete(name)
