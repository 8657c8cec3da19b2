"""OBE fixtures: the plan of `make_obe_plan` (tests/factories.py): a requirement, a course, an offering."""

from __future__ import annotations

import pytest

from tests.factories import make_obe_plan


@pytest.fixture
def plan(program, teacher):
    return make_obe_plan(program, teacher)
