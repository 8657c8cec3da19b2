"""The bridge to the engine's hierarchical evaluation: spec dicts in, plain values out.

The numbers are computed by :mod:`eduinnov.evaluation.hierarchy` (one evaluation) and
:mod:`eduinnov.evaluation.sensitivity` (Monte Carlo on the weights) over the typed model that
:func:`eduinnov.indicators.spec.build_model` builds once from a validated spec. This module keeps the
signatures the services use (a spec dict and a DataFrame of raw leaf values indexed by object id), and
re-exports the names that used to live here, so imports from this path keep working.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from eduinnov import evaluation as ev
from eduinnov.evaluation.hierarchy import (
    SAATY_VALUES,
    ComputeError,
    EvaluationOutcome,
    NodeOutcome,
    Scaling,
    memberships,
    most_inconsistent,
    nearest_saaty,
)
from eduinnov.evaluation.hierarchy import evaluate as _evaluate
from eduinnov.evaluation.hierarchy import grade_of as _grade_of
from eduinnov.evaluation.hierarchy import scale_leaf as _scale_leaf
from eduinnov.evaluation.params import default
from eduinnov.evaluation.sensitivity import rank_rows
from eduinnov.evaluation.sensitivity import sensitivity as _sensitivity
from eduinnov.evaluation.sensitivity import simulate as _simulate
from eduinnov.indicators.spec import build_model, judgment_matrix

__all__ = ["SAATY_VALUES", "ComputeError", "EvaluationOutcome", "NodeOutcome", "consistency", "evaluate_spec",
           "grade_of", "memberships", "most_inconsistent", "nearest_saaty", "rank_rows", "scale_leaf",
           "sensitivity", "simulate"]


def scale_leaf(x: np.ndarray, direction: str, scaling: dict[str, Any]) -> np.ndarray:
    """A leaf's 0..1 scores from its raw values, with the scaling as stored in a spec (a dict)."""
    s = Scaling(scaling.get("method", "minmax"), scaling.get("target"), scaling.get("min"), scaling.get("max"))
    return _scale_leaf(x, direction, s)


def grade_of(scores: np.ndarray, scale: list[dict[str, Any]]) -> np.ndarray:
    """1-based grade (best = 1) of each score under a spec's grade scale (a list of dicts)."""
    return _grade_of(scores, [g["min"] for g in scale])


def consistency(codes: list[str], judgments: dict[str, Any], mode: str = "eigen") -> dict[str, Any]:
    """AHP weights and consistency of a node's judgments (for the editor's live check).

    Returns ``{"weights": {code: w}, "CR", "CI", "lambda_max", "consistent", "most_inconsistent"}``;
    raises ``ValueError`` with a clear message for a value off Saaty's scale.
    """
    matrix = judgment_matrix(codes, judgments)
    if len(codes) < 2:
        return {"weights": dict.fromkeys(codes, 1.0), "CR": 0.0, "CI": 0.0, "lambda_max": float(len(codes)),
                "consistent": True, "most_inconsistent": None, "matrix": matrix}
    r = ev.ahp_weights(matrix, mode)
    return {"weights": {c: float(w) for c, w in zip(codes, r.weights, strict=True)}, "CR": float(r.CR),
            "CI": float(r.CI), "lambda_max": float(r.lambda_max), "consistent": bool(r.consistent),
            "most_inconsistent": None if r.consistent else most_inconsistent(matrix, codes, mode),
            "matrix": matrix}


def evaluate_spec(spec: dict[str, Any], raw: pd.DataFrame) -> EvaluationOutcome:
    """Evaluate a validated spec on raw leaf values (rows = objects in a fixed order, columns = leaf codes).

    Raises
    ------
    ComputeError
        The engine refused a node's input (the message names the node).
    """
    return _evaluate(build_model(spec), raw)


def simulate(spec: dict[str, Any], raw: pd.DataFrame, outcome: EvaluationOutcome, *, draws: int,
             spread: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, Any]]:
    """Total scores (D, m) and grades (D, m) of the perturbed draws, the weights used and the factors."""
    return _simulate(build_model(spec), outcome, draws=draws, spread=spread, seed=seed)


def sensitivity(spec: dict[str, Any], raw: pd.DataFrame, outcome: EvaluationOutcome, *, draws: int = 500,
                spread: float = default("sensitivity", "spread"), seed: int = 20240601) -> dict[str, Any]:
    """How stable grades and ranks are when every inner node's weights are perturbed (see the engine's
    :func:`eduinnov.evaluation.sensitivity.sensitivity`; ``raw`` is kept for the callers' signature: the
    perturbed evaluation starts from the run's own leaf scores)."""
    return _sensitivity(build_model(spec), outcome, draws=draws, spread=spread, seed=seed)
