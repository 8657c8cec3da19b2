"""The information-free leaf rule (a pre-pass over spec and raw values), checked against hand-worked scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eduinnov.indicators.informative import NothingVaries, prepare_informative
from eduinnov.indicators.services.checks import evaluate_checked
from eduinnov.indicators.spec import validate_spec
from tests.factories import simple_spec


def _raw(**cols):
    n = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=pd.Index(range(1, n + 1), dtype="int64"), dtype=float)


def test_constant_minmax_leaf_is_excluded_and_ahp_weights_renormalised(app):
    spec = validate_spec(simple_spec())  # AHP 4/7, 2/7, 1/7 over L1 (min-max), L2 (min-max), L3 (target 4)
    raw = _raw(L1=[0, 0, 0, 0], L2=[5, 3, 0, 1], L3=[0, 4, 2, 8])
    out, prepass = evaluate_checked(spec, raw)
    assert [e["code"] for e in prepass.excluded] == ["L1"]
    # weights computed as before over all three, then renormalised over L2, L3: 2/3 and 1/3
    w = out.weights["G"]
    assert w["children"] == ["L2", "L3"] and w["excluded_children"] == ["L1"]
    assert np.allclose(w["weights"], [2 / 3, 1 / 3]) and w["weighting"] == "ahp"
    assert np.allclose(w["weights_before_exclusion"], [4 / 7, 2 / 7, 1 / 7]) and w["CR"] == pytest.approx(0, abs=1e-9)
    expected = 2 / 3 * np.array([1, 0.6, 0, 0.2]) + 1 / 3 * np.array([0, 1, 0.5, 1])
    assert np.allclose(out.scores, expected)
    assert out.ranks == [2, 1, 4, 3]  # 0.667, 0.733, 0.167, 0.467
    assert "L1" not in out.node_scores  # never scored: it would read 1 ("best") for everyone
    # without the pre-pass L1 would add 4/7 to every unit
    assert max(out.scores) < 4 / 7 + 2 / 7


def test_constant_target_leaf_stays_and_is_scored_against_its_target(app):
    spec = validate_spec(simple_spec())
    raw = _raw(L1=[2, 1, 0, 0], L2=[5, 3, 0, 0], L3=[0, 0, 0, 0])  # nobody has an award: L3 scores 0
    out, prepass = evaluate_checked(spec, raw)
    assert prepass.excluded == []
    w = np.array([4, 2, 1]) / 7
    assert np.allclose(out.scores, w[0] * np.array([1, 0.5, 0, 0]) + w[1] * np.array([1, 0.6, 0, 0]))
    assert out.node_scores["L3"] == [0.0] * 4
    assert out.ranks == [1, 2, 3, 4]  # the engine's order: a tie broken by first appearance
    from eduinnov.evaluation import competition_rank
    assert competition_rank(np.asarray(out.scores)).tolist() == [1, 2, 3, 3]  # shown: s3 and s4 share rank 3


def test_relative_parent_excludes_constant_target_children_and_empty_nodes(app):
    spec = simple_spec()
    spec["tree"] = {
        "code": "G", "name_zh": "总", "weighting": "expert", "weights": {"A": 0.5, "B": 0.5},
        "children": [
            {"code": "A", "name_zh": "甲", "weighting": "equal", "aggregation": "gra",
             "children": [
                 {"code": "A1", "name_zh": "a1", "metric": "projects", "scaling": {"method": "target", "target": 2}},
                 {"code": "A2", "name_zh": "a2", "metric": "awards_weighted",
                  "scaling": {"method": "target", "target": 4}}]},
            {"code": "B", "name_zh": "乙", "weighting": "equal",
             "children": [{"code": "B1", "name_zh": "b1", "metric": "publications_weighted"}]},
        ]}
    spec = validate_spec(spec)
    # A2 is constant under grey relation (relative): excluded although it has a target; B1 constant min-max:
    # excluded, so B has no child left and goes too; G's expert weights renormalise to A alone
    raw = _raw(A1=[2, 1, 0], A2=[0, 0, 0], B1=[3, 3, 3])
    out, prepass = evaluate_checked(spec, raw)
    assert {(e["code"], e["reason"]) for e in prepass.excluded} == {
        ("A2", "constant"), ("B1", "constant"), ("B", "children_excluded")}
    assert out.weights["G"]["children"] == ["A"] and out.weights["G"]["weights"] == [1.0]
    # GRA on the single remaining column: y = (1, 0.5, 0), delta = (0, 0.5, 1), xi = 0.5/(delta+0.5)
    assert np.allclose(out.scores, [1.0, 0.5, 1 / 3])
    with pytest.raises(NothingVaries):
        prepare_informative(spec, _raw(A1=[1, 1, 1], A2=[0, 0, 0], B1=[3, 3, 3]))


def test_prepass_leaves_the_callers_spec_alone(app):
    spec = validate_spec(simple_spec())
    before = repr(spec)
    prepare_informative(spec, _raw(L1=[0, 0], L2=[1, 2], L3=[0, 1]))
    assert repr(spec) == before
