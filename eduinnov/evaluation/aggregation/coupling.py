"""Coupling coordination degree of n subsystems and its ten classes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from ..results import Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_weights,
)
from ._base import _frame, _RankedResult

#: The 10 classes of the coupling coordination degree D, lower-closed intervals [0.1(k-1), 0.1k), 1.0 in
#: class 10: (English, Chinese) labels. Liao Chongbin (廖重斌) 1999, 热带地理 19(2):171-177.
COUPLING_GRADES = (
    ("extreme disorder", "极度失调"),
    ("serious disorder", "严重失调"),
    ("moderate disorder", "中度失调"),
    ("mild disorder", "轻度失调"),
    ("on the verge of disorder", "濒临失调"),
    ("barely coordinated", "勉强协调"),
    ("primary coordination", "初级协调"),
    ("intermediate coordination", "中级协调"),
    ("good coordination", "良好协调"),
    ("quality coordination", "优质协调"),
)
# k/10 is the double nearest to the decimal 0.k, so D = 0.5 lands in class 6 and 0.3 in class 4.
_COUPLING_BOUNDS = np.arange(1, 10) / 10.0


def coupling_grade(d: Any) -> np.ndarray:
    """1-based class (1..10) of coordination degrees D: lower-closed ``[0.1(k-1), 0.1k)``, 1.0 in class 10."""
    return np.searchsorted(_COUPLING_BOUNDS, np.asarray(d, dtype=np.float64), side="right") + 1


def coupling_kernel(u: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(C, T, D)`` for subsystem scores ``u`` (..., m, n) in (0, 1] and ``alpha`` (..., n).

    ``C = n (prod U)^(1/n) / sum U`` (clipped at 1, its AM-GM bound, against rounding), ``T = U alpha``,
    ``D = sqrt(C T)``. Leading axes are a batch.
    """
    n = u.shape[-1]
    c = n * np.exp(np.log(u).mean(axis=-1)) / u.sum(axis=-1)
    np.minimum(c, 1.0, out=c)
    t = np.matmul(u, alpha[..., None])[..., 0]
    return c, t, np.sqrt(c * t)


@dataclass(frozen=True)
class CouplingResult(_RankedResult):
    """Result of :func:`coupling_coordination`."""

    U: np.ndarray
    alpha: np.ndarray
    C: np.ndarray
    T: np.ndarray
    D: np.ndarray
    grade_index: np.ndarray

    score_key: ClassVar[str] = "D"
    json_keys: ClassVar[tuple[str, ...]] = ("C", "T", "D", "grade_index", "grade_label", "grade_label_zh", "alpha")

    @property
    def grade_label(self) -> list[str]:
        """English class label per row."""
        return [COUPLING_GRADES[g - 1][0] for g in self.grade_index]

    @property
    def grade_label_zh(self) -> list[str]:
        """Chinese class label per row."""
        return [COUPLING_GRADES[g - 1][1] for g in self.grade_index]

    @cached_property
    def steps(self) -> list[Step]:
        """Subsystem scores with C, T, D and class per object."""
        t = _frame(self.U, self.index, self.columns)
        for key in ("C", "T", "D", "grade_index"):
            t[key] = getattr(self, key)
        t["grade_label"] = self.grade_label
        return [Step("Coupling C, development T, coordination D and class", "coupling", t)]


def coupling_coordination(U: Any, alpha: Any = None) -> CouplingResult:
    """Coupling coordination degree of n subsystems.

    Parameters
    ----------
    U : array_like or DataFrame, shape (m, n)
        Subsystem scores in (0, 1]; rows are objects (or years), columns subsystems.
    alpha : array_like, shape (n,), optional
        Contribution of each subsystem to T, summing to 1; default equal ``1/n``.

    Returns
    -------
    CouplingResult
        ``C = n (prod_i U_i)^(1/n) / sum_i U_i``, ``T = sum_i alpha_i U_i``, ``D = sqrt(C T)``,
        ``grade_index`` (1..10), ``grade_label`` (English), ``grade_label_zh``.

    References
    ----------
    .. [1] Liao Chongbin (廖重斌) (1999). Quantitative judgement and classification system for coordinated
       development of environment and economy (环境与经济协调发展的定量评判及其分类体系).
       *Tropical Geography* (热带地理) 19(2), 171-177.
    .. [2] Tian Shenzhen et al. (2021). *Acta Geographica Sinica* (地理学报) 76(4), 781, Table 1.
    """
    u, index, columns = as_matrix(U, method="coupling", name="U")
    m, n = u.shape
    bad = (u <= 0) | (u > 1)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise EvaluationInputError(
            f"coupling: U must lie in (0, 1]; cell ({i + 1}, {j + 1}) is {u[i, j]:g}"
        )
    a = np.full(n, 1.0 / n) if alpha is None else check_weights(alpha, method="coupling", name="alpha",
                                                                  length=n, of="subsystems")
    c, t, d = coupling_kernel(u, a)
    return CouplingResult(index, columns, np.array(u, copy=True), a, c, t, d, coupling_grade(d))
