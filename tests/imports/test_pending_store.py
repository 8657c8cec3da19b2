"""Uploads kept between preview and confirm live in the configured store: with the database store the
confirm works on another app server than the preview (nothing of it is on the first server's disk), and only
one of several confirms at once imports it. The same tests run with the local folder."""

from __future__ import annotations

import io
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select

from eduinnov.auth.models import Role
from eduinnov.core.blobs import DATABASE, LOCAL, BlobChunk
from eduinnov.extensions import db
from eduinnov.obe.models import Score
from eduinnov.programs.models import Student
from tests.clients import csrf_token
from tests.factories import csv_bytes, make_obe_plan, make_user

TOKEN_RE = re.compile(r'name="token"[^>]*value="([^"]+)"')
ROSTER = csv_bytes([["学号", "姓名", "入学年份"]] + [[f"2022{i:06d}", f"学生{i}", "2022"] for i in range(20)])
SHEET = "\ufeff学号,姓名,作业1,作业2,题1,题2\n2021051001,学生1,9,8,20,12\n2021051002,学生2,7,8,10,10\n"


def _local_folders() -> list[Path]:
    return [Path(current_app.instance_path) / "import-pending", Path(current_app.config["UPLOAD_DIR"]) / "obe-pending"]


@pytest.fixture(params=[LOCAL, DATABASE])
def kind(request, app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", request.param)
    for folder in _local_folders():
        shutil.rmtree(folder, ignore_errors=True)
    yield request.param
    for folder in _local_folders():
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def teacher_en(program):
    return make_user(Role.TEACHER, [program], locale="en")


def _on_disk() -> list[str]:
    return sorted(p.name for folder in _local_folders() if folder.exists() for p in folder.iterdir())


def _stored(namespace: str) -> list[str]:
    return list(db.session.scalars(select(BlobChunk.key).where(BlobChunk.namespace == namespace)))


def _preview_roster(b, program) -> str:
    url = f"/imports/{program.id}/students"
    response = b.post(f"{url}/preview", {"file": (io.BytesIO(ROSTER), "roster.csv")}, token_from=url,
                      content_type="multipart/form-data")
    assert response.status_code == 200
    return TOKEN_RE.search(response.get_data(as_text=True)).group(1)


def test_an_import_previewed_on_one_server_is_confirmed_on_another(app, kind, login_as, teacher_en, program,
                                                                   cohort):
    b = login_as(teacher_en)
    token = _preview_roster(b, program)
    if kind == DATABASE:
        assert _on_disk() == [] and sorted(_stored("import-pending")) == [f"{token}.json", f"{token}.upload"]
    else:
        assert _on_disk() == [f"{token}.json", f"{token}.upload"]
        assert _stored("import-pending") == []
    assert "roster.csv" in b.get("/imports/").get_data(as_text=True)  # listed as waiting
    for folder in _local_folders():  # the confirm reaches another machine: nothing of this one's disk
        shutil.rmtree(folder, ignore_errors=True)
    url = f"/imports/{program.id}/students"
    response = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    if kind == DATABASE:
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/programs/{program.id}")
        assert db.session.scalar(select(func.count()).select_from(Student)) == 20
        assert _stored("import-pending") == []  # removed once the import was committed
    else:  # what the local folder does behind a load balancer: the upload is gone
        assert "This preview has expired" in b.get(response.headers["Location"]).get_data(as_text=True)
        assert db.session.scalar(select(func.count()).select_from(Student)) == 0


def test_confirming_at_once_imports_once(app, kind, login_as, teacher_en, program, cohort):
    token = _preview_roster(login_as(teacher_en), program)
    url = f"/imports/{program.id}/students"
    browsers = [login_as(teacher_en) for _ in range(3)]
    forms = [csrf_token(b.client, url) for b in browsers]
    barrier = threading.Barrier(3)

    def confirm(i):
        with app.app_context():
            barrier.wait()
            return browsers[i].client.post(f"{url}/confirm", data={"token": token, "csrf_token": forms[i]})

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(confirm, range(3)))
    assert sorted(r.status_code for r in responses) == [302, 302, 302]
    assert sum(r.headers["Location"].endswith(f"/programs/{program.id}") for r in responses) == 1
    assert db.session.scalar(select(func.count()).select_from(Student)) == 20
    assert _stored("import-pending") == [] and _on_disk() == []


def test_a_failed_confirm_gives_the_upload_back(app, kind, login_as, teacher_en, program, cohort, monkeypatch):
    from eduinnov.imports import services

    b = login_as(teacher_en)
    token = _preview_roster(b, program)
    url = f"/imports/{program.id}/students"
    real = services.APPLIERS[services.ImportKind.STUDENTS]

    def crash(*args):
        raise RuntimeError("worker killed")

    monkeypatch.setitem(services.APPLIERS, services.ImportKind.STUDENTS, crash)
    with pytest.raises(RuntimeError):
        b.post(f"{url}/confirm", {"token": token}, token_from=url)
    monkeypatch.setitem(services.APPLIERS, services.ImportKind.STUDENTS, real)
    response = b.post(f"{url}/confirm", {"token": token}, token_from=url)
    assert response.headers["Location"].endswith(f"/programs/{program.id}")
    assert db.session.scalar(select(func.count()).select_from(Student)) == 20


def test_a_score_sheet_previewed_on_one_server_is_confirmed_on_another(app, kind, login_as, program, teacher):
    b = login_as(teacher)
    plan = make_obe_plan(program, teacher)
    offering = plan.offering
    response = b.post(f"/obe/offerings/{offering.id}/scores/preview", {"sheet": (io.BytesIO(SHEET.encode()), "s.csv")},
                      token_from=f"/obe/offerings/{offering.id}/scores/upload", content_type="multipart/form-data")
    token = re.search(r'name="token"[^>]*value="([0-9a-f]{32})"', response.get_data(as_text=True)).group(1)
    assert (_stored("obe-pending") != []) == (kind == DATABASE) and (_on_disk() != []) == (kind == LOCAL)
    for folder in _local_folders():
        shutil.rmtree(folder, ignore_errors=True)
    confirm = {"token": token, "filename": "s.csv"}
    response = b.post(f"/obe/offerings/{offering.id}/scores/confirm", confirm,
                      token_from=f"/obe/offerings/{offering.id}")
    assert response.status_code == 302
    assert db.session.query(Score).count() == (8 if kind == DATABASE else 0)
    assert _stored("obe-pending") == []
    again = b.post(f"/obe/offerings/{offering.id}/scores/confirm", confirm, token_from=f"/obe/offerings/{offering.id}")
    assert "/scores/upload" in again.headers["Location"]  # used once
