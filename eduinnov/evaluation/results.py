"""Result containers shared by every method: frozen dataclasses, explanation steps, ranks, JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

__all__ = ["Step", "Result", "MatrixResult", "rank_descending", "to_jsonable"]


@dataclass(frozen=True)
class Step:
    """One table explaining an intermediate result: a caption, a short label and the data."""

    caption: str
    label: str
    frame: pd.DataFrame

    def __iter__(self):
        # Lets callers unpack ``caption, label, frame = step`` or take ``step[0]``-style pairs.
        return iter((self.caption, self.label, self.frame))


def rank_descending(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, 1 = largest score; equal scores are ranked by first appearance.

    A stable argsort of ``-scores`` keeps equal scores in their original order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(scores.size, dtype=np.int64)
    rank[order] = np.arange(1, scores.size + 1)
    return rank


def to_jsonable(value: Any) -> Any:
    """Convert arrays, Series, frames and numpy scalars to plain JSON values; NaN/inf become None."""
    if isinstance(value, pd.DataFrame):
        value = value.to_numpy()
    if isinstance(value, pd.Series | pd.Index):
        value = value.to_numpy()
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            obj = value.astype(object)
            obj[~np.isfinite(value)] = None
            return obj.tolist()
        return value.tolist()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
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
        """The result as plain JSON-compatible values (1-based ranks/grades; NaN never appears)."""
        return {key: to_jsonable(getattr(self, self.json_attrs.get(key, key))) for key in self.json_keys}


@dataclass(frozen=True)
class MatrixResult(Result):
    """Common parts of results computed on an (objects x criteria) matrix."""

    index: pd.Index
    columns: pd.Index

    def _series(self, values: np.ndarray, name: str, by: str = "index") -> pd.Series:
        return pd.Series(values, index=self.index if by == "index" else self.columns, name=name, copy=False)
