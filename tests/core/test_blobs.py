"""The store interface (core.blobs), the same tests on the local folder and on the database store."""

from __future__ import annotations

import hashlib
import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from eduinnov.core.blobs import (
    DATABASE,
    LOCAL,
    BlobChunk,
    BlobMissing,
    DatabaseStore,
    LocalStore,
    check_key,
    configured_kind,
    sha256_of,
    store_for,
)
from eduinnov.core.models import utcnow
from eduinnov.extensions import db

NS = "test-blobs"


@pytest.fixture(params=[LOCAL, DATABASE])
def kind(request, app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", request.param)
    shutil.rmtree(Path(app.config["UPLOAD_DIR"]) / NS, ignore_errors=True)
    yield request.param
    shutil.rmtree(Path(app.config["UPLOAD_DIR"]) / NS, ignore_errors=True)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr("eduinnov.core.blobs.CHUNK_BYTES", 1000)


class CountingReader:
    """A stream that records the sizes asked for (the store must read in chunks, never the whole)."""

    def __init__(self, data: bytes) -> None:
        self.stream, self.asked = io.BytesIO(data), []

    def read(self, n: int = -1) -> bytes:
        self.asked.append(n)
        return self.stream.read(n)


DATA = bytes(range(256)) * 23 + b"end"  # 5,891 bytes: six chunks of 1,000 in the database store


def test_the_configured_store_is_chosen(app, kind):
    store = store_for(NS)
    assert configured_kind() == kind and store.kind == kind
    assert isinstance(store, LocalStore if kind == LOCAL else DatabaseStore)


def test_put_open_size_exists_delete(app, kind, small_chunks):
    store = store_for(NS)
    source = CountingReader(DATA)
    key = store.put(source, extension="bin")
    db.session.commit()
    assert check_key(key) == key and key.endswith(".bin") and len(key) == 36
    assert all(0 < n <= 1024 * 1024 for n in source.asked) and len(source.asked) > 1  # streamed in pieces
    assert store.exists(key) and store.size(key) == len(DATA) and store.keys() == [key]
    with store.open(key) as fh:
        assert fh.read(7) == DATA[:7]
        fh.seek(2990)
        assert fh.read(20) == DATA[2990:3010]
        fh.seek(-3, io.SEEK_END)
        assert fh.read() == b"end"
        fh.seek(0)
        assert hashlib.sha256(fh.read()).hexdigest() == hashlib.sha256(DATA).hexdigest()
    assert sha256_of(store, key) == (hashlib.sha256(DATA).hexdigest(), len(DATA))
    if kind == DATABASE:
        lengths = db.session.execute(select(func.length(BlobChunk.data)).where(BlobChunk.key == key)
                                     .order_by(BlobChunk.seq)).scalars().all()
        assert lengths == [1000] * 5 + [891]
    store.delete(key)
    db.session.commit()
    assert not store.exists(key) and store.keys() == []
    with pytest.raises(BlobMissing):
        store.open(key)
    with pytest.raises(FileNotFoundError):
        store.size(key)


def test_an_empty_file_and_a_given_key(app, kind):
    store = store_for(NS)
    store.put(io.BytesIO(b""), key="empty.txt")
    db.session.commit()
    assert store.exists("empty.txt") and store.size("empty.txt") == 0
    with store.open("empty.txt") as fh:
        assert fh.read() == b""
    with pytest.raises(FileExistsError):
        store.put(io.BytesIO(b"x"), key="empty.txt")


@pytest.mark.parametrize("key", ["../etc/passwd", "a/b.pdf", "", ".hidden", "x" * 101, "a.PDF", "a.pdf\n"])
def test_unsafe_keys_are_refused(app, kind, key):
    with pytest.raises(ValueError):
        store_for(NS).open(key)


def test_a_file_written_in_a_failed_request_vanishes(app, kind):
    with app.test_request_context():
        key = store_for(NS).put(io.BytesIO(DATA))
        from eduinnov.core.web import discard_new_files

        db.session.rollback()  # what core.web does when the request fails
        discard_new_files()
    assert not store_for(NS).exists(key) and store_for(NS).keys() == []


def test_delete_on_commit_only_when_the_transaction_commits(app, kind):
    store = store_for(NS)
    key = store.put(io.BytesIO(DATA))
    db.session.commit()
    store.delete_on_commit(key)
    db.session.rollback()
    assert store.exists(key)
    store.delete_on_commit(key)
    db.session.commit()
    assert not store.exists(key)


def test_an_autonomous_store_keeps_its_writes_through_a_rollback(app, kind):
    store = store_for(NS, autonomous=True)
    with app.test_request_context():
        key = store.put(io.BytesIO(DATA))
        db.session.rollback()
        from eduinnov.core.web import discard_new_files

        discard_new_files()
    assert store.exists(key)
    store.delete_on_commit(key)  # after the commit of the session's transaction, not before
    assert store.exists(key)
    db.session.commit()
    assert not store.exists(key)


def test_rename_is_a_claim_only_one_caller_wins(app, kind):
    store = store_for(NS, autonomous=True)
    store.put(io.BytesIO(DATA), key="tok.json")
    assert store.rename("tok.json", "tok.claimed") is True
    assert store.rename("tok.json", "tok.claimed") is False  # the second click finds it gone
    assert store.keys() == ["tok.claimed"]
    with store.open("tok.claimed") as fh:
        assert fh.read() == DATA


def test_delete_older_than(app, kind):
    store = store_for(NS, autonomous=True)
    store.put(io.BytesIO(b"old"), key="old.x")
    store.put(io.BytesIO(b"new"), key="new.x")
    if kind == LOCAL:
        import os
        import time

        past = time.time() - 3 * 3600
        os.utime(store.path("old.x"), (past, past))
    else:
        with db.engine.begin() as conn:
            conn.execute(update(BlobChunk).where(BlobChunk.key == "old.x")
                         .values(created_at=utcnow() - timedelta(hours=3)))
    store.delete_older_than(2 * 3600)
    assert store.keys() == ["new.x"]


def test_a_database_stream_works_after_the_session_is_gone(app, small_chunks):
    """``send_file`` iterates after the request's session was removed: the stream takes its own connections."""
    store = store_for(NS, DATABASE)
    key = store.put(io.BytesIO(DATA))
    db.session.commit()
    fh = store.open(key)
    db.session.remove()
    assert fh.read() == DATA
    fh.close()


def test_an_unknown_store_stops_the_start(monkeypatch):
    from eduinnov import create_app
    from eduinnov.config import TestConfig

    monkeypatch.setenv("EDUINNOV_EVIDENCE_STORE", "s3")
    with pytest.raises(ValueError, match="EDUINNOV_EVIDENCE_STORE must be 'local' or 'database'"):
        create_app(TestConfig())
