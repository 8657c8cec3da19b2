"""Input checks shared by every evaluation method.

Everything a caller hands to the engine passes through these helpers exactly once, at the entry point
of the public function. They never modify the caller's data: arrays are read, and only converted (which
copies) when they are not already float64 and C-contiguous.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Direction",
    "EvaluationInputError",
    "WEIGHT_SUM_TOLERANCE",
    "as_matrix",
    "as_vector",
    "check_weights",
    "parse_directions",
    "parse_number",
]

#: Weights given as input must sum to 1 within this absolute tolerance.
WEIGHT_SUM_TOLERANCE = 1e-6


class EvaluationInputError(ValueError):
    """Input to an evaluation method is malformed; the message names the method and the problem."""


class Direction(enum.Enum):
    """Direction of a criterion: larger is better (``BENEFIT``) or smaller is better (``COST``)."""

    BENEFIT = "benefit"
    COST = "cost"

    @classmethod
    def parse(cls, value: Any, *, method: str, position: int) -> Direction:
        """Convert a Direction, a boolean (True = benefit) or the strings 'benefit'/'cost'."""
        if isinstance(value, cls):
            return value
        if isinstance(value, bool | np.bool_):
            return cls.BENEFIT if value else cls.COST
        if isinstance(value, str) and value.strip().lower() in ("benefit", "cost"):
            return cls(value.strip().lower())
        raise EvaluationInputError(
            f"{method}: direction of column {position} must be true/false or 'benefit'/'cost', got {value!r}"
        )


def parse_directions(benefit: Any, n: int, *, method: str) -> np.ndarray:
    """Return a boolean array ``is_cost`` of length ``n``.

    ``benefit`` is None (every column is a benefit column), one Direction/boolean for all columns, or a
    sequence with one Direction, boolean or 'benefit'/'cost' string per column.
    """
    if benefit is None:
        return np.zeros(n, dtype=bool)
    if isinstance(benefit, Direction | bool | np.bool_ | str):
        d = Direction.parse(benefit, method=method, position=1)
        return np.full(n, d is Direction.COST)
    if isinstance(benefit, pd.Series | np.ndarray):
        benefit = benefit.tolist()
    if not isinstance(benefit, Iterable):
        raise EvaluationInputError(f"{method}: benefit must be a list with one boolean per column")
    items = list(benefit)
    if len(items) != n:
        raise EvaluationInputError(f"{method}: benefit has {len(items)} entries but the matrix has {n} columns")
    return np.array(
        [Direction.parse(v, method=method, position=j + 1) is Direction.COST for j, v in enumerate(items)],
        dtype=bool,
    )


def parse_number(value: Any, *, method: str, where: str) -> float:
    """Parse a number or a string such as ``"1/3"`` or ``"2.5"`` (exact fraction, then float)."""
    if isinstance(value, bool):
        raise EvaluationInputError(f"{method}: {where} must be a number, got {value!r}")
    if isinstance(value, int | float | np.integer | np.floating | Fraction):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            pass
    raise EvaluationInputError(f"{method}: {where} must be a number or a fraction like '1/3', got {value!r}")


def _to_float_array(data: Any, *, method: str, name: str) -> np.ndarray:
    try:
        arr = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        detail = "rows of different lengths" if "inhomogeneous" in str(exc) else "non-numeric entries"
        raise EvaluationInputError(f"{method}: {name} must be numeric ({detail})") from None
    return arr


def as_matrix(
    data: Any,
    *,
    method: str,
    name: str = "matrix",
    min_rows: int = 1,
    min_cols: int = 1,
    check_finite: bool = True,
) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Return ``(values, index, columns)`` for a 2-D numeric input.

    ``values`` is float64 and C-contiguous; it is the caller's own array when that already qualifies
    (it is never written to), otherwise a converted copy. A DataFrame's index and columns are kept so
    results can be labelled; other inputs get a RangeIndex. ``check_finite=False`` lets callers that
    compute column minima/maxima anyway detect NaN/inf from those (see :func:`raise_nonfinite`).
    """
    index: pd.Index | None = None
    columns: pd.Index | None = None
    if isinstance(data, pd.DataFrame):
        index, columns = data.index, data.columns
        try:
            data = data.to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise EvaluationInputError(f"{method}: {name} must be numeric (non-numeric entries)") from None
    arr = _to_float_array(data, method=method, name=name)
    if arr.ndim != 2:
        raise EvaluationInputError(
            f"{method}: {name} must be 2-D (a list of rows), got an array with {arr.ndim} dimension(s)"
        )
    m, n = arr.shape
    if m < min_rows:
        raise EvaluationInputError(f"{method}: {name} needs at least {min_rows} row(s), got {m}")
    if n < min_cols:
        raise EvaluationInputError(f"{method}: {name} needs at least {min_cols} column(s), got {n}")
    arr = np.ascontiguousarray(arr)
    if check_finite and not np.isfinite(arr).all():
        raise_nonfinite(arr, method=method, name=name)
    return arr, (index if index is not None else pd.RangeIndex(m)), (
        columns if columns is not None else pd.RangeIndex(n)
    )


def raise_nonfinite(arr: np.ndarray, *, method: str, name: str = "matrix") -> None:
    """Raise an EvaluationInputError naming the first NaN/inf cell (1-based) of ``arr``."""
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size == 0:  # pragma: no cover - callers only get here after detecting a non-finite value
        return
    cell = ", ".join(str(int(i) + 1) for i in bad[0])
    value = arr[tuple(bad[0])]
    raise EvaluationInputError(f"{method}: {name} contains {value} at ({cell}); only finite numbers are allowed")


def as_vector(data: Any, *, method: str, name: str, length: int | None = None, of: str = "columns") -> np.ndarray:
    """Return a finite float64 1-D copy of ``data``, optionally checking its length."""
    if isinstance(data, pd.Series):
        data = data.to_numpy()
    arr = _to_float_array(data, method=method, name=name)
    if arr.ndim != 1:
        raise EvaluationInputError(f"{method}: {name} must be a flat list of numbers")
    if length is not None and arr.size != length:
        raise EvaluationInputError(f"{method}: {name} has {arr.size} entries but there are {length} {of}")
    if not np.isfinite(arr).all():
        raise_nonfinite(arr, method=method, name=name)
    return np.array(arr, dtype=np.float64, copy=True)


def check_weights(
    weights: Any,
    *,
    method: str,
    length: int | None = None,
    name: str = "weights",
    of: str = "columns",
    rescale: bool = False,
) -> np.ndarray:
    """Validate weights: finite, non-negative and summing to 1 within ``WEIGHT_SUM_TOLERANCE``.

    With ``rescale=True`` the weights are divided by their sum instead (the sum must be positive).
    """
    w = as_vector(weights, method=method, name=name, length=length, of=of)
    if w.size == 0:
        raise EvaluationInputError(f"{method}: {name} is empty")
    if (w < 0).any():
        j = int(np.flatnonzero(w < 0)[0])
        raise EvaluationInputError(f"{method}: {name} must be non-negative; entry {j + 1} is {w[j]}")
    total = float(w.sum())
    if rescale:
        if total <= 0:
            raise EvaluationInputError(f"{method}: {name} sum to 0; at least one must be positive")
        return w / total
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        raise EvaluationInputError(
            f"{method}: {name} must sum to 1 (within {WEIGHT_SUM_TOLERANCE:g}), they sum to {total:.10g}"
        )
    return w


def check_choice(value: Any, choices: Sequence[str], *, method: str, name: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming the valid ones."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise EvaluationInputError(f"{method}: {name} must be one of {valid}, got {value!r}")
    return value
