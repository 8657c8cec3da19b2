"""TOPSIS with vector normalisation and Euclidean distances."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    Blocks,
    affine_map,
    column_stats,
    rescale_extreme,
    row_dot,
    use_blocked,
)
from ..results import Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_weights,
    parse_directions,
)
from ._base import _frame, _RankedResult


def topsis_kernel(
    x: np.ndarray, w: np.ndarray, is_cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(r, best, worst, d_plus, d_minus)`` of TOPSIS for ``x`` (..., m, n) and ``w`` (..., n).

    ``r = x / sqrt(sum_i x^2)`` per column, ``best``/``worst`` the ideal and anti-ideal of ``r``
    (before weighting), distances ``sqrt(sum_j w_j^2 (r_ij - r*_j)^2)``. Leading axes are a batch. No
    checks: an all-zero column gives NaN (the public :func:`topsis` refuses it).
    """
    norm = np.sqrt((x * x).sum(axis=-2))
    lo, hi = x.min(axis=-2), x.max(axis=-2)
    best = np.where(is_cost, lo, hi) / norm
    worst = np.where(is_cost, hi, lo) / norm
    r = x / norm[..., None, :]
    w2 = w * w
    out = []
    for ref in (best, worst):
        t = r - ref[..., None, :]
        np.multiply(t, t, out=t)
        out.append(np.sqrt(np.einsum("...ij,...j->...i", t, w2)))
    return r, best, worst, out[0], out[1]


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
    x, stats, _scale = rescale_extreme(x, stats, sumsq=True, method="topsis")  # r = x / |x| is scale-free
    norm = np.sqrt(stats.sumsq)
    if (norm == 0).any():
        j = int(np.flatnonzero(norm == 0)[0])
        raise EvaluationInputError(f"topsis: column {j + 1} is all zeros; vector normalisation would divide by zero")
    if not use_blocked(x):
        r, best, worst, d_plus, d_minus = topsis_kernel(x, w, is_cost)
        return _result(index, columns, is_cost, w, r, best, worst, d_plus, d_minus)
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
    return _result(index, columns, is_cost, w, r, best, worst, d_plus, d_minus)


def _result(index, columns, is_cost, w, r, best, worst, d_plus, d_minus) -> TOPSISResult:
    denom = d_plus + d_minus
    if (denom == 0).any():
        raise EvaluationInputError(
            "topsis: all alternatives are equal on every weighted criterion; closeness is 0/0"
        )
    r.flags.writeable = False
    return TOPSISResult(index, columns, is_cost, w, r, w * best, w * worst, d_plus, d_minus, d_minus / denom)
