"""Issue #12 (6): the same preview confirmed several times at once (double click, two tabs, two people) is
imported once; the other requests get a clear message, never a 500. Real concurrent requests (threads);
run on PostgreSQL too with EDUINNOV_TEST_DATABASE_URL."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.programs.models import Student
from tests.clients import csrf_token
from tests.factories import csv_bytes, make_user

TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')
N = 150
ROSTER = csv_bytes([["学号", "姓名", "入学年份"]] + [[f"2022{i:06d}", f"学生{i}", "2022"] for i in range(N)])


@pytest.fixture
def teacher_en(program):
    return make_user(Role.TEACHER, [program], locale="en")


def _preview(b, program) -> str:
    url = f"/imports/{program.id}/students"
    response = b.post(f"{url}/preview", {"file": (io.BytesIO(ROSTER), "roster.csv")}, token_from=url,
                      content_type="multipart/form-data")
    assert response.status_code == 200
    return TOKEN_RE.search(response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("clicks", [2, 4])
def test_confirming_at_once_imports_once(app, login_as, teacher_en, program, cohort, clicks):
    token = _preview(login_as(teacher_en), program)
    url = f"/imports/{program.id}/students"
    browsers = [login_as(teacher_en) for _ in range(clicks)]  # tabs or colleagues' sessions of the same user
    forms = [csrf_token(b.client, url) for b in browsers]
    barrier = threading.Barrier(clicks)

    def confirm(i):
        with app.app_context():  # the thread's own context, as a server thread has
            barrier.wait()
            return browsers[i].client.post(f"{url}/confirm", data={"token": token, "csrf_token": forms[i]})

    with ThreadPoolExecutor(clicks) as pool:
        responses = list(pool.map(confirm, range(clicks)))  # an exception (a 500) would be raised here
    statuses = sorted(r.status_code for r in responses)
    assert all(s in (302, 303) for s in statuses), statuses
    winners = [r for r in responses if r.headers["Location"].endswith(f"/programs/{program.id}")]
    assert len(winners) == 1
    assert db.session.scalar(select(func.count()).select_from(Student)) == N
    for i, r in enumerate(responses):
        if r is winners[0]:
            continue
        assert r.headers["Location"].endswith(url)
        page = browsers[i].get(r.headers["Location"]).get_data(as_text=True)
        assert "already being confirmed" in page or "This preview has expired" in page


def test_a_failed_confirm_gives_the_token_back(login_as, teacher_en, program, cohort, monkeypatch):
    from eduinnov.imports import services

    b = login_as(teacher_en)
    token = _preview(b, program)
    url = f"/imports/{program.id}/students"
    real = services.APPLIERS[services.ImportKind.STUDENTS]

    def crash(*args):
        raise RuntimeError("worker killed")

    monkeypatch.setitem(services.APPLIERS, services.ImportKind.STUDENTS, crash)
    with pytest.raises(RuntimeError):
        b.post(f"{url}/confirm", {"token": token}, token_from=url)
    monkeypatch.setitem(services.APPLIERS, services.ImportKind.STUDENTS, real)
    done = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/programs/{program.id}")
    assert db.session.scalar(select(func.count()).select_from(Student)) == N
