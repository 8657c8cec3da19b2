"""A stand-in for an optional extra demo step (like eduinnov.obe.demo), used by the seed tests."""

from pathlib import Path

from eduinnov.extensions import db
from eduinnov.programs.models import Program

calls: list[Path] = []
fail = False


def load(seed_dir: Path) -> None:
    calls.append(seed_dir)
    db.session.add(Program(code="EXTRA", name_zh="附加步骤"))
    db.session.flush()
    if fail:
        raise RuntimeError("extra step failed")
