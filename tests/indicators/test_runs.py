"""Runs end to end: numbers against an independent computation, snapshots, archived versions, sensitivity."""

from __future__ import annotations

import numpy as np
import pytest

from eduinnov.achievements.models import AchievementKind, Level, VerificationStatus
from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, LockedError, ValidationError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationRun, IndicatorNode
from eduinnov.indicators.services.checks import pruned_spec
from eduinnov.indicators.services.compute import simulate
from eduinnov.indicators.services.runs import _outcome_of
from tests.factories import make_achievement, make_user, simple_spec


@pytest.fixture
def model(data):
    return services.import_model(simple_spec(), data.program, data.director)


def _principal_weights(a):
    vals, vecs = np.linalg.eig(np.asarray(a, dtype=float))
    v = np.abs(vecs[:, np.argmax(vals.real)].real)
    return v / v.sum()


def test_run_matches_an_independent_computation(data, model):
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    # independent: AHP weights from numpy's eigenvector, min-max / target scoring by hand, weighted sum
    w = _principal_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert np.allclose(w, [4 / 7, 2 / 7, 1 / 7])
    projects = np.array([2, 1, 0, 0]) / 2          # s1..s4, min-max (min 0, max 2)
    papers = np.array([5, 3, 0, 0]) / 5            # weighted papers 5, 3, 0, 0
    awards = np.minimum(np.array([0, 0, 4, 4]) / 4, 1)  # target 4
    expected = w[0] * projects + w[1] * papers + w[2] * awards
    assert [r["label"] for r in run.results] == ["s1 (220001)", "s2 (220002)", "s3 (220003)", "s4 (220004)"]
    assert np.allclose([r["score"] for r in run.results], expected)
    assert [r["rank"] for r in run.results] == [1, 2, 3, 3]  # s3 and s4 tie: they share a competition rank
    assert [r["order"] for r in run.results] == [1, 2, 3, 4]  # the engine order: first appearance first
    assert [r["grade"] for r in run.results] == ["Excellent", "Fair", "Poor", "Poor"]
    assert np.allclose(run.weights["G"]["weights"], w)
    assert run.weights["G"]["CR"] == pytest.approx(0.0, abs=1e-9)
    assert run.inputs["values"]["L2"] == [5.0, 3.0, 0.0, 0.0]
    assert run.summary["grade_counts"] == [1, 0, 1, 2]
    assert run.summary["mean"] == pytest.approx(expected.mean())


def test_snapshot_does_not_change_when_data_change(data, model):
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    scores = [r["score"] for r in run.results]
    fingerprint = run.fingerprint
    make_achievement(data.program, [data.s[3]], AchievementKind.PROJECT, level=Level.NATIONAL,
                     verification_status=VerificationStatus.VERIFIED, verified_by_id=data.director.id,
                     verified_at=db.func.now())
    services.update_node(model.root.children[0], user=data.director, code="L1", name_zh="项目改名",
                         metric_key="projects", metric_params={"levels": ["national"]})
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(EvaluationRun, run.id)
    assert [r["score"] for r in stored.results] == scores
    assert stored.model_snapshot["tree"]["children"][0]["name_zh"] == "项目"
    assert stored.fingerprint == fingerprint == services.fingerprint_of(stored)
    again = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    assert again.fingerprint != fingerprint


def test_stored_runs_cannot_be_changed(data, model):
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    run.results = []
    with pytest.raises(LockedError):
        db.session.flush()
    db.session.rollback()


def test_archived_model_is_immutable(data, model):
    services.activate_model(model, data.director)
    services.archive_model(model, data.director)
    db.session.commit()
    leaf = model.root.children[0]
    with pytest.raises(LockedError):
        services.update_node(leaf, user=data.director, code="L1", name_zh="x", metric_key="projects")
    with pytest.raises(LockedError):
        services.add_node(model.root, code="L9", name_zh="x", user=data.director)
    with pytest.raises(LockedError):
        services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.rollback()
    # the flush guard holds whatever code path tries it
    db.session.get(IndicatorNode, leaf.id).name_zh = "changed behind the services' back"
    with pytest.raises(LockedError):
        db.session.flush()
    db.session.rollback()
    model.status = Lifecycle.DRAFT
    with pytest.raises(LockedError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(model)
    with pytest.raises(LockedError):
        db.session.flush()
    db.session.rollback()


def test_activating_archives_the_previous_version(data, model):
    services.activate_model(model, data.director)
    v2 = services.new_version(model, data.director)
    assert (v2.version, v2.status) == (2, Lifecycle.DRAFT)
    services.activate_model(v2, data.director)
    assert model.status == Lifecycle.ARCHIVED and v2.status == Lifecycle.ACTIVE


def test_run_refuses_a_target_in_another_program(data, model):
    other_cohort = data.nur_student.cohort
    with pytest.raises(ValidationError, match="another program"):
        services.run_evaluation(model, services.Target(cohort=other_cohort), data.director)
    teacher = make_user(Role.TEACHER, [data.program])
    with pytest.raises(DomainError):
        services.run_evaluation(model, services.Target(cohort=data.c22), teacher)


def test_incomplete_model_names_the_node(data):
    model = services.create_model(data.program, name="Empty", unit="cohort", user=data.director)
    services.add_node(model.root, code="B1", name_zh="组", user=data.director)
    with pytest.raises(ValidationError, match="B1.*metric"):
        services.run_evaluation(model, services.Target(program=data.program), data.director)


def test_missing_manual_rating_is_refused_without_default(data):
    spec = simple_spec(unit="cohort")
    spec["tree"]["children"][2] = {"code": "L3", "name_zh": "专家", "metric": "manual_score"}
    model = services.import_model(spec, data.program, data.director)
    with pytest.raises(ValidationError, match="L3"):
        services.run_evaluation(model, services.Target(program=data.program), data.director)


def test_sensitivity_is_deterministic_and_exact_without_perturbation(data, model):
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    a = run_reports.run_sensitivity(run, draws=200, spread=0.2, seed=7)
    b = run_reports.run_sensitivity(run, draws=200, spread=0.2, seed=7)
    c = run_reports.run_sensitivity(run, draws=200, spread=0.2, seed=8)
    assert a == b
    assert a["objects"] != c["objects"] or a["nodes"] != c["nodes"]
    lo, hi = a["nodes"]["G"][0]["min"], a["nodes"]["G"][0]["max"]
    assert 4 / 7 * 0.7 < lo < 4 / 7 < hi < 4 / 7 * 1.3
    # s1 keeps "Excellent" only while the projects+papers weights stay high enough: less than always
    s1 = a["objects"][0]
    assert 0 < s1["same_grade"] <= 1 and s1["rank_best"] == 1
    zero = run_reports.run_sensitivity(run, draws=10, spread=0.0, seed=1)
    assert all(o["same_grade"] == 1.0 and o["same_band"] == 1.0 for o in zero["objects"])
    with pytest.raises(ValidationError):
        run_reports.run_sensitivity(run, draws=5)


def test_compare_runs_of_two_cohorts(data):
    model = services.import_model(simple_spec(), data.program, data.director)
    a = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    b = services.run_evaluation(model, services.Target(cohort=data.c23), data.director)
    cmp = run_reports.compare_runs(a, b)
    assert [n["code"] for n in cmp["nodes"]] == ["G", "L1", "L2", "L3"]
    g = cmp["nodes"][0]
    assert g["mean_a"] == pytest.approx(a.summary["mean"]) and g["diff"] == pytest.approx(b.summary["mean"] - a.summary["mean"])
    other = services.import_model(simple_spec(name="Other", tree={**simple_spec()["tree"], "weighting": "equal"}),
                                  data.program, data.director)
    c = services.run_evaluation(other, services.Target(cohort=data.c22), data.director)
    with pytest.raises(DomainError):
        run_reports.compare_runs(a, c)


def test_batched_sensitivity_kernels_agree_with_the_engine(data):
    """At zero perturbation the vectorised re-evaluation reproduces the engine's scores for every method."""
    from eduinnov.indicators.yaml_io import list_templates
    from tests.indicators.test_templates import enrich

    enrich(data)
    admin = make_user(Role.ADMIN)
    for tpl in list_templates():
        institution = tpl.unit == "program"
        model = services.import_model(tpl.spec, None if institution else data.program,
                                      admin if institution else data.director)
        target = (services.Target(cohort=data.c22) if tpl.unit == "student"
                  else services.Target(program=None if institution else data.program))
        run = services.run_evaluation(model, target, admin if institution else data.director)
        import pandas as pd
        raw = pd.DataFrame(run.inputs["values"], index=[o["id"] for o in run.inputs["objects"]])
        spec = pruned_spec(run.model_snapshot, raw)  # information-free leaves excluded, as the run did
        scores, grades, _w, _f = simulate(spec, raw, _outcome_of(run), draws=10, spread=0.0, seed=1)
        assert np.allclose(scores, [r["score"] for r in run.results], atol=1e-9), tpl.key
        assert (grades == [r["grade_index"] for r in run.results]).all(), tpl.key


def test_tied_scores_share_their_rank_on_the_page_and_in_the_export(data, model):
    """s3 and s4 have the same achievements: one shared rank everywhere a rank is shown (1, 2, 3, 3)."""
    from eduinnov.reports.tables import run_results_table

    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    scores = [r["score"] for r in run.results]
    assert scores[2] == scores[3]
    view = run_reports.run_view(run)
    assert [(r["label"], r["rank"]) for r in view["ranking"]] == [
        ("s1 (220001)", 1), ("s2 (220002)", 2), ("s3 (220003)", 3), ("s4 (220004)", 3)]
    assert [row["rank"] for row in run_results_table(run).rows] == [1, 2, 3, 3]
    # a run stored before ranks were shared (ordinal ranks, no "order") is shown the same way
    run.results = [{k: v for k, v in r.items() if k != "order"} | {"rank": i + 1} for i, r in enumerate(run.results)]
    assert [r["rank"] for r in run_reports.ranked_results(run)] == [1, 2, 3, 3]
