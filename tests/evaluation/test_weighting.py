"""Weighting methods against hand-worked values and independent reference implementations.

Reference implementations in this file are written directly from the formulas of DOMAIN.md
("Evaluation methods"), with plain Python loops, and share no code with the engine.
"""

import math
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from pymcdm import weights as pymcdm_weights

from eduinnov.evaluation import (
    SAATY_RI,
    Direction,
    EvaluationInputError,
    ahm_weights,
    ahp_weights,
    combine_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    expert_weights,
    most_inconsistent_judgment,
)

# The classic 3x3 judgment matrix of Saaty's examples (also in many AHP tutorials).
SAATY3 = [[1, 3, 5], ["1/3", 1, 3], ["1/5", "1/3", 1]]


def power_iteration(a, iters=2000):
    """Independent principal eigenvector/eigenvalue by power iteration."""
    n = len(a)
    w = [1.0 / n] * n
    for _ in range(iters):
        v = [sum(a[i][j] * w[j] for j in range(n)) for i in range(n)]
        s = sum(v)
        w = [x / s for x in v]
    aw = [sum(a[i][j] * w[j] for j in range(n)) for i in range(n)]
    return w, sum(aw[i] / w[i] for i in range(n)) / n


def as_floats(m):
    from fractions import Fraction

    return [[float(Fraction(str(v))) for v in row] for row in m]


# --------------------------------------------------------------------------------------------- AHP


def test_ahp_eigen_matches_power_iteration_on_saaty_matrix():
    res = ahp_weights(SAATY3, "eigen")
    w_ref, lam_ref = power_iteration(as_floats(SAATY3))
    assert np.allclose(res.weights, w_ref, atol=1e-12)
    assert res.lambda_max == pytest.approx(lam_ref, abs=1e-10)
    # Widely reproduced figures for this matrix: w = (0.637, 0.258, 0.105), lambda_max = 3.0385, CR = 0.033.
    assert np.allclose(res.weights, [0.637, 0.258, 0.105], atol=5e-4)
    assert res.CI == pytest.approx((lam_ref - 3) / 2)
    assert res.RI == 0.58
    assert res.CR == pytest.approx((lam_ref - 3) / 2 / 0.58)
    assert res.consistent is True


def test_ahp_geometric_mode_by_hand():
    a = as_floats(SAATY3)
    g = [math.prod(row) ** (1 / 3) for row in a]
    w = [x / sum(g) for x in g]
    lam = sum(sum(a[i][j] * w[j] for j in range(3)) / w[i] for i in range(3)) / 3
    res = ahp_weights(SAATY3, "geometric")
    assert np.allclose(res.weights, w)
    assert res.lambda_max == pytest.approx(lam)
    assert res.CR == pytest.approx((lam - 3) / 2 / 0.58)


def test_ahp_consistent_matrix_recovers_weights_exactly():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    a = w[:, None] / w[None, :]
    for mode in ("eigen", "geometric"):
        res = ahp_weights(a, mode)
        assert np.allclose(res.weights, w, atol=1e-12)
        assert res.CI == pytest.approx(0.0, abs=1e-12)
        assert res.CI >= 0.0
        assert res.RI == 0.90
        assert res.consistent


def test_ahp_random_matrices_against_independent_eigen_and_saaty_table():
    rng = np.random.default_rng(7)
    scale = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])
    for n in range(3, 16):
        a = np.ones((n, n))
        iu = np.triu_indices(n, 1)
        a[iu] = rng.choice(scale, size=iu[0].size)
        a.T[iu] = 1 / a[iu]
        w_ref, lam_ref = power_iteration(a.tolist(), iters=3000)
        res = ahp_weights(a)
        assert np.allclose(res.weights, w_ref, atol=1e-9)
        assert res.RI == [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59][n - 1]
        assert res.CR == pytest.approx((lam_ref - n) / (n - 1) / res.RI, rel=1e-8)
        assert res.consistent == (res.CR < 0.10)


def test_ahp_small_matrices_have_zero_ci_and_cr():
    r1 = ahp_weights([[1]])
    assert r1.weights.tolist() == [1.0] and r1.CI == 0 and r1.CR == 0 and r1.consistent
    r2 = ahp_weights([[1, 4], ["1/4", 1]])
    assert np.allclose(r2.weights, [0.8, 0.2])
    assert (r2.CI, r2.CR, r2.lambda_max) == (0.0, 0.0, 2.0)


def test_ahp_inconsistent_matrix_flagged():
    # a13 contradicts a12 * a23 badly: 1 > 2 > 3 but 3 judged 9x better than 1.
    res = ahp_weights([[1, 5, "1/9"], ["1/5", 1, 5], [9, "1/5", 1]])
    assert res.CR >= 0.10
    assert res.consistent is False


def test_saaty_ri_table_is_the_normative_one():
    assert SAATY_RI == (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)


def test_most_inconsistent_judgment_names_the_perturbed_cell():
    w = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    a = w[:, None] / w[None, :]
    a[1, 3] *= 6.0  # cell (2, 4), 1-based
    a[3, 1] = 1 / a[1, 3]
    j = most_inconsistent_judgment(a)
    assert (j.row, j.col) == (2, 4)
    assert j.value == pytest.approx(6 * 0.25 / 0.12)
    res = ahp_weights(a)
    assert j.suggested == pytest.approx(res.weights[1] / res.weights[3])
    assert most_inconsistent_judgment(w[:, None] / w[None, :]) is None
    assert most_inconsistent_judgment([[1, 2], [0.5, 1]]) is None


# --------------------------------------------------------------------------------------------- AHM


def test_ahm_hand_computed_beta_2():
    res = ahm_weights(SAATY3, beta=2)
    mu = np.array([[0, 6 / 7, 10 / 11], [1 / 7, 0, 6 / 7], [1 / 11, 1 / 7, 0]])
    assert np.allclose(res.mu, mu)
    assert np.allclose(res.weights, [(6 / 7 + 10 / 11) / 3, 1 / 3, (1 / 11 + 1 / 7) / 3])
    assert res.weights.sum() == pytest.approx(1.0)


def test_ahm_equal_judgment_gives_half_and_beta_changes_mu():
    res = ahm_weights([[1, 1, 3], [1, 1, 2], ["1/3", "1/2", 1]], beta=1)
    assert res.mu[0, 1] == 0.5 and res.mu[1, 0] == 0.5
    assert res.mu[0, 2] == pytest.approx(3 / 4)
    assert res.mu[2, 1] == pytest.approx(1 / 3)
    assert np.allclose(res.mu + res.mu.T, 1 - np.eye(3))
    assert np.allclose(res.weights, [(0.5 + 0.75) / 3, (0.5 + 2 / 3) / 3, (0.25 + 1 / 3) / 3])


# ----------------------------------------------------------------------------------------- entropy


def entropy_reference(x, benefit):
    m, n = len(x), len(x[0])
    y = [[0.0] * n for _ in range(m)]
    for j in range(n):
        col = [x[i][j] for i in range(m)]
        lo, hi = min(col), max(col)
        for i in range(m):
            if hi == lo:
                y[i][j] = 1.0
            elif benefit[j]:
                y[i][j] = (x[i][j] - lo) / (hi - lo)
            else:
                y[i][j] = (hi - x[i][j]) / (hi - lo)
    e = []
    for j in range(n):
        s = sum(y[i][j] for i in range(m))
        acc = 0.0
        for i in range(m):
            p = y[i][j] / s
            if p > 0:
                acc += p * math.log(p)
        e.append(-acc / math.log(m))
    d = [1 - v for v in e]
    w = [v / sum(d) for v in d]
    scores = [sum(w[j] * y[i][j] for j in range(n)) for i in range(m)]
    return y, e, w, scores


def test_entropy_hand_computed_with_cost_column_and_tie_ranks():
    res = entropy_weights([[1, 10], [2, 20], [3, 30]], [True, False])
    assert np.allclose(res.normalized, [[0, 1], [0.5, 0.5], [1, 0]])
    assert np.allclose(res.p, [[0, 2 / 3], [1 / 3, 1 / 3], [2 / 3, 0]])
    e = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    assert np.allclose(res.e, [e, e])
    assert np.allclose(res.weights, [0.5, 0.5])
    assert np.allclose(res.scores, [0.5, 0.5, 0.5])
    assert res.rank.tolist() == [1, 2, 3]  # ties broken by first appearance


def test_entropy_matches_reference_on_random_data():
    rng = np.random.default_rng(11)
    for m, n in [(5, 3), (40, 6), (1500, 9), (70001, 7)]:
        x = rng.lognormal(size=(m, n))
        benefit = rng.random(n) < 0.6
        res = entropy_weights(x, benefit)
        if m <= 1500:
            y, e, w, scores = entropy_reference(x.tolist(), benefit.tolist())
            assert np.allclose(res.normalized, y)
            assert np.allclose(res.e, e)
            assert np.allclose(res.weights, w)
            assert np.allclose(res.scores, scores)
        else:  # straightforward whole-array numpy from the formulas
            lo, hi = x.min(0), x.max(0)
            y = np.where(benefit, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
            p = y / y.sum(0)
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = np.where(p > 0, p * np.log(p), 0.0)
            e = -plogp.sum(0) / np.log(m)
            w = (1 - e) / (1 - e).sum()
            assert np.allclose(res.weights, w, rtol=1e-10)
            assert np.allclose(res.scores, y @ w)


def test_entropy_constant_column_gets_zero_weight_and_is_reported():
    res = entropy_weights([[1, 5, 2], [2, 5, 9], [4, 5, 1]], [True, True, Direction.COST])
    assert res.constant_columns == [2]
    assert np.all(res.normalized[:, 1] == 1.0)
    assert res.weights[1] == 0.0
    assert res.e[1] == 1.0
    y, e, w, _ = entropy_reference([[1, 5, 2], [2, 5, 9], [4, 5, 1]], [True, True, False])
    assert np.allclose(res.weights, w)
    assert res.to_dict()["constant_columns"] == [2]


def test_entropy_does_not_mutate_input_and_results_are_frozen():
    x = np.array([[1.0, 3.0], [2.0, 1.0], [5.0, 2.0]])
    before = x.copy()
    res = entropy_weights(x, [True, False])
    assert np.array_equal(x, before)
    with pytest.raises(FrozenInstanceError):
        res.weights = None
    with pytest.raises(ValueError):
        res.normalized[0, 0] = 7.0


def test_entropy_with_dataframe_keeps_labels():
    import pandas as pd

    df = pd.DataFrame({"papers": [3, 5, 1], "cost": [2.0, 1.0, 4.0]}, index=["s1", "s2", "s3"])
    res = entropy_weights(df, [True, False])
    assert list(res.score_series.index) == ["s1", "s2", "s3"]
    assert list(res.weight_series.index) == ["papers", "cost"]
    assert res.rank_series["s2"] == 1
    assert [s.label for s in res.steps] == ["normalized", "p", "weights", "scores"]


# ---------------------------------------------------------------------------------------------- CV


def test_cv_hand_computed():
    res = cv_weights([[1, 2], [3, 4]])
    assert np.allclose(res.mean, [2, 3])
    assert np.allclose(res.std_population, [1, 1])
    assert np.allclose(res.std_sample, [math.sqrt(2), math.sqrt(2)])
    assert np.allclose(res.cv_population, [0.5, 1 / 3])
    assert np.allclose(res.cv_sample, [math.sqrt(2) / 2, math.sqrt(2) / 3])
    assert np.allclose(res.weights, [0.6, 0.4])
    assert np.allclose(res.weights_from_sample_std, [0.6, 0.4])


def test_cv_matches_numpy_on_random_data():
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 50, size=(20001, 5))
    res = cv_weights(x)
    cv = x.std(axis=0) / x.mean(axis=0)
    assert np.allclose(res.std_sample, x.std(axis=0, ddof=1))
    assert np.allclose(res.weights, cv / cv.sum())


# ------------------------------------------------------------------------------------------ CRITIC


def critic_reference(x, benefit):
    m, n = len(x), len(x[0])
    y = [[0.0] * n for _ in range(m)]
    for j in range(n):
        col = [x[i][j] for i in range(m)]
        lo, hi = min(col), max(col)
        for i in range(m):
            y[i][j] = (x[i][j] - lo) / (hi - lo) if benefit[j] else (hi - x[i][j]) / (hi - lo)
    mean = [sum(y[i][j] for i in range(m)) / m for j in range(n)]
    sd = [math.sqrt(sum((y[i][j] - mean[j]) ** 2 for i in range(m)) / (m - 1)) for j in range(n)]
    r = [[sum((y[i][j] - mean[j]) * (y[i][k] - mean[k]) for i in range(m)) / ((m - 1) * sd[j] * sd[k])
          for k in range(n)] for j in range(n)]
    c = [sd[j] * sum(1 - r[j][k] for k in range(n)) for j in range(n)]
    return sd, r, c, [v / sum(c) for v in c]


def test_critic_matches_reference_with_cost_columns():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30, 5))
    x[:, 2] = x[:, 0] * 2 + rng.normal(scale=0.1, size=30)  # strongly correlated pair
    benefit = [True, False, True, False, True]
    sd, r, c, w = critic_reference(x.tolist(), benefit)
    res = critic_weights(x, benefit)
    assert np.allclose(res.std_sample, sd)
    assert np.allclose(res.std_population, np.array(sd) * math.sqrt(29 / 30))
    assert np.allclose(res.corr, r)
    assert np.allclose(res.information, c)
    assert np.allclose(res.weights, w)


def test_critic_all_benefit_matches_pymcdm():
    rng = np.random.default_rng(6)
    for m, n in [(8, 3), (200, 6), (60001, 4)]:
        x = rng.uniform(size=(m, n))
        assert np.allclose(critic_weights(x).weights, pymcdm_weights.critic_weights(x))


def test_critic_constant_column_has_zero_information_and_zero_correlations():
    x = [[1, 7, 3], [2, 7, 1], [4, 7, 2], [3, 7, 5]]
    res = critic_weights(x)
    assert res.constant_columns == [2]
    assert res.information[1] == 0 and res.weights[1] == 0
    assert np.all(res.corr[1] == 0) and np.all(res.corr[:, 1] == 0)
    sd, r, c, _ = critic_reference([[row[0], row[2]] for row in x], [True, True])
    # the constant column adds (1 - 0) to each other column's conflict
    assert np.allclose(res.information[[0, 2]], [sd[0] * (1 + (1 - r[0][1])), sd[1] * (1 + (1 - r[1][0]))])


# ------------------------------------------------------------------------------ given and combined


def test_expert_weights_validated():
    assert np.array_equal(expert_weights([0.2, 0.3, 0.5]), [0.2, 0.3, 0.5])
    with pytest.raises(EvaluationInputError, match="sum to 1"):
        expert_weights([0.2, 0.3, 0.4])


def test_combine_linear_and_multiplicative_by_hand():
    s, o = [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]
    assert np.allclose(combine_weights(s, o, alpha=0.4).weights, [0.32, 0.30, 0.38])
    mult = combine_weights(s, o, method="multiplicative")
    assert np.allclose(mult.weights, [0.1 / 0.29, 0.09 / 0.29, 0.1 / 0.29])
    with pytest.raises(EvaluationInputError, match="alpha must be in"):
        combine_weights(s, o, alpha=1.5)


def test_renormalised_weights_of_the_criteria_that_remain():
    from eduinnov.evaluation.weighting import renormalised

    assert renormalised([0.2, 0.3]).tolist() == pytest.approx([0.4, 0.6])
    assert renormalised(np.array([4 / 7, 1 / 7])).tolist() == pytest.approx([0.8, 0.2])
    assert renormalised([0.0, 0.0, 0.0]).tolist() == pytest.approx([1 / 3] * 3)  # nothing positive: equal
