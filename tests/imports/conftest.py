"""Fixtures of the import tests: a small roster, xlsx builders (zip bombs among them); CSV bytes and the row
counts that prove a refused import wrote nothing are `csv_bytes` and `table_counts` in tests/factories.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from eduinnov.auth.models import Role
from tests.factories import make_cohort, make_student, make_user

DATA = Path(__file__).parent / "data"


def xlsx_bytes(rows: list[list[object]], *, title_rows: list[list[object]] = ()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in [*title_rows, *rows]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def zip_bomb_xlsx(size_mb: int = 300) -> bytes:
    """A workbook whose sheet inflates to ``size_mb`` MB of zeros (a few hundred KB on disk)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        chunk = b"0" * (1024 * 1024)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(size_mb):
                member.write(chunk)
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _english():
    """Messages in English (the source language), so that assertions read the same as the code."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield


@pytest.fixture
def roster(cohort):
    """Four students of ``program`` (cohort 2022), with a compound surname among them."""
    return {
        "zhang": make_student(cohort, student_no="2022051001", name="张伟"),
        "li": make_student(cohort, student_no="2022051002", name="李娜"),
        "wang": make_student(cohort, student_no="2022051003", name="王晓明"),
        "ouyang": make_student(cohort, student_no="2022051004", name="欧阳娜娜"),
    }


@pytest.fixture
def other_student(other_program):
    return make_student(make_cohort(other_program, 2022), student_no="2022990001", name="外专业")


@pytest.fixture
def other_director(other_program):
    return make_user(Role.DIRECTOR, [other_program])


@pytest.fixture
def student_user(roster):
    return make_user(Role.STUDENT, student=roster["zhang"])
