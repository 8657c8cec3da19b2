"""Running a model: load the metric values from the database, evaluate with the engine, store a snapshot.

``run_evaluation`` loads one DataFrame (objects x leaves; one SQL aggregation per distinct metric), hands it
to :func:`.compute.evaluate_spec`, and stores an :class:`EvaluationRun` holding the model version as
evaluated, every input value, the weights and consistency figures, every node's scores, the grades and
ranks, and a SHA-256 fingerprint of all of it. Reports read the stored run, never the live data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov import evaluation as ev
from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import LockedError, ValidationError
from eduinnov.evaluation.hierarchy import grade_of
from eduinnov.extensions import db
from eduinnov.frameworks.models import PartnerOrganisation
from eduinnov.indicators.informative import NothingVaries
from eduinnov.indicators.metrics import METRICS, MetricContext, MetricParamError
from eduinnov.indicators.models import (
    EvaluationModel,
    EvaluationRun,
    EvaluationUnit,
)
from eduinnov.indicators.services._common import ensure_allowed
from eduinnov.indicators.services.checks import evaluate_checked, health_of, node_memberships
from eduinnov.indicators.services.compute import ComputeError, EvaluationOutcome
from eduinnov.indicators.services.targets import resolve_targets
from eduinnov.indicators.spec import SpecError, model_to_spec, validate_spec, walk
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

__all__ = ["fingerprint_of", "list_objects", "load_leaf_values", "run_evaluation", "Target"]


@dataclass(frozen=True)
class Target:
    """What a run evaluates: the students of a cohort, the cohorts or partners of a program, or all programs."""

    cohort: Cohort | None = None
    program: Program | None = None

    @property
    def program_id(self) -> int | None:
        if self.cohort is not None:
            return self.cohort.program_id
        return self.program.id if self.program is not None else None

    def label(self, unit: EvaluationUnit) -> str:
        if unit == EvaluationUnit.STUDENT and self.cohort is not None:
            return f"{self.cohort.program.code} · {self.cohort.display_name}"
        if unit in (EvaluationUnit.COHORT, EvaluationUnit.PARTNER) and self.program is not None:
            return f"{self.program.code} · {self.program.display_name}"
        return _("All programs")


def list_objects(unit: EvaluationUnit, target: Target) -> list[tuple[int, str]]:
    """(id, label) of the objects a run evaluates, in a fixed order (the order of the stored results).

    Raises
    ------
    ValidationError
        If the target does not fit the unit (e.g. a student model needs a cohort).
    """
    if unit == EvaluationUnit.STUDENT:
        if target.cohort is None:
            raise ValidationError(_("A student model is run on a cohort: choose a cohort."))
        rows = db.session.execute(
            select(Student.id, Student.name, Student.student_no)
            .where(Student.cohort_id == target.cohort.id, Student.status != StudentStatus.WITHDRAWN)
            .order_by(Student.student_no))
        return [(i, f"{name} ({no})") for i, name, no in rows]
    if unit == EvaluationUnit.COHORT:
        if target.program is None:
            raise ValidationError(_("A cohort model is run on a program: choose a program."))
        rows = db.session.execute(select(Cohort.id, Cohort.entry_year, Cohort.label)
                                  .where(Cohort.program_id == target.program.id).order_by(Cohort.entry_year))
        return [(i, label or f"{target.program.code} {year}") for i, year, label in rows]
    if unit == EvaluationUnit.PARTNER:
        if target.program is None:
            raise ValidationError(_("A partner model is run on a program: choose a program."))
        rows = db.session.execute(select(PartnerOrganisation.id, PartnerOrganisation.name_zh)
                                  .where(PartnerOrganisation.program_id == target.program.id)
                                  .order_by(PartnerOrganisation.name_zh))
        return [(i, name) for i, name in rows]
    rows = db.session.execute(select(Program.id, Program.code, Program.name_zh).order_by(Program.code))
    return [(i, f"{code} {name}") for i, code, name in rows]


def load_leaf_values(spec: dict[str, Any], object_ids: list[int]) -> pd.DataFrame:
    """Raw leaf values (rows = objects in the given order, columns = leaf codes); one query per distinct metric.

    Raises
    ------
    ValidationError
        A metric parameter is invalid (the message names the leaf).
    """
    unit = EvaluationUnit(spec["unit"])
    ctx = MetricContext(unit, list(object_ids), include_unverified=spec.get("include_unverified", False))
    cache: dict[str, pd.Series] = {}
    columns: dict[str, pd.Series] = {}
    for node, _depth, _parent in walk(spec["tree"]):
        if node.get("children"):
            continue
        metric = METRICS[node["metric"]]
        key = node["metric"] + json.dumps(node.get("params") or {}, sort_keys=True)
        if key not in cache:
            try:
                cache[key] = metric.fn(ctx, **metric.check_params(node.get("params")))
            except MetricParamError as exc:
                raise ValidationError(_("Leaf %(code)s: %(error)s", code=node["code"], error=str(exc))) from exc
        columns[node["code"]] = cache[key].reindex(pd.Index(object_ids, dtype="int64"))
    return pd.DataFrame(columns, index=pd.Index(object_ids, dtype="int64"))


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def fingerprint_of(run: EvaluationRun) -> str:
    """SHA-256 of the canonical JSON of everything a run stores about its numbers (not its id or time)."""
    payload = {
        "model": run.model_snapshot, "model_name": run.model_name, "model_version": run.model_version,
        "unit": run.unit.value if hasattr(run.unit, "value") else run.unit, "target": run.target_label,
        "inputs": run.inputs, "weights": run.weights, "node_scores": run.node_scores, "results": run.results,
        "summary": run.summary,
    }
    return hashlib.sha256(_canonical(payload).encode("utf-8")).hexdigest()


def _location_quotient(spec: dict[str, Any], object_ids: list[int], labels: list[str]) -> dict[str, Any] | None:
    keys = spec.get("settings", {}).get("location_quotient")
    if not keys:
        return None
    unit = EvaluationUnit(spec["unit"])
    ctx = MetricContext(unit, list(object_ids), include_unverified=spec.get("include_unverified", False))
    matrix = pd.DataFrame({k: METRICS[k].fn(ctx, **METRICS[k].check_params({})) for k in keys})
    keep = matrix.sum(axis=1) > 0
    cols = matrix.sum(axis=0) > 0
    out: dict[str, Any] = {"categories": keys, "labels": [str(METRICS[k].label) for k in keys],
                           "counts": matrix.to_numpy().tolist(), "objects": list(object_ids)}
    if keep.sum() == 0 or cols.sum() == 0:
        out["LQ"] = None
        out["note"] = "no counts in any category"
        return out
    res = ev.location_quotient(matrix.loc[keep, cols].to_numpy(dtype=np.float64))
    lq = np.full(matrix.shape, np.nan)
    lq[np.ix_(keep.to_numpy(), cols.to_numpy())] = res.LQ
    out["LQ"] = [[None if np.isnan(v) else float(v) for v in row] for row in lq]
    return out


def _check_target(model: EvaluationModel, target: Target, user: User) -> None:
    unit = model.unit
    if unit == EvaluationUnit.PROGRAM:
        if model.program_id is not None:
            raise ValidationError(_("A program-level model compares programs and must be institution-wide."))
        return
    target_program = target.program_id
    if target_program is None:
        raise ValidationError(_("Choose what to evaluate."))
    if model.program_id is not None and target_program != model.program_id:
        raise ValidationError(_("This model belongs to another program; copy it into that program first."))
    obj = target.cohort if target.cohort is not None else target.program
    ensure_allowed(user, Action.VIEW, obj)


def run_evaluation(model: EvaluationModel, target: Target, user: User) -> EvaluationRun:
    """Evaluate ``model`` on ``target`` and store the run with its snapshot.

    Parameters
    ----------
    model : EvaluationModel
        A draft or active version (archived versions are read-only and are not run again).
    target : Target
        A cohort (student models), a program (cohort and partner models) or nothing (program models).
    user : User
        The acting user: a director of the model's program, or an administrator.

    Returns
    -------
    EvaluationRun
        The stored run, flushed; its columns hold plain values only.

    Raises
    ------
    LockedError
        The model version is archived.
    ValidationError
        The model is incomplete or invalid, the target does not fit, or the engine refused the data (the
        message names the node).
    """
    ensure_allowed(user, Action.MANAGE, model)
    if model.is_archived:
        raise LockedError(_("This version is archived; make a new version to run it again."))
    _check_target(model, target, user)
    try:
        spec = validate_spec(model_to_spec(model))
    except SpecError as exc:
        raise ValidationError(str(exc)) from exc
    objects = list_objects(model.unit, target)
    if not objects:
        raise ValidationError(_("There is nothing to evaluate: the target has no %(unit)s records.",
                                unit=str(model.unit.value)))
    ids = [i for i, _label in objects]
    labels = [label for _i, label in objects]
    raw = load_leaf_values(spec, ids)
    # Percentile and calibrated targets become the absolute values used; the snapshot keeps those, so the
    # run (and its sensitivity) can be recomputed from the snapshot alone.
    spec, targets = resolve_targets(spec, raw, target.cohort if model.unit == EvaluationUnit.STUDENT else None,
                                    load_leaf_values)
    try:
        outcome, prepass = evaluate_checked(spec, raw)
    except NothingVaries as exc:
        raise ValidationError(_("No indicator of the model varies across the units of this run (for example, "
                                "nothing has been recorded for them yet), so there is nothing to rank or grade. "
                                "Add data, or give the leaves absolute targets.")) from exc
    except ComputeError as exc:
        raise ValidationError(_("The model could not be evaluated: %(error)s", error=str(exc))) from exc
    summary = _summary(outcome, spec, ids, labels)
    summary["targets"] = targets
    summary["health"] = health_of(spec, raw, outcome, prepass)
    if outcome.grade_rule != "band":  # the membership vectors behind the grades, shown as the legend
        summary["membership"] = node_memberships(prepass.spec, outcome.weights, outcome.node_scores).get(
            spec["tree"]["code"])
    run = EvaluationRun(
        model=model, program_id=target.program_id if model.unit != EvaluationUnit.PROGRAM else None,
        model_name=model.name, model_version=model.version, unit=model.unit,
        target_cohort_id=target.cohort.id if target.cohort else None,
        target_program_id=target.program.id if target.program else None,
        target_label=target.label(model.unit), created_by_id=user.id,
        model_snapshot=spec,
        inputs={"objects": [{"id": i, "label": label} for i, label in objects], "values": outcome.inputs,
                "metrics": {n["code"]: {"metric": n["metric"], "params": n.get("params") or {},
                                        "label": str(METRICS[n["metric"]].label),
                                        "unit": str(METRICS[n["metric"]].unit_label)}
                            for n, _d, _p in walk(spec["tree"]) if not n.get("children")}},
        weights=outcome.weights,
        node_scores=outcome.node_scores,
        results=_results(outcome, ids, labels, spec),
        summary=summary,
        fingerprint="",
        health_passed=bool(summary["health"]["passed"]),
    )
    run.fingerprint = fingerprint_of(run)
    db.session.add(run)
    db.session.flush()
    return run


def _results(outcome: EvaluationOutcome, ids: list[int], labels: list[str], spec: dict[str, Any]) -> list[dict]:
    """Per object: score, grade, the displayed competition ``rank`` (1, 2, 2, 4) and ``order``, the
    engine's rank with ties broken by first appearance (the baseline of the sensitivity analysis)."""
    scale = spec["grade_scale"]
    shown = ev.competition_rank(np.asarray(outcome.scores))
    return [{"id": i, "label": label, "score": s, "grade_index": g, "grade": scale[g - 1]["name_en"],
             "grade_zh": scale[g - 1]["name_zh"], "rank": int(c), "order": r}
            for i, label, s, g, r, c in zip(ids, labels, outcome.scores, outcome.grades, outcome.ranks, shown,
                                            strict=True)]


def _summary(outcome: EvaluationOutcome, spec: dict[str, Any], ids: list[int], labels: list[str]) -> dict:
    scale = spec["grade_scale"]
    counts = [0] * len(scale)
    for g in outcome.grades:
        counts[g - 1] += 1
    scores = np.array(outcome.scores)
    mean = float(scores.mean())
    summary: dict[str, Any] = {
        "n": len(ids), "mean": mean, "median": float(np.median(scores)), "min": float(scores.min()),
        "max": float(scores.max()), "grade_counts": counts,
        "mean_grade_index": int(grade_of([mean], [g["min"] for g in scale])[0]),
        "grade_rule": outcome.grade_rule, "warnings": outcome.warnings, "node_grades": outcome.node_grades,
    }
    lq = _location_quotient(spec, ids, labels)
    if lq is not None:
        summary["location_quotient"] = lq
    return summary


def _outcome_of(run: EvaluationRun) -> EvaluationOutcome:
    return EvaluationOutcome(
        object_ids=[o["id"] for o in run.inputs["objects"]], inputs=run.inputs["values"], weights=run.weights,
        node_scores=run.node_scores, scores=[r["score"] for r in run.results],
        grades=[r["grade_index"] for r in run.results], ranks=[r.get("order", r["rank"]) for r in run.results],
        grade_rule=run.summary.get("grade_rule", "band"), warnings=run.summary.get("warnings", []),
        node_grades=run.summary.get("node_grades", {}),
    )
