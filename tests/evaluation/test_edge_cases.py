"""Ranks, ties and numeric edge cases (issue #9 §5), against independent computations.

Expected values come from exact arithmetic (``fractions``), from the same data at an ordinary scale
(every method here is invariant to a positive factor per column), or are written out by hand.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from eduinnov.evaluation import (
    EvaluationInputError,
    ahp_weights,
    competition_rank,
    critic_weights,
    cv_weights,
    entropy_weights,
    grey_relational,
    location_quotient,
    pca_composite,
    rank_descending,
    topsis,
    weighted_sum,
)

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------------------------------------
# Ranks and ties
# ---------------------------------------------------------------------------------------------------------


def test_scores_within_1e9_are_ties_broken_by_first_appearance():
    # 0.7500000000000001 is float noise on 0.75: the earlier object keeps the better rank
    assert rank_descending([0.5, 0.75, 0.7500000000000001, 0.1]).tolist() == [3, 1, 2, 4]
    assert rank_descending([0.7500000000000001, 0.75]).tolist() == [1, 2]
    # a real difference (1e-6 relative) still decides
    assert rank_descending([0.75, 0.75 * (1 + 1e-6)]).tolist() == [2, 1]


def test_competition_ranks_share_the_rank_of_a_tie_and_skip_the_next():
    assert competition_rank([3.0, 5.0, 5.0, 1.0]).tolist() == [3, 1, 1, 4]
    assert competition_rank([0.639] * 9 + [0.2]).tolist() == [1] * 9 + [10]
    assert competition_rank([0.1 + 0.2, 0.3, 0.29]).tolist() == [1, 1, 3]  # 0.30000000000000004 vs 0.3
    assert competition_rank([]).tolist() == []


def test_batched_ranks_equal_the_ranks_of_each_row():
    rng = np.random.default_rng(7)
    scores = np.round(rng.random((50, 12)), 2)  # many exact ties
    scores[:, 3] = scores[:, 5] * (1 + 1e-12)  # and near-ties
    batched, shared = rank_descending(scores), competition_rank(scores)
    for row, r, c in zip(scores, batched, shared, strict=True):
        assert r.tolist() == rank_descending(row).tolist()
        assert c.tolist() == competition_rank(row).tolist()
        # independent: competition rank = 1 + number of scores clearly larger
        expect = [1 + sum(o - v > 1e-9 * max(abs(o), abs(v)) for o in row) for v in row]
        assert c.tolist() == expect


def test_result_ranks_use_the_tolerance():
    tie = weighted_sum([[0.3, 0.0], [0.1 + 0.2, 0.0], [0.0, 0.0]], [0.5, 0.5], normalization="none")
    assert tie.scores[0] != tie.scores[1]  # 0.15 vs 0.15000000000000002
    assert tie.rank.tolist() == [1, 2, 3]


# ---------------------------------------------------------------------------------------------------------
# AHP: identical rows, identical weights
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["eigen", "geometric"])
def test_identical_rows_get_exactly_equal_weights(mode):
    a = [[1, 2, 2], ["1/2", 1, 1], ["1/2", 1, 1]]
    w = ahp_weights(a, mode).weights
    assert w[1] == w[2]
    # exact: a consistent matrix with w proportional to 2 : 1 : 1
    assert np.allclose(w, [0.5, 0.25, 0.25], rtol=0, atol=1e-15)
    four = [[1, 1, 2, 2], [1, 1, 2, 2], ["1/2", "1/2", 1, 1], ["1/2", "1/2", 1, 1]]
    w4 = ahp_weights(four, mode).weights
    assert w4[0] == w4[1] and w4[2] == w4[3]
    assert np.allclose(w4, [1 / 3, 1 / 3, 1 / 6, 1 / 6], rtol=0, atol=1e-15)


def test_identical_rows_in_an_inconsistent_matrix_stay_equal_and_others_keep_their_weights():
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = 5
        saaty = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]
        a = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                a[i, j] = rng.choice(saaty)
                a[j, i] = 1 / a[i, j]
        a[4, :] = a[3, :]  # criteria 4 and 5 judged identically
        a[:, 4] = a[:, 3]
        a[4, 4] = a[3, 3] = 1.0
        a[3, 4] = a[4, 3] = 1.0
        w = ahp_weights(a.tolist()).weights
        assert w[3] == w[4]
        vals, vecs = np.linalg.eig(a)  # independent: numpy's Perron vector
        v = np.abs(vecs[:, np.argmax(vals.real)].real)
        assert np.allclose(w, v / v.sum(), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# CRITIC: perfectly correlated columns
# ---------------------------------------------------------------------------------------------------------


def test_critic_with_perfectly_correlated_columns_gives_the_clear_error():
    x = np.array([[1.0, 2, 3], [2, 4, 6], [3, 6, 9.000000000000002], [5, 10, 15]])
    with pytest.raises(EvaluationInputError, match="no criterion carries information"):
        critic_weights(x)
    # 0.1 * k is not exact in binary: correlations come out as 1 - 1e-16, still perfect
    y = np.column_stack([np.arange(1, 8) * 0.1, np.arange(1, 8) * 0.3, np.arange(1, 8) * 0.7 + 0.1])
    with pytest.raises(EvaluationInputError, match="perfectly correlated"):
        critic_weights(y)


def test_critic_still_weighs_a_perfect_pair_beside_an_independent_column():
    x = np.array([[1.0, 2, 5], [2, 4, 1], [3, 6, 4], [4, 8, 2]])
    res = critic_weights(x)
    assert res.corr[0, 1] == 1.0
    # by hand on the normalised columns y1 = y2 = (0, 1/3, 2/3, 1), y3 = (1, 0, 3/4, 1/4):
    y1 = np.array([0, 1 / 3, 2 / 3, 1])
    y3 = np.array([1, 0, 0.75, 0.25])
    r = np.corrcoef(y1, y3)[0, 1]
    s1, s3 = np.std(y1, ddof=1), np.std(y3, ddof=1)
    c = np.array([s1 * (1 - r), s1 * (1 - r), s3 * 2 * (1 - r)])
    assert np.allclose(res.weights, c / c.sum(), rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Extreme but finite inputs: rescaled, so results equal those of the same data at an ordinary scale
# ---------------------------------------------------------------------------------------------------------

BASE = np.array([[1.0, 2.0, 7.0], [2.0, 1.0, 3.0], [3.0, 3.0, 5.0], [4.0, 2.5, 1.0]])
W = [0.5, 0.3, 0.2]


@pytest.mark.parametrize("factor", [1e160, 1e300, 1e-170, 1e-300])
def test_topsis_on_extreme_values_equals_topsis_on_ordinary_ones(factor):
    scaled = topsis(BASE * factor, W)
    plain = topsis(BASE, W)
    assert np.allclose(scaled.closeness, plain.closeness, rtol=1e-14, atol=0)
    assert scaled.rank.tolist() == plain.rank.tolist()
    # independent check of the ordinary case with exact fractions
    cols = [[Fraction(v) for v in BASE[:, j]] for j in range(3)]
    assert not math.isclose(plain.closeness[0], 0.5)  # the old overflow gave exactly 1, 0.5, 0
    norms = [math.sqrt(sum(v * v for v in c)) for c in cols]
    r = [[float(cols[j][i]) / norms[j] for j in range(3)] for i in range(4)]
    best = [max(r[i][j] for i in range(4)) for j in range(3)]
    worst = [min(r[i][j] for i in range(4)) for j in range(3)]
    dp = [math.sqrt(sum((W[j] * (r[i][j] - best[j])) ** 2 for j in range(3))) for i in range(4)]
    dm = [math.sqrt(sum((W[j] * (r[i][j] - worst[j])) ** 2 for j in range(3))) for i in range(4)]
    assert np.allclose(plain.closeness, [dm[i] / (dp[i] + dm[i]) for i in range(4)], rtol=1e-13)


@pytest.mark.parametrize("factor", [1e160, -1e300, 1e-200])
def test_min_max_methods_on_extreme_values_equal_the_ordinary_scale(factor):
    x, plain = BASE * factor, BASE * math.copysign(1, factor)
    assert np.allclose(weighted_sum(x, W).scores, weighted_sum(plain, W).scores, rtol=0, atol=1e-15)
    assert np.allclose(entropy_weights(x).weights, entropy_weights(plain).weights, rtol=1e-13)
    assert np.allclose(critic_weights(x).weights, critic_weights(plain).weights, rtol=1e-12)
    assert np.allclose(grey_relational(x).grade, grey_relational(plain).grade, rtol=1e-14)
    assert np.allclose(pca_composite(x).composite, pca_composite(plain).composite, rtol=1e-12)


def test_ranges_beyond_float64_are_rescaled_not_turned_into_constants():
    x = np.array([[1e308, 2.0], [-1e308, 1.0], [0.0, 3.0]])
    res = weighted_sum(x, [0.5, 0.5])
    # independent: min-max of column 1 is (x + 1e308) / 2e308 = 1, 0, 1/2; of column 2, 1/2, 0, 1
    assert np.allclose(res.scores, [0.75, 0.0, 0.75], rtol=0, atol=1e-15)
    assert res.constant_columns == []


def test_cv_and_pca_report_means_in_the_units_of_the_input():
    x = BASE * 1e200
    cv = cv_weights(x)
    assert np.allclose(cv.mean, BASE.mean(axis=0) * 1e200, rtol=1e-14)
    assert np.allclose(cv.std_population, BASE.std(axis=0) * 1e200, rtol=1e-13)
    assert np.allclose(cv.weights, cv_weights(BASE).weights, rtol=1e-13)
    assert np.allclose(pca_composite(x).mean, BASE.mean(axis=0) * 1e200, rtol=1e-14)


def test_location_quotients_of_huge_counts_equal_those_of_small_ones():
    e = np.array([[3.0, 1.0], [1.0, 2.0]])
    assert np.allclose(location_quotient(e * 1e300).LQ, location_quotient(e).LQ, rtol=1e-14)
    # by hand: row shares 3/4, 1/4 and 1/3, 2/3; column shares 4/7, 3/7
    assert np.allclose(location_quotient(e).LQ, [[(3 / 4) / (4 / 7), (1 / 4) / (3 / 7)],
                                                 [(1 / 3) / (4 / 7), (2 / 3) / (3 / 7)]])


def _calculator(method: str, data: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eduinnov.evaluation", method], input=json.dumps(data),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_calculator_never_prints_null_scores_with_exit_0():
    proc = _calculator("weighted_sum", {"matrix": [[1e308, 1e308], [1e308, 1e308], [0, 0]],
                                        "weights": [0.5, 0.5], "normalization": "none"})
    assert proc.returncode == 0, proc.stderr  # 1e308 is representable: the sums are too
    assert json.loads(proc.stdout)["scores"] == [1e308, 1e308, 0.0]
    proc = _calculator("gra", {"matrix": [[1.7e308], [-1.7e308]], "normalization": "none"})
    assert proc.returncode == 2 and "float64" in proc.stderr and proc.stdout == ""
    proc = _calculator("topsis", {"matrix": [[1e160, 2e160], [2e160, 1e160], [3e160, 3e160]],
                                  "weights": [0.5, 0.5]})
    assert proc.returncode == 0, proc.stderr
    plain = topsis([[1, 2], [2, 1], [3, 3]], [0.5, 0.5]).closeness
    assert np.allclose(json.loads(proc.stdout)["closeness"], plain, rtol=1e-14)


def test_no_negative_zero_in_calculator_output():
    # cost column: (max - x) / range gives -0.0 for x = max in some orders of operations; and 0 * -1
    proc = _calculator("weighted_sum", {"matrix": [[-0.0, 1.0], [0.0, 1.0], [-0.0, 2.0]], "weights": [0.0, 1.0],
                                        "normalization": "none"})
    assert proc.returncode == 0, proc.stderr
    assert "-0.0" not in proc.stdout and "-0" not in proc.stdout.replace("e-", "")
    proc = _calculator("topsis", {"matrix": [[-0.0, 1.0], [2.0, 3.0]], "weights": [0.5, 0.5]})
    assert "-0.0" not in proc.stdout
