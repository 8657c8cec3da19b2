"""The collector is paused inside a bulk job and back on after it, even when the job fails; nesting keeps it off."""

from __future__ import annotations

import gc

import pytest

from eduinnov.core.memory import paused_gc


def test_paused_inside_back_on_after_even_on_failure_and_when_nested():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not turn it back on under the outer one
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("the import failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
