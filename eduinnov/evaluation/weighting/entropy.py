"""Entropy weight method."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    Blocks,
    affine_map,
    constant_columns,
    minmax_parameters,
    row_dot,
)
from ..results import MatrixResult, Step, rank_descending
from ..validation import (
    EvaluationInputError,
)
from ._base import (
    _TINY,
    _frame,
    _prepare,
)


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
    offset, divisor = minmax_parameters(stats, is_cost)
    y, col_sum, e, d, w, scores = entropy_kernel(x, offset, divisor)
    if not d.sum() > 0:
        raise EvaluationInputError("entropy: every column is constant; the entropy weights are undefined")
    y.flags.writeable = False
    return EntropyResult(index, columns, is_cost, y, col_sum, e, d, w, scores, constant_columns(stats))


def entropy_kernel(
    x: np.ndarray, offset: np.ndarray, divisor: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(y, column_sums, e, d, weights, scores)`` of the entropy method.

    ``y = (x - offset) / divisor`` (the direction min-max map of :func:`..normalization.minmax_parameters`)
    is written block by block; while each block is in cache ``S_j = sum_i y_ij`` and
    ``H_j = sum_i y_ij ln y_ij`` accumulate, so ``e_j = (ln S_j - H_j / S_j) / ln m``. No checks: when
    every column is constant the weights are NaN (the public :func:`entropy_weights` refuses that).
    """
    m = x.shape[0]

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
    with np.errstate(divide="ignore", invalid="ignore"):
        w = d / d.sum()
    return y, col_sum, e, d, w, row_dot(y, w)
