"""Fixtures of the notification tests."""

from __future__ import annotations

import pytest

from eduinnov.auth.models import Role
from tests.factories import make_user


@pytest.fixture
def student_user(student):
    return make_user(Role.STUDENT, student=student)
