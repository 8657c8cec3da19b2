"""Leaf targets: absolute, cohort percentile, calibrated from earlier cohorts (hand-counted data in conftest).

Verified projects per student: cohort 2022 s1..s4 = 2, 1, 0, 0 (A3 of s3 is only claimed); cohort 2023 s5 = 0.
Percentiles are observed values (smallest value with at least P % at or below it): P90 of {0, 0, 1, 2} is 2,
P50 is 0.
"""

from __future__ import annotations

import copy

import pytest

from eduinnov.core.errors import ValidationError
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators import services
from eduinnov.indicators.services.targets import distribution, suggest_target
from eduinnov.indicators.spec import SpecError, validate_spec
from tests.factories import simple_spec


def spec_with(scaling: dict, unit: str = "student", direction: str = "benefit") -> dict:
    spec = simple_spec(unit=unit)
    leaf = spec["tree"]["children"][0]
    leaf.update({"scaling": scaling, "direction": direction})
    return spec


@pytest.mark.parametrize(("scaling", "extra", "message"), [
    ({"method": "target", "mode": "median", "target": 1}, {}, "scaling.mode: must be one of absolute, percentile"),
    ({"method": "target", "mode": "percentile", "percentile": 40, "target": 1}, {}, "scaling.percentile: 40 is out"),
    ({"method": "target", "mode": "percentile", "percentile": 90}, {}, "scaling.target: must be a number"),
    ({"method": "target", "mode": "calibrated", "cohorts": 0, "target": 1}, {}, "scaling.cohorts: give the number"),
    ({"method": "target", "mode": "calibrated", "cohorts": 2.5, "target": 1}, {}, "scaling.cohorts"),
    ({"method": "target", "target": 1, "cohorts": 3}, {}, "scaling.cohorts: only used by the percentile"),
    ({"method": "target", "mode": "percentile", "target": 1, "cohorts": 3}, {}, "only used by the calibrated mode"),
    ({"method": "target", "mode": "percentile", "target": 1, "p": 3}, {}, "unknown field p"),
    ({"method": "target", "mode": "percentile", "target": 1}, {"direction": "cost"}, "for benefit leaves"),
    ({"method": "target", "mode": "calibrated", "target": 1}, {"unit": "cohort"}, "calibration from earlier cohorts"),
])
def test_spec_checks_target_fields(scaling, extra, message):
    spec = spec_with(scaling, **extra)
    if extra.get("unit") == "cohort":
        spec["tree"]["children"][0]["metric"] = "projects"
    with pytest.raises(SpecError, match="L1") as info:
        validate_spec(spec)
    assert message in str(info.value)


def test_spec_normalises_target_modes():
    absolute = validate_spec(spec_with({"method": "target", "target": 3}))["tree"]["children"][0]["scaling"]
    assert absolute == {"method": "target", "target": 3.0}  # absolute stays as it always was
    calibrated = validate_spec(spec_with({"method": "target", "mode": "calibrated", "target": 2}))
    assert calibrated["tree"]["children"][0]["scaling"] == {"method": "target", "mode": "calibrated", "target": 2.0,
                                                            "percentile": 90.0, "cohorts": 3}


def test_distribution_and_suggestion_by_hand():
    assert distribution([2, 1, 0, 0]) == {"n": 4, "min": 0.0, "p50": 0.0, "p90": 2.0, "max": 2.0, "zero_share": 0.5}
    assert distribution([]) == {"n": 0, "min": None, "p50": None, "p90": None, "max": None, "zero_share": None}
    assert suggest_target([2, 1, 0, 0], 90, 5) == (2.0, False)
    assert suggest_target([3, 1, 0, 0, 0, 0, 0, 0, 0, 0], 90, 5) == (1.0, False)  # 9 of 10 at or below 1
    assert suggest_target([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 90, 5) == (5, True)  # P90 is 0: the fallback
    assert suggest_target([], 90, None) == (None, True)


def _run(data, spec, cohort):
    model = services.import_model(spec, data.program, data.director)
    return services.run_evaluation(model, services.Target(cohort=cohort), data.director)


def test_percentile_target_is_resolved_and_recorded(data):
    run = _run(data, spec_with({"method": "target", "mode": "percentile", "percentile": 90, "target": 5}), data.c22)
    record = run.summary["targets"]["L1"]
    assert record["mode"] == "percentile" and record["value"] == 2.0 and record["fallback"] is False
    assert record["configured"] == 5.0 and record["basis"] == "run"
    assert record["distribution"] == {"n": 4, "min": 0.0, "p50": 0.0, "p90": 2.0, "max": 2.0, "zero_share": 0.5}
    assert run.node_scores["L1"] == [1.0, 0.5, 0.0, 0.0]
    # The snapshot keeps the mode; the configured fallback is in the record.
    assert run.model_snapshot["tree"]["children"][0]["scaling"]["mode"] == "percentile"
    # The absolute leaf is recorded too, with the distribution it was applied to.
    assert run.summary["targets"]["L3"]["mode"] == "absolute" and run.summary["targets"]["L3"]["value"] == 4.0


def test_calibrated_target_comes_from_earlier_cohorts(data):
    spec = spec_with({"method": "target", "mode": "calibrated", "percentile": 90, "cohorts": 1, "target": 5})
    model = services.import_model(spec, data.program, data.director)
    later = services.run_evaluation(model, services.Target(cohort=data.c23), data.director)
    record = later.summary["targets"]["L1"]
    assert record["mode"] == "calibrated" and record["basis_cohorts"] == [2022]
    assert record["value"] == 2.0 and record["fallback"] is False and record["distribution"]["n"] == 4
    assert later.node_scores["L1"] == [0.0]  # s5 has no project: 0 of the 2 that count as full marks
    # The first cohort has no earlier one: the configured target is used, and the run says so.
    first = services.run_evaluation(model, services.Target(cohort=data.c22), data.director)
    record = first.summary["targets"]["L1"]
    assert record["fallback"] is True and record["value"] == 5.0 and record["basis_cohorts"] == []
    assert first.node_scores["L1"] == pytest.approx([0.4, 0.2, 0.0, 0.0])
    # Both runs of the same version can be compared (same tree in the snapshot).
    assert run_reports.compare_runs(first, later)["nodes"][1]["code"] == "L1"


def test_model_with_invalid_target_is_refused_on_import(data):
    spec = spec_with({"method": "target", "mode": "percentile", "percentile": 101, "target": 1})
    with pytest.raises(ValidationError, match="scaling.percentile"):
        services.import_model(copy.deepcopy(spec), data.program, data.director)


# --- the "suggest targets" page --------------------------------------------------------------------------


def _model(data):
    spec = spec_with({"method": "target", "mode": "calibrated", "percentile": 90, "cohorts": 1, "target": 5})
    return services.import_model(spec, data.program, data.director)


def test_suggest_targets_page_shows_distribution_and_suggestion(data, login_as, db):
    model = _model(data)
    db.session.commit()
    b = login_as(data.director)
    page = b.get(f"/evaluation/models/{model.id}/targets?cohort_id={data.c23.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # L1 (calibrated on 2022's projects 2, 1, 0, 0): P90 = 2 suggested from the 2022 cohort; zeros 50 %.
    assert 'name="target-L1" value="2"' in html and "50%" in html
    # L3 (absolute 4, awards weighted): suggested from the 2022 students' awards too.
    assert 'name="target-L3"' in html
    assert "csrf_token" in html


def test_suggested_targets_accepted_into_a_new_version(data, login_as, db):
    from eduinnov.indicators.models import EvaluationModel

    model = _model(data)
    db.session.commit()
    b = login_as(data.director)
    url = f"/evaluation/models/{model.id}/targets"
    r = b.post(url, {"target-L1": "3", "target-L3": "2.5"}, token_from=url)
    assert r.status_code == 302
    new = db.session.query(EvaluationModel).filter_by(derived_from_id=model.id).one()
    assert new.version == model.version + 1 and new.status.value == "draft"
    leaves = {n.code: n.scaling for n in new.nodes if not n.children}
    assert leaves["L1"] == {"method": "target", "target": 3.0}
    assert leaves["L3"] == {"method": "target", "target": 2.5}
    assert leaves["L2"] == {"method": "minmax"}


@pytest.mark.parametrize("values", [{"target-L1": "-1"}, {"target-L1": "abc"}, {"target-L2": "3"}, {}])
def test_bad_targets_change_nothing(data, login_as, db, values):
    from eduinnov.indicators.models import EvaluationModel

    model = _model(data)
    db.session.commit()
    b = login_as(data.director)
    url = f"/evaluation/models/{model.id}/targets"
    r = b.post(url, values, token_from=url)
    assert r.status_code == 302 and "/targets" in r.headers["Location"]
    assert db.session.query(EvaluationModel).count() == 1


def test_suggest_targets_needs_csrf_and_the_program(data, login_as, db):
    from eduinnov.auth.models import Role
    from eduinnov.indicators.models import EvaluationModel
    from tests.factories import make_user

    model = _model(data)
    db.session.commit()
    outsider = make_user(Role.DIRECTOR, [data.other_program])
    assert login_as(outsider).get(f"/evaluation/models/{model.id}/targets").status_code == 404
    teacher = make_user(Role.TEACHER, [data.program])
    assert login_as(teacher).get(f"/evaluation/models/{model.id}/targets").status_code == 403
    b = login_as(data.director)
    r = b.client.post(f"/evaluation/models/{model.id}/targets", data={"target-L1": "3"})  # no CSRF token
    assert r.status_code in (302, 400)
    assert db.session.query(EvaluationModel).count() == 1


def test_node_editor_sets_and_keeps_the_target_mode(data, login_as, db):
    from eduinnov.indicators.models import IndicatorNode

    model = _model(data)
    db.session.commit()
    node = next(n for n in model.nodes if n.code == "L1")
    b = login_as(data.director)
    page = b.get(f"/evaluation/nodes/{node.id}").get_data(as_text=True)
    assert '<option selected value="calibrated">' in page or 'value="calibrated" selected' in page
    form = {"code": "L1", "name_zh": "项目", "metric_key": "projects", "direction": "benefit",
            "scaling_method": "target", "scaling_target": "4", "target_mode": "percentile", "target_percentile": "80",
            "target_cohorts": "3"}
    r = b.post(f"/evaluation/nodes/{node.id}", form, token_from=f"/evaluation/nodes/{node.id}")
    assert r.status_code == 302
    assert db.session.get(IndicatorNode, node.id).scaling == {"method": "target", "target": 4.0, "mode": "percentile",
                                                              "percentile": 80.0}
    # A cost leaf cannot take a percentile target: refused with the validation message, nothing changed.
    bad = b.post(f"/evaluation/nodes/{node.id}", {**form, "direction": "cost"}, token_from=f"/evaluation/nodes/{node.id}")
    assert bad.status_code in (200, 302, 400, 409)
    db.session.expire_all()
    assert db.session.get(IndicatorNode, node.id).direction.value == "benefit"


def test_run_page_shows_the_target_used(data, login_as, db):
    spec = spec_with({"method": "target", "mode": "percentile", "percentile": 90, "target": 5})
    run = _run(data, spec, data.c22)
    db.session.commit()
    html = login_as(data.director).get(f"/evaluation/runs/{run.id}").get_data(as_text=True)
    assert "Target 2: P90 of this run" in html and "Target 4 (absolute)" in html
