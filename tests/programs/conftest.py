"""Fixtures of the programs tests (partners, joint supervisors, supervisions and participations are made by
``tests/factories.py``)."""

from __future__ import annotations

import pytest

from eduinnov.auth.models import Role
from tests.factories import make_cohort, make_student, make_user


@pytest.fixture
def other_cohort(other_program):
    return make_cohort(other_program, 2022)


@pytest.fixture
def other_student(other_cohort):
    return make_student(other_cohort, name="外专业学生")


@pytest.fixture
def student_user(student):
    return make_user(Role.STUDENT, student=student)
