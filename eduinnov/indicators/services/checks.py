"""Glue between a run and the pure checks: the information-free pre-pass, the evaluation, the health check.

:func:`evaluate_checked` is what a run calls instead of :func:`.compute.evaluate_spec` alone: it applies
:func:`eduinnov.indicators.informative.prepare_informative`, evaluates the pruned spec, restores the
weights' bookkeeping (children, renormalisation) and computes the health report of
:mod:`eduinnov.evaluation.health` from the run itself. Everything stays plain values.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from eduinnov import evaluation as ev
from eduinnov.evaluation import health as hc
from eduinnov.evaluation.hierarchy import node_membership
from eduinnov.indicators.informative import NothingVaries, Prepass, expand_weights, prepare_informative
from eduinnov.indicators.services.compute import (
    ComputeError,
    EvaluationOutcome,
    evaluate_spec,
    sensitivity,
)
from eduinnov.indicators.spec import walk

__all__ = ["REACH_STEPS", "STABILITY_DRAWS", "evaluate_checked", "health_of", "node_memberships", "pruned_spec",
           "reach_of"]

#: Points on the path from "nothing achieved" to "every target met" used to find the reachable grades.
REACH_STEPS = 41
#: Monte Carlo draws behind the one-sentence rank stability of the health check.
STABILITY_DRAWS = 100


def evaluate_checked(spec: dict[str, Any], raw: pd.DataFrame) -> tuple[EvaluationOutcome, Prepass]:
    """Evaluate ``spec`` on ``raw`` after excluding information-free leaves (ranks: the engine's order; the
    competition ranks shown are derived from the scores where a run is stored).

    Raises
    ------
    ComputeError
        The engine refused the data.
    NothingVaries
        No indicator varies across the units: there is nothing to rank or grade.
    """
    if len(raw.index) and not raw.isna().any().any():
        prepass = prepare_informative(spec, raw)  # NothingVaries: the caller says so in the user's words
    else:
        prepass = Prepass(spec=spec)
    outcome = evaluate_spec(prepass.spec, raw)
    outcome.weights = expand_weights(outcome.weights, prepass)
    return outcome, prepass


def pruned_spec(spec: dict[str, Any], raw: pd.DataFrame, summary: dict[str, Any] | None = None) -> dict[str, Any]:
    """The spec a stored run was evaluated with (the pre-pass is a pure function of spec and raw values).

    A run stored before the information-free rule (its ``summary`` has no ``health``) was evaluated with
    its snapshot as it is.
    """
    if summary is not None and "health" not in summary:
        return spec
    try:
        return prepare_informative(spec, raw).spec
    except NothingVaries:
        return spec


def _leaf_path_values(node: dict[str, Any], t: np.ndarray) -> np.ndarray:
    """Raw values of a leaf moving from its worst (t = 0) to its best (t = 1) as its scaling reads them."""
    scaling = node.get("scaling") or {}
    method = scaling.get("method", "minmax")
    cost = node.get("direction") == "cost"
    if method == "target":
        target = float(scaling["target"])
        return target / np.maximum(t, 1e-3) if cost else t * target
    if method == "range":
        lo, hi = float(scaling["min"]), float(scaling["max"])
        return hi - t * (hi - lo) if cost else lo + t * (hi - lo)
    return 1.0 - t if cost else t


def reach_of(spec: dict[str, Any]) -> tuple[float | None, float | None, list[int] | None]:
    """Scores of a unit at zero and at full marks on every indicator, and the grades met in between.

    The model is evaluated on a synthetic group of units, each at the same fraction t (0, 1/40, …, 1) of
    every indicator's full marks; (None, None, None) when the engine refuses such a group.
    """
    t = np.linspace(0.0, 1.0, REACH_STEPS)
    leaves = [n for n, _d, _p in walk(spec["tree"]) if not n.get("children")]
    raw = pd.DataFrame({n["code"]: _leaf_path_values(n, t) for n in leaves},
                       index=pd.Index(range(1, REACH_STEPS + 1), dtype="int64"))
    try:
        with np.errstate(all="ignore"):
            out = evaluate_spec(spec, raw)
    except (ComputeError, ValueError, FloatingPointError):
        return None, None, None
    scores = np.asarray(out.scores, dtype=np.float64)
    if not np.isfinite(scores).all():
        return None, None, None
    return float(scores[0]), float(scores[-1]), sorted({int(g) for g in out.grades})


def _overall_weights(spec: dict[str, Any], weights: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Overall weight of each node as the model gives it before exclusion (local weights multiplied down)."""
    out: dict[str, float] = {}
    for node, _depth, parent in walk(spec["tree"]):
        code = node["code"]
        if parent is None:
            out[code] = 1.0
            continue
        entry = weights.get(parent) or {}
        kids = entry.get("children")
        before = entry.get("weights_before_exclusion")
        siblings = _children_of(spec["tree"], parent)
        if before is not None:
            local = before[siblings.index(code)]
        elif kids is not None:
            # objective or equal weights over the kept children only: an excluded child had an equal share
            local = (1.0 / len(siblings)) if code not in kids else (
                entry["weights"][kids.index(code)] * len(kids) / len(siblings))
        else:
            local = entry["weights"][siblings.index(code)] if entry.get("weights") else 1.0 / len(siblings)
        out[code] = out[parent] * float(local)
    return out


def _children_of(tree: dict[str, Any], code: str) -> list[str]:
    for node, _d, _p in walk(tree):
        if node["code"] == code:
            return [c["code"] for c in node.get("children", [])]
    return []


def health_of(spec: dict[str, Any], raw: pd.DataFrame, outcome: EvaluationOutcome, prepass: Prepass) -> dict[str, Any]:
    """The health report of a run (see :mod:`eduinnov.evaluation.health`), from the run's own values."""
    n = len(outcome.object_ids)
    values = {c: raw[c].to_numpy(dtype=np.float64) for c in raw.columns}
    free = hc.information_free_leaves(values)
    overall = _overall_weights(spec, outcome.weights)
    share = float(sum(overall.get(f["code"], 0.0) for f in free))
    inner = [nd["code"] for nd, _d, _p in walk(spec["tree"]) if nd.get("children")]
    flat = hc.flat_nodes(outcome.node_scores, inner)
    root = spec["tree"]["code"]
    mins = [g["min"] for g in spec["grade_scale"]]
    counts = [0] * len(mins)
    for g in outcome.grades:
        counts[g - 1] += 1
    checks = [
        hc.information_free_check(free, share, hc.mostly_zero_leaves(values), flat, root, n),
        hc.grade_distribution_check(counts),
        hc.reach_check(*reach_of(spec), mins, outcome.grade_rule),
        hc.grade_rule_check(outcome.grade_rule, outcome.scores, outcome.grades, mins),
    ]
    if n >= 2:
        try:
            base = dataclasses.replace(outcome, ranks=[int(r) for r in ev.rank_descending(outcome.scores)])
            report = sensitivity(prepass.spec, raw, base, draws=STABILITY_DRAWS, spread=0.15, seed=1)
            checks.append(hc.stability_check([o["same_grade"] for o in report["objects"]],
                                             [o["same_band"] for o in report["objects"]],
                                             STABILITY_DRAWS, 0.15))
        except (ValueError, KeyError, IndexError):
            checks.append(hc.Check("stability", "info", "the rank stability could not be computed", {}))
    health = hc.health_report(checks)
    health["excluded"] = prepass.excluded
    return health


def node_memberships(spec: dict[str, Any], weights: dict[str, dict[str, Any]],
                     node_scores: dict[str, list[float]]) -> dict[str, list[list[float]]]:
    """Membership vectors (per unit, grades best first) of every fuzzy or unascertained node of a run.

    Recomputed from the run's own node scores and weights with the engine's kernels, exactly as the
    evaluation composed them: a fuzzy node composes its fuzzy children's membership rows and turns any
    other child's score into memberships between the grade anchors; an unascertained node sums the
    weighted single-index measures. ``spec`` is the spec the run was evaluated with (pruned).
    """
    out: dict[str, list[list[float]]] = {}

    def rec(node: dict[str, Any]) -> np.ndarray | None:
        children = node.get("children")
        if not children:
            return None
        kids = [rec(c) for c in children]
        agg, p = node.get("aggregation"), node.get("aggregation_params") or {}
        if agg not in ("fuzzy", "unascertained"):
            return None
        w = np.asarray(weights[node["code"]]["weights"], dtype=np.float64)
        s = np.column_stack([np.asarray(node_scores[c["code"]], dtype=np.float64) for c in children])
        a = p["anchors"]
        if agg == "fuzzy":
            mems = [k if c.get("aggregation") == "fuzzy" else None for c, k in zip(children, kids, strict=True)]
            b = node_membership("fuzzy", w, s, mems, a, p["operator"])
        else:
            anchors = np.array([a[c["code"]] for c in children]) if isinstance(a, dict) else a
            b = node_membership("unascertained", w, s, [None] * len(children), anchors)
        out[node["code"]] = [[float(v) for v in row] for row in b]
        return b

    rec(spec["tree"])
    return out
