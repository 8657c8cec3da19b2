"""Coefficient-of-variation weights."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    centered_gram,
    column_stats,
    rescale_extreme,
)
from ..results import MatrixResult, Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
)


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
    x, stats, scale = rescale_extreme(x, stats, method="cv")  # CV = std / mean is scale-free
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
    mean, std_pop, std_sam, cv_pop, cv_sam, w_pop, w_sam = cv_kernel(x, mean, stats.max == stats.min)
    if not cv_pop.sum() > 0:
        raise EvaluationInputError("cv: every column is constant; all coefficients of variation are 0")
    if scale is not None:  # report mean and std in the units of the input
        mean, std_pop, std_sam = mean * scale, std_pop * scale, std_sam * scale
    return CVResult(index, columns, mean, std_pop, std_sam, cv_pop, cv_sam, w_pop, w_sam)


def cv_kernel(
    x: np.ndarray, mean: np.ndarray, constant: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(mean, std_population, std_sample, cv_population, cv_sample, weights, weights_from_sample)``.

    ``x`` (m, n) with column means ``mean`` (non-zero) and ``constant`` marking columns whose max equals
    their min (their std is exactly 0, not rounding noise). No checks: when every column is constant the
    weights are NaN (the public :func:`cv_weights` refuses that).
    """
    m = x.shape[0]
    ss, _ = centered_gram(x, mean, gram=False)
    ss = np.maximum(ss, 0.0)
    ss[constant] = 0.0
    std_pop = np.sqrt(ss / m)
    std_sam = np.sqrt(ss / (m - 1))
    cv_pop = std_pop / mean
    cv_sam = std_sam / mean
    with np.errstate(divide="ignore", invalid="ignore"):
        return mean, std_pop, std_sam, cv_pop, cv_sam, cv_pop / cv_pop.sum(), cv_sam / cv_sam.sum()
