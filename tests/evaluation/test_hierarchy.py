"""Hierarchical evaluation and sensitivity in the engine, without the web app (issue #14 §1).

Expected values are worked by hand from the formulas in the module docstrings; batched kernels are
checked against a loop over the batch, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eduinnov.evaluation import (
    PARAMS,
    ComputeError,
    EvaluationInputError,
    GradeBand,
    LeafSpec,
    ModelSpec,
    NodeSpec,
    Scaling,
    check_param,
    evaluate_model,
    model_sensitivity,
)
from eduinnov.evaluation.aggregation.coupling import coupling_kernel
from eduinnov.evaluation.aggregation.fuzzy import fuzzy_compose
from eduinnov.evaluation.aggregation.gra import grey_kernel
from eduinnov.evaluation.aggregation.topsis import topsis_kernel
from eduinnov.evaluation.aggregation.unascertained import measure_kernel
from eduinnov.evaluation.aggregation.weighted_sum import weighted_sum_kernel

GRADES = (GradeBand("A", 0.85, 0.925), GradeBand("B", 0.7, 0.775), GradeBand("C", 0.6, 0.65),
          GradeBand("D", 0.0, 0.3))


def _model(aggregation="weighted_sum", **kw) -> ModelSpec:
    leaves = (LeafSpec("L1", scaling=Scaling("target", target=4.0)),
              LeafSpec("L2", scaling=Scaling("minmax")),
              LeafSpec("L3", "cost", Scaling("range", lo=0.0, hi=10.0)))
    return ModelSpec(NodeSpec("G", leaves, "expert", aggregation, weights=(0.5, 0.3, 0.2), **kw), GRADES)


RAW = pd.DataFrame({"L1": [4.0, 2.0, 0.0, 6.0], "L2": [10.0, 5.0, 0.0, 5.0], "L3": [0.0, 5.0, 10.0, 2.0]},
                   index=pd.Index([11, 12, 13, 14], dtype="int64"))


def test_weighted_sum_tree_by_hand():
    out = evaluate_model(_model(), RAW)
    # L1 target 4: 1, 0.5, 0, 1 (clipped); L2 min-max: 1, 0.5, 0, 0.5; L3 cost range 0..10: 1, 0.5, 0, 0.8
    expected = [0.5 * 1 + 0.3 * 1 + 0.2 * 1, 0.5, 0.0, 0.5 * 1 + 0.3 * 0.5 + 0.2 * 0.8]
    assert np.allclose(out.scores, expected, rtol=0, atol=1e-15)
    assert out.node_scores["L3"] == pytest.approx([1.0, 0.5, 0.0, 0.8])
    assert out.grades == [1, 4, 4, 2]  # 1.0 -> A; 0.5 -> D; 0 -> D; 0.81 -> B (0.7 <= 0.81 < 0.85)
    assert out.object_ids == [11, 12, 13, 14]
    assert out.grade_rule == "band"
    assert out.weights["G"]["weights"] == [0.5, 0.3, 0.2]


def test_fuzzy_root_grades_by_maximum_membership_by_hand():
    anchors = (0.925, 0.775, 0.65, 0.3)
    out = evaluate_model(_model("fuzzy", anchors=anchors), RAW)
    # object 12: every leaf scores 0.5, between anchors 0.65 (C) and 0.3 (D): mu_C = (0.5-0.3)/0.35
    mu_c = (0.5 - 0.3) / (0.65 - 0.3)
    b = np.array([0, 0, mu_c, 1 - mu_c])
    assert out.grades[1] == 3  # C holds 4/7 > 3/7
    assert out.scores[1] == pytest.approx(b @ np.array([g.value for g in GRADES]))
    assert out.grade_rule == "max_membership"


def test_missing_values_and_empty_targets_are_refused_naming_the_leaf():
    with pytest.raises(ComputeError, match="L2: no value for object"):
        evaluate_model(_model(), RAW.assign(L2=[1.0, np.nan, 2.0, 3.0]))
    with pytest.raises(ComputeError, match="nothing to evaluate"):
        evaluate_model(_model(), RAW.iloc[:0])


def test_sensitivity_without_spread_keeps_every_grade_and_rank():
    out = evaluate_model(_model(), RAW)
    rep = model_sensitivity(_model(), out, draws=20, spread=0.0, seed=5)
    assert [o["same_grade"] for o in rep["objects"]] == [1.0] * 4
    assert [(o["rank_best"], o["rank_worst"]) for o in rep["objects"]] == [(r, r) for r in out.ranks]
    assert rep["nodes"]["G"][0]["min"] == pytest.approx(0.5)


def test_sensitivity_spread_moves_the_weights_within_bounds():
    out = evaluate_model(_model(), RAW)
    rep = model_sensitivity(_model(), out, draws=200, spread=0.2, seed=1)
    for row in rep["nodes"]["G"]:
        # w (1 ± 0.2) renormalised: never below w·0.8/1.2·… ; loosely, within a factor 1.2/0.8 of w
        assert row["weight"] * 0.8 / 1.2 <= row["min"] <= row["weight"] <= row["max"] <= row["weight"] * 1.2 / 0.8
    with pytest.raises(ValueError, match="draws"):
        model_sensitivity(_model(), out, draws=5)


def test_batched_kernels_equal_a_loop_over_the_batch_bit_for_bit():
    rng = np.random.default_rng(11)
    d, m, n, k = 6, 9, 4, 5
    x = rng.random((d, m, n)) + 0.01
    w = rng.random((d, n))
    w /= w.sum(axis=1, keepdims=True)
    zero = np.zeros(n, dtype=bool)
    r = rng.random((d, m, n, k))
    anchors = np.sort(rng.random((n, k)), axis=1)[:, ::-1].copy()
    for i in range(d):
        assert np.array_equal(weighted_sum_kernel(x, w)[i], weighted_sum_kernel(x[i], w[i]))
        assert np.array_equal(topsis_kernel(x, w, zero)[3][i], topsis_kernel(x[i], w[i], zero)[3])
        assert np.array_equal(grey_kernel(x, w, 0.5, zero)[3][i], grey_kernel(x[i], w[i], 0.5, zero)[3])
        assert np.array_equal(coupling_kernel(x, w)[2][i], coupling_kernel(x[i], w[i])[2])
        for op in ("M(*,+)", "M(^,v)", "M(*,v)", "M(^,+)"):
            assert np.array_equal(fuzzy_compose(w[:, None, :], r, op)[i], fuzzy_compose(w[i], r[i], op))
            for j in range(m):
                assert np.array_equal(fuzzy_compose(w[i], r[i, j], op), fuzzy_compose(w[i], r[i], op)[j])
        batched = measure_kernel(x, anchors, w[:, None, :], 0.6)
        single = measure_kernel(x[i], anchors, w[i], 0.6)
        assert all(np.array_equal(b[i], s) for b, s in zip(batched, single, strict=True))


def test_parameter_registry_holds_defaults_and_bounds():
    assert PARAMS[("gra", "rho")].default == 0.5 and PARAMS[("pca", "threshold")].default == 0.85
    assert check_param("gra", "rho") == 0.5
    assert check_param("unascertained", "lambda", "7/10") == 0.7
    with pytest.raises(EvaluationInputError, match=r"rho must be in \(0, 1\], got 0"):
        check_param("gra", "rho", 0)
    with pytest.raises(EvaluationInputError, match=r"beta must be in \[1, ∞\)"):
        check_param("ahm", "beta", 0.5)
    node = NodeSpec("G", (LeafSpec("a"), LeafSpec("b")))
    assert (node.rho, node.threshold, node.beta, node.lam, node.floor) == (0.5, 0.85, 2.0, 0.6, 0.01)
