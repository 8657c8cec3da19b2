"""Factories and sample files for the achievements tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from eduinnov.achievements.models import AchievementKind
from eduinnov.auth.models import Role
from tests.factories import make_achievement, make_cohort, make_student, make_user


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png() -> bytes:
    """A real 1×1 PNG image."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def make_pdf(note: str = "") -> bytes:
    """A real one-page PDF with a correct cross-reference table (``note``, a PDF comment, makes its bytes differ)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    if note:
        out.write(b"%" + note.encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_docx() -> bytes:
    """A minimal Word document container (zip with [Content_Types].xml and word/)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
    return buf.getvalue()


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


@pytest.fixture
def pdf_bytes():
    return make_pdf()


@pytest.fixture
def png_bytes():
    return make_png()


@pytest.fixture
def other_student(other_program):
    return make_student(make_cohort(other_program, 2022), name="外专业学生")


@pytest.fixture
def student_user(student):
    return make_user(Role.STUDENT, student=student)


@pytest.fixture
def other_director(other_program):
    return make_user(Role.DIRECTOR, [other_program])


@pytest.fixture
def achievement(program, student, teacher):
    """A claimed project in ``program``, created by ``teacher``, naming ``student``."""
    return make_achievement(program, [student], AchievementKind.PROJECT, created_by_id=teacher.id,
                            supervisor_id=teacher.id, title="智能导盲杖")


@pytest.fixture
def other_achievement(other_program, other_student, other_teacher):
    return make_achievement(other_program, [other_student], AchievementKind.AWARD,
                            created_by_id=other_teacher.id, title="护理技能大赛")
