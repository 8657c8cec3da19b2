"""Method parameters come from one registry (evaluation/params.py): the YAML check, the node form and the
typed model all apply its defaults and bounds (issue #14 §2)."""

from __future__ import annotations

import pytest

from eduinnov.evaluation.params import PARAMS
from eduinnov.indicators.forms import NodeForm
from eduinnov.indicators.spec import SpecError, build_model, validate_spec


def _spec(aggregation: str, params: dict | None = None, weighting: str = "equal", wparams: dict | None = None):
    tree = {"code": "G", "name_zh": "目标", "weighting": weighting, "aggregation": aggregation,
            "children": [{"code": "A", "name_zh": "甲", "metric": "projects"},
                         {"code": "B", "name_zh": "乙", "metric": "publications_weighted"}]}
    if params is not None:
        tree["aggregation_params"] = params
    if wparams is not None:
        tree["weighting_params"] = wparams
    if weighting == "ahm":
        tree["judgments"] = {"A": {"B": 3}}
    return {"name": "m", "unit": "student", "tree": tree,
            "grade_scale": [{"name_en": "Good", "min": 0.5, "max": 1, "value": 0.75},
                            {"name_en": "Poor", "min": 0, "max": 0.5, "value": 0.25}]}


def test_absent_parameters_take_the_registry_defaults_everywhere(app):
    gra = validate_spec(_spec("gra"))
    assert gra["tree"]["aggregation_params"] == {"rho": PARAMS[("gra", "rho")].default}
    pca = validate_spec(_spec("pca"))
    assert pca["tree"]["aggregation_params"]["threshold"] == 0.85
    ahm = validate_spec(_spec("weighted_sum", weighting="ahm"))
    assert ahm["tree"]["weighting_params"] == {"beta": 2.0}
    assert build_model(gra).tree.rho == 0.5 and build_model(ahm).tree.beta == 2.0
    with app.test_request_context():
        form = NodeForm(meta={"csrf": False})
        assert (form.rho.data, form.threshold.data, form.beta.data, form.lam.data, form.floor.data) == (
            0.5, 0.85, 2.0, 0.6, 0.01)


@pytest.mark.parametrize(("aggregation", "params", "field"), [
    ("gra", {"rho": 0}, "rho"), ("gra", {"rho": 1.5}, "rho"), ("pca", {"threshold": 0}, "threshold"),
    ("unascertained", {"lambda": 0}, "lambda"), ("coupling", {"floor": 0}, "floor"),
])
def test_out_of_range_parameters_are_refused_with_the_registry_interval(app, aggregation, params, field):
    with pytest.raises(SpecError, match=rf"aggregation_params\.{field}.*out of range [\(\[]"):
        validate_spec(_spec(aggregation, params))


def test_the_node_form_refuses_what_the_yaml_check_refuses(app):
    with app.test_request_context(method="POST", data={"code": "G", "name_zh": "目标", "rho": "0", "lam": "1.5",
                                                       "beta": "0.5", "alpha": "0.5"}):
        form = NodeForm(meta={"csrf": False})
        for field in (form.rho, form.lam, form.beta, form.alpha):
            field.validate(form)
        assert "(0, 1]" in form.rho.errors[0]
        assert "(0, 1]" in form.lam.errors[0]
        assert "[1, ∞)" in form.beta.errors[0]
        assert not form.alpha.errors
