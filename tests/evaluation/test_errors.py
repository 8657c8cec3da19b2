"""Every documented input error raises a ValueError (EvaluationInputError) naming the problem."""

import numpy as np
import pytest

from eduinnov.evaluation import (
    EvaluationInputError,
    ahm_weights,
    ahp_weights,
    combine_weights,
    coupling_coordination,
    critic_weights,
    cv_weights,
    entropy_weights,
    fuzzy_evaluate,
    fuzzy_evaluate_two_level,
    grey_relational,
    location_quotient,
    pca_composite,
    topsis,
    unascertained_measure,
    weighted_sum,
)

GOOD = [[1.0, 2.0, 3.0], [2.0, 1.0, 5.0], [4.0, 3.0, 1.0]]

CASES = [
    ("nan cell", lambda: entropy_weights([[1, 2, 3], [2, float("nan"), 5]]), r"entropy: matrix contains nan at \(2, 2\)"),
    ("inf cell", lambda: topsis([[1, 2], [float("inf"), 3]], [0.5, 0.5]), r"topsis: matrix contains inf at \(2, 1\)"),
    ("ragged", lambda: critic_weights([[1, 2], [3]]), "rows of different lengths"),
    ("text", lambda: cv_weights([[1, "x"], [2, 3]]), "non-numeric entries"),
    ("1-D", lambda: entropy_weights([1, 2, 3]), "matrix must be 2-D"),
    ("one row", lambda: entropy_weights([[1, 2, 3]]), "needs at least 2 row"),
    ("weights sum", lambda: topsis(GOOD, [0.5, 0.3, 0.3]), "weights must sum to 1.*1.1"),
    ("weights length", lambda: topsis(GOOD, [0.5, 0.5]), "weights has 2 entries but there are 3 columns"),
    ("negative weight", lambda: weighted_sum(GOOD, [1.2, -0.2, 0.0]), "non-negative; entry 2"),
    ("benefit length", lambda: entropy_weights(GOOD, [True, False]), "benefit has 2 entries but the matrix has 3"),
    ("benefit value", lambda: entropy_weights(GOOD, [True, 1, False]), "direction of column 2"),
    ("cv negative", lambda: cv_weights([[1, 2], [3, -4]]), "cv: values must be non-negative; column 2 has -4 at row 2"),
    ("cv zero column", lambda: cv_weights([[1, 0], [3, 0]]), "cv: column 2 is all zeros"),
    ("entropy all constant", lambda: entropy_weights([[1, 2], [1, 2]]), "every column is constant"),
    ("critic one column", lambda: critic_weights([[1], [2]]), "needs at least 2 column"),
    ("topsis zero column", lambda: topsis([[1, 0], [2, 0]], [0.5, 0.5]), "column 2 is all zeros"),
    ("topsis identical", lambda: topsis([[1, 2], [1, 2]], [0.5, 0.5]), "all alternatives are equal"),
    ("gra rho", lambda: grey_relational(GOOD, rho=0), r"rho must be in \(0, 1\]"),
    ("gra normalization", lambda: grey_relational(GOOD, normalization="zscore"), "normalization must be one of"),
    ("ws cost none", lambda: weighted_sum(GOOD, [0.2, 0.3, 0.5], [True, False, True], normalization="none"),
     "column 2 is a cost column"),
    ("pca constant", lambda: pca_composite([[1, 2], [1, 3], [1, 5]]), "pca: column 1 is constant"),
    ("pca retention", lambda: pca_composite(GOOD, "scree"), "retention must be one of"),
    ("coupling zero", lambda: coupling_coordination([[0.5, 0.0]]), r"U must lie in \(0, 1\]; cell \(1, 2\) is 0"),
    ("coupling above 1", lambda: coupling_coordination([[0.5, 0.4], [1.2, 0.3]]), r"cell \(2, 1\) is 1.2"),
    ("coupling alpha", lambda: coupling_coordination([[0.5, 0.4]], alpha=[0.6, 0.6]), "alpha must sum to 1"),
    ("lq negative", lambda: location_quotient([[1, -2], [3, 4]]), r"cell \(1, 2\) is -2"),
    ("lq zero row", lambda: location_quotient([[1, 2], [0, 0]]), "row 2 sums to 0"),
    ("ahp non-square", lambda: ahp_weights([[1, 2], [0.5]]), "must be square; row 2 has 1"),
    ("ahp reciprocal", lambda: ahp_weights([[1, 3, 5], [0.5, 1, 3], ["1/5", "1/3", 1]]),
     r"not reciprocal at cell \(1, 2\) = 3 and \(2, 1\) = 0.5"),
    ("ahp positive", lambda: ahp_weights([[1, 3, -5], ["1/3", 1, 3], ["1/5", "1/3", 1]]),
     r"cell \(1, 3\) is -5; entries must be positive"),
    ("ahp diagonal", lambda: ahp_weights([[2, 1], [1, 1]]), r"diagonal cell \(1, 1\) is 2"),
    ("ahp too large", lambda: ahp_weights(np.ones((16, 16))), "RI is tabulated only for n <= 15"),
    ("ahp bad fraction", lambda: ahp_weights([[1, "1/0"], [1, 1]]), r"cell \(1, 2\) must be a number"),
    ("ahp mode", lambda: ahp_weights(GOOD, "arithmetic"), "mode must be one of"),
    ("ahm beta", lambda: ahm_weights([[1, 2], [0.5, 1]], beta=0.5), r"beta must be in \[1, ∞\)"),
    ("fuzzy operator", lambda: fuzzy_evaluate([1.0], [[0.5, 0.5]], "M(+,*)"), "operator must be one of M"),
    ("fuzzy membership", lambda: fuzzy_evaluate([0.5, 0.5], [[0.5, 1.5], [0.2, 0.8]]),
     r"memberships must lie in \[0, 1\]; R cell \(1, 2\) is 1.5"),
    ("fuzzy rows", lambda: fuzzy_evaluate([0.5, 0.5], [[0.5, 0.5]]), "R has 1 rows but there are 2 weights"),
    ("fuzzy grade labels", lambda: fuzzy_evaluate([1.0], [[0.5, 0.5]], grade_labels=["a"]),
     "grade_labels has 1 entries but there are 2 grades"),
    ("fuzzy group", lambda: fuzzy_evaluate_two_level([{"weights": [1.0]}], [1.0]), "group 1 is missing 'R'"),
    ("unascertained monotone", lambda: unascertained_measure([1, 2], [[3, 2, 1], [1, 3, 2]], [0.5, 0.5]),
     "anchors of indicator 2 must be strictly monotone"),
    ("unascertained lambda", lambda: unascertained_measure([1], [[3, 2, 1]], [1.0], 1.5), r"lambda must be in \(0, 1\]"),
    ("combine length", lambda: combine_weights([0.5, 0.5], [0.2, 0.3, 0.5]), "3 entries but there are 2 subjective"),
]


@pytest.mark.parametrize(("name", "call", "message"), CASES, ids=[c[0] for c in CASES])
def test_documented_errors_name_the_problem(name, call, message):
    with pytest.raises(EvaluationInputError, match=message) as info:
        call()
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_inputs_are_not_mutated():
    x = np.array(GOOD)
    w = np.array([0.2, 0.3, 0.5])
    x0, w0 = x.copy(), w.copy()
    for call in (lambda: topsis(x, w, [True, False, True]), lambda: grey_relational(x, weights=w),
                 lambda: critic_weights(x), lambda: cv_weights(x), lambda: pca_composite(x),
                 lambda: weighted_sum(x, w), lambda: location_quotient(x)):
        call()
    assert np.array_equal(x, x0) and np.array_equal(w, w0)
