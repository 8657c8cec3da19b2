"""The demo step: templates copied into both demo programs and run on every cohort they fit, idempotently;
and every built-in template gives a spread of grades on every demo cohort it fits."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from eduinnov.auth.models import User
from eduinnov.indicators import demo, services
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, EvaluationUnit
from eduinnov.indicators.yaml_io import list_templates
from eduinnov.programs.models import Program
from eduinnov.seed import loader


@pytest.fixture
def core_demo(runner, monkeypatch):
    monkeypatch.setattr(loader, "EXTRA_STEPS", [])
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output


def _spread(run) -> float:
    """Share of the units holding the most common grade."""
    return max(run.summary["grade_counts"]) / run.summary["n"]


def test_demo_models_and_runs(core_demo, db):
    demo.load(Path("seed"))
    db.session.commit()
    models = list(db.session.scalars(select(EvaluationModel)))
    assert sorted(m.template_key for m in models) == sorted(demo.TEMPLATES * len(demo.PROGRAMS))
    assert all(m.name and any("\u4e00" <= ch <= "\u9fff" for ch in m.name) for m in models)  # Chinese names
    runs = list(db.session.scalars(select(EvaluationRun)))
    per_program = sum(4 if m.unit == EvaluationUnit.STUDENT else 1 for m in models) // len(demo.PROGRAMS)
    assert len(runs) == per_program * len(demo.PROGRAMS) == 18
    for run in runs:
        assert sum(run.summary["grade_counts"]) == run.summary["n"]
        assert len(run.fingerprint) == 64
        assert _spread(run) < 0.8, (run.model_name, run.target_label, run.summary["grade_counts"])
        if run.unit == EvaluationUnit.STUDENT:
            assert run.summary["n"] >= 55  # every student of the cohort is graded

    demo.load(Path("seed"))  # a second time changes nothing
    db.session.commit()
    assert db.session.scalar(select(func.count(EvaluationRun.id))) == len(runs)
    assert db.session.scalar(select(func.count(EvaluationModel.id))) == len(models)


def test_demo_step_does_nothing_without_the_demo_programs(db):
    demo.load(Path("seed"))
    assert db.session.scalar(select(func.count(EvaluationModel.id))) == 0


def test_every_template_spreads_its_grades_on_every_demo_cohort(core_demo, db):
    """No built-in template puts 80 % or more of the units of a demo cohort (or program) in one grade."""
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.edu"))
    programs = list(db.session.scalars(select(Program).order_by(Program.code)))
    seen = 0
    for tpl in list_templates():
        if tpl.unit == "program":
            targets = [(None, services.Target())]
        elif tpl.unit == "student":
            targets = [(p, services.Target(cohort=c)) for p in programs for c in p.cohorts]
        else:
            targets = [(p, services.Target(program=p)) for p in programs]
        models = {}
        for program, target in targets:
            key = program.id if program else None
            if key not in models:
                models[key] = services.import_model(tpl.spec, program, admin, template_key=tpl.key)
            run = services.run_evaluation(models[key], target, admin)
            counts = run.summary["grade_counts"]
            assert _spread(run) < 0.8, (tpl.key, run.target_label, counts)
            assert sum(1 for c in counts if c) >= 2, (tpl.key, run.target_label, counts)
            seen += 1
    assert seen == 3 * 8 + 3 * 2 + 1  # 3 student templates x 8 cohorts, 3 cohort templates x 2 programs, 1


def test_templates_are_named_in_the_users_language(app):
    from flask_babel import force_locale

    for tpl in list_templates():
        assert tpl.data["name_zh"] and tpl.data["name_en"] and tpl.data["description_zh"] and tpl.data["description_en"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in tpl.data["name_zh"]), tpl.key
        with app.test_request_context(), force_locale("en"):
            assert tpl.name == tpl.data["name_en"] and tpl.spec["name"] == tpl.data["name_en"]
            assert tpl.spec["description"] == tpl.data["description_en"].strip()
        with app.test_request_context(), force_locale("zh"):
            assert tpl.name == tpl.data["name_zh"] and tpl.spec["description"] == tpl.data["description_zh"].strip()
        assert "name_zh" not in tpl.spec  # the spec carries the one name a copied model gets
