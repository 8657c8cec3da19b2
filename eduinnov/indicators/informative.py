"""Information-free leaves: a model-level pre-pass over the spec and the raw leaf values of one run.

The rule (DOMAIN.md, "Evaluation models: rules above the methods"):

- A leaf is **information-free** in a run when its raw value is the same for every unit of the run
  (constant, which includes all zero). Missing values never reach this point (the run refuses them).
- Under **relative scaling** such a leaf would read as "best for everyone": min-max scaling gives a
  constant column 1, grey relational analysis gives it coefficient 1, and objective weights (entropy,
  CRITIC, coefficient of variation) have nothing to measure. So a constant child is **excluded** from
  the run's aggregation when the child is a leaf scaled ``minmax``, or when its parent aggregates by grey
  relation, TOPSIS or PCA, or weights by entropy, CRITIC, CV or combined weights.
- Under an **absolute target** (leaf scaled ``target``, ``range`` or ``none``, under a parent that neither
  aggregates nor weights relatively) the leaf stays and is scored against its target: nobody reaching
  the target scores 0, which is the truth.
- An inner node whose scores cannot vary (every child it keeps is constant) is constant itself, so the
  same rule applies one level up; a node whose children are all excluded is excluded too.
- The siblings of an excluded child share its weight: equal weights over the children that remain,
  expert weights renormalised, and subjective weights (AHP, geometric AHP, AHM) **computed as before
  over all children and then renormalised** over the remaining ones (the node is evaluated with those
  weights as fixed weights; its consistency figures stay those of the full judgment matrix). Combined
  weights are computed from the judgments among the remaining children and objective weights over them.
- When the root itself is excluded, nothing in the run distinguishes one unit from another and the run
  is refused with a message saying so.

This works on plain values (a spec dict and a DataFrame), before :func:`.services.compute.evaluate_spec`,
and never changes the caller's spec.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from eduinnov import evaluation as ev
from eduinnov.evaluation.weighting import renormalised
from eduinnov.indicators.spec import judgment_matrix

__all__ = ["RELATIVE_AGGREGATIONS", "RELATIVE_WEIGHTINGS", "NothingVaries", "Prepass", "is_constant",
           "prepare_informative", "expand_weights"]

#: Aggregations that rescale their children over the units of the run.
RELATIVE_AGGREGATIONS = frozenset({"gra", "topsis", "pca"})
#: Weightings computed from the spread of the children over the units of the run.
RELATIVE_WEIGHTINGS = frozenset({"entropy", "critic", "cv", "combined"})
#: Subjective weightings renormalised after exclusion (computed first over all children).
SUBJECTIVE = frozenset({"ahp", "ahp_geometric", "ahm"})


class NothingVaries(ValueError):
    """Every indicator of the model is excluded in this run: nothing distinguishes the units."""


@dataclass
class Prepass:
    """The spec to evaluate (excluded children removed, weights renormalised) and what was excluded.

    ``excluded``: one entry per excluded node, ``{"code", "parent", "kind": "leaf" | "node",
    "reason": "constant" | "children_excluded", "value": the constant raw value (leaves) or None,
    "relative": why the context is relative}``. ``renormalised``: per parent code, the original
    children and weights and the renormalised weights of the remaining children.
    """

    spec: dict[str, Any]
    excluded: list[dict[str, Any]] = field(default_factory=list)
    renormalised: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def excluded_codes(self) -> set[str]:
        return {e["code"] for e in self.excluded}

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the run's summary."""
        return {"excluded": self.excluded, "renormalised": self.renormalised}


def is_constant(x: np.ndarray) -> bool:
    """Whether raw values are the same for every unit (exactly, or within 1e-12 of their magnitude)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return True
    hi, lo = float(np.max(x)), float(np.min(x))
    return hi - lo <= 1e-12 * max(1.0, abs(hi), abs(lo))


def _relative_context(parent: dict[str, Any]) -> str | None:
    agg = parent.get("aggregation")
    if agg in RELATIVE_AGGREGATIONS:
        return f"aggregation:{agg}"
    weighting = parent.get("weighting")
    if weighting in RELATIVE_WEIGHTINGS:
        return f"weighting:{weighting}"
    return None


def _full_subjective_weights(node: dict[str, Any], codes: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    """Weights over all children as the node's method gives them, with the AHP consistency figures."""
    method = node["weighting"]
    if method == "expert":
        return np.array([float(node["weights"][c]) for c in codes]), {}
    matrix = judgment_matrix(codes, node.get("judgments") or {})
    if method == "ahm":
        return np.asarray(ev.ahm_weights(matrix, node.get("weighting_params", {}).get("beta", 2)).weights), {}
    r = ev.ahp_weights(matrix, "geometric" if method == "ahp_geometric" else "eigen")
    return np.asarray(r.weights), {"CR": float(r.CR), "CI": float(r.CI), "RI": float(r.RI),
                                   "lambda_max": float(r.lambda_max), "consistent": bool(r.consistent)}


def _prune(node: dict[str, Any], raw: pd.DataFrame, out: Prepass) -> tuple[dict[str, Any] | None, bool]:
    """(pruned copy of ``node`` or None when all its children are excluded, whether its scores are constant)."""
    children = node.get("children")
    if not children:
        return node, is_constant(raw[node["code"]].to_numpy(dtype=np.float64))
    context = _relative_context(node)
    kept: list[dict[str, Any]] = []
    constant_flags: list[bool] = []
    for child in children:
        pruned, constant = _prune(child, raw, out)
        is_leaf = not child.get("children")
        leaf_relative = is_leaf and (child.get("scaling") or {}).get("method", "minmax") == "minmax"
        if pruned is None:
            out.excluded.append({"code": child["code"], "parent": node["code"], "kind": "node",
                                 "reason": "children_excluded", "value": None, "relative": None})
            continue
        if constant and (context or leaf_relative):
            value = float(raw[child["code"]].iloc[0]) if is_leaf and len(raw.index) else None
            out.excluded.append({"code": child["code"], "parent": node["code"],
                                 "kind": "leaf" if is_leaf else "node", "reason": "constant", "value": value,
                                 "relative": context or "scaling:minmax"})
            continue
        kept.append(pruned)
        constant_flags.append(constant)
    if not kept:
        return None, True
    new = dict(node)
    new["children"] = kept
    if len(kept) < len(children):
        codes = [c["code"] for c in children]
        kept_codes = [c["code"] for c in kept]
        entry: dict[str, Any] = {"children": codes, "kept": kept_codes, "weighting": node.get("weighting")}
        method = node.get("weighting")
        if method in SUBJECTIVE or method == "expert":
            full, figures = _full_subjective_weights(node, codes)
            sub = np.array([full[codes.index(c)] for c in kept_codes])
            renorm = renormalised(sub)
            new["weighting"] = "expert"
            new["weights"] = {c: float(w) for c, w in zip(kept_codes, renorm, strict=True)}
            entry.update({"weights_before": [float(w) for w in full], "weights_after": [float(w) for w in renorm],
                          "figures": figures})
        elif method == "combined":
            judgments = node.get("judgments") or {}
            new["judgments"] = {a: {b: v for b, v in (row or {}).items() if b in kept_codes}
                                for a, row in judgments.items() if a in kept_codes}
        out.renormalised[node["code"]] = entry
    return new, all(constant_flags)


def prepare_informative(spec: dict[str, Any], raw: pd.DataFrame) -> Prepass:
    """Apply the information-free leaf rule to a validated spec for one run's raw leaf values.

    Parameters
    ----------
    spec : dict
        A validated model spec (not changed).
    raw : DataFrame
        Raw leaf values, rows = the run's units, columns = leaf codes.

    Returns
    -------
    Prepass
        The spec to evaluate and the exclusions to report.

    Raises
    ------
    NothingVaries
        Every child of the root is excluded: no indicator varies across the units of this run.
    """
    out = Prepass(spec={})
    tree, _constant = _prune(copy.deepcopy(spec["tree"]), raw, out)
    if tree is None:
        raise NothingVaries("no indicator of the model varies across the units of this run")
    out.spec = {**copy.deepcopy({k: v for k, v in spec.items() if k != "tree"}), "tree": tree}
    return out


def expand_weights(weights: dict[str, dict[str, Any]], prepass: Prepass) -> dict[str, dict[str, Any]]:
    """The evaluated weights with each node's ``children`` listed, and the method a user chose restored.

    A node whose subjective weights were renormalised was evaluated with fixed weights; its entry says
    ``weighting`` = the original method and ``renormalised`` = True, with the weights before exclusion.
    """
    out = {}
    for code, entry in weights.items():
        entry = dict(entry)
        info = prepass.renormalised.get(code)
        if info is not None:
            entry["children"] = info["kept"]
            entry["excluded_children"] = [c for c in info["children"] if c not in info["kept"]]
            entry["renormalised"] = True
            if info.get("weighting") and info["weighting"] != entry.get("weighting"):
                entry["weighting"] = info["weighting"]
            if "weights_before" in info:
                entry["weights_before_exclusion"] = info["weights_before"]
                entry.update(info.get("figures") or {})
        out[code] = entry
    return out
