"""Sensitivity of a hierarchical evaluation: seeded Monte Carlo on the weights, vectorised over draws.

Every inner node's weights are multiplied by independent factors drawn uniformly from
``[1 - spread, 1 + spread]`` (seeded ``numpy.random.default_rng``) and renormalised; the tree is then
re-evaluated for all draws at once with the same aggregation kernels as :func:`.hierarchy.evaluate`
(they take a leading batch axis). Weights of PCA nodes are not used and not perturbed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import params as P
from .aggregation.coupling import coupling_grade, coupling_kernel
from .aggregation.gra import grey_kernel
from .aggregation.topsis import topsis_kernel
from .aggregation.weighted_sum import weighted_sum_kernel
from .hierarchy import (
    EvaluationOutcome,
    LeafSpec,
    ModelSpec,
    NodeSpec,
    fuzzy_node,
    grade_of,
    pca_node,
    unascertained_node,
    walk,
)
from .results import rank_descending

__all__ = ["rank_rows", "sensitivity", "simulate"]


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """1-based ranks along the last axis (1 = largest, ties within 1e-9 by first appearance), batched."""
    return rank_descending(scores)


def _band(ranks: np.ndarray, m: int) -> np.ndarray:
    """Rank band: quarter of the ranking (1 = top quarter); with fewer than 4 objects the rank itself."""
    if m < 4:
        return ranks
    return np.ceil(ranks * 4.0 / m).astype(np.int64)


class _Batched:
    """Re-evaluates the tree for D weight draws at once: arrays (D, m) per node."""

    def __init__(self, model: ModelSpec, outcome: EvaluationOutcome, factors: dict[str, np.ndarray], draws: int):
        self.model = model
        self.base = outcome.weights
        self.official = outcome.node_scores
        self.factors = factors
        self.d = draws
        self.used_weights: dict[str, np.ndarray] = {}

    def node(self, node: NodeSpec | LeafSpec) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(scores (D, m), membership (D, m, K) or None, grades (D, m) or None)."""
        if isinstance(node, LeafSpec):
            s = np.asarray(self.official[node.code])
            return np.broadcast_to(s, (self.d, s.size)), None, None
        kids = [self.node(c) for c in node.children]
        x = np.stack([k[0] for k in kids], axis=-1)  # (D, m, n)
        info = self.base[node.code]
        w0 = np.asarray(info["weights"])
        f = self.factors.get(node.code)
        w = np.broadcast_to(w0, (self.d, w0.size)) if f is None else (w0 * f) / (w0 * f).sum(axis=1, keepdims=True)
        self.used_weights[node.code] = w
        agg = info.get("aggregation", "weighted_sum")  # the method the official run used (after fallbacks)
        zero = np.zeros(len(node.children), dtype=bool)
        values = self.model.values
        if agg == "fuzzy":
            return fuzzy_node(node, [(k[0], k[1]) for k in kids], w, values, strict=False)
        if agg == "unascertained":
            return unascertained_node(node, x, w, values)
        if agg == "gra":
            return grey_kernel(x, w / w.sum(axis=1, keepdims=True), node.rho, zero)[3], None, None
        if agg == "topsis":
            _r, _b, _w, dp, dm = topsis_kernel(x, w, zero)
            return dm / (dp + dm), None, None
        if agg == "coupling":
            _c, _t, dd = coupling_kernel(np.maximum(x, node.floor), w)
            return dd, None, np.asarray(coupling_grade(dd.ravel())).reshape(dd.shape)
        if agg == "pca":
            if all(isinstance(c, LeafSpec) for c in node.children):  # PCA ignores weights: the official result
                s = np.asarray(self.official[node.code])
                return np.broadcast_to(s, (self.d, s.size)), None, None
            out = np.empty(x.shape[:2])
            for i in range(self.d):
                out[i] = pca_node(node, x[i], w[i], []).scores
            return out, None, None
        return weighted_sum_kernel(x, w), None, None


def simulate(model: ModelSpec, outcome: EvaluationOutcome, *, draws: int, spread: float, seed: int
             ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Total scores (D, m) and grades (D, m) of the perturbed draws, the weights used and the factors.

    Raises
    ------
    ValueError
        ``draws`` or ``spread`` outside the bounds of :data:`.params.PARAMS`.
    """
    if not P.PARAMS[("sensitivity", "draws")].contains(draws):
        raise ValueError("draws must be between 10 and 5000")
    if not P.PARAMS[("sensitivity", "spread")].contains(spread):
        raise ValueError("spread must be at least 0 and below 1")
    rng = np.random.default_rng(seed)
    factors = {}
    for node, _d, _p in walk(model.tree):
        if isinstance(node, NodeSpec) and len(node.children) > 1 and node.aggregation != "pca":
            factors[node.code] = rng.uniform(1 - spread, 1 + spread, size=(draws, len(node.children)))
    if not factors:  # a model with nothing to perturb still reports its (certain) conclusions
        factors["__none__"] = np.ones((draws, 1))
    b = _Batched(model, outcome, factors, draws)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores, _mem, grades = b.node(model.tree)
    if model.tree.aggregation not in ("fuzzy", "unascertained"):
        grades = grade_of(scores, model.grades)
    return scores, grades, b.used_weights, factors


def sensitivity(model: ModelSpec, outcome: EvaluationOutcome, *, draws: int = 500,
                spread: float = P.default("sensitivity", "spread"), seed: int = 20240601) -> dict[str, Any]:
    """How stable grades and ranks are when every inner node's weights are perturbed.

    Parameters
    ----------
    model : ModelSpec
        The model of the run.
    outcome : EvaluationOutcome
        The run's official results (weights and node scores are the baseline).
    draws : int
        Number of Monte Carlo draws (10..5000).
    spread : float
        Relative perturbation (0 <= spread < 1; 0.10–0.20 is typical).
    seed : int
        Seed of the generator: the same seed gives the same report.

    Returns
    -------
    dict
        ``objects``: per object the share of draws keeping its grade and its rank band (quarter of the
        ranking), the 5th/95th percentile of its score and its best/worst rank; ``nodes``: per inner node
        and child the min/max of the perturbed weights; ``draws``, ``spread``, ``seed``,
        ``stable_grade_share`` (share of objects keeping their grade in at least 90 % of the draws).
    """
    scores, grades, used_weights, factors = simulate(model, outcome, draws=draws, spread=spread, seed=seed)
    m = scores.shape[1]
    ranks = rank_rows(scores)
    base_grades = np.asarray(outcome.grades)
    base_ranks = np.asarray(outcome.ranks)
    same_grade = (grades == base_grades[None, :]).mean(axis=0)
    same_band = (_band(ranks, m) == _band(base_ranks, m)[None, :]).mean(axis=0)
    p5, p95 = np.percentile(scores, [5, 95], axis=0)
    objects = [{"id": oid, "same_grade": float(same_grade[i]), "same_band": float(same_band[i]),
                "score_p5": float(p5[i]), "score_p95": float(p95[i]),
                "rank_best": int(ranks[:, i].min()), "rank_worst": int(ranks[:, i].max())}
               for i, oid in enumerate(outcome.object_ids)]
    nodes = {}
    for node, _d, _p in walk(model.tree):
        if node.code in used_weights and node.code in factors:
            w = used_weights[node.code]
            nodes[node.code] = [{"child": c.code, "weight": float(outcome.weights[node.code]["weights"][j]),
                                 "min": float(w[:, j].min()), "max": float(w[:, j].max())}
                                for j, c in enumerate(node.children)]
    return {"draws": draws, "spread": spread, "seed": seed, "objects": objects, "nodes": nodes,
            "stable_grade_share": float((same_grade >= 0.9).mean())}


