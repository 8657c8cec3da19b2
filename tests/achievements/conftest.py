"""Factories and sample files for the achievements tests."""

from __future__ import annotations

import pytest

from eduinnov.achievements.models import AchievementKind
from eduinnov.auth.models import Role
from tests.factories import make_achievement, make_cohort, make_pdf, make_png, make_student, make_user

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
