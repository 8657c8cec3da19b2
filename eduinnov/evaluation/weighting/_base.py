"""Shared parts of the weighting methods: Saaty's table, judgment-matrix parsing, data-matrix preparation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..normalization import (
    column_stats,
    rescale_extreme,
)
from ..validation import (
    EvaluationInputError,
    as_matrix,
    parse_directions,
    parse_number,
)

#: Saaty's random consistency index for n = 1..15 (normative table of DOMAIN.md).
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
#: Consistency threshold: a matrix is consistent iff CR < 0.10 (strict).
CR_THRESHOLD = 0.10
#: Default tolerance of the reciprocal check |a_ij * a_ji - 1| (allows "0.333" typed for 1/3).
RECIPROCAL_TOLERANCE = 1e-2
# Smallest positive normal double: log(max(y, TINY)) * y is exactly 0 for y = 0 (0 ln 0 = 0).
_TINY = np.finfo(np.float64).tiny


def _frame(data: np.ndarray, index: Any, columns: Any) -> pd.DataFrame:
    return pd.DataFrame(data, index=index, columns=columns, copy=False)

def parse_judgment_matrix(
    matrix: Any, *, method: str, max_n: int | None = None, tolerance: float = RECIPROCAL_TOLERANCE
) -> np.ndarray:
    """Parse and validate a pairwise-comparison (reciprocal) matrix.

    Entries may be numbers or strings such as ``"1/3"`` (parsed as exact fractions). The matrix must be
    square, positive, with a unit diagonal and ``a_ji = 1/a_ij`` within ``tolerance`` (relative). Errors
    name the offending cell, 1-based.
    """
    if isinstance(matrix, pd.DataFrame):
        matrix = matrix.to_numpy().tolist()
    elif isinstance(matrix, np.ndarray):
        matrix = matrix.tolist()
    if not isinstance(matrix, list | tuple) or not matrix or not all(isinstance(r, list | tuple) for r in matrix):
        raise EvaluationInputError(f"{method}: matrix must be a non-empty list of rows")
    n = len(matrix)
    for i, row in enumerate(matrix):
        if len(row) != n:
            raise EvaluationInputError(f"{method}: matrix must be square; row {i + 1} has {len(row)} entries, expected {n}")
    if max_n is not None and n > max_n:
        raise EvaluationInputError(
            f"{method}: matrix is {n}x{n}; the random index RI is tabulated only for n <= {max_n}"
        )
    a = np.array(
        [[parse_number(v, method=method, where=f"cell ({i + 1}, {j + 1})") for j, v in enumerate(row)]
         for i, row in enumerate(matrix)],
        dtype=np.float64,
    )
    if not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise EvaluationInputError(f"{method}: cell ({i + 1}, {j + 1}) is {a[i, j]}; entries must be finite")
    if (a <= 0).any():
        i, j = np.argwhere(a <= 0)[0]
        raise EvaluationInputError(f"{method}: cell ({i + 1}, {j + 1}) is {a[i, j]:g}; entries must be positive")
    diag_bad = np.flatnonzero(np.abs(np.diag(a) - 1.0) > tolerance)
    if diag_bad.size:
        i = int(diag_bad[0])
        raise EvaluationInputError(f"{method}: diagonal cell ({i + 1}, {i + 1}) is {a[i, i]:g}; it must be 1")
    dev = np.abs(a * a.T - 1.0)
    if (dev > tolerance).any():
        i, j = np.argwhere(dev > tolerance)[0]
        raise EvaluationInputError(
            f"{method}: matrix is not reciprocal at cell ({i + 1}, {j + 1}) = {a[i, j]:g} and "
            f"({j + 1}, {i + 1}) = {a[j, i]:g}; a_ji must equal 1/a_ij"
        )
    return a

def _prepare(matrix: Any, benefit: Any, method: str, *, min_rows: int = 2, min_cols: int = 1):
    x, index, columns = as_matrix(matrix, method=method, min_rows=min_rows, min_cols=min_cols, check_finite=False)
    is_cost = parse_directions(benefit, x.shape[1], method=method)
    stats = column_stats(x, method=method)
    x, stats, _scale = rescale_extreme(x, stats, method=method)  # min-max normalisation is scale-free
    return x, index, columns, is_cost, stats
