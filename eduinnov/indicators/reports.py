"""Reading stored runs: the run page, rankings, side-by-side comparison, sensitivity (issue #14 §3).

Plain values computed from a run's snapshot alone (a run never changes), so a page shows the same
numbers years later. Nothing here writes; running a model is :mod:`eduinnov.indicators.services.runs`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _

from eduinnov import evaluation as ev
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.i18n import enum_label
from eduinnov.evaluation.params import default
from eduinnov.indicators.models import AggregationMethod, EvaluationRun, WeightingMethod
from eduinnov.indicators.services.checks import pruned_spec
from eduinnov.indicators.services.compute import sensitivity
from eduinnov.indicators.services.runs import _canonical, _outcome_of
from eduinnov.indicators.services.verdict import run_memberships
from eduinnov.indicators.spec import walk

__all__ = ["compare_runs", "display_ranks", "ranked_results", "run_sensitivity", "run_view"]


def ranked_results(run: EvaluationRun) -> list[dict[str, Any]]:
    """A stored run's results in rank order, each with its competition ``rank`` (1, 2, 2, 4) over scores
    equal within 1e-9, computed from the stored scores, so runs stored before ranks were shared show
    them the same way."""
    rows = [{**res, "rank": c, "order": res.get("order", res["rank"])}
            for res, c in zip(run.results, display_ranks(run), strict=True)]
    rows.sort(key=lambda r: (r["rank"], r["order"]))
    return rows


def run_sensitivity(run: EvaluationRun, *, draws: int = 500, spread: float = default("sensitivity", "spread"),
                    seed: int = 1) -> dict[str, Any]:
    """Monte Carlo sensitivity of a stored run, computed from its snapshot alone (same seed, same report).

    Returns the dict of :func:`.compute.sensitivity` with object labels and grade names added.

    Raises
    ------
    ValidationError
        Draws or spread out of range.
    """
    ids = [o["id"] for o in run.inputs["objects"]]
    raw = pd.DataFrame(run.inputs["values"], index=pd.Index(ids, dtype="int64"))
    try:
        report = sensitivity(pruned_spec(run.model_snapshot, raw, run.summary), raw, _outcome_of(run), draws=draws,
                             spread=spread, seed=seed)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    for obj, res, rank in zip(report["objects"], run.results, display_ranks(run), strict=True):
        obj.update({"label": res["label"], "grade": res["grade"], "grade_zh": res["grade_zh"], "rank": rank,
                    "score": res["score"]})
    return report


def compare_runs(run_a: EvaluationRun, run_b: EvaluationRun) -> dict[str, Any]:
    """Side-by-side comparison of two runs of the same model version (e.g. two cohorts).

    Returns
    -------
    dict
        ``nodes``: per node (tree order) code, name, depth, weight in each run (objective weights may
        differ), mean score in each run and the difference B - A; ``grades``: the grade scale with the
        counts of each run; ``a`` / ``b``: target labels, object counts, mean and median scores.

    Raises
    ------
    DomainError
        The runs evaluate different model trees or units.
    """
    from eduinnov.indicators.services.targets import comparable_spec  # noqa: PLC0415 (one use)

    spec_a, spec_b = comparable_spec(run_a.model_snapshot), comparable_spec(run_b.model_snapshot)
    if _canonical(spec_a["tree"]) != _canonical(spec_b["tree"]) or run_a.unit != run_b.unit:
        raise DomainError(_("These runs use different models; only runs of the same model version can be compared."))
    if not (run_a.is_published and run_b.is_published):
        raise DomainError(_("A run whose health check failed is compared only after a director has recorded why "
                            "it stands."))
    nodes = []
    for node, depth, parent in walk(spec_a["tree"]):
        code = node["code"]
        wa = _child_weight(run_a, parent, code)
        wb = _child_weight(run_b, parent, code)
        ma = _mean_or_none(run_a.node_scores.get(code))
        mb = _mean_or_none(run_b.node_scores.get(code))
        nodes.append({"code": code, "name_zh": node["name_zh"], "name_en": node.get("name_en"), "depth": depth,
                      "weight_a": wa, "weight_b": wb, "mean_a": ma, "mean_b": mb,
                      "diff": mb - ma if ma is not None and mb is not None else None,
                      "is_leaf": not node.get("children")})
    scale = spec_a["grade_scale"]
    grades = [{"name_zh": g["name_zh"], "name_en": g["name_en"], "a": run_a.summary["grade_counts"][k],
               "b": run_b.summary["grade_counts"][k]} for k, g in enumerate(scale)]

    def side(run: EvaluationRun) -> dict[str, Any]:
        s = run.summary
        return {"id": run.id, "target": run.target_label, "n": s["n"], "mean": s["mean"], "median": s["median"],
                "grade": scale[s["mean_grade_index"] - 1], "created_at": run.created_at}

    return {"nodes": nodes, "grades": grades, "a": side(run_a), "b": side(run_b)}


def _mean_or_none(values: list[float] | None) -> float | None:
    return float(np.mean(values)) if values else None


def display_ranks(run: EvaluationRun) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of a stored run's units in object order, whenever the run was made."""
    if not run.results:
        return []
    return [int(r) for r in ev.competition_rank(np.asarray([r["score"] for r in run.results], dtype=np.float64))]


def _label(enum_cls: type, value: str | None) -> str | None:
    """The translated label of a stored method name (the name itself if it is no longer known)."""
    if value is None:
        return None
    try:
        return enum_label(enum_cls(value))
    except ValueError:
        return value


def _child_weight(run: EvaluationRun, parent: str | None, code: str) -> float | None:
    if parent is None:
        return None
    entry = run.weights.get(parent)
    if not entry:
        return None
    tree_codes = entry.get("children") or _children_codes(run.model_snapshot["tree"], parent)
    if code not in tree_codes:
        return 0.0  # excluded from this run (information-free)
    return float(entry["weights"][tree_codes.index(code)])


def _children_codes(tree: dict[str, Any], code: str) -> list[str]:
    for node, _d, _p in walk(tree):
        if node["code"] == code:
            return [c["code"] for c in node.get("children", [])]
    return []


def run_view(run: EvaluationRun) -> dict[str, Any]:
    """A stored run arranged for its page: tree rows, ranking rows, grade distribution, location quotients.

    Everything comes from the run's snapshot, so the page shows the same numbers years later.

    Returns
    -------
    dict
        ``tree``: rows in tree order (code, names, depth, leaf metric, local and global weight, weighting
        and aggregation, CR figures, mean score); ``first_level``: (code, names) of the first level;
        ``ranking``: rows by rank with the first-level scores; ``grades``: the scale with counts;
        ``lq``: location-quotient rows or None.
    """
    spec = run.model_snapshot
    ids = [o["id"] for o in run.inputs["objects"]]
    rows: list[dict[str, Any]] = []
    global_w: dict[str, float] = {}
    excluded = {e["code"] for e in (run.summary.get("health") or {}).get("excluded", [])}
    for node, depth, parent in walk(spec["tree"]):
        code = node["code"]
        local = _child_weight(run, parent, code)
        global_w[code] = 1.0 if parent is None else global_w[parent] * (local if local is not None else 0.0)
        entry = run.weights.get(code, {})
        metric = run.inputs.get("metrics", {}).get(code)
        raw = run.inputs["values"].get(code)
        rows.append({
            "code": code, "name_zh": node["name_zh"], "name_en": node.get("name_en"), "depth": depth,
            "is_leaf": not node.get("children"), "local_weight": local, "global_weight": global_w[code],
            "weighting": _label(WeightingMethod, entry.get("weighting")),
            "aggregation": _label(AggregationMethod, entry.get("aggregation")),
            "CR": entry.get("CR"), "consistent": entry.get("consistent"),
            "most_inconsistent": entry.get("most_inconsistent"),
            "mean": float(np.mean(run.node_scores[code])) if run.node_scores.get(code) else None,
            "metric": metric, "raw_mean": float(np.mean(raw)) if raw else None,
            "direction": node.get("direction"), "scaling": node.get("scaling"),
            # left out of this run as information-free (itself, or everything below it)
            "excluded": code in excluded or (bool(excluded) and run.node_scores.get(code) is None),
            "defuzzified": node.get("aggregation") in ("fuzzy", "unascertained"),
        })
    first = [(c["code"], c["name_zh"], c.get("name_en")) for c in spec["tree"].get("children", [])]
    position = {o["id"]: i for i, o in enumerate(run.inputs["objects"])}
    mem = run_memberships(run)
    ranking = [{**res, "membership": mem[position[res["id"]]] if mem else None,
                "first_level": [run.node_scores[c][position[res["id"]]] if run.node_scores.get(c) else None
                                for c, _zh, _en in first]}
               for res in ranked_results(run)]
    scale = spec["grade_scale"]
    grades = [{**g, "count": run.summary["grade_counts"][k]} for k, g in enumerate(scale)]
    lq = run.summary.get("location_quotient")
    lq_rows = None
    if lq and lq.get("LQ"):
        label_of = {o["id"]: o["label"] for o in run.inputs["objects"]}
        lq_rows = [{"label": label_of.get(oid, oid), "counts": lq["counts"][i], "lq": lq["LQ"][i]}
                   for i, oid in enumerate(lq["objects"])]
    return {"tree": rows, "first_level": first, "ranking": ranking, "grades": grades,
            "lq": lq_rows, "lq_labels": lq["labels"] if lq else None, "n": len(ids),
            "mean_grade": scale[run.summary["mean_grade_index"] - 1]}
