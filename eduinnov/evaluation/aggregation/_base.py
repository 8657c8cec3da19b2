"""Shared parts of the aggregation methods: the ranked result base, labelled frames, grade vectors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..results import MatrixResult, rank_descending
from ..validation import (
    EvaluationInputError,
    as_vector,
)


def _frame(data: np.ndarray, index: Any, columns: Any) -> pd.DataFrame:
    return pd.DataFrame(data, index=index, columns=columns, copy=False)


@dataclass(frozen=True)
class _RankedResult(MatrixResult):
    """A matrix result with one score per object; ``rank`` is computed on first access."""

    score_key: ClassVar[str] = "scores"

    @cached_property
    def rank(self) -> np.ndarray:
        """1-based ranks of the scores (1 = largest, ties by first appearance)."""
        return rank_descending(getattr(self, self.score_key))

    @property
    def score_series(self) -> pd.Series:
        """Scores indexed by object."""
        return self._series(getattr(self, self.score_key), self.score_key)

    @property
    def rank_series(self) -> pd.Series:
        """Ranks indexed by object."""
        return self._series(self.rank, "rank")

def _grades(values: Any, labels: Any, k: int, method: str) -> tuple[np.ndarray | None, list[str] | None]:
    gv = None if values is None else as_vector(values, method=method, name="grade_values", length=k, of="grades")
    gl = None
    if labels is not None:
        gl = [str(v) for v in labels]
        if len(gl) != k:
            raise EvaluationInputError(f"{method}: grade_labels has {len(gl)} entries but there are {k} grades")
    return gv, gl

#: Tolerance when comparing a cumulative measure with lambda (so 0.3 + 0.3 >= 0.6 holds).
_LAMBDA_TOL = 1e-12
