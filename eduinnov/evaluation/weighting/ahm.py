"""Attribute hierarchical model (AHM) weights."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..params import check_param, default
from ..results import Result, Step
from ._base import (
    RECIPROCAL_TOLERANCE,
    _frame,
    parse_judgment_matrix,
)


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


def ahm_weights(matrix: Any, beta: float = default("ahm", "beta"), *, tolerance: float = RECIPROCAL_TOLERANCE) -> AHMResult:
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
    beta = check_param("ahm", "beta", beta)
    a = parse_judgment_matrix(matrix, method="ahm", tolerance=tolerance)
    mu, w = ahm_kernel(a, beta)
    return AHMResult(a, beta, mu, w)


def ahm_kernel(a: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Kernel: ``(mu, weights)`` of AHM for a validated reciprocal matrix ``a`` (n, n) and ``beta >= 1``."""
    n = a.shape[0]
    if n == 1:
        return np.zeros((1, 1)), np.ones(1)
    k = np.where(a >= 1, a, 1.0 / a)
    mu = np.where(a >= 1, beta * k / (beta * k + 1.0), 1.0 / (beta * k + 1.0))
    mu = np.where(np.isclose(a, 1.0, rtol=1e-12, atol=0.0), 0.5, mu)
    np.fill_diagonal(mu, 0.0)
    return mu, mu.sum(axis=1) * (2.0 / (n * (n - 1)))
