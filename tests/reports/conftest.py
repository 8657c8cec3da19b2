"""Fixtures for report tests: a real Redis for the RQ backend, text extraction from PDFs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server_url(tmp_path_factory):
    """EDUINNOV_TEST_REDIS_URL when CI provides one, else a throwaway local redis-server.

    Fails (never skips) when neither is available: the RQ backend must be tested against a real Redis.
    """
    url = os.environ.get("EDUINNOV_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("RQ tests need Redis: set EDUINNOV_TEST_REDIS_URL or install redis-server "
                    "(apt-get install -y --no-install-recommends redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    subprocess.run([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "yes", "--dir", str(folder), "--pidfile", str(folder / "redis.pid")],
                   check=True, capture_output=True)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    from redis import Redis

    try:
        Redis(port=port).shutdown(nosave=True)
    except Exception:  # shutdown closes the connection under our feet
        pass


@pytest.fixture
def redis_url(app, redis_server_url, monkeypatch):
    """Switch report jobs to RQ on a clean Redis database for this test."""
    from redis import Redis

    Redis.from_url(redis_server_url).flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_server_url)
    return redis_server_url


def pdf_pages_text(pdf: bytes | Path, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext -layout), index 0 = page 1."""
    path = pdf if isinstance(pdf, Path) else tmp_path / "extract.pdf"
    if not isinstance(pdf, Path):
        path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages
