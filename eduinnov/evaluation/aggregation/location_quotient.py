"""Location quotient (location entropy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from ..normalization import EXTREME_HIGH, EXTREME_LOW
from ..results import MatrixResult, Step
from ..validation import (
    EvaluationInputError,
    as_matrix,
)
from ._base import _frame


@dataclass(frozen=True)
class LocationQuotientResult(MatrixResult):
    """Result of :func:`location_quotient`."""

    LQ: np.ndarray

    json_keys: ClassVar[tuple[str, ...]] = ("LQ",)

    @cached_property
    def steps(self) -> list[Step]:
        """The location quotient matrix."""
        return [Step("Location quotients", "LQ", _frame(self.LQ, self.index, self.columns))]


def location_quotient_kernel(e: np.ndarray) -> np.ndarray:
    """Kernel: ``LQ = (e / row sums) / (column sums / grand total)`` for ``e`` (..., m, n).

    Leading axes are a batch. No checks: a zero row or column gives inf/NaN (the public
    :func:`location_quotient` refuses them).
    """
    row = e.sum(axis=-1)
    col = e.sum(axis=-2)
    total = row.sum(axis=-1)
    return (e / row[..., :, None]) / (col / total[..., None])


def location_quotient(matrix: Any) -> LocationQuotientResult:
    """Location quotient (location entropy) ``LQ_ij = (e_ij / sum_j e_ij) / (sum_i e_ij / sum_ij e_ij)``.

    Parameters
    ----------
    matrix : array_like or DataFrame, shape (m, n)
        Non-negative quantities e; rows are units/regions, columns categories. Every row and column
        must have a positive total.

    References
    ----------
    .. [1] Isard, W. (1960). *Methods of Regional Analysis: An Introduction to Regional Science*.
       MIT Press, pp. 123-126 (location quotient).
    """
    e, index, columns = as_matrix(matrix, method="location_quotient")
    if (e < 0).any():
        i, j = np.argwhere(e < 0)[0]
        raise EvaluationInputError(
            f"location_quotient: values must be non-negative; cell ({i + 1}, {j + 1}) is {e[i, j]:g}"
        )
    mag = float(e.max()) if e.size else 0.0
    if mag >= EXTREME_HIGH or 0.0 < mag < EXTREME_LOW:  # LQ is a ratio of shares: one factor cancels
        e = e / np.ldexp(1.0, np.frexp(mag)[1] - 1)
    row = e.sum(axis=1)
    col = e.sum(axis=0)
    if (row == 0).any():
        i = int(np.flatnonzero(row == 0)[0])
        raise EvaluationInputError(f"location_quotient: row {i + 1} sums to 0; its shares divide by 0")
    if (col == 0).any():
        j = int(np.flatnonzero(col == 0)[0])
        raise EvaluationInputError(f"location_quotient: column {j + 1} sums to 0; its share divides by 0")
    return LocationQuotientResult(index, columns, location_quotient_kernel(e))
