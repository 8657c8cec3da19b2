"""Weighted sum (simple additive weighting)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    affine_columns,
    column_stats,
    constant_columns,
    minmax_parameters,
    rescale_extreme,
    row_dot,
    use_blocked,
)
from ..results import Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_choice,
    check_weights,
    parse_directions,
)
from ._base import _frame, _RankedResult


def weighted_sum_kernel(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Kernel: ``scores_i = sum_j w_j y_ij`` for ``y`` (..., m, n) and ``w`` (..., n) -> (..., m).

    Leading axes are a batch (e.g. Monte Carlo draws of the weights).
    """
    return np.einsum("...ij,...j->...i", y, w)


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
        x, stats, _scale = rescale_extreme(x, stats, method="weighted_sum")
        offset, divisor = minmax_parameters(stats, is_cost)
    else:
        if is_cost.any():
            j = int(np.flatnonzero(is_cost)[0])
            raise EvaluationInputError(
                f"weighted_sum: column {j + 1} is a cost column; cost columns need normalization='minmax'"
            )
        offset, divisor = np.zeros(n), np.ones(n)
    y = affine_columns(x, offset, divisor)
    scores = row_dot(y, w) if use_blocked(x) else weighted_sum_kernel(y, w)
    if not np.isfinite(scores).all():
        raise EvaluationInputError(
            "weighted_sum: the weighted sums exceed what float64 can hold (values of about "
            f"{np.abs(x).max():.3g}); rescale the input or use normalization='minmax'"
        )
    y.flags.writeable = False
    return WeightedSumResult(index, columns, y, w, scores, constant_columns(stats))
