"""Hierarchical evaluation: a tree of indicators, weighted and aggregated node by node.

The tree is a typed, frozen :class:`ModelSpec` (built once from a stored model description by the
caller, e.g. ``eduinnov.indicators.spec.build_model``); the data are a DataFrame of raw leaf values
(rows = objects in a fixed order, columns = leaf codes). :func:`evaluate` returns an
:class:`EvaluationOutcome` of plain values, so a stored run can be recomputed from its snapshot alone.

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

The aggregation kernels take a leading batch axis, so :mod:`.sensitivity` re-evaluates the same tree for
many weight draws with the same code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from . import params as P
from .aggregation import coupling_coordination, grey_relational, pca_composite, topsis, weighted_sum
from .aggregation.fuzzy import fuzzy_compose, fuzzy_evaluate
from .aggregation.unascertained import measure_kernel, single_measures
from .normalization import normalize_minmax
from .results import rank_descending
from .validation import EvaluationInputError
from .weighting import (
    ahm_weights,
    ahp_weights,
    combine_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    expert_weights,
    most_inconsistent_judgment,
)

__all__ = ["ComputeError", "EvaluationOutcome", "GradeBand", "LeafSpec", "ModelSpec", "NodeOutcome", "NodeSpec",
           "Scaling", "evaluate", "grade_of", "judgment_text", "memberships", "most_inconsistent", "nearest_saaty",
           "node_membership", "scale_leaf", "walk"]


class ComputeError(ValueError):
    """The model cannot be evaluated on these data; the message names the node."""


# ---------------------------------------------------------------------------------------------------------
# The typed, frozen node spec
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scaling:
    """How a leaf's raw value becomes a 0..1 score: ``minmax``, ``target``, ``range`` or ``none``."""

    method: str = "minmax"
    target: float | None = None
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class LeafSpec:
    """A leaf: its code (the column of the raw data), direction and scaling."""

    code: str
    direction: str = "benefit"
    scaling: Scaling = Scaling()


@dataclass(frozen=True)
class NodeSpec:
    """An inner node: how its children are weighted and aggregated, with every parameter resolved.

    ``judgments`` is the full reciprocal matrix over the children (AHP, AHM, combined), ``weights`` the
    expert weights; ``anchors`` one row of K grade anchors (fuzzy; unascertained with shared anchors) or one
    row per child (unascertained).
    """

    code: str
    children: tuple[NodeSpec | LeafSpec, ...]
    weighting: str = "equal"
    aggregation: str = "weighted_sum"
    judgments: tuple[tuple[float, ...], ...] | None = None
    weights: tuple[float, ...] | None = None
    beta: float = P.default("ahm", "beta")
    objective: str = "entropy"
    combine_method: str = "linear"
    alpha: float = P.default("combine", "alpha")
    rho: float = P.default("gra", "rho")
    operator: str = "M(*,+)"
    anchors: tuple[float, ...] | tuple[tuple[float, ...], ...] | None = None
    lam: float = P.default("unascertained", "lambda")
    retention: str = "kaiser"
    threshold: float = P.default("pca", "threshold")
    floor: float = P.default("coupling", "floor")

    def anchor_rows(self) -> np.ndarray:
        """Anchors per child, (n, K)."""
        a = np.array(self.anchors, dtype=np.float64)
        return a if a.ndim == 2 else np.tile(a, (len(self.children), 1))


@dataclass(frozen=True)
class GradeBand:
    """A grade of the scale, best first: its label, lower bound and representative value."""

    label: str
    min: float
    value: float


@dataclass(frozen=True)
class ModelSpec:
    """A whole model: the tree and the grade scale (best first)."""

    tree: NodeSpec
    grades: tuple[GradeBand, ...]

    @property
    def values(self) -> np.ndarray:
        """Representative values of the grades."""
        return np.array([g.value for g in self.grades])


def walk(node: NodeSpec | LeafSpec, depth: int = 0, parent: str | None = None
         ) -> Iterator[tuple[NodeSpec | LeafSpec, int, str | None]]:
    """Yield ``(node, depth, parent_code)`` for every node, parents first."""
    yield node, depth, parent
    for c in getattr(node, "children", ()):
        yield from walk(c, depth + 1, node.code)


# ---------------------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------------------


def scale_leaf(x: np.ndarray, direction: str, scaling: Scaling) -> np.ndarray:
    """A leaf's 0..1 scores from its raw values (shape (m,) or (..., m) along the last axis)."""
    cost = direction == "cost"
    x = np.asarray(x, dtype=np.float64)
    if scaling.method == "minmax":
        y, _ = normalize_minmax(np.ascontiguousarray(x.reshape(-1, 1)), np.array([cost]))
        return y.reshape(x.shape)
    if scaling.method == "target":
        t = float(scaling.target)
        if cost:
            return np.where(x <= t, 1.0, t / np.maximum(x, 1e-300))
        return np.clip(x / t, 0.0, 1.0)
    if scaling.method == "range":
        lo, hi = float(scaling.lo), float(scaling.hi)
        y = (hi - x) / (hi - lo) if cost else (x - lo) / (hi - lo)
        return np.clip(y, 0.0, 1.0)
    y = np.clip(x, 0.0, 1.0)
    return 1.0 - y if cost else y


def memberships(x: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Memberships of values (...,) in K grades, piecewise linear between anchors (best grade first).

    ``anchors`` has shape (K,) or (..., K); the result (..., K) sums to 1 per value (see
    :func:`.aggregation.unascertained.single_measures`, the single-index measure of the unascertained
    method, used here as the triangular memberships of fuzzy evaluation).
    """
    return single_measures(x, anchors)


def grade_of(scores: np.ndarray, bands: Sequence[GradeBand] | Sequence[float]) -> np.ndarray:
    """1-based grade (best = 1) of each score: the first band, best first, whose ``min`` the score reaches."""
    mins = np.array([b.min if isinstance(b, GradeBand) else b for b in bands])
    s = np.asarray(scores, dtype=np.float64)
    reached = s[..., None] >= mins - 1e-12
    idx = np.where(reached.any(axis=-1), np.argmax(reached, axis=-1), len(mins) - 1)
    return idx + 1


def judgment_text(value: float) -> str:
    """A judgment for display and storage: ``"3"``, ``"1/3"`` or a short decimal."""
    if value >= 1:
        return f"{value:g}" if abs(value - round(value)) > 1e-9 else str(int(round(value)))
    inv = 1 / value
    if abs(inv - round(inv)) < 1e-9:
        return f"1/{int(round(inv))}"
    return f"{value:.4g}"


#: The values of Saaty's scale, 1/9 … 9.
SAATY_VALUES = np.array([1 / k for k in range(9, 1, -1)] + list(range(1, 10)), dtype=np.float64)


def nearest_saaty(value: float) -> float:
    """The value of Saaty's 1/9 … 9 scale nearest to ``value`` on a logarithmic scale."""
    return float(SAATY_VALUES[np.argmin(np.abs(np.log(SAATY_VALUES) - np.log(max(value, 1e-12))))])


def most_inconsistent(matrix: Any, codes: Sequence[str], mode: str = "eigen") -> dict[str, Any] | None:
    """The judgment that deviates most from the derived weights, named by child codes (None if consistent)."""
    j = most_inconsistent_judgment(matrix, mode)
    if j is None:
        return None
    return {"row": codes[j.row - 1], "col": codes[j.col - 1], "value": judgment_text(j.value),
            "suggested": judgment_text(nearest_saaty(j.suggested)), "ratio": j.ratio}


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


def fuzzy_node(node: NodeSpec, kids: Sequence[tuple[np.ndarray, np.ndarray | None]], w: np.ndarray,
               values: np.ndarray, *, strict: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(score, B normalised, max-membership grade)`` of a fuzzy node, batched over leading axes.

    ``kids`` are ``(scores (..., m), membership (..., m, K) or None)`` per child; ``w`` (..., n) broadcasts
    against the objects axis as ``w[..., None, :]``. An all-zero B is refused (``strict``) or left at 0.
    """
    anchors = np.array(node.anchors)
    rows = [mem if (isinstance(c, NodeSpec) and c.aggregation == "fuzzy" and mem is not None)
            else memberships(s, anchors) for c, (s, mem) in zip(node.children, kids, strict=True)]
    b = fuzzy_compose(w[..., None, :], np.stack(rows, axis=-2), node.operator)  # (..., m, K)
    total = b.sum(axis=-1, keepdims=True)
    if strict and (total <= 0).any():
        raise EvaluationInputError("fuzzy: B is all zeros; it cannot be normalised")
    bn = b / np.where(total > 0, total, 1.0)
    return np.vecdot(bn, values), bn, np.argmax(b, axis=-1) + 1


def node_membership(aggregation: str, w: np.ndarray, scores: np.ndarray,
                    child_memberships: Sequence[np.ndarray | None], anchors: Any,
                    operator: str = "M(*,+)") -> np.ndarray:
    """Membership vectors (m, K), grades best first, of a fuzzy or unascertained node, from a run's numbers.

    ``w`` (n,) are the node's weights, ``scores`` (m, n) its children's scores, ``child_memberships`` per
    child its membership rows (m, K) when that child is itself a fuzzy node, else None. ``fuzzy``: every
    other child's score becomes triangular memberships between ``anchors`` (K,), and each object's rows
    are composed with ``operator`` and normalised; ``unascertained``: the weighted sum of the single-index
    measures with ``anchors`` (n, K) (or (K,) for every child).
    """
    if aggregation == "fuzzy":
        a = np.asarray(anchors, dtype=np.float64)
        rows = [mem if mem is not None else memberships(scores[:, j], a) for j, mem in enumerate(child_memberships)]
        r = np.stack(rows, axis=1)  # (m, n, K)
        return np.array([fuzzy_evaluate(w, r[i], operator).B_normalized for i in range(r.shape[0])])
    a = np.asarray(anchors, dtype=np.float64)
    if a.ndim == 1:
        a = np.tile(a, (scores.shape[1], 1))
    return (w[None, :, None] * memberships(scores, a)).sum(axis=1)


def unascertained_node(node: NodeSpec, x: np.ndarray, w: np.ndarray, values: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(score, measure, grade)`` of an unascertained node for child scores ``x`` (..., m, n)."""
    _mu, meas, _cum, grade = measure_kernel(x, node.anchor_rows(), w[..., None, :], node.lam)
    return np.vecdot(meas, values), meas, grade


def pca_node(node: NodeSpec, scores: np.ndarray, w: np.ndarray, warnings: list[str]) -> NodeOutcome:
    """PCA composite of the varying children rescaled to 0..1 (weighted sum if PCA cannot run)."""
    m = scores.shape[0]
    keep = np.ptp(scores, axis=0) > 1e-12 if m else np.zeros(scores.shape[1], dtype=bool)
    if m < 3 or keep.sum() < 2:
        warnings.append(f"{node.code}: too few objects or varying indicators for principal components; "
                        "weighted sum used")
        return NodeOutcome(node.code, scores @ w, info={"aggregation": "weighted_sum"})
    r = pca_composite(scores[:, keep], retention=node.retention, threshold=node.threshold)
    comp = np.asarray(r.composite)
    span = comp.max() - comp.min()
    s = (comp - comp.min()) / span if span > 0 else np.ones_like(comp)
    return NodeOutcome(node.code, s, info={"aggregation": "pca", "n_components": int(r.n_components),
                                           "variance_share": [float(v) for v in r.variance_share[: r.n_components]],
                                           "used_children": [bool(k) for k in keep]})


class _Evaluator:
    def __init__(self, model: ModelSpec, raw: pd.DataFrame):
        self.model = model
        self.raw = raw
        self.m = len(raw.index)
        self.values = model.values
        self.warnings: list[str] = []
        self.constant_minmax: list[str] = []
        self.out: dict[str, NodeOutcome] = {}

    def run(self) -> NodeOutcome:
        root = self.node(self.model.tree)
        if self.m > 1 and self.constant_minmax:
            self.warnings.insert(0, "the same raw value for every object in " + ", ".join(self.constant_minmax)
                                 + ": relative (min-max) scoring gives them all 1, which says nothing")
        return root

    def node(self, node: NodeSpec | LeafSpec) -> NodeOutcome:
        if isinstance(node, LeafSpec):
            x = self.raw[node.code].to_numpy(dtype=np.float64)
            if node.scaling.method == "minmax" and x.size and np.ptp(x) == 0:
                self.constant_minmax.append(node.code)
            res = NodeOutcome(node.code, scale_leaf(x, node.direction, node.scaling))
            self.out[node.code] = res
            return res
        kids = [self.node(c) for c in node.children]
        scores = np.column_stack([k.scores for k in kids]) if self.m else np.zeros((0, len(kids)))
        weights, info = self.weigh(node, kids, scores)
        try:
            res = self.aggregate(node, kids, scores, weights)
        except EvaluationInputError as exc:
            raise ComputeError(f"{node.code}: {exc}") from exc
        res.weights = [float(w) + 0.0 for w in weights]
        res.info = {**info, **res.info}
        self.out[node.code] = res
        return res

    def weigh(self, node: NodeSpec, kids: list[NodeOutcome], scores: np.ndarray) -> tuple[np.ndarray, dict]:
        method, n = node.weighting, len(node.children)
        codes = [c.code for c in node.children]
        info: dict[str, Any] = {"weighting": method}
        if n == 1:
            return np.ones(1), info
        try:
            if method == "equal":
                return np.full(n, 1.0 / n), info
            if method == "expert":
                return expert_weights(list(node.weights), n), info
            matrix = [list(row) for row in node.judgments] if node.judgments is not None else None
            if method in ("ahp", "ahp_geometric", "combined"):
                mode = "geometric" if method == "ahp_geometric" else "eigen"
                ahp = ahp_weights(matrix, mode)
                info.update({"CR": ahp.CR, "CI": ahp.CI, "RI": ahp.RI, "lambda_max": ahp.lambda_max,
                             "consistent": ahp.consistent, "matrix": matrix})
                if not ahp.consistent:
                    info["most_inconsistent"] = most_inconsistent(matrix, codes, mode)
                    self.warnings.append(f"{node.code}: the judgment matrix is not consistent "
                                         f"(CR = {ahp.CR:.3f} ≥ 0.10)")
                if method != "combined":
                    return ahp.weights, info
                objective = self.objective(node, node.objective, kids, scores)
                info["subjective"] = [float(w) for w in ahp.weights]
                info["objective"] = [float(w) for w in objective]
                return combine_weights(ahp.weights, objective, method=node.combine_method,
                                       alpha=node.alpha).weights, info
            if method == "ahm":
                info["matrix"] = matrix
                return ahm_weights(matrix, node.beta).weights, info
            return self.objective(node, method, kids, scores), info
        except EvaluationInputError as exc:
            raise ComputeError(f"{node.code}: {exc}") from exc

    def objective(self, node: NodeSpec, method: str, kids: list[NodeOutcome], scores: np.ndarray) -> np.ndarray:
        n = len(node.children)
        try:
            if method == "entropy":
                return entropy_weights(scores).weights
            if method == "critic":
                return critic_weights(scores).weights
            raw = np.column_stack([self.raw[c.code].to_numpy(dtype=np.float64) if isinstance(c, LeafSpec)
                                   else k.scores for c, k in zip(node.children, kids, strict=True)])
            return cv_weights(raw).weights
        except EvaluationInputError as exc:
            self.warnings.append(f"{node.code}: {method} weights could not be computed ({exc}); equal weights used")
            return np.full(n, 1.0 / n)

    def aggregate(self, node: NodeSpec, kids: list[NodeOutcome], scores: np.ndarray, w: np.ndarray) -> NodeOutcome:
        code, agg = node.code, node.aggregation
        if agg == "fuzzy":
            score, b, grade = fuzzy_node(node, [(k.scores, k.membership) for k in kids], w, self.values)
            return NodeOutcome(code, score, grades=grade, membership=b, info={"aggregation": "fuzzy"})
        if agg == "unascertained":
            checked = expert_weights(w, len(node.children))  # weights sum to 1, as the method requires
            score, meas, grade = unascertained_node(node, scores, checked, self.values)
            return NodeOutcome(code, score, grades=grade, membership=meas, info={"aggregation": "unascertained"})
        if agg == "gra":
            r = grey_relational(scores, rho=node.rho, weights=w)
            return NodeOutcome(code, np.asarray(r.grade), info={"aggregation": agg})
        if agg == "topsis":
            try:
                r = topsis(scores, w)
                return NodeOutcome(code, np.asarray(r.closeness), info={"aggregation": agg})
            except EvaluationInputError as exc:
                self.warnings.append(f"{code}: TOPSIS could not run ({exc}); weighted sum used")
                return NodeOutcome(code, scores @ w, info={"aggregation": "weighted_sum"})
        if agg == "pca":
            return pca_node(node, scores, w, self.warnings)
        if agg == "coupling":
            r = coupling_coordination(np.maximum(scores, node.floor), w)
            return NodeOutcome(code, np.asarray(r.D), grades=np.asarray(r.grade_index),
                               info={"aggregation": agg, "C": [float(v) for v in r.C],
                                     "T": [float(v) for v in r.T]})
        r = weighted_sum(scores, w, normalization="none")
        return NodeOutcome(code, np.asarray(r.scores), info={"aggregation": "weighted_sum"})


def root_grades(model: ModelSpec, scores: np.ndarray, grades: np.ndarray | None) -> tuple[np.ndarray, str]:
    """The overall grades and the rule that gave them (``max_membership``, ``confidence`` or ``band``)."""
    agg = model.tree.aggregation
    if agg == "fuzzy":
        return grades, "max_membership"
    if agg == "unascertained":
        return grades, "confidence"
    return grade_of(scores, model.grades), "band"


def evaluate(model: ModelSpec, raw: pd.DataFrame) -> EvaluationOutcome:
    """Evaluate a model on raw leaf values (rows = objects in a fixed order, columns = leaf codes).

    Returns
    -------
    EvaluationOutcome
        Plain values: leaf inputs, weights and consistency per inner node, every node's scores, total
        scores, 1-based grades and ranks, the grade rule used and warnings.

    Raises
    ------
    ComputeError
        A leaf value is missing, there are no objects, or a method refused a node's input (the message
        names the node).
    """
    if raw.isna().any().any():
        col = raw.columns[raw.isna().any()][0]
        missing = [str(i) for i in raw.index[raw[col].isna()][:5]]
        raise ComputeError(f"{col}: no value for object(s) {', '.join(missing)} (enter the manual scores or set "
                           "a default)")
    e = _Evaluator(model, raw)
    if e.m == 0:
        raise ComputeError("there is nothing to evaluate: the target has no objects of this unit")
    root = e.run()
    grades, rule = root_grades(model, root.scores, root.grades)
    weights = {}
    for code, res in e.out.items():
        if res.weights is not None:
            weights[code] = {"weights": res.weights, **{k: _plain(v) for k, v in res.info.items()}}
    return EvaluationOutcome(
        object_ids=[int(i) for i in raw.index],
        inputs={c: [float(v) for v in raw[c].to_numpy(dtype=np.float64)] for c in raw.columns},
        weights=weights,
        node_scores={code: [float(v) + 0.0 for v in res.scores] for code, res in e.out.items()},  # never -0.0
        scores=[float(v) + 0.0 for v in root.scores],
        grades=[int(g) for g in grades],
        ranks=[int(r) for r in rank_descending(root.scores)],
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
