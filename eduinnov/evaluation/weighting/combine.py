"""Weights given by experts and combinations of subjective and objective weights."""

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
    check_choice,
    check_weights,
)


def expert_weights(weights: Any, n: int | None = None) -> np.ndarray:
    """Validate weights given by experts: finite, non-negative, summing to 1 within 1e-6.

    Returns a float64 copy. ``n``, if given, is the expected number of criteria.
    """
    return check_weights(weights, method="weights", length=n)


def renormalised(weights: np.ndarray) -> np.ndarray:
    """Kernel: the weights of the criteria that remain, rescaled to sum 1 (equal weights if none is positive).

    Used when criteria are left out after their weights were computed over all of them (a constant
    indicator excluded from an AHP node keeps the AHP ratios of the others).
    """
    w = np.asarray(weights, dtype=np.float64)
    return w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))


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
    subjective: Any, objective: Any, *, method: str = "linear", alpha: float = default("combine", "alpha")
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
        alpha = check_param("combine", "alpha", alpha)
        return CombinedWeights(s, o, method, alpha, combine_kernel(s, o, method, alpha))
    if not (s * o).sum() > 0:
        raise EvaluationInputError("combine: subjective and objective weights share no positive entry; "
                                   "the multiplicative combination divides by 0")
    return CombinedWeights(s, o, method, None, combine_kernel(s, o, method, None))


def combine_kernel(s: np.ndarray, o: np.ndarray, method: str, alpha: float | None) -> np.ndarray:
    """Kernel: combined weights of ``s`` and ``o`` (..., n); leading axes are a batch.

    ``linear``: ``alpha s + (1 - alpha) o``; ``multiplicative``: ``s o / sum(s o)``. No checks (no shared
    positive entry gives NaN; the public :func:`combine_weights` refuses it).
    """
    if method == "linear":
        return alpha * s + (1.0 - alpha) * o
    prod = s * o
    with np.errstate(divide="ignore", invalid="ignore"):
        return prod / prod.sum(axis=-1, keepdims=True)
