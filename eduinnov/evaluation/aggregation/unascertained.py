"""Unascertained measure evaluation with the confidence recognition criterion."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..params import check_param, default
from ..results import Result, Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    as_vector,
    check_weights,
)
from ._base import _LAMBDA_TOL, _frame, _grades


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

def single_measures(x: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Kernel: single-index measures of values in K grades, piecewise linear between adjacent anchors.

    ``x`` has shape (..., n) and ``anchors`` (n, K) or (K,) (the same anchors for every value), each row
    strictly monotone: decreasing for benefit indicators, increasing for cost ones. Returns (..., n, K),
    each row summing to 1: at or beyond the grade-1 anchor all weight goes to grade 1, at or beyond the
    grade-K anchor to grade K, in between it is split linearly between the two neighbouring grades (also
    the triangular memberships of fuzzy evaluation). No checks (see :func:`unascertained_measure`).
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(anchors, dtype=np.float64)
    k = a.shape[-1]
    # Orient every row as increasing: a benefit row (decreasing) is negated together with its x.
    sign = np.where(a[..., -1] > a[..., 0], 1.0, -1.0)
    aa = np.broadcast_to(a * sign[..., None], x.shape + (k,))
    xx = x * sign
    pos = (aa <= xx[..., None]).sum(axis=-1)  # number of anchors at or below x
    lo = np.clip(pos - 1, 0, k - 2)  # interval [aa[lo], aa[lo + 1]]
    a_lo = np.take_along_axis(aa, lo[..., None], axis=-1)[..., 0]
    a_hi = np.take_along_axis(aa, (lo + 1)[..., None], axis=-1)[..., 0]
    mu_lo = np.clip((a_hi - xx) / (a_hi - a_lo), 0.0, 1.0)
    mu = np.zeros(x.shape + (k,))
    np.put_along_axis(mu, lo[..., None], mu_lo[..., None], axis=-1)
    np.put_along_axis(mu, (lo + 1)[..., None], (1.0 - mu_lo)[..., None], axis=-1)
    return mu


def measure_kernel(
    x: np.ndarray, anchors: np.ndarray, w: np.ndarray, lam: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(single_measures, measure, cumulative, grade)`` for ``x`` (..., n), weights (..., n).

    ``measure_k = sum_j w_j mu_jk``; ``grade`` (1-based) = smallest k with cumulative >= lambda (1e-12
    tolerance). Leading axes are a batch; the batch shapes of ``x`` and ``w`` broadcast.
    """
    mu = single_measures(x, anchors)
    measure = np.matmul(w[..., None, :], mu)[..., 0, :]
    cumulative = np.cumsum(measure, axis=-1)
    grade = np.argmax(cumulative >= lam - _LAMBDA_TOL, axis=-1) + 1
    return mu, measure, cumulative, grade


def unascertained_measure(
    x: Any,
    anchors: Any,
    weights: Any,
    lam: float = default("unascertained", "lambda"),
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
    lam = check_param("unascertained", "lambda", lam)
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
    mu, measure, cumulative, grade = measure_kernel(xs, a, w, lam)
    grade = int(grade)
    return UnascertainedResult(xs, a, w, lam, mu, measure, cumulative, grade, gv, gl)
