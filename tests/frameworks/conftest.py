"""Fixtures of the frameworks tests: a small OBE framework and an IUR partner (made by tests/factories.py)."""

from __future__ import annotations

import pytest

from tests.factories import make_obe_framework, make_partner


@pytest.fixture
def framework(program):
    return make_obe_framework(program)


@pytest.fixture
def partner(program):
    return make_partner(program, name_en="Huawei", city="深圳")
