"""End-to-end fixtures: the app served on loopback, Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("EDUINNOV_CHROMIUM", "/usr/lib/chromium/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    assert executable, "Debian's chromium is required for end-to-end tests (make test installs it)"
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser(launch_browser):
    """Playwright's browser (tests/conftest.py's ``browser`` is the test-client one; this overrides it here)."""
    b = launch_browser()
    yield b
    b.close()


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served by Werkzeug in a daemon thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def shot(page):
    """``shot(name)`` saves a full-page screenshot under test-artifacts/ (looked at by people, kept by CI)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def _shot(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot


@pytest.fixture
def console_errors(page):
    """Console messages of type "error" (CSP violations, failed loads, script errors) and uncaught page errors,
    as a list of (url, text) the test empties or inspects."""
    errors: list[tuple[str, str]] = []
    page.on("console", lambda m: errors.append((page.url, m.text)) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append((page.url, f"uncaught: {e}")))
    return errors
