"""AHP weights and consistency, and the most inconsistent judgment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..results import Result, Step
from ..validation import (
    check_choice,
)
from ._base import (
    CR_THRESHOLD,
    RECIPROCAL_TOLERANCE,
    SAATY_RI,
    _frame,
    parse_judgment_matrix,
)


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


def ahp_kernel(a: np.ndarray, mode: str) -> tuple[np.ndarray, float]:
    """Kernel: ``(weights, lambda_max)`` of a validated reciprocal matrix ``a`` (n, n).

    ``mode`` 'eigen' (Perron vector) or 'geometric' (row geometric means); identical rows get exactly
    equal weights (:func:`_equalise_identical_rows`). No checks.
    """
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
    return _equalise_identical_rows(a, w), lam


def _equalise_identical_rows(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Give identical rows of the judgment matrix (equally important criteria) exactly the same weight.

    The eigenvector of such a matrix has equal entries in exact arithmetic, but an eigen-solver returns
    them a few ulps apart (0.25 vs 0.24999999999999994), which would let float noise order equally
    important criteria. Each group of identical rows gets the mean of its weights, then the weights are
    renormalised (identical values stay identical). Matrices without identical rows are left untouched.
    """
    _, inverse, counts = np.unique(a, axis=0, return_inverse=True, return_counts=True)
    if counts.size == a.shape[0]:
        return w
    inverse = inverse.ravel()
    mean = np.bincount(inverse, weights=w) / counts
    w = mean[inverse]
    return w / w.sum()


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
    w, lam = ahp_kernel(a, mode)
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
    w, _ = ahp_kernel(a, mode)
    ratio = a * w[None, :] / w[:, None]
    dev = np.abs(np.log(ratio))
    dev[np.tril_indices(n)] = -1.0
    i, j = np.unravel_index(int(np.argmax(dev)), dev.shape)
    if dev[i, j] < 1e-9:
        return None
    return Judgment(int(i) + 1, int(j) + 1, float(a[i, j]), float(w[i] / w[j]), float(ratio[i, j]))
