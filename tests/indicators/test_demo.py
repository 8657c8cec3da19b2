"""The demo step copies two templates into the SE program and runs them on two cohorts, idempotently."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from eduinnov.indicators import demo
from eduinnov.indicators.models import EvaluationModel, EvaluationRun
from eduinnov.seed import loader


@pytest.fixture
def core_demo(runner, monkeypatch):
    monkeypatch.setattr(loader, "EXTRA_STEPS", [])
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


def test_demo_models_and_runs(core_demo, db):
    demo.load(Path("seed"))
    db.session.commit()
    models = list(db.session.scalars(select(EvaluationModel)))
    assert sorted(m.template_key for m in models) == sorted(demo.TEMPLATES)
    runs = list(db.session.scalars(select(EvaluationRun)))
    assert len(runs) == len(demo.TEMPLATES) * len(demo.ENTRY_YEARS)
    for run in runs:
        assert run.summary["n"] >= 55  # every student of the cohort is graded
        assert sum(run.summary["grade_counts"]) == run.summary["n"]
        assert len(run.fingerprint) == 64

    demo.load(Path("seed"))  # a second time changes nothing
    db.session.commit()
    assert db.session.scalar(select(func.count(EvaluationRun.id))) == len(runs)
    assert db.session.scalar(select(func.count(EvaluationModel.id))) == len(models)


def test_demo_step_does_nothing_without_the_se_program(db):
    demo.load(Path("seed"))
    assert db.session.scalar(select(func.count(EvaluationModel.id))) == 0
