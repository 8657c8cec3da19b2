"""A refusal fails the request only when the view answers with it, never merely by being constructed.

Issue #12 (8): ``DomainError.__init__`` used to flag the request as failed, so a refusal that a service
caught itself (a malformed DOI in one bibliography entry) rolled back a request that answered 200 and
deleted the pending import.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import g
from sqlalchemy import select

from eduinnov.achievements.models import Achievement
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from tests.factories import make_user, table_counts

ROOT = Path(__file__).resolve().parents[2] / "eduinnov"
REFUSALS = {"DomainError", "ValidationError", "LockedError", "LoginRefused", "ImportRefused", "FieldError",
            "NotAllowed", "MatrixError", "StaleEdit"}

BIB = b"""@article{good_one_2024,
  title = {Lightweight networks for leaf disease recognition},
  journal = {Computers and Electronics in Agriculture},
  author = {Zhang, Wei},
  year = {2024},
  doi = {10.1016/j.compag.2024.108712},
}

@article{bad_doi_2023,
  title = {A paper whose DOI was mistyped},
  journal = {Journal of Things},
  author = {Zhang, Wei},
  year = {2023},
  doi = {not-a-doi},
}

@article{good_two_2022,
  title = {Another paper with a fine DOI},
  journal = {Journal of Things},
  author = {Zhang, Wei},
  year = {2022},
  doi = {10.1000/xyz.123},
}
"""
TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')


def test_constructing_a_refusal_leaves_the_request_alone(app):
    with app.test_request_context("/"):
        before = set(vars(g))
        DomainError("x")
        ValidationError("y")
        assert set(vars(g)) == before


def test_bibliography_with_one_malformed_doi_previews_and_confirms_keeping_the_good_rows(
        app, login_as, program, cohort):
    import io

    from tests.factories import make_student

    make_student(cohort, student_no="2022051001", name="张伟")
    teacher = make_user(Role.TEACHER, [program], locale="en")
    b = login_as(teacher)
    url = f"/imports/{program.id}/publications"
    preview = b.post(f"{url}/preview", {"file": (io.BytesIO(BIB), "refs.bib")}, token_from=url,
                     content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "not-a-doi" in html  # the bad entry is reported
    before = table_counts()
    token = TOKEN_RE.search(html).group(1)
    done = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    assert done.status_code == 302, done.get_data(as_text=True)
    page = b.get(done.headers["Location"]).get_data(as_text=True)
    assert "This preview has expired" not in page
    dois = {a.doi for a in db.session.scalars(select(Achievement))}
    assert "10.1016/j.compag.2024.108712" in dois and "10.1000/xyz.123" in dois
    assert table_counts()["achievements"] > before["achievements"]


def _handlers(path: Path):
    tree = ast.parse(path.read_text())

    def names(node):
        if isinstance(node, ast.Tuple):
            return set().union(*(names(e) for e in node.elts))
        if isinstance(node, ast.Name):
            return {node.id}
        if isinstance(node, ast.Attribute):
            return {node.attr}
        return set()

    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None and names(node.type) & REFUSALS:
            yield node


def _view_modules():
    return sorted(p for p in ROOT.rglob("*.py") if "views" in p.parts or p.name.endswith("views.py") or p.name == "dashboard.py")


ANSWERS = {"fail_request", "refuse", "form_error"}


def test_every_view_that_catches_a_refusal_fails_its_request():
    """Each ``except DomainError`` in a view starts with ``fail_request()``, or with ``core.web.refuse`` /
    ``form_error``, which call it."""
    seen, missing = 0, []
    for path in _view_modules():
        for handler in _handlers(path):
            seen += 1
            first = handler.body[0]
            call = first.value if isinstance(first, ast.Expr) and isinstance(first.value, ast.Call) else None
            name = getattr(getattr(call, "func", None), "id", None)
            if name not in ANSWERS:
                missing.append(f"{path.relative_to(ROOT)}:{handler.lineno}")
    assert seen >= 60  # the walk really finds the handlers
    assert missing == []


def test_caught_refusal_in_a_view_rolls_back_what_the_service_flushed(login_as, director, program, monkeypatch):
    """A real view path: the service renames the program, flushes, then refuses; the view shows the error."""
    from eduinnov.programs import services

    def half_done(user, cohort_program, *, entry_year, label=None):
        cohort_program.name_zh = "半途而废"
        db.session.flush()
        raise ValidationError("refused after a flush")

    monkeypatch.setattr(services, "create_cohort", half_done)
    b = login_as(director)
    url = f"/programs/{program.id}/cohorts/new"
    response = b.post(url, {"entry_year": "2024", "label": ""}, token_from=url)
    assert response.status_code == 200 and "refused after a flush" in response.get_data(as_text=True)
    assert db.session.get(type(program), program.id).name_zh != "半途而废"
