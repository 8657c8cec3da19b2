"""One transaction per request: commit on success, roll back on errors and on refused services."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort

from eduinnov import create_app
from eduinnov.config import TestConfig
from eduinnov.core.errors import DomainError
from eduinnov.core.web import fail_request
from eduinnov.extensions import db
from eduinnov.programs.models import Program
from tests.clients import IsolatedClient


@pytest.fixture
def probe_app(tmp_path):
    """An app with extra routes that change data and then succeed, fail or refuse."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'tx.sqlite3'}"
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    app.test_client_class = IsolatedClient
    bp = Blueprint("probe", __name__)

    def _add(code):
        db.session.add(Program(code=code, name_zh=code))
        db.session.flush()

    @bp.post("/probe/ok")
    def ok():
        _add("OK")
        return "done"

    @bp.post("/probe/crash")
    def crash():
        _add("CRASH")
        raise RuntimeError("boom")

    @bp.post("/probe/forbidden")
    def forbidden():
        _add("FORBIDDEN")
        abort(403)

    @bp.post("/probe/refused")
    def refused():
        _add("REFUSED")
        try:
            raise DomainError("no")  # a service that changed something, then refused
        except DomainError:
            fail_request()  # what every view's ``except DomainError`` does
            return "form shown again with the error", 200

    @bp.post("/probe/carried_on")
    def carried_on():
        # A service that catches its own refusal (one bad row skipped) and carries on: the request succeeds.
        try:
            raise DomainError("one bad row")
        except DomainError:
            pass
        _add("CARRIED_ON")
        return "done"

    @bp.post("/probe/constructed")
    def constructed():
        DomainError("built to read its message, never raised")
        _add("CONSTRUCTED")
        return "done"

    @bp.post("/probe/uncaught")
    def uncaught():
        _add("UNCAUGHT")
        raise DomainError("This version is archived.")  # a refusal no view caught

    @bp.post("/probe/raced")
    def raced():
        # Change a record without flushing, while another connection saves it: the commit finds it stale.
        program = db.session.scalar(db.select(Program).where(Program.code == "RACE"))
        program.name_zh = "mine"
        with db.engine.begin() as other:
            other.execute(db.update(Program).where(Program.id == program.id)
                          .values(name_zh="theirs", row_version=Program.row_version + 1))
        return "done"

    app.register_blueprint(bp)
    with app.app_context():
        db.create_all()
        db.session.add(Program(code="RACE", name_zh="before"))
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("route,kept", [("ok", True), ("crash", False), ("forbidden", False), ("refused", False),
                                        ("carried_on", True), ("constructed", True)])
def test_request_commits_only_clean_success(probe_app, route, kept):
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    probe_app.test_client().post(f"/probe/{route}")
    codes = set(db.session.scalars(db.select(Program.code)))
    assert (route.upper() in codes) is kept


def test_an_uncaught_refusal_is_shown_where_the_user_came_from_and_kept_nothing(probe_app):
    client = probe_app.test_client()
    response = client.post("/probe/uncaught", headers={"Referer": "http://localhost/programs/?page=2"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/programs/?page=2"
    assert "UNCAUGHT" not in set(db.session.scalars(db.select(Program.code)))
    foreign = client.post("/probe/uncaught", headers={"Referer": "https://evil.example/x"})
    assert foreign.headers["Location"] == "/"
    api = client.post("/probe/uncaught", json={})
    assert api.status_code == 409 and api.get_json() == {"error": "This version is archived."}


def test_a_save_found_stale_only_at_commit_answers_409_and_keeps_the_other_save(probe_app):
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = probe_app.test_client().post("/probe/raced")
    assert response.status_code == 409
    assert "Someone else saved this record" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(db.select(Program.name_zh).where(Program.code == "RACE")) == "theirs"
