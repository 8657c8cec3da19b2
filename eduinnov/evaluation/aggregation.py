"""Aggregation methods: scores and grades from indicator values and weights.

Weighted sum, TOPSIS, grey relational analysis, fuzzy comprehensive evaluation (one and two levels),
unascertained measure, PCA composite, coupling coordination degree and location quotient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .normalization import (
    Blocks,
    affine_columns,
    affine_map,
    centered_gram,
    column_stats,
    constant_columns,
    minmax_parameters,
    row_dot,
)
from .results import MatrixResult, Result, Step, rank_descending
from .validation import (
    EvaluationInputError,
    as_matrix,
    as_vector,
    check_choice,
    check_weights,
    parse_directions,
    parse_number,
)

__all__ = [
    "COUPLING_GRADES",
    "FUZZY_OPERATORS",
    "WeightedSumResult",
    "TOPSISResult",
    "GRAResult",
    "FuzzyResult",
    "FuzzyTwoLevelResult",
    "UnascertainedResult",
    "PCAResult",
    "CouplingResult",
    "LocationQuotientResult",
    "weighted_sum",
    "topsis",
    "grey_relational",
    "fuzzy_evaluate",
    "fuzzy_evaluate_two_level",
    "fuzzy_compose",
    "unascertained_measure",
    "pca_composite",
    "coupling_coordination",
    "coupling_grade",
    "location_quotient",
]


def _frame(data: np.ndarray, index: Any, columns: Any) -> pd.DataFrame:
    return pd.DataFrame(data, index=index, columns=columns, copy=False)


@dataclass(frozen=True)
class _RankedResult(MatrixResult):
    """A matrix result with one score per object; ``rank`` is computed on first access."""

    score_key: ClassVar[str] = "scores"

    @cached_property
    def rank(self) -> np.ndarray:
        """1-based ranks of the scores (1 = largest, ties by first appearance)."""
        return rank_descending(getattr(self, self.score_key))

    @property
    def score_series(self) -> pd.Series:
        """Scores indexed by object."""
        return self._series(getattr(self, self.score_key), self.score_key)

    @property
    def rank_series(self) -> pd.Series:
        """Ranks indexed by object."""
        return self._series(self.rank, "rank")


# ---------------------------------------------------------------------------------------------------------
# Weighted sum
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedSumResult(_RankedResult):
    """Result of :func:`weighted_sum`."""

    normalized: np.ndarray
    weights: np.ndarray
    scores: np.ndarray
    constant: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = ("normalized", "weights", "scores", "rank", "constant_columns")

    @property
    def constant_columns(self) -> list[int]:
        """1-based indices of constant columns."""
        return [int(j) + 1 for j in np.flatnonzero(self.constant)]

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised matrix, then scores and ranks."""
        return [
            Step("Normalised matrix", "normalized", _frame(self.normalized, self.index, self.columns)),
            Step("Weighted sum and rank", "scores",
                 pd.DataFrame({"score": self.scores, "rank": self.rank}, index=self.index)),
        ]


def weighted_sum(
    matrix: Any, weights: Any, benefit: Any = None, *, normalization: str = "minmax"
) -> WeightedSumResult:
    """Simple additive weighting ``score_i = sum_j w_j y_ij``.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n)
    weights : array_like, shape (n,)
        Non-negative, summing to 1 (within 1e-6).
    benefit : sequence of bool/Direction, optional
        Default all benefit. Cost columns need ``normalization='minmax'``.
    normalization : {'minmax', 'none'}
        ``minmax``: direction min-max (constant columns give 1); ``none``: y = x (already scored data).

    References
    ----------
    .. [1] Fishburn, P. C. (1967). Additive utilities with incomplete product set: Applications to
       priorities and assignments. *Operations Research* 15, 537-542.
    """
    normalization = check_choice(normalization, ("minmax", "none"), method="weighted_sum", name="normalization")
    x, index, columns = as_matrix(matrix, method="weighted_sum", check_finite=False)
    n = x.shape[1]
    is_cost = parse_directions(benefit, n, method="weighted_sum")
    w = check_weights(weights, method="weighted_sum", length=n)
    stats = column_stats(x, method="weighted_sum")
    if normalization == "minmax":
        offset, divisor = minmax_parameters(stats, is_cost)
    else:
        if is_cost.any():
            j = int(np.flatnonzero(is_cost)[0])
            raise EvaluationInputError(
                f"weighted_sum: column {j + 1} is a cost column; cost columns need normalization='minmax'"
            )
        offset, divisor = np.zeros(n), np.ones(n)
    y = affine_columns(x, offset, divisor)
    scores = row_dot(y, w)
    y.flags.writeable = False
    return WeightedSumResult(index, columns, y, w, scores, constant_columns(stats))


# ---------------------------------------------------------------------------------------------------------
# TOPSIS
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TOPSISResult(_RankedResult):
    """Result of :func:`topsis`. ``weighted``, ``rank`` and ``steps`` are computed on first access."""

    is_cost: np.ndarray
    weights: np.ndarray
    normalized: np.ndarray
    ideal: np.ndarray
    anti_ideal: np.ndarray
    d_plus: np.ndarray
    d_minus: np.ndarray
    closeness: np.ndarray

    score_key: ClassVar[str] = "closeness"
    json_keys: ClassVar[tuple[str, ...]] = (
        "normalized", "weighted", "ideal", "anti_ideal", "d_plus", "d_minus", "closeness", "rank",
    )

    @cached_property
    def weighted(self) -> np.ndarray:
        """Weighted normalised matrix ``v_ij = w_j r_ij``."""
        return self.normalized * self.weights

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised and weighted matrices, ideal points, distances, closeness and rank."""
        ideal = pd.DataFrame({"ideal": self.ideal, "anti_ideal": self.anti_ideal}, index=self.columns)
        final = pd.DataFrame({"d_plus": self.d_plus, "d_minus": self.d_minus, "closeness": self.closeness,
                              "rank": self.rank}, index=self.index)
        return [
            Step("Vector-normalised matrix", "normalized", _frame(self.normalized, self.index, self.columns)),
            Step("Weighted normalised matrix", "weighted", _frame(self.weighted, self.index, self.columns)),
            Step("Ideal and anti-ideal solutions", "ideal", ideal),
            Step("Distances, relative closeness and rank", "closeness", final),
        ]


def topsis(matrix: Any, weights: Any, benefit: Any = None) -> TOPSISResult:
    """TOPSIS with vector normalisation and Euclidean distances.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n), m >= 2
    weights : array_like, shape (n,)
        Non-negative, summing to 1 (within 1e-6).
    benefit : sequence of bool/Direction, optional
        Default all benefit.

    Returns
    -------
    TOPSISResult
        ``normalized r_ij = x_ij / sqrt(sum_i x_ij^2)``, ``weighted v = w r`` (lazy), ``ideal`` (column max
        of v for benefit, min for cost), ``anti_ideal`` (the opposite), ``d_plus``, ``d_minus`` (Euclidean),
        ``closeness = d_minus / (d_plus + d_minus)``, ``rank``.

    Raises
    ------
    EvaluationInputError
        An all-zero column (vector normalisation divides by 0), bad weights, or all alternatives equal on
        every weighted criterion (closeness 0/0).

    Notes
    -----
    ``(v_ij - v*_j)^2 = w_j^2 (r_ij - r*_j)^2``, so the distances are one matrix-vector product of the
    squared differences with ``w^2``, computed block by block while ``r`` is written.

    References
    ----------
    .. [1] Hwang, C.-L. and Yoon, K. (1981). *Multiple Attribute Decision Making: Methods and
       Applications*. Springer, Lecture Notes in Economics and Mathematical Systems 186, pp. 128-140.
    """
    x, index, columns = as_matrix(matrix, method="topsis", min_rows=2, check_finite=False)
    m, n = x.shape
    is_cost = parse_directions(benefit, n, method="topsis")
    w = check_weights(weights, method="topsis", length=n)
    stats = column_stats(x, sumsq=True, method="topsis")
    norm = np.sqrt(stats.sumsq)
    if (norm == 0).any():
        j = int(np.flatnonzero(norm == 0)[0])
        raise EvaluationInputError(f"topsis: column {j + 1} is all zeros; vector normalisation would divide by zero")
    zero = np.zeros(n)
    best = np.where(is_cost, stats.min, stats.max) / norm  # same operation as the elementwise r: bitwise equal
    worst = np.where(is_cost, stats.max, stats.min) / norm
    w2 = w * w
    d_plus = np.empty(m)
    d_minus = np.empty(m)
    best_t, worst_t = Blocks(m, n).tiled(best), Blocks(m, n).tiled(worst)

    def distances(r: np.ndarray, span: tuple[int, int, int], blocks: Blocks, buf: np.ndarray) -> None:
        r0, r1, reps = span
        t = blocks.scratch_view(buf, span)
        for ref, out in ((best_t, d_plus), (worst_t, d_minus)):
            np.subtract(r, ref[reps], out=t)
            np.multiply(t, t, out=t)
            row_dot(t.reshape(-1, n), w2, out=out[r0:r1])

    r, _ = affine_map(x, zero, norm, distances)
    np.sqrt(d_plus, out=d_plus)
    np.sqrt(d_minus, out=d_minus)
    denom = d_plus + d_minus
    if (denom == 0).any():
        raise EvaluationInputError(
            "topsis: all alternatives are equal on every weighted criterion; closeness is 0/0"
        )
    r.flags.writeable = False
    return TOPSISResult(index, columns, is_cost, w, r, w * best, w * worst, d_plus, d_minus, d_minus / denom)


# ---------------------------------------------------------------------------------------------------------
# Grey relational analysis
# ---------------------------------------------------------------------------------------------------------


def _grey_block(y: np.ndarray, ref: np.ndarray, num: float, rho_dmax: float, out: np.ndarray) -> np.ndarray:
    """``xi = (dmin + rho dmax) / (|ref - y| + rho dmax)`` into ``out`` (same kernel for grades and tables)."""
    np.subtract(ref, y, out=out)
    np.abs(out, out=out)
    if rho_dmax == 0.0:  # every column constant: all deltas 0, coefficients 1 by convention
        out.fill(1.0)
        return out
    np.add(out, rho_dmax, out=out)
    np.divide(num, out, out=out)
    return out


@dataclass(frozen=True)
class GRAResult(_RankedResult):
    """Result of :func:`grey_relational`. ``delta``, ``coefficients``, ``rank`` and ``steps`` are lazy."""

    is_cost: np.ndarray
    normalization: str
    rho: float
    weights: np.ndarray
    normalized: np.ndarray
    reference: np.ndarray
    delta_min: float
    delta_max: float
    grade: np.ndarray
    constant: np.ndarray

    score_key: ClassVar[str] = "grade"
    json_keys: ClassVar[tuple[str, ...]] = (
        "normalized", "reference", "delta", "delta_min", "delta_max", "coefficients", "grade", "rank",
        "weights", "constant_columns",
    )

    @cached_property
    def delta(self) -> np.ndarray:
        """Absolute differences ``|x0_j - y_ij|``."""
        return np.abs(self.reference - self.normalized)

    @cached_property
    def coefficients(self) -> np.ndarray:
        """Grey relational coefficients ``xi_ij`` (the same kernel the grades were computed with)."""
        num = self.delta_min + self.rho * self.delta_max
        return _grey_block(self.normalized, self.reference, num, self.rho * self.delta_max,
                           np.empty_like(self.normalized))

    @property
    def constant_columns(self) -> list[int]:
        """1-based indices of constant columns (coefficients 1)."""
        return [int(j) + 1 for j in np.flatnonzero(self.constant)]

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised matrix, differences, coefficients, grades and ranks."""
        return [
            Step(f"Normalised matrix ({self.normalization}); reference row = column best", "normalized",
                 _frame(self.normalized, self.index, self.columns)),
            Step(f"Differences from the reference (global min {self.delta_min:g}, max {self.delta_max:g})",
                 "delta", _frame(self.delta, self.index, self.columns)),
            Step(f"Grey relational coefficients (rho = {self.rho:g})", "coefficients",
                 _frame(self.coefficients, self.index, self.columns)),
            Step("Grey relational grade and rank", "grade",
                 pd.DataFrame({"grade": self.grade, "rank": self.rank}, index=self.index)),
        ]


def grey_relational(
    matrix: Any,
    benefit: Any = None,
    *,
    rho: float = 0.5,
    normalization: str = "minmax",
    weights: Any = None,
) -> GRAResult:
    """Deng's grey relational analysis against the ideal (best-per-column) reference sequence.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n)
    benefit : sequence of bool/Direction, optional
        Default all benefit.
    rho : float in (0, 1]
        Distinguishing coefficient (default 0.5).
    normalization : {'minmax', 'none'}
        ``minmax``: y = direction min-max, reference ``x0_j = max_i y_ij``; ``none``: y = x, reference =
        column max for benefit, column min for cost.
    weights : array_like, optional
        Absent: equal ``1/n``. Given: non-negative, divided by their sum.

    Returns
    -------
    GRAResult
        ``normalized``, ``reference``, ``delta = |x0 - y|``, global ``delta_min`` / ``delta_max``,
        ``coefficients xi = (dmin + rho dmax)/(delta + rho dmax)``, ``grade = sum_j w_j xi_ij``, ``rank``.
        If every column is constant (dmax = 0) all coefficients are 1.

    Notes
    -----
    Each column attains its own reference, so ``delta_min`` is 0 and
    ``delta_max = max_j (max_i y_ij - min_i y_ij)``; both come from the column statistics without a pass.

    References
    ----------
    .. [1] Deng Julong (1982). Control problems of grey systems. *Systems & Control Letters* 1(5),
       288-294.
    .. [2] Liu Sifeng and Lin Yi (2010). *Grey Systems: Theory and Applications*. Springer, ch. 3.
    """
    normalization = check_choice(normalization, ("minmax", "none"), method="gra", name="normalization")
    rho = parse_number(rho, method="gra", where="rho")
    if not 0.0 < rho <= 1.0:
        raise EvaluationInputError(f"gra: rho must be in (0, 1], got {rho:g}")
    x, index, columns = as_matrix(matrix, method="gra", check_finite=False)
    m, n = x.shape
    is_cost = parse_directions(benefit, n, method="gra")
    w = np.full(n, 1.0 / n) if weights is None else check_weights(weights, method="gra", length=n, rescale=True)
    stats = column_stats(x, method="gra")
    if normalization == "minmax":
        offset, divisor = minmax_parameters(stats, is_cost)
        y_lo, y_hi = (stats.min - offset) / divisor, (stats.max - offset) / divisor
        ref = np.maximum(y_lo, y_hi)
        spread = np.abs(y_hi - y_lo)
    else:
        offset, divisor = np.zeros(n), np.ones(n)
        ref = np.where(is_cost, stats.min, stats.max)
        spread = stats.max - stats.min
    dmin, dmax = 0.0, float(spread.max())
    num, rho_dmax = dmin + rho * dmax, rho * dmax
    grade = np.empty(m)
    ref_t = Blocks(m, n).tiled(ref)

    def grades(y: np.ndarray, span: tuple[int, int, int], blocks: Blocks, buf: np.ndarray) -> None:
        r0, r1, reps = span
        t = _grey_block(y, ref_t[reps], num, rho_dmax, blocks.scratch_view(buf, span))
        row_dot(t.reshape(-1, n), w, out=grade[r0:r1])

    y, _ = affine_map(x, offset, divisor, grades)
    y.flags.writeable = False
    return GRAResult(index, columns, is_cost, normalization, rho, w, y, ref, dmin, dmax, grade,
                     constant_columns(stats))


# ---------------------------------------------------------------------------------------------------------
# Fuzzy comprehensive evaluation
# ---------------------------------------------------------------------------------------------------------

#: Composition operators ``b = W o R`` (k = grade): see :func:`fuzzy_compose`.
FUZZY_OPERATORS = ("M(*,+)", "M(^,v)", "M(*,v)", "M(^,+)")


def fuzzy_compose(w: np.ndarray, r: np.ndarray, operator: str) -> np.ndarray:
    """Fuzzy composition ``B = W o R`` of a weight vector (n,) with a membership matrix (n, K).

    ``M(*,+)``: ``b_k = sum_i w_i r_ik``; ``M(^,v)``: ``b_k = max_i min(w_i, r_ik)``;
    ``M(*,v)``: ``b_k = max_i w_i r_ik``; ``M(^,+)``: ``b_k = min(1, sum_i min(w_i, r_ik))``.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control* 8(3), 338-353.
    .. [2] Wang Peizhuang (汪培庄) (1983). *Fuzzy Set Theory and Its Applications* (模糊集合论及其应用).
       Shanghai Scientific and Technical Publishers (the four models M(.,.)).
    """
    wc = w[:, None]
    if operator == "M(*,+)":
        return w @ r
    if operator == "M(^,v)":
        return np.minimum(wc, r).max(axis=0)
    if operator == "M(*,v)":
        return (wc * r).max(axis=0)
    if operator == "M(^,+)":
        return np.minimum(1.0, np.minimum(wc, r).sum(axis=0))
    valid = ", ".join(FUZZY_OPERATORS)
    raise EvaluationInputError(f"fuzzy: operator must be one of {valid}, got {operator!r}")


def _membership(r: Any, *, n: int, k: int | None, name: str) -> np.ndarray:
    arr, _, _ = as_matrix(r, method="fuzzy", name=name)
    if arr.shape[0] != n:
        raise EvaluationInputError(f"fuzzy: {name} has {arr.shape[0]} rows but there are {n} weights")
    if k is not None and arr.shape[1] != k:
        raise EvaluationInputError(f"fuzzy: {name} has {arr.shape[1]} grade columns, expected {k}")
    if ((arr < 0) | (arr > 1)).any():
        i, j = np.argwhere((arr < 0) | (arr > 1))[0]
        raise EvaluationInputError(
            f"fuzzy: memberships must lie in [0, 1]; {name} cell ({i + 1}, {j + 1}) is {arr[i, j]:g}"
        )
    return np.array(arr, copy=True)


def _grades(values: Any, labels: Any, k: int, method: str) -> tuple[np.ndarray | None, list[str] | None]:
    gv = None if values is None else as_vector(values, method=method, name="grade_values", length=k, of="grades")
    gl = None
    if labels is not None:
        gl = [str(v) for v in labels]
        if len(gl) != k:
            raise EvaluationInputError(f"{method}: grade_labels has {len(gl)} entries but there are {k} grades")
    return gv, gl


def _normalize_b(b: np.ndarray, what: str) -> np.ndarray:
    total = b.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise EvaluationInputError(f"fuzzy: {what} is all zeros; it cannot be normalised")
    return b / total


@dataclass(frozen=True)
class FuzzyResult(Result):
    """Result of :func:`fuzzy_evaluate`."""

    operator: str
    weights: np.ndarray
    R: np.ndarray
    B: np.ndarray
    B_normalized: np.ndarray
    grade_values: np.ndarray | None
    grade_labels: list[str] | None

    json_keys: ClassVar[tuple[str, ...]] = (
        "B", "B_normalized", "max_membership_grade", "max_membership_label", "score", "operator",
    )

    @property
    def max_membership_grade(self) -> int:
        """1-based grade of the largest B (first one on ties)."""
        return int(np.argmax(self.B)) + 1

    @property
    def max_membership_label(self) -> str | None:
        """Label of :attr:`max_membership_grade`, if labels were given."""
        return None if self.grade_labels is None else self.grade_labels[self.max_membership_grade - 1]

    @property
    def score(self) -> float | None:
        """``sum_k B_normalized_k * grade_value_k``, if grade values were given."""
        return None if self.grade_values is None else float(self.B_normalized @ self.grade_values)

    @cached_property
    def steps(self) -> list[Step]:
        """Membership matrix with weights, then the evaluation vector."""
        cols = self.grade_labels or list(range(1, self.R.shape[1] + 1))
        rt = _frame(self.R, pd.RangeIndex(1, self.R.shape[0] + 1), cols)
        rt.insert(0, "weight", self.weights)
        return [
            Step("Weights and membership matrix", "R", rt),
            Step(f"Evaluation vector B = W {self.operator} R", "B",
                 pd.DataFrame([self.B, self.B_normalized], index=["B", "B_normalized"], columns=cols)),
        ]


def fuzzy_evaluate(
    weights: Any,
    R: Any,
    operator: str = "M(*,+)",
    grade_values: Any = None,
    grade_labels: Any = None,
) -> FuzzyResult:
    """Single-level fuzzy comprehensive evaluation ``B = W o R``.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Indicator weights, summing to 1 (within 1e-6).
    R : array_like, shape (n, K)
        Memberships in [0, 1]; rows = indicators, columns = grades from best to worst.
    operator : {'M(*,+)', 'M(^,v)', 'M(*,v)', 'M(^,+)'}
        See :func:`fuzzy_compose`.
    grade_values, grade_labels : sequence of length K, optional
        Values (e.g. 95, 85, 75, 65, 55) for ``score``, labels for ``max_membership_label``.

    Returns
    -------
    FuzzyResult
        ``B``, ``B_normalized = B / sum B``, ``max_membership_grade`` (1-based, first max),
        ``max_membership_label``, ``score = sum_k B_normalized_k grade_value_k``.

    References
    ----------
    .. [1] Wang Peizhuang (1983). *Fuzzy Set Theory and Its Applications*. Shanghai Scientific and
       Technical Publishers.
    """
    if operator not in FUZZY_OPERATORS:
        fuzzy_compose(np.zeros(1), np.zeros((1, 1)), operator)  # raises the uniform message
    w = check_weights(weights, method="fuzzy", of="indicators")
    r = _membership(R, n=w.size, k=None, name="R")
    gv, gl = _grades(grade_values, grade_labels, r.shape[1], "fuzzy")
    b = fuzzy_compose(w, r, operator)
    return FuzzyResult(operator, w, r, b, _normalize_b(b, "B"), gv, gl)


@dataclass(frozen=True)
class FuzzyTwoLevelResult(FuzzyResult):
    """Result of :func:`fuzzy_evaluate_two_level` (``R`` is the second-level matrix)."""

    first_level_B: np.ndarray
    first_level_B_normalized: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = FuzzyResult.json_keys + (
        "first_level_B", "first_level_B_normalized", "first_level_max_membership_grade",
    )

    @property
    def first_level_max_membership_grade(self) -> list[int]:
        """1-based max-membership grade of each first-level indicator."""
        return [int(k) + 1 for k in np.argmax(self.first_level_B, axis=1)]


def fuzzy_evaluate_two_level(
    groups: Sequence[Any],
    top_weights: Any,
    operator: str = "M(*,+)",
    grade_values: Any = None,
    grade_labels: Any = None,
) -> FuzzyTwoLevelResult:
    """Two-level fuzzy comprehensive evaluation.

    Parameters
    ----------
    groups : sequence of {'weights': ..., 'R': ...} (or (weights, R) pairs)
        Sub-indicator weights (sum 1) and membership matrix (n_i x K) of each first-level indicator.
    top_weights : array_like, shape (len(groups),)
        Weights of the first-level indicators (sum 1).
    operator : str
        Applied at both levels (see :func:`fuzzy_compose`).

    Returns
    -------
    FuzzyTwoLevelResult
        ``first_level_B[i] = W_i o R_i``, ``first_level_B_normalized`` (each row / its sum; these rows form
        the second-level ``R``), ``B = top_weights o R``, then as :func:`fuzzy_evaluate`.

    References
    ----------
    .. [1] Wang Peizhuang (1983). *Fuzzy Set Theory and Its Applications*, multi-level model.
    """
    if operator not in FUZZY_OPERATORS:
        fuzzy_compose(np.zeros(1), np.zeros((1, 1)), operator)
    if not isinstance(groups, Sequence) or isinstance(groups, str) or not groups:
        raise EvaluationInputError("fuzzy: groups must be a non-empty list of {weights, R}")
    top = check_weights(top_weights, method="fuzzy", name="top_weights", length=len(groups), of="groups")
    rows = []
    k = None
    for g, group in enumerate(groups, start=1):
        if isinstance(group, Mapping):
            missing = [key for key in ("weights", "R") if key not in group]
            if missing:
                raise EvaluationInputError(f"fuzzy: group {g} is missing {missing[0]!r}")
            gw, gr = group["weights"], group["R"]
        elif isinstance(group, Sequence) and len(group) == 2:
            gw, gr = group
        else:
            raise EvaluationInputError(f"fuzzy: group {g} must be {{'weights': [...], 'R': [[...]]}}")
        w = check_weights(gw, method="fuzzy", name=f"group {g} weights", of="indicators")
        r = _membership(gr, n=w.size, k=k, name=f"group {g} R")
        k = r.shape[1]
        rows.append(fuzzy_compose(w, r, operator))
    first = np.vstack(rows)
    first_n = _normalize_b(first, "a first-level B")
    gv, gl = _grades(grade_values, grade_labels, first.shape[1], "fuzzy")
    b = fuzzy_compose(top, first_n, operator)
    return FuzzyTwoLevelResult(operator, top, first_n, b, _normalize_b(b, "B"), gv, gl, first, first_n)


# ---------------------------------------------------------------------------------------------------------
# Unascertained measure
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnascertainedResult(Result):
    """Result of :func:`unascertained_measure`."""

    x: np.ndarray
    anchors: np.ndarray
    weights: np.ndarray
    lam: float
    single_measures: np.ndarray
    measure: np.ndarray
    cumulative: np.ndarray
    grade: int
    grade_values: np.ndarray | None
    grade_labels: list[str] | None

    json_keys: ClassVar[tuple[str, ...]] = (
        "single_measures", "measure", "cumulative", "grade", "grade_label", "score", "lambda",
    )
    json_attrs: ClassVar[dict[str, str]] = {"lambda": "lam"}

    @property
    def grade_label(self) -> str | None:
        """Label of the recognised grade, if labels were given."""
        return None if self.grade_labels is None else self.grade_labels[self.grade - 1]

    @property
    def score(self) -> float | None:
        """``sum_k mu_k grade_value_k``, if grade values were given."""
        return None if self.grade_values is None else float(self.measure @ self.grade_values)

    @cached_property
    def steps(self) -> list[Step]:
        """Single-index measures, then the weighted measure and its cumulative sum."""
        cols = self.grade_labels or list(range(1, self.anchors.shape[1] + 1))
        idx = pd.RangeIndex(1, self.x.size + 1)
        st = _frame(self.single_measures, idx, cols)
        st.insert(0, "weight", self.weights)
        st.insert(0, "x", self.x)
        return [
            Step("Single-index measures", "single_measures", st),
            Step(f"Multi-index measure and cumulative (lambda = {self.lam:g})", "measure",
                 pd.DataFrame([self.measure, self.cumulative], index=["measure", "cumulative"], columns=cols)),
        ]


#: Tolerance when comparing a cumulative measure with lambda (so 0.3 + 0.3 >= 0.6 holds).
_LAMBDA_TOL = 1e-12


def unascertained_measure(
    x: Any,
    anchors: Any,
    weights: Any,
    lam: float = 0.6,
    grade_values: Any = None,
    grade_labels: Any = None,
) -> UnascertainedResult:
    """Unascertained measure evaluation with the confidence recognition criterion.

    Parameters
    ----------
    x : array_like, shape (n,)
        Value of each indicator.
    anchors : array_like, shape (n, K), K >= 2
        Per indicator, one value per grade, grade 1 (best) to grade K (worst); strictly decreasing for a
        benefit indicator, strictly increasing for a cost indicator.
    weights : array_like, shape (n,)
        Indicator weights, summing to 1 (within 1e-6).
    lam : float in (0, 1]
        Confidence level lambda (typically 0.6 or 0.7).
    grade_values, grade_labels : sequence of length K, optional

    Returns
    -------
    UnascertainedResult
        ``single_measures`` (n x K, piecewise linear between adjacent anchors, each row sums to 1; beyond
        the grade-1 anchor mu_1 = 1, beyond the grade-K anchor mu_K = 1), ``measure mu_k = sum_j w_j mu_jk``,
        ``cumulative``, ``grade`` = smallest k with cumulative >= lambda (1e-12 tolerance), ``grade_label``,
        ``score = sum_k mu_k grade_value_k``.

    References
    ----------
    .. [1] Liu Kaidi, Pang Yanjun, Sun Guangyu, Yao Lixin (1999). The unascertained measurement evaluation
       on a city's environmental quality. *Systems Engineering - Theory & Practice* 19(12), 52-58
       (未确知测度模型及其应用).
    .. [2] Wang Guangyue (王光远) (1990). Unascertained information and its mathematical treatment.
       *Journal of Harbin University of Civil Engineering and Architecture* 23(4), 1-9.
    """
    xs = as_vector(x, method="unascertained", name="x")
    n = xs.size
    if n == 0:
        raise EvaluationInputError("unascertained: x is empty")
    a, _, _ = as_matrix(anchors, method="unascertained", name="anchors", min_cols=2)
    if a.shape[0] != n:
        raise EvaluationInputError(f"unascertained: anchors has {a.shape[0]} rows but x has {n} indicators")
    k = a.shape[1]
    w = check_weights(weights, method="unascertained", length=n, of="indicators")
    lam = parse_number(lam, method="unascertained", where="lambda")
    if not 0.0 < lam <= 1.0:
        raise EvaluationInputError(f"unascertained: lambda must be in (0, 1], got {lam:g}")
    gv, gl = _grades(grade_values, grade_labels, k, "unascertained")
    steps = np.diff(a, axis=1)
    increasing = (steps > 0).all(axis=1)
    decreasing = (steps < 0).all(axis=1)
    bad = ~(increasing | decreasing)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise EvaluationInputError(
            f"unascertained: anchors of indicator {j + 1} must be strictly monotone "
            f"(decreasing for benefit, increasing for cost), got {a[j].tolist()}"
        )
    # Orient every row as increasing: a benefit row (decreasing) is negated together with its x.
    sign = np.where(increasing, 1.0, -1.0)
    aa = a * sign[:, None]
    xx = xs * sign
    pos = (aa <= xx[:, None]).sum(axis=1)  # number of anchors at or below x
    rows = np.arange(n)
    mu = np.zeros((n, k))
    lo = np.clip(pos - 1, 0, k - 2)  # interval [aa[lo], aa[lo + 1]]
    a_lo, a_hi = aa[rows, lo], aa[rows, lo + 1]
    mu_lo = np.clip((a_hi - xx) / (a_hi - a_lo), 0.0, 1.0)
    mu[rows, lo] = mu_lo
    mu[rows, lo + 1] = 1.0 - mu_lo
    measure = w @ mu
    cumulative = np.cumsum(measure)
    grade = int(np.argmax(cumulative >= lam - _LAMBDA_TOL)) + 1
    return UnascertainedResult(xs, a, w, lam, mu, measure, cumulative, grade, gv, gl)


# ---------------------------------------------------------------------------------------------------------
# PCA composite
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PCAResult(_RankedResult):
    """Result of :func:`pca_composite`."""

    mean: np.ndarray
    std_sample: np.ndarray
    corr: np.ndarray
    eigenvalues: np.ndarray
    all_eigenvectors: np.ndarray
    n_components: int
    component_scores: np.ndarray
    component_weights: np.ndarray
    composite: np.ndarray
    composite_total_share: np.ndarray
    retention: str

    score_key: ClassVar[str] = "composite"
    json_keys: ClassVar[tuple[str, ...]] = (
        "mean", "std_sample", "corr", "eigenvalues", "variance_share", "cumulative_share", "n_components",
        "eigenvectors", "loadings", "component_scores", "component_weights", "composite", "rank",
        "composite_total_share",
    )

    @property
    def variance_share(self) -> np.ndarray:
        """``lambda / p`` for every eigenvalue."""
        return self.eigenvalues / self.eigenvalues.size

    @property
    def cumulative_share(self) -> np.ndarray:
        """Cumulative variance share."""
        return np.cumsum(self.variance_share)

    @property
    def eigenvectors(self) -> np.ndarray:
        """Retained unit eigenvectors (p x k), each with a positive element sum."""
        return self.all_eigenvectors[:, : self.n_components]

    @property
    def loadings(self) -> np.ndarray:
        """Component loadings ``u sqrt(lambda)`` (p x k)."""
        return self.eigenvectors * np.sqrt(np.maximum(self.eigenvalues[: self.n_components], 0.0))

    @cached_property
    def steps(self) -> list[Step]:
        """Correlation matrix, eigenvalues, loadings, component scores and composite."""
        comps = [f"F{k + 1}" for k in range(self.n_components)]
        eig = pd.DataFrame({"eigenvalue": self.eigenvalues, "share": self.variance_share,
                            "cumulative": self.cumulative_share},
                           index=pd.RangeIndex(1, self.eigenvalues.size + 1))
        scores = _frame(self.component_scores, self.index, comps)
        scores["composite"] = self.composite
        scores["rank"] = self.rank
        return [
            Step("Correlation matrix of the indicators", "corr", _frame(self.corr, self.columns, self.columns)),
            Step(f"Eigenvalues ({self.retention}: {self.n_components} retained)", "eigenvalues", eig),
            Step("Loadings of the retained components", "loadings", _frame(self.loadings, self.columns, comps)),
            Step("Component scores, composite and rank", "scores", scores),
        ]


def pca_composite(matrix: Any, retention: str = "kaiser", threshold: float = 0.85) -> PCAResult:
    """Composite score from principal components of the correlation matrix.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, p), m >= 2
        No constant column (its z-score would divide by 0).
    retention : {'kaiser', 'cumulative'}
        ``kaiser``: keep eigenvalues > 1 (at least one component is always kept); ``cumulative``: the
        smallest k whose cumulative share is >= ``threshold`` (1e-12 tolerance).
    threshold : float in (0, 1]
        For ``cumulative`` (default 0.85).

    Returns
    -------
    PCAResult
        ``mean``, ``std_sample`` (ddof=1), ``corr`` (Pearson), ``eigenvalues`` (descending),
        ``variance_share``, ``cumulative_share``, ``n_components``, ``eigenvectors`` (unit, each flipped so
        its element sum is > 0; if the sum is exactly 0, so that its first non-zero element is > 0),
        ``loadings = u sqrt(lambda)``, ``component_scores F = Z u``, ``component_weights =
        lambda_k / sum_retained lambda``, ``composite = sum_k weight_k F_k``, ``rank``,
        ``composite_total_share = sum_k (lambda_k / p) F_k``.

    References
    ----------
    .. [1] Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed. Springer (Kaiser's rule,
       section 6.1.2; cumulative percentage of variance, section 6.1.1).
    .. [2] Kaiser, H. F. (1960). The application of electronic computers to factor analysis.
       *Educational and Psychological Measurement* 20(1), 141-151.
    """
    retention = check_choice(retention, ("kaiser", "cumulative"), method="pca", name="retention")
    threshold = parse_number(threshold, method="pca", where="threshold")
    if not 0.0 < threshold <= 1.0:
        raise EvaluationInputError(f"pca: threshold must be in (0, 1], got {threshold:g}")
    x, index, columns = as_matrix(matrix, method="pca", min_rows=2, check_finite=False)
    m, p = x.shape
    stats = column_stats(x, method="pca")
    const = constant_columns(stats)
    if const.any():
        j = int(np.flatnonzero(const)[0])
        raise EvaluationInputError(f"pca: column {j + 1} is constant (zero variance); its z-score divides by 0")
    mean0 = stats.sum / m
    cov, dsum = centered_gram(x, mean0, gram=True)
    mean = mean0 + dsum / m
    var = np.diag(cov).copy()
    if (var <= 0).any():
        j = int(np.flatnonzero(var <= 0)[0])
        raise EvaluationInputError(f"pca: column {j + 1} has zero variance; its z-score divides by 0")
    std = np.sqrt(var / (m - 1))
    sd = np.sqrt(var)
    corr = cov / np.outer(sd, sd)
    np.fill_diagonal(corr, 1.0)
    vals, vecs = np.linalg.eigh(corr)
    vals, vecs = vals[::-1].copy(), vecs[:, ::-1].copy()
    sums = vecs.sum(axis=0)
    first_nz = vecs[np.argmax(np.abs(vecs) > 1e-12, axis=0), np.arange(p)]
    flip = (sums < 0) | ((sums == 0) & (first_nz < 0))
    vecs[:, flip] *= -1.0
    if retention == "kaiser":
        k = max(1, int((vals > 1.0).sum()))
    else:
        cum = np.cumsum(vals / p)
        k = int(np.argmax(cum >= threshold - 1e-12)) + 1
    kept = vals[:k]
    cw = kept / kept.sum()
    u = vecs[:, :k]
    scores = np.empty((m, k))
    blocks = Blocks(m, p)
    mean_t, std_t = blocks.tiled(mean), blocks.tiled(std)

    def project(span: tuple[int, int, int], buf: np.ndarray) -> None:
        r0, r1, reps = span
        z = np.subtract(blocks.view(x, span), mean_t[reps], out=blocks.scratch_view(buf, span))
        np.divide(z, std_t[reps], out=z)
        np.matmul(z.reshape(-1, p), u, out=scores[r0:r1])

    blocks.run(project, parallel=False)
    composite = scores @ cw
    total_share = scores @ (kept / p)
    return PCAResult(index, columns, mean, std, corr, vals, vecs, k, scores, cw, composite, total_share, retention)


# ---------------------------------------------------------------------------------------------------------
# Coupling coordination degree
# ---------------------------------------------------------------------------------------------------------

#: The 10 classes of the coupling coordination degree D, lower-closed intervals [0.1(k-1), 0.1k), 1.0 in
#: class 10: (English, Chinese) labels. Liao Chongbin (廖重斌) 1999, 热带地理 19(2):171-177.
COUPLING_GRADES = (
    ("extreme disorder", "极度失调"),
    ("serious disorder", "严重失调"),
    ("moderate disorder", "中度失调"),
    ("mild disorder", "轻度失调"),
    ("on the verge of disorder", "濒临失调"),
    ("barely coordinated", "勉强协调"),
    ("primary coordination", "初级协调"),
    ("intermediate coordination", "中级协调"),
    ("good coordination", "良好协调"),
    ("quality coordination", "优质协调"),
)
# k/10 is the double nearest to the decimal 0.k, so D = 0.5 lands in class 6 and 0.3 in class 4.
_COUPLING_BOUNDS = np.arange(1, 10) / 10.0


def coupling_grade(d: Any) -> np.ndarray:
    """1-based class (1..10) of coordination degrees D: lower-closed ``[0.1(k-1), 0.1k)``, 1.0 in class 10."""
    return np.searchsorted(_COUPLING_BOUNDS, np.asarray(d, dtype=np.float64), side="right") + 1


@dataclass(frozen=True)
class CouplingResult(_RankedResult):
    """Result of :func:`coupling_coordination`."""

    U: np.ndarray
    alpha: np.ndarray
    C: np.ndarray
    T: np.ndarray
    D: np.ndarray
    grade_index: np.ndarray

    score_key: ClassVar[str] = "D"
    json_keys: ClassVar[tuple[str, ...]] = ("C", "T", "D", "grade_index", "grade_label", "grade_label_zh", "alpha")

    @property
    def grade_label(self) -> list[str]:
        """English class label per row."""
        return [COUPLING_GRADES[g - 1][0] for g in self.grade_index]

    @property
    def grade_label_zh(self) -> list[str]:
        """Chinese class label per row."""
        return [COUPLING_GRADES[g - 1][1] for g in self.grade_index]

    @cached_property
    def steps(self) -> list[Step]:
        """Subsystem scores with C, T, D and class per object."""
        t = _frame(self.U, self.index, self.columns)
        for key in ("C", "T", "D", "grade_index"):
            t[key] = getattr(self, key)
        t["grade_label"] = self.grade_label
        return [Step("Coupling C, development T, coordination D and class", "coupling", t)]


def coupling_coordination(U: Any, alpha: Any = None) -> CouplingResult:
    """Coupling coordination degree of n subsystems.

    Parameters
    ----------
    U : array_like or DataFrame, shape (m, n)
        Subsystem scores in (0, 1]; rows are objects (or years), columns subsystems.
    alpha : array_like, shape (n,), optional
        Contribution of each subsystem to T, summing to 1; default equal ``1/n``.

    Returns
    -------
    CouplingResult
        ``C = n (prod_i U_i)^(1/n) / sum_i U_i``, ``T = sum_i alpha_i U_i``, ``D = sqrt(C T)``,
        ``grade_index`` (1..10), ``grade_label`` (English), ``grade_label_zh``.

    References
    ----------
    .. [1] Liao Chongbin (廖重斌) (1999). Quantitative judgement and classification system for coordinated
       development of environment and economy (环境与经济协调发展的定量评判及其分类体系).
       *Tropical Geography* (热带地理) 19(2), 171-177.
    .. [2] Tian Shenzhen et al. (2021). *Acta Geographica Sinica* (地理学报) 76(4), 781, Table 1.
    """
    u, index, columns = as_matrix(U, method="coupling", name="U")
    m, n = u.shape
    bad = (u <= 0) | (u > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise EvaluationInputError(
            f"coupling: U must lie in (0, 1]; cell ({i + 1}, {j + 1}) is {u[i, j]:g}"
        )
    a = np.full(n, 1.0 / n) if alpha is None else check_weights(alpha, method="coupling", name="alpha",
                                                                  length=n, of="subsystems")
    c = n * np.exp(np.log(u).mean(axis=1)) / u.sum(axis=1)
    np.minimum(c, 1.0, out=c)  # AM-GM: C <= 1; removes rounding above 1
    t = u @ a
    d = np.sqrt(c * t)
    return CouplingResult(index, columns, np.array(u, copy=True), a, c, t, d, coupling_grade(d))


# ---------------------------------------------------------------------------------------------------------
# Location quotient
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationQuotientResult(MatrixResult):
    """Result of :func:`location_quotient`."""

    LQ: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = ("LQ",)

    @cached_property
    def steps(self) -> list[Step]:
        """The location quotient matrix."""
        return [Step("Location quotients", "LQ", _frame(self.LQ, self.index, self.columns))]


def location_quotient(matrix: Any) -> LocationQuotientResult:
    """Location quotient (location entropy) ``LQ_ij = (e_ij / sum_j e_ij) / (sum_i e_ij / sum_ij e_ij)``.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n)
        Non-negative quantities e; rows are units/regions, columns categories. Every row and column
        must have a positive total.

    References
    ----------
    .. [1] Isard, W. (1960). *Methods of Regional Analysis: An Introduction to Regional Science*.
       MIT Press, pp. 123-126 (location quotient).
    """
    e, index, columns = as_matrix(matrix, method="location_quotient")
    if (e < 0).any():
        i, j = np.argwhere(e < 0)[0]
        raise EvaluationInputError(
            f"location_quotient: values must be non-negative; cell ({i + 1}, {j + 1}) is {e[i, j]:g}"
        )
    row = e.sum(axis=1)
    col = e.sum(axis=0)
    if (row == 0).any():
        i = int(np.flatnonzero(row == 0)[0])
        raise EvaluationInputError(f"location_quotient: row {i + 1} sums to 0; its shares divide by 0")
    if (col == 0).any():
        j = int(np.flatnonzero(col == 0)[0])
        raise EvaluationInputError(f"location_quotient: column {j + 1} sums to 0; its share divides by 0")
    total = row.sum()
    lq = (e / row[:, None]) / (col / total)
    return LocationQuotientResult(index, columns, lq)
