"""Health check of stored runs, the director's review, and which runs dashboards, comparisons and packs use."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from sqlalchemy import select

from eduinnov.auth.models import Role
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from eduinnov.indicators import queries, services
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, EvaluationRunReview
from eduinnov.reports import pack
from eduinnov.reports import queries as report_queries
from tests.factories import make_cohort, make_student, make_user, simple_spec
from tests.indicators.test_templates import enrich


def _unreachable_spec() -> dict:
    """simple_spec with targets nobody reaches: every student scores below 0.4 and is graded Poor."""
    spec = simple_spec(name="Harsh model")
    for leaf in spec["tree"]["children"]:
        leaf["scaling"] = {"method": "target", "target": 100}
    return spec


@pytest.fixture
def runs(data):
    good_model = services.import_model(simple_spec(), data.program, data.director)
    good = services.run_evaluation(good_model, services.Target(cohort=data.c22), data.director)
    harsh_model = services.import_model(_unreachable_spec(), data.program, data.director)
    bad = services.run_evaluation(harsh_model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    return good, bad


def _check(run, key):
    return next(c for c in run.summary["health"]["checks"] if c["key"] == key)


def test_health_is_computed_from_the_run_and_stored_with_its_snapshot(runs):
    good, bad = runs
    # good: scores 0.857, 0.457, 0.143, 0.143 -> Excellent, Fair, Poor, Poor: 2 of 4 at most in one grade
    assert good.health_passed is True and good.summary["health"]["passed"] is True
    assert [c["key"] for c in good.summary["health"]["checks"]] == [
        "information", "distribution", "reach", "grade_rule", "stability"]
    assert _check(good, "distribution")["data"]["counts"] == [1, 0, 1, 2]
    assert _check(good, "reach")["data"]["lowest"] == pytest.approx(0.0)
    assert _check(good, "reach")["data"]["highest"] == pytest.approx(1.0)
    assert [r["rank"] for r in good.results] == [1, 2, 3, 3]
    # bad: every student Poor
    assert bad.health_passed is False
    dist = _check(bad, "distribution")
    assert dist["status"] == "fail" and dist["data"]["share"] == 1.0 and dist["data"]["grade_index"] == 4
    assert bad.summary["health"]["reasons"] == [dist["reason"]]
    # the health report is part of the fingerprinted snapshot
    assert services.fingerprint_of(bad) == bad.fingerprint
    tampered = copy.deepcopy(bad.summary)
    tampered["health"]["passed"] = True
    clone = EvaluationRun(**{c: getattr(bad, c) for c in ("model_snapshot", "model_name", "model_version", "unit",
                                                          "target_label", "inputs", "weights", "node_scores",
                                                          "results")}, summary=tampered)
    assert services.fingerprint_of(clone) != bad.fingerprint


def test_failed_run_is_held_back_until_a_director_reviews_it(runs, data):
    good, bad = runs
    cohort = data.c22
    # the dashboard shows the newest PUBLISHED run: the older, healthy one
    assert report_queries.get_latest_student_run(cohort).id == good.id
    assert [r.id for r in pack.list_pack_runs(cohort)] == [good.id]
    with pytest.raises(ValidationError, match="failed its health check"):
        from eduinnov.reports.services import resolve_pack_run
        resolve_pack_run(cohort, bad.id)
    # the same model on a cohort with no achievements: only L3 (target) is left, everybody scores 0: Poor
    empty = make_cohort(data.program, 2025)
    for i in range(3):
        make_student(empty, student_no=f"25000{i}")
    held = services.run_evaluation(good.model, services.Target(cohort=empty), data.director)
    assert held.health_passed is False and {e["code"] for e in held.summary["health"]["excluded"]} == {"L1", "L2"}
    good2 = services.run_evaluation(good.model, services.Target(cohort=data.c23), data.director)
    with pytest.raises(DomainError, match="health check failed"):
        run_reports.compare_runs(good, held)
    assert [r.id for r in queries.runs_to_compare(data.director, good)] == [good2.id]

    teacher = make_user(Role.TEACHER, [data.program])
    with pytest.raises(DomainError, match="not allowed"):
        services.review_run(bad, "The cohort genuinely has no outcomes yet.", teacher)
    with pytest.raises(ValidationError, match="at least 20"):
        services.review_run(bad, "  fine  ", data.director)
    with pytest.raises(DomainError, match="nothing to review"):
        services.review_run(good, "This run passed anyway, but let us review.", data.director)
    assert db.session.scalar(select(EvaluationRunReview.id)) is None

    review = services.review_run(bad, "Targets are the ministry's; nobody in 2022 reached them.", data.director)
    db.session.commit()
    bad = db.session.get(EvaluationRun, bad.id)
    assert bad.review.reviewed_by_id == data.director.id and bad.review.reviewed_at is not None
    assert bad.is_published and bad.fingerprint == services.fingerprint_of(bad)  # the run itself is untouched
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "evaluation_run_reviews")).all()
    assert len(audit) == 1 and audit[0].action == "create" and audit[0].entity_id == review.id
    assert "nobody in 2022" in json.dumps(audit[0].changes, ensure_ascii=False)
    assert report_queries.get_latest_student_run(cohort).id == bad.id
    assert bad.id in [r.id for r in pack.list_pack_runs(cohort)]
    services.review_run(held, "A new cohort: the verdict is expected to be empty.", data.director)
    run_reports.compare_runs(good, held)  # no longer refused
    with pytest.raises(DomainError, match="already been reviewed"):
        services.review_run(bad, "A second opinion on the same run.", data.director)


def test_run_page_says_what_failed_and_what_to_do_and_takes_the_review(runs, data, login_as):
    good, bad = runs
    b = login_as(data.director)
    b.client.set_cookie("lang", "en")
    page = b.get(f"/evaluation/runs/{bad.id}").get_data(as_text=True)
    assert "Health check failed — not published" in page
    assert "100 % of the units are graded Poor." in page and "Calibrate the targets" in page
    assert 'name="reason"' in page
    url = f"/evaluation/runs/{bad.id}/review"
    r = b.post(url, {"reason": "short"}, token_from=f"/evaluation/runs/{bad.id}")
    assert r.status_code == 302 and db.session.scalar(select(EvaluationRunReview.id)) is None
    r = b.post(url, {"reason": "Targets are the ministry's; nobody reached them."},
               token_from=f"/evaluation/runs/{bad.id}")
    assert r.status_code == 302
    page = b.get(f"/evaluation/runs/{bad.id}").get_data(as_text=True)
    assert "Health check failed — reviewed, published" in page and "nobody reached them" in page
    assert 'name="reason"' not in page
    healthy = b.get(f"/evaluation/runs/{good.id}").get_data(as_text=True)
    assert "Health check passed" in healthy and 'name="reason"' not in healthy
    assert "0.85 ≤ score</div>" in healthy and "0 ≤ score &lt; 0.4" in healthy  # band legend of a band rule
    teacher = login_as(make_user(Role.TEACHER, [data.program]))
    assert teacher.post(url, {"reason": "A teacher cannot publish a run."},
                        token_from=f"/evaluation/runs/{good.id}").status_code == 403


def test_membership_rule_shows_memberships_that_give_each_grade(data, login_as):
    from eduinnov.indicators.yaml_io import get_template

    enrich(data)
    tpl = get_template("ahp_fuzzy")
    model = services.import_model(tpl.spec, data.program, data.director, template_key=tpl.key)
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    mem = np.array(run.summary["membership"])
    grades = [r["grade_index"] for r in run.results]
    assert mem.shape == (len(run.results), 5) and np.allclose(mem.sum(axis=1), 1)
    assert (mem.argmax(axis=1) + 1).tolist() == grades  # the memberships shown give the grades shown
    values = np.array([g["value"] for g in tpl.spec["grade_scale"]])
    assert np.allclose(mem @ values, [r["score"] for r in run.results])  # score = Σ membership × value
    b = login_as(data.director)
    b.client.set_cookie("lang", "en")
    page = b.get(f"/evaluation/runs/{run.id}").get_data(as_text=True)
    assert "maximum membership of fuzzy comprehensive evaluation" in page
    scale = tpl.spec["grade_scale"]  # the legend shows the grades' values, never score bands
    assert f"grade value {scale[2]['value']:g}" in page and f"≥ {scale[1]['min']:g}" not in page
    assert "Σ membership × grade value" in page


def test_cli_runs_a_template_directly_with_health_and_competition_ranks(runner, data):
    make_user(Role.ADMIN)
    listing = runner.invoke(args=["evaluate", "--list-templates"])
    assert listing.exit_code == 0 and "grey_fuzzy" in listing.output and "student" in listing.output
    assert len(listing.output.strip().splitlines()) == 7
    args = ["evaluate", "--template", "ahp_fuzzy", "--cohort", str(data.c22.id), "--json"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    assert out["template"] == "ahp_fuzzy" and isinstance(out["health"]["passed"], bool)
    assert {c["key"] for c in out["health"]["checks"]} >= {"information", "distribution", "reach", "grade_rule"}
    scores = [r["score"] for r in out["results"]]
    expected = [1 + sum(1 for t in scores if t > s * (1 + 1e-9) + 1e-300) for s in scores]
    assert [r["rank"] for r in out["results"]] == expected
    second = runner.invoke(args=args)
    assert second.exit_code == 0
    models = db.session.scalars(select(EvaluationModel).where(EvaluationModel.template_key == "ahp_fuzzy")).all()
    assert len(models) == 1 and models[0].program_id == data.program.id  # copied once, then reused
    bad = runner.invoke(args=["evaluate", "--template", "nope", "--cohort", str(data.c22.id)])
    assert bad.exit_code != 0 and "--list-templates" in bad.output
    both = runner.invoke(args=["evaluate", "--template", "ahp_fuzzy", "--model", "x", "--cohort", str(data.c22.id)])
    assert both.exit_code != 0 and "either --model" in both.output


def test_export_and_pack_state_the_rule_used(data, login_as):
    from eduinnov.indicators.yaml_io import get_template
    from eduinnov.reports.tables import run_results_table

    enrich(data)
    tpl = get_template("ahp_fuzzy")
    model = services.import_model(tpl.spec, data.program, data.director, template_key=tpl.key)
    run = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    db.session.commit()
    part = pack._evaluation_part(run, data.c22, "en")
    assert part["legend"]["rule"] == "max_membership" and "maximum membership" in part["legend"]["text"]
    assert [g["value"] for g in part["legend"]["grades"]] == [g["value"] for g in tpl.spec["grade_scale"]]
    assert part["results"] == [] and part["named_rows"] == []  # students are not named by default
    named = pack._evaluation_part(run, data.c22, "en", named=True)  # a director opted in
    by_label = {r["label"]: r for r in named["named_rows"]}
    for res, mem in zip(run.results, run.summary["membership"], strict=True):
        assert by_label[res["label"]]["membership"] == pytest.approx(mem, abs=1e-6)  # the pack keeps 6 decimals
    table = run_results_table(run)
    keys = [c.key for c in table.columns]
    assert keys[:5] == ["rank", "label", "score", "grade", "rule"] and keys[5:10] == [f"member:{k}" for k in range(5)]
    assert {r["rule"] for r in table.rows} == {"maximum membership"}
    for row in table.rows:
        mem = [row[f"member:{k}"] for k in range(5)]
        assert int(np.argmax(mem)) + 1 == next(r["grade_index"] for r in run.results if r["label"] == row["label"])


def test_dashboard_shows_the_published_run_and_points_to_the_held_one(runs, data, login_as):
    good, bad = runs
    b = login_as(data.director)
    b.client.set_cookie("lang", "en")
    page = b.get(f"/dashboards/cohorts/{data.c22.id}").get_data(as_text=True)
    assert f"/evaluation/runs/{good.id}\"" in page  # the healthy run is the one shown
    assert "A newer evaluation failed its health check" in page and f"/evaluation/runs/{bad.id}#health" in page
    assert "Grade rule" in page and "Excellent ≥ 0.85" in page
    services.review_run(bad, "Targets are the ministry's; nobody reached them.", data.director)
    db.session.commit()
    page = b.get(f"/dashboards/cohorts/{data.c22.id}").get_data(as_text=True)
    assert f"/evaluation/runs/{bad.id}\"" in page and "A newer evaluation failed" not in page


def test_a_run_stored_before_the_health_check_still_shows_and_computes(data, login_as):
    """Runs made before this change have no health report and were evaluated without exclusions."""
    import pandas as pd

    from eduinnov.indicators.services.compute import evaluate_spec
    from eduinnov.indicators.spec import model_to_spec, validate_spec

    model = services.import_model(simple_spec(), data.program, data.director)
    spec = validate_spec(model_to_spec(model))
    ids = [s.id for s in (data.s[1], data.s[2], data.s[3], data.s[4])]
    raw = pd.DataFrame({"L1": [0.0] * 4, "L2": [5.0, 3.0, 0.0, 0.0], "L3": [0.0, 0.0, 4.0, 4.0]},
                       index=pd.Index(ids, dtype="int64"))  # L1 constant: the old evaluation gave it 1 for all
    out = evaluate_spec(spec, raw)
    scale = spec["grade_scale"]
    legacy = EvaluationRun(
        model=model, program_id=data.program.id, model_name=model.name, model_version=1, unit=model.unit,
        target_cohort_id=data.c22.id, target_label="legacy", created_by_id=data.director.id, model_snapshot=spec,
        inputs={"objects": [{"id": i, "label": f"o{i}"} for i in ids], "values": out.inputs, "metrics": {}},
        weights=out.weights, node_scores=out.node_scores,
        results=[{"id": i, "label": f"o{i}", "score": s, "grade_index": g, "grade": scale[g - 1]["name_en"],
                  "grade_zh": scale[g - 1]["name_zh"], "rank": r}
                 for i, s, g, r in zip(ids, out.scores, out.grades, out.ranks, strict=True)],
        summary={"n": 4, "mean": float(np.mean(out.scores)), "median": 0.0, "min": 0.0, "max": 1.0,
                 "grade_counts": [out.grades.count(k) for k in range(1, 5)], "mean_grade_index": 3,
                 "grade_rule": "band", "warnings": []},
        fingerprint="")
    legacy.fingerprint = services.fingerprint_of(legacy)
    db.session.add(legacy)
    db.session.commit()
    assert legacy.health_passed is None and legacy.is_published
    report = run_reports.run_sensitivity(legacy, draws=20, spread=0.0)
    assert all(o["same_grade"] == 1.0 for o in report["objects"])
    assert [r["rank"] for r in run_reports.run_view(legacy)["ranking"]] == [1, 2, 3, 3]  # competition ranks
    b = login_as(data.director)
    b.client.set_cookie("lang", "en")
    page = b.get(f"/evaluation/runs/{legacy.id}").get_data(as_text=True)
    assert "stored before runs were health-checked" in page


def test_run_lists_mark_the_runs_held_back(runs, data, login_as):
    good, bad = runs
    b = login_as(data.director)
    b.client.set_cookie("lang", "en")
    page = b.get("/evaluation/runs").get_data(as_text=True)
    assert page.count("Health check failed — not published") == 1
    row = page[page.index(f"/evaluation/runs/{bad.id}\""):]
    assert row.index("Health check failed") < row.index("</tr>")
    detail = b.get(f"/evaluation/models/{bad.model_id}").get_data(as_text=True)
    assert "Health check failed — not published" in detail


def test_home_figure_of_held_runs_links_to_the_runs_it_counts(runs, data, login_as):
    from tests.clients import figure
    good, bad = runs
    other = make_user(Role.TEACHER, name="他人")  # directs nothing: sees no held run
    b = login_as(data.director)
    count, url = figure(b.get("/").get_data(as_text=True), "fig-health")
    assert (count, url) == (1, "/evaluation/?health=failed")
    page = b.get(url).get_data(as_text=True)
    assert page.count('class="held-run"') == count
    assert f"/evaluation/runs/{bad.id}" in page and f"/indicators/runs/{good.id}\"" not in page
    assert 'id="held-runs"' not in b.get("/evaluation/").get_data(as_text=True)  # only when filtered
    assert login_as(other).get(url).get_data(as_text=True).count('class="held-run"') == 0
