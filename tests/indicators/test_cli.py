"""`flask evaluate`: runs and stores a model from the command line."""

from __future__ import annotations

import json

from eduinnov.auth.models import Role
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationRun
from tests.factories import make_user, simple_spec


def test_evaluate_json(runner, data):
    model = services.import_model(simple_spec(), data.program, data.director)
    services.activate_model(model, data.director)
    db.session.commit()
    admin = make_user(Role.ADMIN)
    result = runner.invoke(args=["evaluate", "--model", "Simple student model", "--cohort", str(data.c22.id),
                                 "--json", "--as", admin.email])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    # s3 and s4 score the same: a tie shares its (competition) rank
    assert [r["rank"] for r in out["results"]] == [1, 2, 3, 3]
    assert out["results"][2]["score"] == out["results"][3]["score"]
    assert out["results"][0]["label"] == "s1 (220001)"
    run = db.session.get(EvaluationRun, out["run_id"])
    assert run is not None and run.fingerprint == out["fingerprint"]


def test_evaluate_table_and_errors(runner, data):
    services.import_model(simple_spec(), data.program, data.director)
    db.session.commit()
    make_user(Role.ADMIN)
    result = runner.invoke(args=["evaluate", "--model", "Simple student model", "--cohort", str(data.c22.id),
                                 "--sensitivity", "50"])
    assert result.exit_code == 0, result.output
    assert "s1 (220001)" in result.output and "Excellent" in result.output and "sensitivity (50 draws" in result.output
    result = runner.invoke(args=["evaluate", "--model", "No such model", "--cohort", str(data.c22.id)])
    assert result.exit_code != 0 and "no model 'No such model'" in result.output
    result = runner.invoke(args=["evaluate", "--model", "Simple student model", "--cohort", "999999"])
    assert result.exit_code != 0 and "no cohort with id 999999" in result.output
    # a student model needs a cohort: the message says so and nothing is stored
    result = runner.invoke(args=["evaluate", "--model", "Simple student model", "--program", str(data.program.id)])
    assert result.exit_code != 0 and "choose a cohort" in result.output
    assert db.session.query(EvaluationRun).count() == 1
