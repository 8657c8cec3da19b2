"""Leaf targets (the value that counts as full marks): absolute, a percentile of the run, or calibrated.

A leaf scored against a target (``scaling.method == "target"``) has a ``mode``:

- ``absolute`` (default): ``scaling.target`` is full marks, whatever the data.
- ``percentile``: the P-th percentile (``scaling.percentile``, default 90) of the run's own raw values is
  full marks, so "the best tenth of this cohort" scores 1 however much the cohort has done.
- ``calibrated``: the P-th percentile of the values of the students of the program's last N earlier cohorts
  (``scaling.cohorts``, default 3), measured now. The target then does not move with the cohort evaluated,
  so progress from one cohort to the next stays visible.

When the percentile is not positive (fewer than 100 − P % of the units reached anything) or there is no
earlier cohort, ``scaling.target`` is used instead and the run says so. Targets are resolved here, before
evaluation, into absolute values; the run stores the mode, the value used and the distribution behind it
(``summary["targets"]``), while its model snapshot keeps the modes as the model states them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.extensions import db
from eduinnov.indicators.spec import walk
from eduinnov.programs.models import Cohort, Student, StudentStatus

__all__ = ["apply_targets", "calibration_values", "comparable_spec", "distribution", "resolve_targets", "suggest_target", "suggest_targets",
           "target_leaves"]

#: Percentiles are observed values: the smallest value with at least P % of the values at or below it (so a
#: count target is a count someone reached, e.g. 2 projects, never 1.3).
PERCENTILE_METHOD = "inverted_cdf"

LeafLoader = Callable[[dict[str, Any], list[int]], pd.DataFrame]


def distribution(values: Any) -> dict[str, float | int | None]:
    """min / P50 / P90 / max, the share of zeros and the count of a set of raw values (None when empty)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"n": 0, "min": None, "p50": None, "p90": None, "max": None, "zero_share": None}
    p50, p90 = np.percentile(x, [50, 90], method=PERCENTILE_METHOD)
    return {"n": int(x.size), "min": float(x.min()), "p50": float(p50), "p90": float(p90), "max": float(x.max()),
            "zero_share": float((x == 0).mean())}


def suggest_target(values: Any, percentile: float, fallback: float | None) -> tuple[float | None, bool]:
    """The P-th percentile of ``values`` as a target, or ``fallback`` when it is not positive.

    Returns ``(value, used_fallback)``; values with no positive percentile and no fallback give ``None``.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size:
        p = float(np.percentile(x, percentile, method=PERCENTILE_METHOD))
        if p > 0:
            return p, False
    return fallback, True


def target_leaves(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The leaves of a validated spec scored against a target, in tree order."""
    return [n for n, _d, _p in walk(spec["tree"])
            if not n.get("children") and n.get("scaling", {}).get("method") == "target"]


def earlier_cohorts(cohort: Cohort, count: int) -> list[Cohort]:
    """The ``count`` cohorts of the same program that entered before ``cohort``, newest first."""
    return list(db.session.scalars(
        select(Cohort).where(Cohort.program_id == cohort.program_id, Cohort.entry_year < cohort.entry_year)
        .order_by(Cohort.entry_year.desc()).limit(count)))


def calibration_values(spec: dict[str, Any], leaves: list[dict[str, Any]], cohort: Cohort, count: int,
                       load: LeafLoader) -> tuple[pd.DataFrame, list[Cohort]]:
    """Raw values of ``leaves`` for the students of the ``count`` cohorts before ``cohort`` (and those cohorts)."""
    cohorts = earlier_cohorts(cohort, count)
    ids = list(db.session.scalars(
        select(Student.id).where(Student.cohort_id.in_([c.id for c in cohorts]),
                                 Student.status != StudentStatus.WITHDRAWN).order_by(Student.id))) if cohorts else []
    if not ids:
        return pd.DataFrame(columns=[leaf["code"] for leaf in leaves]), cohorts
    flat = {**spec, "tree": {"code": "_calibration", "children": leaves}}
    return load(flat, ids), cohorts


def comparable_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without the values percentile and calibrated targets resolved to in one run.

    Two runs of one model version on two cohorts resolve such targets to different values; they still
    evaluate the same model, so comparisons look at the model as stated (mode, percentile, cohorts).
    """
    out = copy.deepcopy(spec)
    for node in target_leaves(out):
        if (node["scaling"].get("mode") or "absolute") != "absolute":
            node["scaling"].pop("target", None)
    return out


def resolve_targets(spec: dict[str, Any], raw: pd.DataFrame, cohort: Cohort | None,
                    load: LeafLoader) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The spec with every target leaf's ``target`` set to the absolute value used, and a record per leaf.

    Parameters
    ----------
    spec : dict
        A validated spec (not changed).
    raw : DataFrame
        The run's raw leaf values (rows = objects).
    cohort : Cohort or None
        The cohort whose students are evaluated (calibrated leaves need it).
    load : callable
        ``load(spec, object_ids) -> DataFrame``: the leaf values of other objects (the earlier cohorts).

    Returns
    -------
    (dict, dict)
        The spec to evaluate, and ``{leaf code: {"mode", "value", "configured", "fallback", "percentile",
        "cohorts", "basis", "distribution"}}`` for the run's record.
    """
    resolved = copy.deepcopy(spec)
    nodes = {n["code"]: n for n in target_leaves(resolved)}
    records: dict[str, dict[str, Any]] = {}
    calibrated = [n for n in target_leaves(spec) if n["scaling"].get("mode") == "calibrated"]
    history: dict[int, tuple[pd.DataFrame, list[Cohort]]] = {}
    if calibrated and cohort is not None:
        for count in sorted({n["scaling"]["cohorts"] for n in calibrated}):
            history[count] = calibration_values(spec, [n for n in calibrated if n["scaling"]["cohorts"] == count],
                                                cohort, count, load)
    for code, node in nodes.items():
        scaling = node["scaling"]
        mode = scaling.get("mode") or "absolute"
        configured = float(scaling["target"])
        record: dict[str, Any] = {"mode": mode, "configured": configured, "value": configured, "fallback": False}
        if mode == "absolute":
            record["distribution"] = distribution(raw[code])
            records[code] = record
            continue
        q = float(scaling["percentile"])
        record["percentile"] = q
        if mode == "percentile":
            values = raw[code].to_numpy(dtype=np.float64)
            record["basis"] = "run"
        else:
            frame, cohorts = history.get(scaling["cohorts"], (pd.DataFrame(), []))
            values = frame[code].to_numpy(dtype=np.float64) if code in frame else np.array([])
            record.update({"cohorts": scaling["cohorts"], "basis": "earlier_cohorts",
                           "basis_cohorts": [c.entry_year for c in cohorts]})
        value, used_fallback = suggest_target(values, q, configured)
        record.update({"value": float(value), "fallback": used_fallback, "distribution": distribution(values)})
        scaling["target"] = float(value)
        records[code] = record
    return resolved, records


def suggest_targets(model: Any, target: Any, user: Any, *, percentile: float = 90) -> list[dict[str, Any]]:
    """Per target leaf of ``model``: the current target, the distribution it is applied to, a suggestion.

    The distribution is the one the leaf's mode uses: the target's own units (absolute and percentile
    leaves), or the students of the earlier cohorts (calibrated leaves). The suggestion is the leaf's
    percentile (``percentile`` for absolute leaves) of the earlier cohorts' students when a student model
    has earlier cohorts — so the target stays put while cohorts progress — else of the target's own units;
    the current target when that percentile is not positive.

    Raises
    ------
    ValidationError
        The model cannot run, or the target does not fit it (the messages of :func:`run_evaluation`).
    """
    from eduinnov.auth.access import Action
    from eduinnov.core.errors import ValidationError
    from eduinnov.indicators.models import EvaluationUnit
    from eduinnov.indicators.services._common import ensure_allowed
    from eduinnov.indicators.services.runs import _check_target, list_objects, load_leaf_values
    from eduinnov.indicators.spec import SpecError, model_to_spec, validate_spec

    ensure_allowed(user, Action.MANAGE, model)
    _check_target(model, target, user)
    try:
        spec = validate_spec(model_to_spec(model))
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc
    leaves = target_leaves(spec)
    ids = [i for i, _label in list_objects(model.unit, target)]
    raw = load_leaf_values(spec, ids) if ids else pd.DataFrame(columns=[n["code"] for n in leaves])
    cohort = target.cohort if model.unit == EvaluationUnit.STUDENT else None
    _resolved, records = resolve_targets(spec, raw, cohort, load_leaf_values)
    counts = {n["scaling"].get("cohorts", 3) for n in leaves}
    history = {c: calibration_values(spec, leaves, cohort, c, load_leaf_values) for c in counts} if cohort else {}
    rows = []
    for node in leaves:
        scaling, code = node["scaling"], node["code"]
        q = float(scaling.get("percentile", percentile))
        own = raw[code].to_numpy(dtype=np.float64) if code in raw else np.array([])
        frame, cohorts = history.get(scaling.get("cohorts", 3), (pd.DataFrame(), []))
        earlier = frame[code].to_numpy(dtype=np.float64) if code in frame else np.array([])
        basis = earlier if earlier.size else own
        suggested, used_fallback = suggest_target(basis, q, records[code]["value"])
        applied = earlier if scaling.get("mode") == "calibrated" else own
        rows.append({
            "code": code, "name_zh": node["name_zh"], "name_en": node.get("name_en"), "metric": node["metric"],
            "mode": records[code]["mode"], "configured": records[code]["configured"],
            "current": records[code]["value"], "percentile": q, "distribution": distribution(applied),
            "own": distribution(own), "earlier": distribution(earlier),
            "earlier_cohorts": [c.entry_year for c in cohorts] if earlier.size else [],
            "suggested": float(suggested), "suggested_from": "earlier_cohorts" if earlier.size else "target",
            "fallback": used_fallback,
        })
    return rows


def apply_targets(model: Any, values: dict[str, Any], user: Any) -> Any:
    """A new draft version of ``model`` whose listed leaves have the given absolute targets.

    ``values`` maps leaf codes to the accepted targets (numbers > 0); leaves not listed keep their scaling.

    Raises
    ------
    ValidationError
        A code is not a target leaf of the model, or a value is not a positive number; nothing is created.
    """
    from eduinnov.auth.access import Action
    from eduinnov.core.errors import ValidationError
    from eduinnov.indicators.services._common import ensure_allowed
    from eduinnov.indicators.services.editing import import_model
    from eduinnov.indicators.spec import model_to_spec

    ensure_allowed(user, Action.MANAGE, model)
    spec = model_to_spec(model)
    leaves = {n["code"]: n for n, _d, _p in walk(spec["tree"])
              if not n.get("children") and (n.get("scaling") or {}).get("method") == "target"}
    clean: dict[str, float] = {}
    for code, value in values.items():
        if code not in leaves:
            raise ValidationError(_("%(code)s is not a leaf scored against a target in this model.", code=code))
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number <= 0:
            raise ValidationError(_("The target of %(code)s must be a number above 0, got %(value)s.",
                                    code=code, value=value))
        clean[code] = number
    if not clean:
        raise ValidationError(_("Give at least one target."))
    for code, number in clean.items():
        leaves[code]["scaling"] = {"method": "target", "target": number}
    return import_model(spec, model.program, user, template_key=model.template_key, derived_from=model)
