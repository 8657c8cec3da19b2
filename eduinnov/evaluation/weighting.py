"""Weighting methods: subjective (AHP, AHM, expert), objective (entropy, CV, CRITIC) and their combination.

Each public function validates its input once, computes with whole-matrix numpy (blocked passes for the
objective methods, see :mod:`.normalization`) and returns a frozen result dataclass.
"""

from __future__ import annotations

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
    check_choice,
    check_weights,
    parse_directions,
    parse_number,
)

__all__ = [
    "SAATY_RI",
    "AHPResult",
    "AHMResult",
    "EntropyResult",
    "CVResult",
    "CRITICResult",
    "CombinedWeights",
    "Judgment",
    "ahp_weights",
    "ahm_weights",
    "most_inconsistent_judgment",
    "entropy_weights",
    "cv_weights",
    "critic_weights",
    "expert_weights",
    "combine_weights",
]

#: Saaty's random consistency index for n = 1..15 (normative table of DOMAIN.md).
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
#: Consistency threshold: a matrix is consistent iff CR < 0.10 (strict).
CR_THRESHOLD = 0.10
#: Default tolerance of the reciprocal check |a_ij * a_ji - 1| (allows "0.333" typed for 1/3).
RECIPROCAL_TOLERANCE = 1e-2
# Smallest positive normal double: log(max(y, TINY)) * y is exactly 0 for y = 0 (0 ln 0 = 0).
_TINY = np.finfo(np.float64).tiny


def _frame(data: np.ndarray, index: Any, columns: Any) -> pd.DataFrame:
    return pd.DataFrame(data, index=index, columns=columns, copy=False)


# ---------------------------------------------------------------------------------------------------------
# Judgment matrices (AHP, AHM)
# ---------------------------------------------------------------------------------------------------------


def parse_judgment_matrix(
    matrix: Any, *, method: str, max_n: int | None = None, tolerance: float = RECIPROCAL_TOLERANCE
) -> np.ndarray:
    """Parse and validate a pairwise-comparison (reciprocal) matrix.

    Entries may be numbers or strings such as ``"1/3"`` (parsed as exact fractions). The matrix must be
    square, positive, with a unit diagonal and ``a_ji = 1/a_ij`` within ``tolerance`` (relative). Errors
    name the offending cell, 1-based.
    """
    if isinstance(matrix, pd.DataFrame):
        matrix = matrix.to_numpy().tolist()
    elif isinstance(matrix, np.ndarray):
        matrix = matrix.tolist()
    if not isinstance(matrix, list | tuple) or not matrix or not all(isinstance(r, list | tuple) for r in matrix):
        raise EvaluationInputError(f"{method}: matrix must be a non-empty list of rows")
    n = len(matrix)
    for i, row in enumerate(matrix):
        if len(row) != n:
            raise EvaluationInputError(f"{method}: matrix must be square; row {i + 1} has {len(row)} entries, expected {n}")
    if max_n is not None and n > max_n:
        raise EvaluationInputError(
            f"{method}: matrix is {n}x{n}; the random index RI is tabulated only for n <= {max_n}"
        )
    a = np.array(
        [[parse_number(v, method=method, where=f"cell ({i + 1}, {j + 1})") for j, v in enumerate(row)]
         for i, row in enumerate(matrix)],
        dtype=np.float64,
    )
    if not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise EvaluationInputError(f"{method}: cell ({i + 1}, {j + 1}) is {a[i, j]}; entries must be finite")
    if (a <= 0).any():
        i, j = np.argwhere(a <= 0)[0]
        raise EvaluationInputError(f"{method}: cell ({i + 1}, {j + 1}) is {a[i, j]:g}; entries must be positive")
    diag_bad = np.flatnonzero(np.abs(np.diag(a) - 1.0) > tolerance)
    if diag_bad.size:
        i = int(diag_bad[0])
        raise EvaluationInputError(f"{method}: diagonal cell ({i + 1}, {i + 1}) is {a[i, i]:g}; it must be 1")
    dev = np.abs(a * a.T - 1.0)
    if (dev > tolerance).any():
        i, j = np.argwhere(dev > tolerance)[0]
        raise EvaluationInputError(
            f"{method}: matrix is not reciprocal at cell ({i + 1}, {j + 1}) = {a[i, j]:g} and "
            f"({j + 1}, {i + 1}) = {a[j, i]:g}; a_ji must equal 1/a_ij"
        )
    return a


@dataclass(frozen=True)
class AHPResult(Result):
    """Result of :func:`ahp_weights`."""

    matrix: np.ndarray
    mode: str
    weights: np.ndarray
    lambda_max: float
    CI: float
    RI: float
    CR: float
    consistent: bool

    json_keys: ClassVar[tuple[str, ...]] = ("weights", "lambda_max", "CI", "RI", "CR", "consistent", "mode", "n")

    @property
    def n(self) -> int:
        """Order of the judgment matrix."""
        return int(self.matrix.shape[0])

    @cached_property
    def steps(self) -> list[Step]:
        """Judgment matrix, then weights and consistency figures."""
        idx = pd.RangeIndex(1, self.n + 1)
        summary = pd.DataFrame(
            {"value": [self.lambda_max, self.CI, self.RI, self.CR, float(self.consistent)]},
            index=["lambda_max", "CI", "RI", "CR", "consistent"],
        )
        return [
            Step("Pairwise comparison matrix", "matrix", _frame(self.matrix, idx, idx)),
            Step(f"Weights ({self.mode})", "weights", pd.DataFrame({"weight": self.weights}, index=idx)),
            Step("Consistency", "consistency", summary),
        ]


def _ahp_core(a: np.ndarray, mode: str) -> tuple[np.ndarray, float]:
    n = a.shape[0]
    if mode == "eigen":
        vals, vecs = np.linalg.eig(a)
        k = int(np.argmax(vals.real))
        v = np.abs(vecs[:, k].real)  # the Perron vector has one sign; abs removes eig's arbitrary sign
        w = v / v.sum()
        lam = float(vals[k].real)
    else:
        g = np.exp(np.log(a).mean(axis=1))
        w = g / g.sum()
        lam = float(np.mean((a @ w) / w))
    if n <= 2:
        lam = float(n)  # a reciprocal 1x1 or 2x2 matrix is always consistent; remove rounding noise
    return w, lam


def ahp_weights(matrix: Any, mode: str = "eigen", *, tolerance: float = RECIPROCAL_TOLERANCE) -> AHPResult:
    """Weights and consistency of an AHP pairwise-comparison matrix.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Reciprocal judgment matrix; entries may be strings like ``"1/3"``. ``n <= 15``.
    mode : {'eigen', 'geometric'}
        ``eigen``: principal (Perron) right eigenvector normalised to sum 1, ``lambda_max`` its eigenvalue.
        ``geometric``: ``g_i = (prod_j a_ij)^(1/n)``, ``w = g / sum g``,
        ``lambda_max = (1/n) sum_i (A w)_i / w_i``.
    tolerance : float
        Allowed relative deviation of ``a_ij * a_ji`` from 1.

    Returns
    -------
    AHPResult
        ``weights``, ``lambda_max``, ``CI = (lambda_max - n)/(n - 1)``, ``RI`` (Saaty table),
        ``CR = CI/RI``, ``consistent = CR < 0.10``. For n <= 2, CI = CR = 0. CI is never below 0
        (lambda_max >= n for positive reciprocal matrices; rounding below is clipped).

    Raises
    ------
    EvaluationInputError
        Non-square, non-positive or non-reciprocal matrix (the cell is named), n > 15, unknown mode.

    References
    ----------
    .. [1] Saaty, T. L. (1980). *The Analytic Hierarchy Process*. McGraw-Hill, New York.
    .. [2] Saaty, T. L. (1977). A scaling method for priorities in hierarchical structures.
       *Journal of Mathematical Psychology* 15(3), 234-281.
    .. [3] Crawford, G. and Williams, C. (1985). A note on the analysis of subjective judgment matrices.
       *Journal of Mathematical Psychology* 29(4), 387-405 (geometric mean).
    """
    mode = check_choice(mode, ("eigen", "geometric"), method="ahp", name="mode")
    a = parse_judgment_matrix(matrix, method="ahp", max_n=len(SAATY_RI), tolerance=tolerance)
    n = a.shape[0]
    w, lam = _ahp_core(a, mode)
    ri = SAATY_RI[n - 1]
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = max(0.0, (lam - n) / (n - 1))
        cr = ci / ri
    return AHPResult(a, mode, w, lam, ci, ri, cr, bool(cr < CR_THRESHOLD))


@dataclass(frozen=True)
class Judgment:
    """A pairwise judgment singled out as the most inconsistent (1-based row/column)."""

    row: int
    col: int
    value: float
    suggested: float
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON."""
        return {"row": self.row, "col": self.col, "value": self.value, "suggested": self.suggested,
                "ratio": self.ratio}


def most_inconsistent_judgment(
    matrix: Any, mode: str = "eigen", *, tolerance: float = RECIPROCAL_TOLERANCE
) -> Judgment | None:
    """The judgment ``a_ij`` that deviates most from the ratio of the derived weights.

    For each upper-triangle cell, ``ratio = a_ij w_j / w_i`` (1 for a perfectly consistent judgment); the
    cell with the largest ``|ln ratio|`` is returned (first in row-major order on ties) with the value
    ``suggested = w_i / w_j`` that would agree with the weights. Returns None for n <= 2 or a matrix
    that is consistent to 1e-9. Meant for the model editor: "revise cell (i, j) towards w_i/w_j".

    References
    ----------
    .. [1] Saaty, T. L. (2003). Decision-making with the AHP: Why is the principal eigenvector necessary.
       *European Journal of Operational Research* 145(1), 85-91 (the matrix of ratios a_ij w_j / w_i).
    """
    mode = check_choice(mode, ("eigen", "geometric"), method="ahp", name="mode")
    a = parse_judgment_matrix(matrix, method="ahp", max_n=len(SAATY_RI), tolerance=tolerance)
    n = a.shape[0]
    if n <= 2:
        return None
    w, _ = _ahp_core(a, mode)
    ratio = a * w[None, :] / w[:, None]
    dev = np.abs(np.log(ratio))
    dev[np.tril_indices(n)] = -1.0
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    if dev[i, j] < 1e-9:
        return None
    return Judgment(int(i) + 1, int(j) + 1, float(a[i, j]), float(w[i] / w[j]), float(ratio[i, j]))


@dataclass(frozen=True)
class AHMResult(Result):
    """Result of :func:`ahm_weights`."""

    matrix: np.ndarray
    beta: float
    mu: np.ndarray
    weights: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = ("mu", "weights", "beta")

    @cached_property
    def steps(self) -> list[Step]:
        """Judgment matrix, measure matrix mu, weights."""
        idx = pd.RangeIndex(1, self.matrix.shape[0] + 1)
        return [
            Step("Pairwise comparison matrix", "matrix", _frame(self.matrix, idx, idx)),
            Step("Relative attribute measure matrix", "mu", _frame(self.mu, idx, idx)),
            Step("Weights", "weights", pd.DataFrame({"weight": self.weights}, index=idx)),
        ]


def ahm_weights(matrix: Any, beta: float = 2.0, *, tolerance: float = RECIPROCAL_TOLERANCE) -> AHMResult:
    """Attribute hierarchical model (AHM) weights from an AHP-style judgment matrix.

    Parameters
    ----------
    matrix : array_like, shape (n, n)
        Reciprocal judgment matrix (strings like ``"1/3"`` allowed).
    beta : float
        Conversion parameter, ``beta >= 1`` (default 2).

    Returns
    -------
    AHMResult
        ``mu`` with ``mu_ii = 0`` and for i != j: ``a_ij = 1 -> 0.5``; ``a_ij = k > 1 -> beta k/(beta k + 1)``;
        ``a_ij = 1/k < 1 -> 1/(beta k + 1)``; ``weights w_i = 2/(n(n-1)) sum_j mu_ij`` (sum 1; n = 1 gives
        ``[1]``). No consistency check (AHM does not need one).

    References
    ----------
    .. [1] Cheng Qiansheng (程乾生) (1997). Attribute hierarchical model - a new method of unstructured
       decision-making. *Acta Scientiarum Naturalium Universitatis Pekinensis* 33(3), 317-324.
    """
    beta = parse_number(beta, method="ahm", where="beta")
    if not (np.isfinite(beta) and beta >= 1):
        raise EvaluationInputError(f"ahm: beta must be a number >= 1, got {beta:g}")
    a = parse_judgment_matrix(matrix, method="ahm", tolerance=tolerance)
    n = a.shape[0]
    if n == 1:
        return AHMResult(a, beta, np.zeros((1, 1)), np.ones(1))
    k = np.where(a >= 1, a, 1.0 / a)
    mu = np.where(a >= 1, beta * k / (beta * k + 1.0), 1.0 / (beta * k + 1.0))
    mu = np.where(np.isclose(a, 1.0, rtol=1e-12, atol=0.0), 0.5, mu)
    np.fill_diagonal(mu, 0.0)
    w = mu.sum(axis=1) * (2.0 / (n * (n - 1)))
    return AHMResult(a, beta, mu, w)


# ---------------------------------------------------------------------------------------------------------
# Objective weights on a data matrix
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntropyResult(MatrixResult):
    """Result of :func:`entropy_weights`. ``p``, ``rank`` and ``steps`` are computed on first access."""

    is_cost: np.ndarray
    normalized: np.ndarray
    column_sums: np.ndarray
    e: np.ndarray
    d: np.ndarray
    weights: np.ndarray
    scores: np.ndarray
    constant: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = (
        "normalized", "p", "e", "d", "weights", "scores", "rank", "constant_columns",
    )

    @cached_property
    def p(self) -> np.ndarray:
        """Proportions ``p_ij = y_ij / sum_i y_ij``."""
        return self.normalized / self.column_sums

    @cached_property
    def rank(self) -> np.ndarray:
        """1-based rank of ``scores`` (1 = largest, ties by first appearance)."""
        return rank_descending(self.scores)

    @property
    def constant_columns(self) -> list[int]:
        """1-based indices of constant columns (weight 0 by convention)."""
        return [int(j) + 1 for j in np.flatnonzero(self.constant)]

    @property
    def weight_series(self) -> pd.Series:
        """Weights indexed by criterion."""
        return self._series(self.weights, "weight", by="columns")

    @property
    def score_series(self) -> pd.Series:
        """Scores indexed by object."""
        return self._series(self.scores, "score")

    @property
    def rank_series(self) -> pd.Series:
        """Ranks indexed by object."""
        return self._series(self.rank, "rank")

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised matrix, proportions, entropy/divergence/weights, scores and ranks."""
        crit = pd.DataFrame({"e": self.e, "d": self.d, "weight": self.weights}, index=self.columns)
        return [
            Step("Direction min-max normalised matrix", "normalized", _frame(self.normalized, self.index, self.columns)),
            Step("Proportions p_ij", "p", _frame(self.p, self.index, self.columns)),
            Step("Entropy, divergence and weight per criterion", "weights", crit),
            Step("Weighted scores and ranks", "scores",
                 pd.DataFrame({"score": self.scores, "rank": self.rank}, index=self.index)),
        ]


def _prepare(matrix: Any, benefit: Any, method: str, *, min_rows: int = 2, min_cols: int = 1):
    x, index, columns = as_matrix(matrix, method=method, min_rows=min_rows, min_cols=min_cols, check_finite=False)
    is_cost = parse_directions(benefit, x.shape[1], method=method)
    stats = column_stats(x, method=method)
    return x, index, columns, is_cost, stats


def entropy_weights(matrix: Any, benefit: Any = None) -> EntropyResult:
    """Entropy weight method on the direction min-max normalised matrix.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n), m >= 2
        Rows are objects, columns criteria. Not modified.
    benefit : sequence of bool/Direction, optional
        One per column: True/``Direction.BENEFIT`` = larger is better, False/``Direction.COST``. Default
        all benefit.

    Returns
    -------
    EntropyResult
        ``normalized`` y (direction min-max), ``p_ij = y_ij / sum_i y_ij``,
        ``e_j = -(1/ln m) sum_i p_ij ln p_ij`` (0 ln 0 = 0), ``d = 1 - e``, ``weights = d / sum d``,
        ``scores_i = sum_j w_j y_ij``, ``rank``, ``constant_columns`` (1-based; their y is 1, e = 1,
        weight 0).

    Raises
    ------
    EvaluationInputError
        Bad shape, NaN/inf, fewer than 2 rows, or every column constant (no information at all).

    Notes
    -----
    One pass computes column min/max/sum; a second writes y block by block and, while each block is in
    cache, accumulates ``S_j = sum_i y_ij`` and ``H_j = sum_i y_ij ln y_ij``; then
    ``sum_i p ln p = H_j/S_j - ln S_j``. ``p`` is materialised only when accessed.

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. *Bell System Technical
       Journal* 27, 379-423.
    .. [2] Zeleny, M. (1982). *Multiple Criteria Decision Making*. McGraw-Hill, pp. 190-197.
    .. [3] Zou Zhihong, Yun Yi, Sun Jingnan (2006). Entropy method for determination of weight of
       evaluating indicators in fuzzy synthetic evaluation for water quality assessment.
       *Journal of Environmental Sciences* 18(5), 1020-1023.
    """
    x, index, columns, is_cost, stats = _prepare(matrix, benefit, "entropy")
    m, n = x.shape
    offset, divisor = minmax_parameters(stats, is_cost)

    def accumulate(y: np.ndarray, span: tuple[int, int, int], blocks: Blocks, buf: np.ndarray):
        reps = span[2]
        s = blocks.fold(y.sum(axis=0), reps, np.add)
        t = blocks.scratch_view(buf, span)
        np.maximum(y, _TINY, out=t)
        np.log(t, out=t)
        np.multiply(t, y, out=t)
        return s, blocks.fold(t.sum(axis=0), reps, np.add)

    y, parts = affine_map(x, offset, divisor, accumulate)
    col_sum = np.sum([p[0] for p in parts], axis=0)
    ylny = np.sum([p[1] for p in parts], axis=0)
    e = (np.log(col_sum) - ylny / col_sum) / np.log(m)
    d = 1.0 - e
    total = d.sum()
    if not total > 0:
        raise EvaluationInputError("entropy: every column is constant; the entropy weights are undefined")
    w = d / total
    scores = row_dot(y, w)
    y.flags.writeable = False
    return EntropyResult(index, columns, is_cost, y, col_sum, e, d, w, scores, constant_columns(stats))


@dataclass(frozen=True)
class CVResult(MatrixResult):
    """Result of :func:`cv_weights`."""

    mean: np.ndarray
    std_population: np.ndarray
    std_sample: np.ndarray
    cv_population: np.ndarray
    cv_sample: np.ndarray
    weights: np.ndarray
    weights_from_sample_std: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = (
        "mean", "std_population", "std_sample", "cv_population", "cv_sample", "weights",
        "weights_from_sample_std",
    )

    @property
    def weight_series(self) -> pd.Series:
        """Weights indexed by criterion."""
        return self._series(self.weights, "weight", by="columns")

    @cached_property
    def steps(self) -> list[Step]:
        """Mean, standard deviations, coefficients of variation and weights per criterion."""
        table = pd.DataFrame(
            {"mean": self.mean, "std_population": self.std_population, "std_sample": self.std_sample,
             "cv_population": self.cv_population, "cv_sample": self.cv_sample, "weight": self.weights},
            index=self.columns,
        )
        return [Step("Coefficient of variation per criterion", "cv", table)]


def cv_weights(matrix: Any) -> CVResult:
    """Coefficient-of-variation weights on the raw matrix (no normalisation).

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n), m >= 2
        Raw non-negative indicator values (a ratio scale; CV is meaningless for interval data).

    Returns
    -------
    CVResult
        ``mean``, ``std_population`` (ddof=0, normative), ``std_sample`` (ddof=1), ``cv_* = std/mean``,
        ``weights = cv_population / sum`` and ``weights_from_sample_std`` (identical up to rounding: the
        factor sqrt(m/(m-1)) cancels; the CV values themselves differ).

    Raises
    ------
    EvaluationInputError
        Negative values, a column whose mean is 0, every column constant (all CV = 0), NaN/inf.

    References
    ----------
    .. [1] Everitt, B. S. and Skrondal, A. (2010). *The Cambridge Dictionary of Statistics*, 4th ed.
       Cambridge University Press ("coefficient of variation": std / mean).
    .. [2] The weighting ``w_j = CV_j / sum_k CV_k`` (变异系数法) as in DOMAIN.md, section 3.
    """
    x, index, columns = as_matrix(matrix, method="cv", min_rows=2, check_finite=False)
    stats = column_stats(x, method="cv")
    m, _ = x.shape
    if (stats.min < 0).any():
        j = int(np.flatnonzero(stats.min < 0)[0])
        i = int(np.argmin(x[:, j]))
        raise EvaluationInputError(
            f"cv: values must be non-negative; column {j + 1} has {x[i, j]:g} at row {i + 1}"
        )
    mean = stats.sum / m
    if (mean == 0).any():
        j = int(np.flatnonzero(mean == 0)[0])
        raise EvaluationInputError(f"cv: column {j + 1} is all zeros; its coefficient of variation divides by 0")
    ss, _ = centered_gram(x, mean, gram=False)
    ss = np.maximum(ss, 0.0)
    ss[stats.max == stats.min] = 0.0
    std_pop = np.sqrt(ss / m)
    std_sam = np.sqrt(ss / (m - 1))
    cv_pop = std_pop / mean
    cv_sam = std_sam / mean
    if not cv_pop.sum() > 0:
        raise EvaluationInputError("cv: every column is constant; all coefficients of variation are 0")
    return CVResult(index, columns, mean, std_pop, std_sam, cv_pop, cv_sam, cv_pop / cv_pop.sum(),
                    cv_sam / cv_sam.sum())


@dataclass(frozen=True)
class CRITICResult(MatrixResult):
    """Result of :func:`critic_weights`."""

    is_cost: np.ndarray
    normalized: np.ndarray
    std_sample: np.ndarray
    std_population: np.ndarray
    corr: np.ndarray
    conflict: np.ndarray
    information: np.ndarray
    weights: np.ndarray
    constant: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = (
        "normalized", "std_sample", "std_population", "corr", "conflict", "information", "weights",
        "constant_columns",
    )

    @property
    def constant_columns(self) -> list[int]:
        """1-based indices of constant columns (information 0)."""
        return [int(j) + 1 for j in np.flatnonzero(self.constant)]

    @property
    def weight_series(self) -> pd.Series:
        """Weights indexed by criterion."""
        return self._series(self.weights, "weight", by="columns")

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised matrix, correlation matrix, and contrast/conflict/information per criterion."""
        table = pd.DataFrame(
            {"std_sample": self.std_sample, "conflict": self.conflict, "information": self.information,
             "weight": self.weights},
            index=self.columns,
        )
        return [
            Step("Direction min-max normalised matrix", "normalized", _frame(self.normalized, self.index, self.columns)),
            Step("Pearson correlation of normalised criteria", "corr", _frame(self.corr, self.columns, self.columns)),
            Step("Contrast, conflict, information and weight", "weights", table),
        ]


def critic_weights(matrix: Any, benefit: Any = None) -> CRITICResult:
    """CRITIC weights (Criteria Importance Through Intercriteria Correlation).

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n), m >= 2, n >= 2
    benefit : sequence of bool/Direction, optional
        Default all benefit.

    Returns
    -------
    CRITICResult
        ``normalized`` (direction min-max), ``std_sample``/``std_population`` of its columns, ``corr``
        (Pearson, raw r, of the normalised columns; a constant column's correlations are 0, including its
        diagonal), ``conflict_j = sum_k (1 - r_jk)``, ``information C_j = std_sample_j * conflict_j``,
        ``weights = C / sum C``, ``constant_columns``.

    Raises
    ------
    EvaluationInputError
        Bad shape, NaN/inf, fewer than 2 rows or columns, or no information at all (every C_j = 0).

    References
    ----------
    .. [1] Diakoulaki, D., Mavrotas, G. and Papayannakis, L. (1995). Determining objective weights in
       multiple criteria problems: The CRITIC method. *Computers & Operations Research* 22(7), 763-770.
    """
    x, index, columns, is_cost, stats = _prepare(matrix, benefit, "critic", min_cols=2)
    m, n = x.shape
    offset, divisor = minmax_parameters(stats, is_cost)
    y = affine_columns(x, offset, divisor)
    shift = (stats.sum / m - offset) / divisor  # column means of y, up to rounding (corrected below)
    cov, _ = centered_gram(y, shift, gram=True)
    var = np.maximum(np.diag(cov).copy(), 0.0)
    const = constant_columns(stats)
    var[const] = 0.0
    std_sam = np.sqrt(var / (m - 1))
    std_pop = np.sqrt(var / m)
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(sd, sd)
    corr[const, :] = 0.0
    corr[:, const] = 0.0
    np.clip(corr, -1.0, 1.0, out=corr)
    live = np.flatnonzero(~const)
    corr[live, live] = 1.0
    conflict = (1.0 - corr).sum(axis=1)
    info = std_sam * conflict
    total = info.sum()
    if not total > 0:
        raise EvaluationInputError(
            "critic: no criterion carries information (constant columns or perfectly correlated ones)"
        )
    y.flags.writeable = False
    return CRITICResult(index, columns, is_cost, y, std_sam, std_pop, corr, conflict, info, info / total, const)


# ---------------------------------------------------------------------------------------------------------
# Given weights and combinations
# ---------------------------------------------------------------------------------------------------------


def expert_weights(weights: Any, n: int | None = None) -> np.ndarray:
    """Validate weights given by experts: finite, non-negative, summing to 1 within 1e-6.

    Returns a float64 copy. ``n``, if given, is the expected number of criteria.
    """
    return check_weights(weights, method="weights", length=n)


@dataclass(frozen=True)
class CombinedWeights(Result):
    """Result of :func:`combine_weights`."""

    subjective: np.ndarray
    objective: np.ndarray
    method: str
    alpha: float | None
    weights: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = ("weights", "subjective", "objective", "method", "alpha")

    @cached_property
    def steps(self) -> list[Step]:
        """Subjective, objective and combined weight per criterion."""
        table = pd.DataFrame({"subjective": self.subjective, "objective": self.objective,
                              "combined": self.weights})
        return [Step(f"Combined weights ({self.method})", "weights", table)]


def combine_weights(
    subjective: Any, objective: Any, *, method: str = "linear", alpha: float = 0.5
) -> CombinedWeights:
    """Combine subjective (e.g. AHP) and objective (e.g. entropy) weights.

    Parameters
    ----------
    subjective, objective : array_like, shape (n,)
        Each sums to 1 (within 1e-6) and is non-negative.
    method : {'linear', 'multiplicative'}
        ``linear``: ``w = alpha s + (1 - alpha) o`` (sums to 1 because both do).
        ``multiplicative``: ``w_i = s_i o_i / sum_k s_k o_k`` (``alpha`` unused).
    alpha : float in [0, 1]
        Share of the subjective weights in the linear combination.

    References
    ----------
    .. [1] Ma, J., Fan, Z.-P. and Huang, L.-H. (1999). A subjective and objective integrated approach to
       determine attribute weights. *European Journal of Operational Research* 112(2), 397-404.
    .. [2] Zardari, N. H. et al. (2015). *Weighting Methods and their Effects on Multi-Criteria Decision
       Making Model Outcomes in Water Resources Management*. Springer, ch. 4 (multiplicative synthesis).
    """
    method = check_choice(method, ("linear", "multiplicative"), method="combine", name="method")
    s = check_weights(subjective, method="combine", name="subjective weights")
    o = check_weights(objective, method="combine", name="objective weights", length=s.size,
                      of="subjective weights")
    if method == "linear":
        alpha = parse_number(alpha, method="combine", where="alpha")
        if not 0.0 <= alpha <= 1.0:
            raise EvaluationInputError(f"combine: alpha must be in [0, 1], got {alpha:g}")
        return CombinedWeights(s, o, method, alpha, alpha * s + (1.0 - alpha) * o)
    prod = s * o
    total = prod.sum()
    if not total > 0:
        raise EvaluationInputError("combine: subjective and objective weights share no positive entry; "
                                   "the multiplicative combination divides by 0")
    return CombinedWeights(s, o, method, None, prod / total)
