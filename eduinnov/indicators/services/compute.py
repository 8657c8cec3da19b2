"""Evaluate a validated spec on a table of leaf values with the numeric engine; Monte Carlo sensitivity.

This module and :mod:`.runs` are the bridge to :mod:`eduinnov.evaluation`. Everything here works on plain
values (a spec dict, a DataFrame of raw leaf values indexed by object id) and returns plain values, so a
stored run can be recomputed from its snapshot alone.

Conventions (documented for the model editor and the reports):

- Each leaf's raw value becomes a 0..1 score once, by its ``scaling``: ``minmax`` (direction min-max over
  the objects, constant column -> 1), ``target`` (benefit ``min(x/target, 1)``; cost 1 up to the target,
  then ``target/x``), ``range`` (linear between min and max, clipped), ``none`` (already 0..1; cost -> 1-x).
- Inner nodes weight their children (subjective methods from the judgments; objective methods from the
  children's scores, CV from the raw values of leaf children) and aggregate the children's scores into
  the node's 0..1 score. PCA composites are rescaled min-max to 0..1; coupling coordination reads a
  subsystem score below ``floor`` (0.01) as ``floor`` (the product in C would vanish otherwise).
- Fuzzy nodes take the membership row of a fuzzy child as it is (multi-level fuzzy evaluation), and
  derive the memberships of any other child from its score, piecewise linear between the grade anchors.
- When an objective method cannot run (fewer than two objects, no information in the data) equal weights
  are used, and when TOPSIS or PCA cannot run the weighted sum is used; each case is reported as a warning.
- The overall grade: a fuzzy root gives its maximum-membership grade, an unascertained root its grade by the
  confidence criterion; otherwise the band of the grade scale that contains the root score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eduinnov import evaluation as ev
from eduinnov.indicators.spec import judgment_matrix, judgment_text

__all__ = ["ComputeError", "EvaluationOutcome", "consistency", "evaluate_spec", "grade_of", "memberships",
           "scale_leaf", "sensitivity"]


class ComputeError(ValueError):
    """The model cannot be evaluated on these data; the message names the node."""


# ---------------------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------------------


def scale_leaf(x: np.ndarray, direction: str, scaling: dict[str, Any]) -> np.ndarray:
    """A leaf's 0..1 scores from its raw values (shape (m,) or (..., m) along the last axis)."""
    cost = direction == "cost"
    method = scaling.get("method", "minmax")
    x = np.asarray(x, dtype=np.float64)
    if method == "minmax":
        y, _ = ev.normalize_minmax(np.ascontiguousarray(x.reshape(-1, 1)), np.array([cost]))
        return y.reshape(x.shape)
    if method == "target":
        t = float(scaling["target"])
        if cost:
            return np.where(x <= t, 1.0, t / np.maximum(x, 1e-300))
        return np.clip(x / t, 0.0, 1.0)
    if method == "range":
        lo, hi = float(scaling["min"]), float(scaling["max"])
        y = (hi - x) / (hi - lo) if cost else (x - lo) / (hi - lo)
        return np.clip(y, 0.0, 1.0)
    y = np.clip(x, 0.0, 1.0)
    return 1.0 - y if cost else y


def memberships(x: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Memberships of values in K grades, piecewise linear between adjacent anchors (best grade first).

    ``x`` has any shape (...,), ``anchors`` shape (K,) decreasing or (..., K) per value; the result has shape
    (..., K) and each row sums to 1: at or beyond the first anchor all weight goes to grade 1, at or beyond
    the last to grade K, in between it is split linearly between the two neighbouring grades — the
    single-index measure of the unascertained method (and the same triangular memberships for fuzzy
    evaluation).
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.broadcast_to(np.asarray(anchors, dtype=np.float64), x.shape + (np.shape(anchors)[-1],))
    k = a.shape[-1]
    # anchors decrease for benefit indicators: negate both so they increase
    aa, xx = -a, -x
    pos = (aa <= xx[..., None]).sum(axis=-1)
    lo = np.clip(pos - 1, 0, k - 2)
    a_lo = np.take_along_axis(aa, lo[..., None], axis=-1)[..., 0]
    a_hi = np.take_along_axis(aa, (lo + 1)[..., None], axis=-1)[..., 0]
    mu_lo = np.clip((a_hi - xx) / (a_hi - a_lo), 0.0, 1.0)
    out = np.zeros(x.shape + (k,))
    np.put_along_axis(out, lo[..., None], mu_lo[..., None], axis=-1)
    np.put_along_axis(out, (lo + 1)[..., None], (1.0 - mu_lo)[..., None], axis=-1)
    return out


def grade_of(scores: np.ndarray, scale: list[dict[str, Any]]) -> np.ndarray:
    """1-based grade (best = 1) of each score: the first band, best first, whose ``min`` the score reaches."""
    mins = np.array([g["min"] for g in scale])
    s = np.asarray(scores, dtype=np.float64)
    reached = s[..., None] >= mins - 1e-12
    idx = np.where(reached.any(axis=-1), np.argmax(reached, axis=-1), len(scale) - 1)
    return idx + 1


def rank_rows(scores: np.ndarray) -> np.ndarray:
    """1-based ranks along the last axis (1 = largest, ties by first appearance), batched."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, scores.shape[-1] + 1)[None, ...] if scores.ndim > 1
                      else np.arange(1, scores.shape[-1] + 1), axis=-1)
    return ranks


def most_inconsistent(matrix: list[list[float]], codes: list[str], mode: str = "eigen") -> dict[str, Any] | None:
    """The judgment that deviates most from the derived weights, named by child codes (None if consistent)."""
    j = ev.most_inconsistent_judgment(matrix, mode)
    if j is None:
        return None
    return {"row": codes[j.row - 1], "col": codes[j.col - 1], "value": judgment_text(j.value),
            "suggested": judgment_text(nearest_saaty(j.suggested)), "ratio": j.ratio}


#: The values of Saaty's scale, 1/9 … 9.
SAATY_VALUES = np.array([1 / k for k in range(9, 1, -1)] + list(range(1, 10)), dtype=np.float64)


def nearest_saaty(value: float) -> float:
    """The value of Saaty's 1/9 … 9 scale nearest to ``value`` on a logarithmic scale."""
    return float(SAATY_VALUES[np.argmin(np.abs(np.log(SAATY_VALUES) - np.log(max(value, 1e-12))))])


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


# ---------------------------------------------------------------------------------------------------------
# One evaluation
# ---------------------------------------------------------------------------------------------------------


@dataclass
class NodeOutcome:
    """Per-node results: scores over objects, optional grades and membership rows, weights and figures."""

    code: str
    scores: np.ndarray
    grades: np.ndarray | None = None
    membership: np.ndarray | None = None  # (m, K), fuzzy B normalised or unascertained measure
    weights: list[float] | None = None
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationOutcome:
    """Everything a run stores, as plain values (lists, floats, strings)."""

    object_ids: list[int]
    inputs: dict[str, list[float]]
    weights: dict[str, dict[str, Any]]
    node_scores: dict[str, list[float]]
    scores: list[float]
    grades: list[int]
    ranks: list[int]
    grade_rule: str
    warnings: list[str]
    node_grades: dict[str, list[int]]


class _Evaluator:
    def __init__(self, spec: dict[str, Any], raw: pd.DataFrame):
        self.spec = spec
        self.raw = raw
        self.m = len(raw.index)
        self.scale = spec["grade_scale"]
        self.values = np.array([g["value"] for g in self.scale])
        self.labels = [g.get("name_en") or g.get("name_zh") for g in self.scale]
        self.warnings: list[str] = []
        self.constant_minmax: list[str] = []
        self.out: dict[str, NodeOutcome] = {}

    # -- tree walk -----------------------------------------------------------------------------------

    def run(self) -> NodeOutcome:
        root = self.node(self.spec["tree"])
        if self.m > 1:
            flat = [code for code in self.constant_minmax]
            if flat:
                self.warnings.insert(0, "the same raw value for every object in " + ", ".join(flat)
                                     + ": relative (min-max) scoring gives them all 1, which says nothing")
        return root

    def node(self, node: dict[str, Any]) -> NodeOutcome:
        children = node.get("children")
        if not children:
            x = self.raw[node["code"]].to_numpy(dtype=np.float64)
            if node["scaling"].get("method", "minmax") == "minmax" and x.size and np.ptp(x) == 0:
                self.constant_minmax.append(node["code"])
            res = NodeOutcome(node["code"], scale_leaf(x, node["direction"], node["scaling"]))
            self.out[node["code"]] = res
            return res
        kids = [self.node(c) for c in children]
        scores = np.column_stack([k.scores for k in kids]) if self.m else np.zeros((0, len(kids)))
        weights, info = self.weigh(node, children, kids, scores)
        res = self.aggregate(node, children, kids, scores, weights)
        res.weights = [float(w) for w in weights]
        res.info = {**info, **res.info}
        self.out[node["code"]] = res
        return res

    # -- weights -------------------------------------------------------------------------------------

    def weigh(self, node, children, kids, scores) -> tuple[np.ndarray, dict[str, Any]]:
        code, n = node["code"], len(children)
        method = node["weighting"]
        codes = [c["code"] for c in children]
        info: dict[str, Any] = {"weighting": method}
        if n == 1:
            return np.ones(1), info
        try:
            if method == "equal":
                return np.full(n, 1.0 / n), info
            if method == "expert":
                return ev.expert_weights([node["weights"][c] for c in codes], n), info
            if method in ("ahp", "ahp_geometric", "combined"):
                matrix = judgment_matrix(codes, node.get("judgments") or {})
                mode = "geometric" if method == "ahp_geometric" else "eigen"
                ahp = ev.ahp_weights(matrix, mode)
                info.update({"CR": ahp.CR, "CI": ahp.CI, "RI": ahp.RI, "lambda_max": ahp.lambda_max,
                             "consistent": ahp.consistent, "matrix": matrix})
                if not ahp.consistent:
                    info["most_inconsistent"] = most_inconsistent(matrix, codes, mode)
                    self.warnings.append(f"{code}: the judgment matrix is not consistent (CR = {ahp.CR:.3f} ≥ 0.10)")
                if method != "combined":
                    return ahp.weights, info
                p = node["weighting_params"]
                objective = self.objective(code, p["objective"], children, kids, scores)
                info["subjective"] = [float(w) for w in ahp.weights]
                info["objective"] = [float(w) for w in objective]
                return ev.combine_weights(ahp.weights, objective, method=p["method"], alpha=p["alpha"]).weights, info
            if method == "ahm":
                matrix = judgment_matrix(codes, node.get("judgments") or {})
                info["matrix"] = matrix
                return ev.ahm_weights(matrix, node["weighting_params"].get("beta", 2)).weights, info
            return self.objective(code, method, children, kids, scores), info
        except ev.EvaluationInputError as exc:
            raise ComputeError(f"{code}: {exc}") from exc

    def objective(self, code, method, children, kids, scores) -> np.ndarray:
        n = len(children)
        try:
            if method == "entropy":
                return ev.entropy_weights(scores).weights
            if method == "critic":
                return ev.critic_weights(scores).weights
            raw = np.column_stack([
                self.raw[c["code"]].to_numpy(dtype=np.float64) if not c.get("children") else k.scores
                for c, k in zip(children, kids, strict=True)
            ])
            return ev.cv_weights(raw).weights
        except ev.EvaluationInputError as exc:
            self.warnings.append(f"{code}: {method} weights could not be computed ({exc}); equal weights used")
            return np.full(n, 1.0 / n)

    # -- aggregation ---------------------------------------------------------------------------------

    def aggregate(self, node, children, kids, scores, w) -> NodeOutcome:
        code, agg, p = node["code"], node["aggregation"], node["aggregation_params"]
        try:
            if agg == "fuzzy":
                return self.fuzzy(code, p, children, kids, scores, w)
            if agg == "unascertained":
                return self.unascertained(code, p, children, scores, w)
            if agg == "gra":
                r = ev.grey_relational(scores, rho=p["rho"], weights=w)
                return NodeOutcome(code, np.asarray(r.grade), info={"aggregation": agg})
            if agg == "topsis":
                try:
                    r = ev.topsis(scores, w)
                    return NodeOutcome(code, np.asarray(r.closeness), info={"aggregation": agg})
                except ev.EvaluationInputError as exc:
                    self.warnings.append(f"{code}: TOPSIS could not run ({exc}); weighted sum used")
                    return NodeOutcome(code, scores @ w, info={"aggregation": "weighted_sum"})
            if agg == "pca":
                return self.pca(code, p, scores, w)
            if agg == "coupling":
                u = np.maximum(scores, p["floor"])
                r = ev.coupling_coordination(u, w)
                return NodeOutcome(code, np.asarray(r.D), grades=np.asarray(r.grade_index),
                                   info={"aggregation": agg, "C": [float(v) for v in r.C],
                                         "T": [float(v) for v in r.T]})
            r = ev.weighted_sum(scores, w, normalization="none")
            return NodeOutcome(code, np.asarray(r.scores), info={"aggregation": "weighted_sum"})
        except ev.EvaluationInputError as exc:
            raise ComputeError(f"{code}: {exc}") from exc

    def pca(self, code, p, scores, w) -> NodeOutcome:
        keep = np.ptp(scores, axis=0) > 1e-12 if self.m else np.zeros(scores.shape[1], dtype=bool)
        if self.m < 3 or keep.sum() < 2:
            self.warnings.append(f"{code}: too few objects or varying indicators for principal components; "
                                 "weighted sum used")
            return NodeOutcome(code, scores @ w, info={"aggregation": "weighted_sum"})
        r = ev.pca_composite(scores[:, keep], retention=p["retention"], threshold=p["threshold"])
        comp = np.asarray(r.composite)
        span = comp.max() - comp.min()
        s = (comp - comp.min()) / span if span > 0 else np.ones_like(comp)
        return NodeOutcome(code, s, info={"aggregation": "pca", "n_components": int(r.n_components),
                                          "variance_share": [float(v) for v in r.variance_share[: r.n_components]],
                                          "used_children": [bool(k) for k in keep]})

    def fuzzy(self, code, p, children, kids, scores, w) -> NodeOutcome:
        anchors = np.array(p["anchors"])
        rows = []
        for c, kid in zip(children, kids, strict=True):
            if c.get("aggregation") == "fuzzy" and kid.membership is not None:
                rows.append(kid.membership)
            else:
                rows.append(memberships(kid.scores, anchors))
        r_all = np.stack(rows, axis=1)  # (m, n, K)
        b = np.empty((self.m, anchors.size))
        score = np.empty(self.m)
        grade = np.empty(self.m, dtype=np.int64)
        for i in range(self.m):  # the engine composes one object at a time; cohorts are small
            res = ev.fuzzy_evaluate(w, r_all[i], p["operator"], self.values, self.labels)
            b[i], score[i], grade[i] = res.B_normalized, res.score, res.max_membership_grade
        return NodeOutcome(code, score, grades=grade, membership=b, info={"aggregation": "fuzzy"})

    def unascertained(self, code, p, children, scores, w) -> NodeOutcome:
        k = len(self.scale)
        anchors = p["anchors"]
        a = (np.array([anchors[c["code"]] for c in children]) if isinstance(anchors, dict)
             else np.tile(np.array(anchors), (len(children), 1)))
        mu = np.empty((self.m, k))
        score = np.empty(self.m)
        grade = np.empty(self.m, dtype=np.int64)
        for i in range(self.m):
            res = ev.unascertained_measure(scores[i], a, w, p["lambda"], self.values, self.labels)
            mu[i], score[i], grade[i] = res.measure, res.score, res.grade
        return NodeOutcome(code, score, grades=grade, membership=mu, info={"aggregation": "unascertained"})


def _root_grades(spec: dict[str, Any], root: NodeOutcome) -> tuple[np.ndarray, str]:
    agg = spec["tree"].get("aggregation")
    if agg == "fuzzy":
        return root.grades, "max_membership"
    if agg == "unascertained":
        return root.grades, "confidence"
    return grade_of(root.scores, spec["grade_scale"]), "band"


def evaluate_spec(spec: dict[str, Any], raw: pd.DataFrame) -> EvaluationOutcome:
    """Evaluate a validated spec on raw leaf values (rows = objects in a fixed order, columns = leaf codes).

    Returns
    -------
    EvaluationOutcome
        Plain values: leaf inputs, weights and consistency per inner node, every node's scores, total
        scores, 1-based grades and ranks, the grade rule used and warnings.

    Raises
    ------
    ComputeError
        The engine refused a node's input (the message names the node).
    """
    if raw.isna().any().any():
        col = raw.columns[raw.isna().any()][0]
        missing = [str(i) for i in raw.index[raw[col].isna()][:5]]
        raise ComputeError(f"{col}: no value for object(s) {', '.join(missing)} (enter the manual scores or set "
                           "a default)")
    e = _Evaluator(spec, raw)
    if e.m == 0:
        raise ComputeError("there is nothing to evaluate: the target has no objects of this unit")
    root = e.run()
    grades, rule = _root_grades(spec, root)
    weights = {}
    for code, res in e.out.items():
        if res.weights is not None:
            info = {k: v for k, v in res.info.items()}
            weights[code] = {"weights": res.weights, **{k: _plain(v) for k, v in info.items()}}
    return EvaluationOutcome(
        object_ids=[int(i) for i in raw.index],
        inputs={c: [float(v) for v in raw[c].to_numpy(dtype=np.float64)] for c in raw.columns},
        weights=weights,
        node_scores={code: [float(v) for v in res.scores] for code, res in e.out.items()},
        scores=[float(v) for v in root.scores],
        grades=[int(g) for g in grades],
        ranks=[int(r) for r in ev.rank_descending(root.scores)],
        grade_rule=rule,
        warnings=e.warnings,
        node_grades={code: [int(g) for g in res.grades] for code, res in e.out.items() if res.grades is not None},
    )


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    return v


# ---------------------------------------------------------------------------------------------------------
# Sensitivity: seeded Monte Carlo on the weights, vectorised over draws
# ---------------------------------------------------------------------------------------------------------


def _band(ranks: np.ndarray, m: int) -> np.ndarray:
    """Rank band: quarter of the ranking (1 = top quarter); with fewer than 4 objects the rank itself."""
    if m < 4:
        return ranks
    return np.ceil(ranks * 4.0 / m).astype(np.int64)


class _Batched:
    """Re-evaluates the tree for D weight draws at once: arrays (D, m) per node."""

    def __init__(self, spec, raw, base_weights, factors, node_scores):
        self.spec, self.raw = spec, raw
        self.base = base_weights
        self.factors = factors
        self.official = node_scores
        self.values = np.array([g["value"] for g in spec["grade_scale"]])
        self.used_weights: dict[str, np.ndarray] = {}

    def node(self, node) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(scores (D, m), membership (D, m, K) or None, grades (D, m) or None)."""
        code = node["code"]
        children = node.get("children")
        d = next(iter(self.factors.values())).shape[0] if self.factors else 1
        if not children:
            s = np.asarray(self.official[code])
            return np.broadcast_to(s, (d, s.size)), None, None
        kids = [self.node(c) for c in children]
        x = np.stack([k[0] for k in kids], axis=-1)  # (D, m, n)
        info = self.base[code]
        w0 = np.asarray(info["weights"])
        f = self.factors.get(code)
        w = np.broadcast_to(w0, (d, w0.size)) if f is None else (w0 * f) / (w0 * f).sum(axis=1, keepdims=True)
        self.used_weights[code] = w
        agg = info.get("aggregation", "weighted_sum")
        p = node["aggregation_params"]
        if agg == "fuzzy":
            anchors = np.array(p["anchors"])
            rows = [k[1] if (c.get("aggregation") == "fuzzy" and k[1] is not None) else memberships(k[0], anchors)
                    for c, k in zip(children, kids, strict=True)]
            r = np.stack(rows, axis=2)  # (D, m, n, K)
            wc = w[:, None, :, None]
            op = p["operator"]
            if op == "M(*,+)":
                b = (wc * r).sum(axis=2)
            elif op == "M(^,v)":
                b = np.minimum(wc, r).max(axis=2)
            elif op == "M(*,v)":
                b = (wc * r).max(axis=2)
            else:
                b = np.minimum(1.0, np.minimum(wc, r).sum(axis=2))
            bn = b / np.where(b.sum(axis=-1, keepdims=True) > 0, b.sum(axis=-1, keepdims=True), 1.0)
            return bn @ self.values, bn, np.argmax(b, axis=-1) + 1
        if agg == "unascertained":
            anchors = p["anchors"]
            a = (np.array([anchors[c["code"]] for c in children]) if isinstance(anchors, dict)
                 else np.tile(np.array(anchors), (len(children), 1)))
            mu = memberships(x, a)  # (D, m, n, K)
            meas = (w[:, None, :, None] * mu).sum(axis=2)
            cum = np.cumsum(meas, axis=-1)
            grade = np.argmax(cum >= p["lambda"] - 1e-12, axis=-1) + 1
            return meas @ self.values, meas, grade
        if agg == "gra":
            lo, hi = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
            span = hi - lo
            y = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0), 1.0)
            delta = np.abs(y.max(axis=1, keepdims=True) - y)
            dmax = delta.max(axis=(1, 2), keepdims=True)
            rho = p["rho"]
            xi = np.where(dmax > 0, (rho * dmax) / (delta + rho * dmax + (dmax == 0)), 1.0)
            return (xi * (w / w.sum(axis=1, keepdims=True))[:, None, :]).sum(axis=-1), None, None
        if agg == "topsis":
            norm = np.sqrt((x * x).sum(axis=1, keepdims=True))
            r = x / norm
            v = r * w[:, None, :]
            dp = np.sqrt(((v - v.max(axis=1, keepdims=True)) ** 2).sum(axis=-1))
            dm = np.sqrt(((v - v.min(axis=1, keepdims=True)) ** 2).sum(axis=-1))
            return dm / (dp + dm), None, None
        if agg == "coupling":
            u = np.maximum(x, p["floor"])
            n = u.shape[-1]
            c = np.minimum(1.0, n * np.exp(np.log(u).mean(axis=-1)) / u.sum(axis=-1))
            t = (u * w[:, None, :]).sum(axis=-1)
            dd = np.sqrt(c * t)
            return dd, None, np.asarray(ev.coupling_grade(dd.ravel())).reshape(dd.shape)
        if agg == "pca":
            if all(not c.get("children") for c in children):  # PCA ignores weights: the official result holds
                s = np.asarray(self.official[code])
                return np.broadcast_to(s, (d, s.size)), None, None
            out = np.empty(x.shape[:2])
            for i in range(d):
                e = _Evaluator(self.spec, self.raw)
                out[i] = e.pca(code, p, x[i], w[i]).scores
            return out, None, None
        return (x * w[:, None, :]).sum(axis=-1), None, None


def simulate(spec: dict[str, Any], raw: pd.DataFrame, outcome: EvaluationOutcome, *, draws: int,
             spread: float, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, Any]]:
    """Total scores (D, m) and grades (D, m) of the perturbed draws, the weights used and the factors."""
    if not 10 <= draws <= 5000:
        raise ValueError("draws must be between 10 and 5000")
    if not 0 <= spread < 1:
        raise ValueError("spread must be at least 0 and below 1")
    rng = np.random.default_rng(seed)
    factors = {}
    for node, _d, _p in _walk(spec["tree"]):
        if node.get("children") and len(node["children"]) > 1 and node.get("aggregation") != "pca":
            factors[node["code"]] = rng.uniform(1 - spread, 1 + spread, size=(draws, len(node["children"])))
    if not factors:  # a model with nothing to perturb still reports its (certain) conclusions
        factors["__none__"] = np.ones((draws, 1))
    b = _Batched(spec, raw, outcome.weights, factors, outcome.node_scores)
    with np.errstate(invalid="ignore", divide="ignore"):
        scores, _mem, grades = b.node(spec["tree"])
    if spec["tree"].get("aggregation") not in ("fuzzy", "unascertained"):
        grades = grade_of(scores, spec["grade_scale"])
    return scores, grades, b.used_weights, factors


def sensitivity(spec: dict[str, Any], raw: pd.DataFrame, outcome: EvaluationOutcome, *, draws: int = 500,
                spread: float = 0.15, seed: int = 20240601) -> dict[str, Any]:
    """How stable grades and ranks are when every inner node's weights are perturbed.

    Each weight is multiplied by an independent factor drawn uniformly from ``[1 - spread, 1 + spread]``
    (seeded ``numpy.random.default_rng``), then the node's weights are renormalised to sum 1; the tree is
    re-evaluated for all draws at once. Weights of PCA nodes are not used and not perturbed.

    Parameters
    ----------
    spec : dict
        The validated spec of the run.
    raw : DataFrame
        The run's raw leaf values (objects in the run's order).
    outcome : EvaluationOutcome
        The run's official results (weights and node scores are the baseline).
    draws : int
        Number of Monte Carlo draws (10..5000).
    spread : float
        Relative perturbation (0 < spread < 1; 0.10–0.20 is typical).
    seed : int
        Seed of the generator: the same seed gives the same report.

    Returns
    -------
    dict
        ``objects``: per object the share of draws keeping its grade and its rank band (quarter of the
        ranking), the 5th/95th percentile of its score and its best/worst rank; ``nodes``: per inner node
        and child the min/max of the perturbed weights; ``draws``, ``spread``, ``seed``.
    """
    scores, grades, used_weights, factors = simulate(spec, raw, outcome, draws=draws, spread=spread, seed=seed)
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
    for node, _d, _p in _walk(spec["tree"]):
        code = node["code"]
        if code in used_weights and code in factors:
            w = used_weights[code]
            nodes[code] = [{"child": c["code"], "weight": float(outcome.weights[code]["weights"][j]),
                            "min": float(w[:, j].min()), "max": float(w[:, j].max())}
                           for j, c in enumerate(node["children"])]
    return {"draws": draws, "spread": spread, "seed": seed, "objects": objects, "nodes": nodes,
            "stable_grade_share": float((same_grade >= 0.9).mean())}


def _walk(node, depth=0, parent=None):
    yield node, depth, parent
    for c in node.get("children", []):
        yield from _walk(c, depth + 1, node["code"])
