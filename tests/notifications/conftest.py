"""Fixtures of the notification tests (``smtp_server``, a real aiosmtpd server on a free local port, is in
``tests/factories.py``: other domains' tests send e-mail too)."""

from __future__ import annotations

import pytest

from eduinnov.auth.models import Role
from tests.factories import make_user


@pytest.fixture
def student_user(student):
    return make_user(Role.STUDENT, student=student)

