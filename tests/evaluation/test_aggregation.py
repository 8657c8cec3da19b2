"""Aggregation methods against hand-worked values, pymcdm (TOPSIS) and independent implementations."""

import math

import numpy as np
import pytest
from pymcdm import methods as pymcdm_methods
from pymcdm import normalizations as pymcdm_norm

from eduinnov.evaluation import (
    COUPLING_GRADES,
    coupling_coordination,
    coupling_grade,
    fuzzy_evaluate,
    fuzzy_evaluate_two_level,
    grey_relational,
    location_quotient,
    pca_composite,
    topsis,
    unascertained_measure,
    weighted_sum,
)

# ------------------------------------------------------------------------------------------ TOPSIS


def test_topsis_matches_pymcdm_vector_normalisation():
    rng = np.random.default_rng(21)
    oracle = pymcdm_methods.TOPSIS(normalization_function=pymcdm_norm.vector_normalization)
    for m, n in [(4, 3), (50, 7), (3000, 5), (70001, 6)]:
        x = rng.uniform(1, 100, size=(m, n))
        w = rng.dirichlet(np.ones(n))
        benefit = rng.random(n) < 0.5
        types = np.where(benefit, 1, -1)
        res = topsis(x, w, benefit)
        assert np.allclose(res.closeness, oracle(x, w, types), rtol=1e-10, atol=1e-12)


def test_topsis_intermediate_values_by_definition():
    x = np.array([[7.0, 9, 9, 8], [8, 7, 8, 7], [9, 6, 8, 9], [6, 7, 8, 6]])
    w = np.array([0.1, 0.4, 0.3, 0.2])
    benefit = [True, True, False, True]
    res = topsis(x, w, benefit)
    r = x / np.sqrt((x**2).sum(0))
    v = r * w
    ideal = [v[:, 0].max(), v[:, 1].max(), v[:, 2].min(), v[:, 3].max()]
    anti = [v[:, 0].min(), v[:, 1].min(), v[:, 2].max(), v[:, 3].min()]
    dp = np.sqrt(((v - ideal) ** 2).sum(1))
    dm = np.sqrt(((v - anti) ** 2).sum(1))
    assert np.allclose(res.normalized, r)
    assert np.allclose(res.weighted, v)
    assert np.allclose(res.ideal, ideal) and np.allclose(res.anti_ideal, anti)
    assert np.allclose(res.d_plus, dp) and np.allclose(res.d_minus, dm)
    assert np.allclose(res.closeness, dm / (dp + dm))
    assert res.rank.tolist() == list(np.argsort(np.argsort(-(dm / (dp + dm)), kind="stable")) + 1)


def test_topsis_results_do_not_depend_on_thread_count(monkeypatch):
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(150001, 7))  # > 2**20 elements: the threaded path
    w = np.full(7, 1 / 7)
    a = topsis(x, w, [True, False] * 3 + [True])
    monkeypatch.setenv("EDUINNOV_EVAL_THREADS", "1")
    b = topsis(x, w, [True, False] * 3 + [True])
    assert np.array_equal(a.closeness, b.closeness)


# --------------------------------------------------------------------------------------------- GRA


def gra_reference(x, benefit, rho=0.5, normalization="minmax", weights=None):
    m, n = len(x), len(x[0])
    y = [[0.0] * n for _ in range(m)]
    ref = [0.0] * n
    for j in range(n):
        col = [x[i][j] for i in range(m)]
        lo, hi = min(col), max(col)
        for i in range(m):
            if normalization == "none":
                y[i][j] = x[i][j]
            elif hi == lo:
                y[i][j] = 1.0
            else:
                y[i][j] = (x[i][j] - lo) / (hi - lo) if benefit[j] else (hi - x[i][j]) / (hi - lo)
        ref[j] = max(y[i][j] for i in range(m)) if (normalization == "minmax" or benefit[j]) else lo
    delta = [[abs(ref[j] - y[i][j]) for j in range(n)] for i in range(m)]
    dmin = min(min(r) for r in delta)
    dmax = max(max(r) for r in delta)
    xi = [[(dmin + rho * dmax) / (delta[i][j] + rho * dmax) for j in range(n)] for i in range(m)]
    w = [1 / n] * n if weights is None else [v / sum(weights) for v in weights]
    grade = [sum(w[j] * xi[i][j] for j in range(n)) for i in range(m)]
    return y, ref, delta, dmin, dmax, xi, grade


def test_gra_hand_computed():
    res = grey_relational([[1, 4], [2, 2], [3, 3]], [True, False])
    assert np.allclose(res.normalized, [[0, 0], [0.5, 1], [1, 0.5]])
    assert np.allclose(res.reference, [1, 1])
    assert np.allclose(res.delta, [[1, 1], [0.5, 0], [0, 0.5]])
    assert (res.delta_min, res.delta_max) == (0.0, 1.0)
    assert np.allclose(res.coefficients, [[1 / 3, 1 / 3], [0.5, 1], [1, 0.5]])
    assert np.allclose(res.grade, [1 / 3, 0.75, 0.75])
    assert res.rank.tolist() == [3, 1, 2]
    raw = grey_relational([[1, 4], [2, 2], [3, 3]], [True, False], normalization="none")
    assert np.allclose(raw.reference, [3, 2])
    assert raw.delta_max == 2.0
    assert np.allclose(raw.coefficients, [[1 / 3, 1 / 3], [0.5, 1], [1, 0.5]])
    weighted = grey_relational([[1, 4], [2, 2], [3, 3]], [True, False], weights=[2, 1])
    assert np.allclose(weighted.weights, [2 / 3, 1 / 3])
    assert np.allclose(weighted.grade, [1 / 3, 2 / 3, 5 / 6])


@pytest.mark.parametrize("normalization", ["minmax", "none"])
def test_gra_matches_reference_on_random_data(normalization):
    rng = np.random.default_rng(31)
    for m, n in [(6, 4), (300, 5)]:
        x = rng.uniform(0, 10, size=(m, n))
        benefit = (rng.random(n) < 0.5).tolist()
        rho = float(rng.uniform(0.2, 1.0))
        w = rng.uniform(size=n).tolist()
        y, ref, delta, dmin, dmax, xi, grade = gra_reference(x.tolist(), benefit, rho, normalization, w)
        res = grey_relational(x, benefit, rho=rho, normalization=normalization, weights=w)
        assert np.allclose(res.normalized, y)
        assert np.allclose(res.reference, ref)
        assert np.allclose(res.delta, delta)
        assert res.delta_min == pytest.approx(dmin) and res.delta_max == pytest.approx(dmax)
        assert np.allclose(res.coefficients, xi)
        assert np.allclose(res.grade, grade)


def test_gra_large_matrix_against_vectorised_formula():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(90001, 8))
    benefit = np.arange(8) % 3 != 0
    lo, hi = x.min(0), x.max(0)
    y = np.where(benefit, (x - lo) / (hi - lo), (hi - x) / (hi - lo))
    d = np.abs(y.max(0) - y)
    xi = (d.min() + 0.5 * d.max()) / (d + 0.5 * d.max())
    res = grey_relational(x, benefit)
    assert np.allclose(res.grade, xi.mean(1))


def test_gra_constant_columns_have_coefficient_one():
    res = grey_relational([[1, 5], [2, 5], [3, 5]])
    assert res.constant_columns == [2]
    assert np.all(res.coefficients[:, 1] == 1.0)
    allconst = grey_relational([[2, 5], [2, 5]])
    assert np.all(allconst.coefficients == 1.0) and np.all(allconst.grade == 1.0)


# ------------------------------------------------------------------------------------ weighted sum


def test_weighted_sum_hand_computed():
    res = weighted_sum([[1, 10], [3, 30], [2, 20]], [0.5, 0.5], [True, False])
    assert np.allclose(res.normalized, [[0, 1], [1, 0], [0.5, 0.5]])
    assert np.allclose(res.scores, [0.5, 0.5, 0.5])
    assert res.rank.tolist() == [1, 2, 3]
    raw = weighted_sum([[0.8, 0.6], [0.7, 0.9]], [0.25, 0.75], normalization="none")
    assert np.allclose(raw.scores, [0.65, 0.85])
    assert raw.rank.tolist() == [2, 1]


# ------------------------------------------------------------------------------------------- fuzzy

W3 = [0.3, 0.5, 0.2]
R3 = [[0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.1, 0.3, 0.6]]


def test_fuzzy_operators_hand_computed():
    res = fuzzy_evaluate(W3, R3, "M(*,+)", [90, 75, 60], ["good", "fair", "poor"])
    assert np.allclose(res.B, [0.27, 0.45, 0.28])
    assert np.allclose(res.B_normalized, [0.27, 0.45, 0.28])
    assert res.max_membership_grade == 2 and res.max_membership_label == "fair"
    assert res.score == pytest.approx(74.85)
    minmax = fuzzy_evaluate(W3, R3, "M(^,v)")
    assert np.allclose(minmax.B, [0.3, 0.5, 0.2])
    prodmax = fuzzy_evaluate(W3, R3, "M(*,v)")
    assert np.allclose(prodmax.B, [0.15, 0.30, 0.12])
    assert np.allclose(prodmax.B_normalized, np.array([0.15, 0.30, 0.12]) / 0.57)
    bounded = fuzzy_evaluate(W3, R3, "M(^,+)")
    assert np.allclose(bounded.B, [0.6, 1.0, 0.6])
    assert np.allclose(bounded.B_normalized, np.array([0.6, 1.0, 0.6]) / 2.2)


def test_fuzzy_max_membership_ties_take_first_grade():
    res = fuzzy_evaluate([0.5, 0.5], [[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]])
    assert res.max_membership_grade == 1


def test_fuzzy_two_level_hand_computed():
    groups = [{"weights": [0.6, 0.4], "R": [[0.5, 0.5, 0], [0.2, 0.6, 0.2]]},
              {"weights": [1.0], "R": [[0.1, 0.3, 0.6]]}]
    res = fuzzy_evaluate_two_level(groups, [0.7, 0.3], "M(*,+)", [90, 75, 60])
    assert np.allclose(res.first_level_B, [[0.38, 0.54, 0.08], [0.1, 0.3, 0.6]])
    assert np.allclose(res.first_level_B_normalized, res.first_level_B)
    assert res.first_level_max_membership_grade == [2, 3]
    assert np.allclose(res.B, [0.296, 0.468, 0.236])
    assert res.max_membership_grade == 2
    assert res.score == pytest.approx(0.296 * 90 + 0.468 * 75 + 0.236 * 60)


# ----------------------------------------------------------------------------------- unascertained

ANCHORS = [[90, 80, 70, 60], [1, 2, 4, 8], [0.9, 0.7, 0.5, 0.3]]


def test_unascertained_three_indicators_hand_computed():
    res = unascertained_measure([85, 3, 0.5], ANCHORS, [0.5, 0.3, 0.2], 0.6, [95, 85, 75, 65],
                                ["excellent", "good", "fair", "poor"])
    assert np.allclose(res.single_measures, [[0.5, 0.5, 0, 0], [0, 0.5, 0.5, 0], [0, 0, 1, 0]])
    assert np.allclose(res.measure, [0.25, 0.40, 0.35, 0.0])
    assert np.allclose(res.cumulative, [0.25, 0.65, 1.0, 1.0])
    assert res.grade == 2 and res.grade_label == "good"
    assert res.score == pytest.approx(84.0)
    assert unascertained_measure([85, 3, 0.5], ANCHORS, [0.5, 0.3, 0.2], 0.7).grade == 3


def test_unascertained_beyond_anchors_and_boundary_lambda():
    res = unascertained_measure([95, 10, 0.8], ANCHORS, [0.3, 0.3, 0.4], 0.6)
    assert np.allclose(res.single_measures, [[1, 0, 0, 0], [0, 0, 0, 1], [0.5, 0.5, 0, 0]])
    # cumulative after grade 2 is 0.3 + 0.2 + 0.2 = 0.7 exactly in decimal: grade 2 at lambda 0.7
    assert unascertained_measure([95, 10, 0.8], ANCHORS, [0.3, 0.3, 0.4], 0.7).grade == 2


# --------------------------------------------------------------------------------------------- PCA


def test_pca_matches_independent_svd():
    rng = np.random.default_rng(8)
    base = rng.normal(size=(200, 2))
    x = np.column_stack([base[:, 0], base[:, 0] * 0.8 + rng.normal(scale=0.4, size=200), base[:, 1],
                         base[:, 1] - base[:, 0] * 0.3, rng.normal(size=200)]) + 10
    m, p = x.shape
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    lam = s**2 / (m - 1)
    vecs = vt.T * np.where(vt.sum(1) > 0, 1.0, -1.0)
    res = pca_composite(x, "kaiser")
    k = int((lam > 1).sum())
    assert np.allclose(res.corr, np.corrcoef(x, rowvar=False))
    assert np.allclose(res.eigenvalues, lam)
    assert res.n_components == k
    assert np.allclose(res.eigenvectors, vecs[:, :k])
    assert np.allclose(res.loadings, vecs[:, :k] * np.sqrt(lam[:k]))
    f = z @ vecs[:, :k]
    assert np.allclose(res.component_scores, f)
    assert np.allclose(res.component_weights, lam[:k] / lam[:k].sum())
    assert np.allclose(res.composite, f @ (lam[:k] / lam[:k].sum()))
    assert np.allclose(res.composite_total_share, f @ (lam[:k] / p))
    assert np.allclose(res.cumulative_share, np.cumsum(lam) / p)
    cum = pca_composite(x, "cumulative", threshold=0.85)
    assert cum.n_components == int(np.argmax(np.cumsum(lam) / p >= 0.85)) + 1
    assert all(v.sum() > 0 for v in cum.eigenvectors.T)


# ---------------------------------------------------------------------------------------- coupling


def test_coupling_grade_boundaries_are_lower_closed():
    assert coupling_grade([0.5, 1.0, 0.0999, 0.0, 0.1, 0.3, 0.7, 0.1 * 3, 0.8999999]).tolist() == [
        6, 10, 1, 1, 2, 4, 8, 4, 9]


def test_coupling_two_and_three_subsystems_hand_computed():
    res = coupling_coordination([[0.4, 0.9]])
    assert res.C[0] == pytest.approx(1.2 / 1.3)
    assert res.T[0] == pytest.approx(0.65)
    assert res.D[0] == pytest.approx(math.sqrt(1.2 / 1.3 * 0.65))
    assert res.grade_index.tolist() == [8]
    assert res.grade_label == ["intermediate coordination"] and res.grade_label_zh == ["中级协调"]
    three = coupling_coordination([[0.2, 0.4, 0.8]], alpha=[0.5, 0.25, 0.25])
    assert three.C[0] == pytest.approx(3 * 0.4 / 1.4)
    assert three.T[0] == pytest.approx(0.1 + 0.1 + 0.2)
    assert three.D[0] == pytest.approx(math.sqrt(3 * 0.4 / 1.4 * 0.4))
    assert three.grade_index.tolist() == [6]


def test_coupling_labels_table():
    assert [en for en, _ in COUPLING_GRADES][5] == "barely coordinated"
    assert [zh for _, zh in COUPLING_GRADES] == ["极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
                                                  "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调"]


# -------------------------------------------------------------------------------- location quotient


def test_location_quotient_hand_computed():
    res = location_quotient([[10, 30], [20, 40]])
    assert np.allclose(res.LQ, [[0.25 / 0.3, 0.75 / 0.7], [(1 / 3) / 0.3, (2 / 3) / 0.7]])
