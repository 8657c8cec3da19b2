"""Fuzzy comprehensive evaluation (one and two levels) and the four composition operators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..results import Result, Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_weights,
)
from ._base import _frame, _grades

#: Composition operators ``b = W o R`` (k = grade): see :func:`fuzzy_compose`.
FUZZY_OPERATORS = ("M(*,+)", "M(^,v)", "M(*,v)", "M(^,+)")


def fuzzy_compose(w: np.ndarray, r: np.ndarray, operator: str) -> np.ndarray:
    """Kernel: fuzzy composition ``B = W o R`` of weights (..., n) with memberships (..., n, K) -> (..., K).

    Leading axes are a batch (objects, Monte Carlo draws); the batch shapes of ``w`` and ``r`` broadcast.

    ``M(*,+)``: ``b_k = sum_i w_i r_ik``; ``M(^,v)``: ``b_k = max_i min(w_i, r_ik)``;
    ``M(*,v)``: ``b_k = max_i w_i r_ik``; ``M(^,+)``: ``b_k = min(1, sum_i min(w_i, r_ik))``.

    References
    ----------
    .. [1] Zadeh, L. A. (1965). Fuzzy sets. *Information and Control* 8(3), 338-353.
    .. [2] Wang Peizhuang (汪培庄) (1983). *Fuzzy Set Theory and Its Applications* (模糊集合论及其应用).
       Shanghai Scientific and Technical Publishers (the four models M(.,.)).
    """
    wc = w[..., :, None]
    if operator == "M(*,+)":
        return np.matmul(w[..., None, :], r)[..., 0, :]
    if operator == "M(^,v)":
        return np.minimum(wc, r).max(axis=-2)
    if operator == "M(*,v)":
        return (wc * r).max(axis=-2)
    if operator == "M(^,+)":
        return np.minimum(1.0, np.minimum(wc, r).sum(axis=-2))
    valid = ", ".join(FUZZY_OPERATORS)
    raise EvaluationInputError(f"fuzzy: operator must be one of {valid}, got {operator!r}")


def _membership(r: Any, *, n: int, k: int | None, name: str) -> np.ndarray:
    arr, _, _ = as_matrix(r, method="fuzzy", name=name)
    if arr.shape[0] != n:
        raise EvaluationInputError(f"fuzzy: {name} has {arr.shape[0]} rows but there are {n} weights")
    if k is not None and arr.shape[1] != k:
        raise EvaluationInputError(f"fuzzy: {name} has {arr.shape[1]} grade columns, expected {k}")
    if ((arr < 0) | (arr > 1)).any():
        i, j = np.argwhere((arr < 0) | (arr > 1))[0]
        raise EvaluationInputError(
            f"fuzzy: memberships must lie in [0, 1]; {name} cell ({i + 1}, {j + 1}) is {arr[i, j]:g}"
        )
    return np.array(arr, copy=True)

def _normalize_b(b: np.ndarray, what: str) -> np.ndarray:
    total = b.sum(axis=-1, keepdims=True)
    if (total <= 0).any():
        raise EvaluationInputError(f"fuzzy: {what} is all zeros; it cannot be normalised")
    return b / total


@dataclass(frozen=True)
class FuzzyResult(Result):
    """Result of :func:`fuzzy_evaluate`."""

    operator: str
    weights: np.ndarray
    R: np.ndarray
    B: np.ndarray
    B_normalized: np.ndarray
    grade_values: np.ndarray | None
    grade_labels: list[str] | None

    json_keys: ClassVar[tuple[str, ...]] = (
        "B", "B_normalized", "max_membership_grade", "max_membership_label", "score", "operator",
    )

    @property
    def max_membership_grade(self) -> int:
        """1-based grade of the largest B (first one on ties)."""
        return int(np.argmax(self.B)) + 1

    @property
    def max_membership_label(self) -> str | None:
        """Label of :attr:`max_membership_grade`, if labels were given."""
        return None if self.grade_labels is None else self.grade_labels[self.max_membership_grade - 1]

    @property
    def score(self) -> float | None:
        """``sum_k B_normalized_k * grade_value_k``, if grade values were given."""
        return None if self.grade_values is None else float(self.B_normalized @ self.grade_values)

    @cached_property
    def steps(self) -> list[Step]:
        """Membership matrix with weights, then the evaluation vector."""
        cols = self.grade_labels or list(range(1, self.R.shape[1] + 1))
        rt = _frame(self.R, pd.RangeIndex(1, self.R.shape[0] + 1), cols)
        rt.insert(0, "weight", self.weights)
        return [
            Step("Weights and membership matrix", "R", rt),
            Step(f"Evaluation vector B = W {self.operator} R", "B",
                 pd.DataFrame([self.B, self.B_normalized], index=["B", "B_normalized"], columns=cols)),
        ]


def fuzzy_evaluate(
    weights: Any,
    R: Any,
    operator: str = "M(*,+)",
    grade_values: Any = None,
    grade_labels: Any = None,
) -> FuzzyResult:
    """Single-level fuzzy comprehensive evaluation ``B = W o R``.

    Parameters
    ----------
    weights : array_like, shape (n,)
        Indicator weights, summing to 1 (within 1e-6).
    R : array_like, shape (n, K)
        Memberships in [0, 1]; rows = indicators, columns = grades from best to worst.
    operator : {'M(*,+)', 'M(^,v)', 'M(*,v)', 'M(^,+)'}
        See :func:`fuzzy_compose`.
    grade_values, grade_labels : sequence of length K, optional
        Values (e.g. 95, 85, 75, 65, 55) for ``score``, labels for ``max_membership_label``.

    Returns
    -------
    FuzzyResult
        ``B``, ``B_normalized = B / sum B``, ``max_membership_grade`` (1-based, first max),
        ``max_membership_label``, ``score = sum_k B_normalized_k grade_value_k``.

    References
    ----------
    .. [1] Wang Peizhuang (1983). *Fuzzy Set Theory and Its Applications*. Shanghai Scientific and
       Technical Publishers.
    """
    if operator not in FUZZY_OPERATORS:
        fuzzy_compose(np.zeros(1), np.zeros((1, 1)), operator)  # raises the uniform message
    w = check_weights(weights, method="fuzzy", of="indicators")
    r = _membership(R, n=w.size, k=None, name="R")
    gv, gl = _grades(grade_values, grade_labels, r.shape[1], "fuzzy")
    b = fuzzy_compose(w, r, operator)
    return FuzzyResult(operator, w, r, b, _normalize_b(b, "B"), gv, gl)


@dataclass(frozen=True)
class FuzzyTwoLevelResult(FuzzyResult):
    """Result of :func:`fuzzy_evaluate_two_level` (``R`` is the second-level matrix)."""

    first_level_B: np.ndarray
    first_level_B_normalized: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = FuzzyResult.json_keys + (
        "first_level_B", "first_level_B_normalized", "first_level_max_membership_grade",
    )

    @property
    def first_level_max_membership_grade(self) -> list[int]:
        """1-based max-membership grade of each first-level indicator."""
        return [int(k) + 1 for k in np.argmax(self.first_level_B, axis=1)]


def fuzzy_evaluate_two_level(
    groups: Sequence[Any],
    top_weights: Any,
    operator: str = "M(*,+)",
    grade_values: Any = None,
    grade_labels: Any = None,
) -> FuzzyTwoLevelResult:
    """Two-level fuzzy comprehensive evaluation.

    Parameters
    ----------
    groups : sequence of {'weights': ..., 'R': ...} (or (weights, R) pairs)
        Sub-indicator weights (sum 1) and membership matrix (n_i x K) of each first-level indicator.
    top_weights : array_like, shape (len(groups),)
        Weights of the first-level indicators (sum 1).
    operator : str
        Applied at both levels (see :func:`fuzzy_compose`).

    Returns
    -------
    FuzzyTwoLevelResult
        ``first_level_B[i] = W_i o R_i``, ``first_level_B_normalized`` (each row / its sum; these rows form
        the second-level ``R``), ``B = top_weights o R``, then as :func:`fuzzy_evaluate`.

    References
    ----------
    .. [1] Wang Peizhuang (1983). *Fuzzy Set Theory and Its Applications*, multi-level model.
    """
    if operator not in FUZZY_OPERATORS:
        fuzzy_compose(np.zeros(1), np.zeros((1, 1)), operator)
    if not isinstance(groups, Sequence) or isinstance(groups, str) or not groups:
        raise EvaluationInputError("fuzzy: groups must be a non-empty list of {weights, R}")
    top = check_weights(top_weights, method="fuzzy", name="top_weights", length=len(groups), of="groups")
    rows = []
    k = None
    for g, group in enumerate(groups, start=1):
        if isinstance(group, Mapping):
            missing = [key for key in ("weights", "R") if key not in group]
            if missing:
                raise EvaluationInputError(f"fuzzy: group {g} is missing {missing[0]!r}")
            gw, gr = group["weights"], group["R"]
        elif isinstance(group, Sequence) and len(group) == 2:
            gw, gr = group
        else:
            raise EvaluationInputError(f"fuzzy: group {g} must be {{'weights': [...], 'R': [[...]]}}")
        w = check_weights(gw, method="fuzzy", name=f"group {g} weights", of="indicators")
        r = _membership(gr, n=w.size, k=k, name=f"group {g} R")
        k = r.shape[1]
        rows.append(fuzzy_compose(w, r, operator))
    first = np.vstack(rows)
    first_n = _normalize_b(first, "a first-level B")
    gv, gl = _grades(grade_values, grade_labels, first.shape[1], "fuzzy")
    b = fuzzy_compose(top, first_n, operator)
    return FuzzyTwoLevelResult(operator, top, first_n, b, _normalize_b(b, "B"), gv, gl, first, first_n)
