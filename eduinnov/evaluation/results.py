"""Result containers shared by every method: frozen dataclasses, explanation steps, ranks, JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["RANK_TOLERANCE", "Step", "Result", "MatrixResult", "competition_rank", "rank_descending",
           "to_jsonable"]


@dataclass(frozen=True)
class Step:
    """One table explaining an intermediate result: a caption, a short label and the data."""

    caption: str
    label: str
    frame: pd.DataFrame

    def __iter__(self):
        # Lets callers unpack ``caption, label, frame = step`` or take ``step[0]``-style pairs.
        return iter((self.caption, self.label, self.frame))


#: Scores equal within this relative tolerance are ties (DOMAIN.md): float noise never decides an order.
RANK_TOLERANCE = 1e-9


def _tie_groups(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, group)``: a stable descending order along the last axis and, per sorted position, the
    0-based index of its tie group. A new group starts where a score falls below its predecessor in the
    order by more than ``RANK_TOLERANCE`` relative to the larger of the two."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    s = np.take_along_axis(scores, order, axis=-1)
    prev, cur = s[..., :-1], s[..., 1:]
    gap = (prev - cur) > RANK_TOLERANCE * np.maximum(np.abs(prev), np.abs(cur))
    zero = np.zeros(s.shape[:-1] + (1,), dtype=np.int64)
    return order, np.concatenate([zero, np.cumsum(gap, axis=-1)], axis=-1)


def rank_descending(scores: np.ndarray) -> np.ndarray:
    """1-based ranks along the last axis, 1 = largest; ties (within 1e-9 relative) by first appearance.

    Leading axes are a batch. Scores equal within ``RANK_TOLERANCE`` form one tie group; inside it the
    object that comes first in the input ranks first, so ``0.7500000000000001`` never beats an earlier
    ``0.75``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    m = scores.shape[-1]
    if m == 0:
        return np.zeros(scores.shape, dtype=np.int64)
    order, group = _tie_groups(scores)
    key = np.empty_like(group)
    np.put_along_axis(key, order, group, axis=-1)  # tie group of each object, in input order
    final = np.argsort(key * max(m, 1) + np.arange(m), axis=-1, kind="stable")
    rank = np.empty(scores.shape, dtype=np.int64)
    np.put_along_axis(rank, final, np.broadcast_to(np.arange(1, m + 1), final.shape), axis=-1)
    return rank


def competition_rank(scores: np.ndarray) -> np.ndarray:
    """Displayed ranks ("1, 2, 2, 4"): tied scores (within 1e-9 relative) share the best rank of their
    group, and the next group's rank counts every object above it. Leading axes are a batch."""
    scores = np.asarray(scores, dtype=np.float64)
    m = scores.shape[-1]
    if m == 0:
        return np.zeros(scores.shape, dtype=np.int64)
    order, group = _tie_groups(scores)
    pos = np.broadcast_to(np.arange(1, m + 1), group.shape)
    starts = np.concatenate([np.ones(group.shape[:-1] + (1,), dtype=bool), np.diff(group, axis=-1) > 0], axis=-1)
    first_of = np.maximum.accumulate(np.where(starts, pos, 0), axis=-1)
    rank = np.empty(scores.shape, dtype=np.int64)
    np.put_along_axis(rank, order, first_of, axis=-1)
    return rank


def first_nonfinite(value: Any, path: str = "") -> str | None:
    """The key path of the first NaN or infinite number in a result's values (None if all are finite)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            return path or "value"
        return None
    if isinstance(value, float | np.floating):
        return None if math.isfinite(value) else (path or "value")
    if isinstance(value, dict):
        return next((p for k, v in value.items() if (p := first_nonfinite(v, f"{path}.{k}" if path else str(k)))), None)
    if isinstance(value, list | tuple):
        return next((p for i, v in enumerate(value) if (p := first_nonfinite(v, f"{path}[{i}]"))), None)
    return None


def to_jsonable(value: Any) -> Any:
    """Convert arrays, Series, frames and numpy scalars to plain JSON values; NaN/inf become None, -0.0 0.0."""
    if isinstance(value, pd.DataFrame):
        value = value.to_numpy()
    if isinstance(value, pd.Series | pd.Index):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            obj = (value + 0.0).astype(object)  # + 0.0 turns -0.0 into 0.0: no signed zeros in output
            obj[~np.isfinite(value)] = None
            return obj.tolist()
        return value.tolist()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) + 0.0 if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name"):  # Enum
        return value.value
    return value


@dataclass(frozen=True)
class Result:
    """Base of every method's result.

    Subclasses list their JSON output keys in ``json_keys`` (the DOMAIN.md output keys, plus extras).
    Heavy derived values (ranks, explanation tables, matrices derivable from a stored one) are
    ``functools.cached_property`` attributes: computed on first access, then kept.
    """

    json_keys: ClassVar[tuple[str, ...]] = ()
    #: JSON keys whose attribute has another name (e.g. ``lambda`` -> ``lam``).
    json_attrs: ClassVar[dict[str, str]] = {}

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-compatible values (1-based ranks/grades; NaN never appears).

        Raises
        ------
        ValueError
            A value is NaN or infinite: the input was outside what float64 represents, and a number
            silently turned into null would be wrong.
        """
        raw = {key: getattr(self, self.json_attrs.get(key, key)) for key in self.json_keys}
        bad = first_nonfinite(raw)
        if bad is not None:
            raise ValueError(f"the result is not finite ({bad}); the input values are outside what float64 "
                             "arithmetic can evaluate here: rescale them")
        return {key: to_jsonable(v) for key, v in raw.items()}


@dataclass(frozen=True)
class MatrixResult(Result):
    """Common parts of results computed on an (objects x criteria) matrix."""

    index: pd.Index
    columns: pd.Index

    def _series(self, values: np.ndarray, name: str, by: str = "index") -> pd.Series:
        return pd.Series(values, index=self.index if by == "index" else self.columns, name=name, copy=False)
