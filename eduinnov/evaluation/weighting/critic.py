"""CRITIC weights (Criteria Importance Through Intercriteria Correlation)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    affine_columns,
    centered_gram,
    constant_columns,
    minmax_parameters,
)
from ..results import MatrixResult, Step
from ..validation import (
    EvaluationInputError,
)
from ._base import (
    _frame,
    _prepare,
)


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


#: Correlations within this distance of 1 count as perfect (r = 1).
CORRELATION_TOLERANCE = 1e-9


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
        Bad shape, NaN/inf, fewer than 2 rows or columns, or no information at all (every C_j = 0:
        constant columns, or columns perfectly correlated, r >= 1 - 1e-9).

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
    const = constant_columns(stats)
    std_sam, std_pop, corr, conflict, info, w = critic_kernel(y, shift, const)
    if not info.sum() > 0:
        raise EvaluationInputError(
            "critic: no criterion carries information (constant columns or perfectly correlated ones)"
        )
    y.flags.writeable = False
    return CRITICResult(index, columns, is_cost, y, std_sam, std_pop, corr, conflict, info, w, const)


def critic_kernel(
    y: np.ndarray, shift: np.ndarray, const: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(std_sample, std_population, corr, conflict, information, weights)`` of CRITIC.

    ``y`` (m, n) is the normalised matrix, ``shift`` close to its column means (see
    :func:`..normalization.centered_gram`), ``const`` marks constant columns (std 0, correlations 0).
    No checks: when no criterion carries information the weights are NaN (the public
    :func:`critic_weights` refuses that).
    """
    m = y.shape[0]
    cov, _ = centered_gram(y, shift, gram=True)
    var = np.maximum(np.diag(cov).copy(), 0.0)
    var[const] = 0.0
    std_sam = np.sqrt(var / (m - 1))
    std_pop = np.sqrt(var / m)
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(sd, sd)
    corr[const, :] = 0.0
    corr[:, const] = 0.0
    np.clip(corr, -1.0, 1.0, out=corr)
    # Perfectly correlated columns come out as r = 0.9999999999999998: count them as r = 1, so that their
    # conflict is 0 rather than rounding noise that would turn into weights.
    corr[corr >= 1.0 - CORRELATION_TOLERANCE] = 1.0
    live = np.flatnonzero(~const)
    corr[live, live] = 1.0
    conflict = (1.0 - corr).sum(axis=1)
    info = std_sam * conflict
    with np.errstate(divide="ignore", invalid="ignore"):
        return std_sam, std_pop, corr, conflict, info, info / info.sum()
