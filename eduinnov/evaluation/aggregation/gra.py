"""Deng's grey relational analysis against the ideal reference sequence."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..normalization import (
    Blocks,
    affine_map,
    column_stats,
    constant_columns,
    minmax_offsets,
    minmax_parameters,
    rescale_extreme,
    row_dot,
    use_blocked,
)
from ..params import check_param, default
from ..results import Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
    check_choice,
    check_weights,
    parse_directions,
)
from ._base import _frame, _RankedResult


def _grey_block(y: np.ndarray, ref: np.ndarray, num: float, rho_dmax: float, out: np.ndarray) -> np.ndarray:
    """``xi = (dmin + rho dmax) / (|ref - y| + rho dmax)`` into ``out`` (same kernel for grades and tables)."""
    np.subtract(ref, y, out=out)
    np.abs(out, out=out)
    if rho_dmax == 0.0:  # every column constant: all deltas 0, coefficients 1 by convention
        out.fill(1.0)
        return out
    np.add(out, rho_dmax, out=out)
    np.divide(num, out, out=out)
    return out


def grey_kernel(
    x: np.ndarray, w: np.ndarray, rho: float, is_cost: np.ndarray, normalization: str = "minmax"
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kernel: ``(y, reference, delta_max, grade)`` of grey relational analysis.

    ``x`` (..., m, n), ``w`` (..., n) summing to 1; leading axes are a batch. The same operations, in
    the same order, as the blocked path of :func:`grey_relational` (so both give the same bits).
    """
    lo, hi = x.min(axis=-2), x.max(axis=-2)
    if normalization == "minmax":
        offset, divisor = minmax_offsets(lo, hi, is_cost)
        y_lo, y_hi = (lo - offset) / divisor, (hi - offset) / divisor
        ref = np.maximum(y_lo, y_hi)
        spread = np.abs(y_hi - y_lo)
    else:
        offset, divisor = np.zeros_like(lo), np.ones_like(lo)
        ref = np.where(is_cost, lo, hi)
        spread = hi - lo
    dmax = spread.max(axis=-1)
    rho_dmax = (rho * dmax)[..., None, None]
    y = (x - offset[..., None, :]) / divisor[..., None, :]
    t = np.abs(ref[..., None, :] - y)
    with np.errstate(invalid="ignore", divide="ignore"):
        xi = (0.0 + rho_dmax) / (t + rho_dmax)
    xi = np.where(rho_dmax == 0.0, 1.0, xi)  # every column constant: coefficients 1 by convention
    return y, ref, dmax, np.einsum("...ij,...j->...i", xi, w)


@dataclass(frozen=True)
class GRAResult(_RankedResult):
    """Result of :func:`grey_relational`. ``delta``, ``coefficients``, ``rank`` and ``steps`` are lazy."""

    is_cost: np.ndarray
    normalization: str
    rho: float
    weights: np.ndarray
    normalized: np.ndarray
    reference: np.ndarray
    delta_min: float
    delta_max: float
    grade: np.ndarray
    constant: np.ndarray

    score_key: ClassVar[str] = "grade"
    json_keys: ClassVar[tuple[str, ...]] = (
        "normalized", "reference", "delta", "delta_min", "delta_max", "coefficients", "grade", "rank",
        "weights", "constant_columns",
    )

    @cached_property
    def delta(self) -> np.ndarray:
        """Absolute differences ``|x0_j - y_ij|``."""
        return np.abs(self.reference - self.normalized)

    @cached_property
    def coefficients(self) -> np.ndarray:
        """Grey relational coefficients ``xi_ij`` (the same kernel the grades were computed with)."""
        num = self.delta_min + self.rho * self.delta_max
        return _grey_block(self.normalized, self.reference, num, self.rho * self.delta_max,
                           np.empty_like(self.normalized))

    @property
    def constant_columns(self) -> list[int]:
        """1-based indices of constant columns (coefficients 1)."""
        return [int(j) + 1 for j in np.flatnonzero(self.constant)]

    @cached_property
    def steps(self) -> list[Step]:
        """Normalised matrix, differences, coefficients, grades and ranks."""
        return [
            Step(f"Normalised matrix ({self.normalization}); reference row = column best", "normalized",
                 _frame(self.normalized, self.index, self.columns)),
            Step(f"Differences from the reference (global min {self.delta_min:g}, max {self.delta_max:g})",
                 "delta", _frame(self.delta, self.index, self.columns)),
            Step(f"Grey relational coefficients (rho = {self.rho:g})", "coefficients",
                 _frame(self.coefficients, self.index, self.columns)),
            Step("Grey relational grade and rank", "grade",
                 pd.DataFrame({"grade": self.grade, "rank": self.rank}, index=self.index)),
        ]


def grey_relational(
    matrix: Any,
    benefit: Any = None,
    *,
    rho: float = default("gra", "rho"),
    normalization: str = "minmax",
    weights: Any = None,
) -> GRAResult:
    """Deng's grey relational analysis against the ideal (best-per-column) reference sequence.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n)
    benefit : sequence of bool/Direction, optional
        Default all benefit.
    rho : float in (0, 1]
        Distinguishing coefficient (default 0.5).
    normalization : {'minmax', 'none'}
        ``minmax``: y = direction min-max, reference ``x0_j = max_i y_ij``; ``none``: y = x, reference =
        column max for benefit, column min for cost.
    weights : array_like, optional
        Absent: equal ``1/n``. Given: non-negative, divided by their sum.

    Returns
    -------
    GRAResult
        ``normalized``, ``reference``, ``delta = |x0 - y|``, global ``delta_min`` / ``delta_max``,
        ``coefficients xi = (dmin + rho dmax)/(delta + rho dmax)``, ``grade = sum_j w_j xi_ij``, ``rank``.
        If every column is constant (dmax = 0) all coefficients are 1.

    Notes
    -----
    Each column attains its own reference, so ``delta_min`` is 0 and
    ``delta_max = max_j (max_i y_ij - min_i y_ij)``; both come from the column statistics without a pass.

    References
    ----------
    .. [1] Deng Julong (1982). Control problems of grey systems. *Systems & Control Letters* 1(5),
       288-294.
    .. [2] Liu Sifeng and Lin Yi (2010). *Grey Systems: Theory and Applications*. Springer, ch. 3.
    """
    normalization = check_choice(normalization, ("minmax", "none"), method="gra", name="normalization")
    rho = check_param("gra", "rho", rho)
    x, index, columns = as_matrix(matrix, method="gra", check_finite=False)
    m, n = x.shape
    is_cost = parse_directions(benefit, n, method="gra")
    w = np.full(n, 1.0 / n) if weights is None else check_weights(weights, method="gra", length=n, rescale=True)
    stats = column_stats(x, method="gra")
    if normalization == "minmax":
        x, stats, _scale = rescale_extreme(x, stats, method="gra")
    elif not np.isfinite(stats.max - stats.min).all():
        raise EvaluationInputError("gra: a column's range exceeds what float64 can hold; rescale the input "
                                   "or use normalization='minmax'")
    if normalization == "minmax":
        offset, divisor = minmax_parameters(stats, is_cost)
        y_lo, y_hi = (stats.min - offset) / divisor, (stats.max - offset) / divisor
        ref = np.maximum(y_lo, y_hi)
        spread = np.abs(y_hi - y_lo)
    else:
        offset, divisor = np.zeros(n), np.ones(n)
        ref = np.where(is_cost, stats.min, stats.max)
        spread = stats.max - stats.min
    if not use_blocked(x):
        y, ref, dmax, grade = grey_kernel(x, w, rho, is_cost, normalization)
        y.flags.writeable = False
        return GRAResult(index, columns, is_cost, normalization, rho, w, y, ref, 0.0, float(dmax), grade,
                         constant_columns(stats))
    dmin, dmax = 0.0, float(spread.max())
    num, rho_dmax = dmin + rho * dmax, rho * dmax
    grade = np.empty(m)
    ref_t = Blocks(m, n).tiled(ref)

    def grades(y: np.ndarray, span: tuple[int, int, int], blocks: Blocks, buf: np.ndarray) -> None:
        r0, r1, reps = span
        t = _grey_block(y, ref_t[reps], num, rho_dmax, blocks.scratch_view(buf, span))
        row_dot(t.reshape(-1, n), w, out=grade[r0:r1])

    y, _ = affine_map(x, offset, divisor, grades)
    y.flags.writeable = False
    return GRAResult(index, columns, is_cost, normalization, rho, w, y, ref, dmin, dmax, grade,
                     constant_columns(stats))
