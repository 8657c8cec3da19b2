"""Stored OBE achievement degrees: one vectorised pass per cohort, kept keyed by a fingerprint of the inputs.

Achievement degrees are pure functions of the score sheets, the assessment plans, the framework (support
matrix, objective links, threshold, rule, H/M/L numbers) and the survey results. :func:`load_inputs`
reads all of them for one cohort in nine plain ``select()`` queries (no ORM objects, no lazy loads),
:func:`compute_results` computes every offering's course-objective values, the courses' values for
their indicator points, and the point and requirement degrees under both rules in one pass of pandas
group-bys, and the result is stored in :class:`~eduinnov.obe.models.AchievementResult` with the
:func:`fingerprint` of its inputs.

Never stale, by construction: a session listener (:mod:`eduinnov.obe.invalidation`) notices every flush that adds,
changes or deletes an input row (scores come with a :class:`~eduinnov.obe.models.ScoreImport`; framework
objects and students included) and deletes the stored rows they feed in the same transaction; before
the transaction commits, the cohorts touched are recomputed with :func:`refresh`, so the
request that changes a score sheet, a plan, a survey or a program setting stores the new figures with
its change. A read that finds no stored row computes and stores it (:func:`get_results`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    IndicatorPoint,
    ObjectiveIndicatorLink,
)
from eduinnov.obe import compute
from eduinnov.obe.models import (
    AchievementResult,
    AssessmentItem,
    CourseOffering,
    ItemObjectiveMapping,
    ObjectiveTypeWeight,
    Score,
    SurveyResult,
)
from eduinnov.programs.models import Cohort

__all__ = ["Inputs", "Results", "compute_results", "fingerprint", "get_results", "load_inputs", "refresh"]

log = logging.getLogger(__name__)
#: Bump when the stored layout or the formulas change: every stored row then fails the fingerprint.
VERSION = 1


@dataclass(frozen=True)
class Inputs:
    """Everything the achievement degrees of one cohort under one framework version depend on."""

    cohort_id: int
    framework_id: int
    threshold: float
    rule: str
    offerings: pd.DataFrame  # offering, course
    items: pd.DataFrame  # item, offering, type, full_marks (by offering, position, id)
    mappings: pd.DataFrame  # item, objective, share
    type_weights: pd.DataFrame  # offering, objective, type, weight
    scores: pd.DataFrame  # student, item, value
    objectives: pd.DataFrame  # objective, course, number (every course of the framework)
    supports: pd.DataFrame  # course, point, requirement, weight (effective)
    links: pd.DataFrame  # objective, course, point
    surveys: pd.DataFrame  # point, source, value
    objective_rule: str = compute.CourseValueRule.MEAN.value  # a course's value for a point: mean or minimum


_FLOATS = {"full_marks", "share", "weight", "value"}
_TEXT = {"type", "source", "strength"}


def _frame(stmt, columns: list[str]) -> pd.DataFrame:
    """The rows of ``stmt`` as a frame with typed columns (ids int64, numbers float), also when empty."""
    rows = db.session.execute(stmt).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for col in columns:
        if col in _FLOATS:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        elif col not in _TEXT:
            frame[col] = frame[col].astype("int64")
    return frame


def load_inputs(cohort_id: int, framework: FrameworkVersion) -> Inputs:
    """Read the inputs of a cohort's achievement degrees in nine queries of plain rows.

    Only the offerings whose course belongs to ``framework`` count (as the reports always did).
    """
    fid = framework.id
    offering_ids = (select(CourseOffering.id).join(Course, Course.id == CourseOffering.course_id)
                    .where(CourseOffering.cohort_id == cohort_id, Course.framework_id == fid))
    offerings = _frame(select(CourseOffering.id, CourseOffering.course_id).join(
        Course, Course.id == CourseOffering.course_id).where(
        CourseOffering.cohort_id == cohort_id, Course.framework_id == fid).order_by(
        Course.code, CourseOffering.term, CourseOffering.class_name), ["offering", "course"])
    items = _frame(select(AssessmentItem.id, AssessmentItem.offering_id, AssessmentItem.type,
                          AssessmentItem.full_marks).where(AssessmentItem.offering_id.in_(offering_ids))
                   .order_by(AssessmentItem.offering_id, AssessmentItem.position, AssessmentItem.id),
                   ["item", "offering", "type", "full_marks"])
    items["type"] = [getattr(t, "value", t) for t in items["type"]]
    mappings = _frame(select(ItemObjectiveMapping.item_id, ItemObjectiveMapping.objective_id,
                             ItemObjectiveMapping.share).join(AssessmentItem)
                      .where(AssessmentItem.offering_id.in_(offering_ids))
                      .order_by(ItemObjectiveMapping.item_id, ItemObjectiveMapping.id),
                      ["item", "objective", "share"])
    type_weights = _frame(select(ObjectiveTypeWeight.offering_id, ObjectiveTypeWeight.objective_id,
                                 ObjectiveTypeWeight.type, ObjectiveTypeWeight.weight)
                          .where(ObjectiveTypeWeight.offering_id.in_(offering_ids))
                          .order_by(ObjectiveTypeWeight.offering_id, ObjectiveTypeWeight.id),
                          ["offering", "objective", "type", "weight"])
    type_weights["type"] = [getattr(t, "value", t) for t in type_weights["type"]]
    scores = _frame(select(Score.student_id, Score.item_id, Score.value).join(AssessmentItem)
                    .where(AssessmentItem.offering_id.in_(offering_ids)), ["student", "item", "value"])
    objectives = _frame(select(CourseObjective.id, CourseObjective.course_id, CourseObjective.number)
                        .join(Course).where(Course.framework_id == fid)
                        .order_by(CourseObjective.course_id, CourseObjective.number),
                        ["objective", "course", "number"])
    strength = {"H": framework.weight_h, "M": framework.weight_m, "L": framework.weight_l}
    raw = _frame(select(CourseSupport.course_id, CourseSupport.indicator_point_id, IndicatorPoint.requirement_id,
                        CourseSupport.weight, CourseSupport.strength, CourseSupport.id)
                 .join(Course, Course.id == CourseSupport.course_id)
                 .join(IndicatorPoint, IndicatorPoint.id == CourseSupport.indicator_point_id)
                 .where(Course.framework_id == fid).order_by(CourseSupport.id),
                 ["course", "point", "requirement", "weight", "strength", "id"])
    raw["weight"] = [float(w) if w is not None and not pd.isna(w) else float(strength.get(getattr(s, "value", s)) or 0.0)
                     for w, s in zip(raw["weight"], raw["strength"], strict=True)]
    supports = raw[["course", "point", "requirement", "weight"]].reset_index(drop=True)
    links = _frame(select(ObjectiveIndicatorLink.objective_id, CourseObjective.course_id,
                          ObjectiveIndicatorLink.indicator_point_id)
                   .join(CourseObjective, CourseObjective.id == ObjectiveIndicatorLink.objective_id)
                   .join(Course, Course.id == CourseObjective.course_id)
                   .where(Course.framework_id == fid).order_by(ObjectiveIndicatorLink.id),
                   ["objective", "course", "point"])
    surveys = _frame(select(SurveyResult.indicator_point_id, SurveyResult.source, SurveyResult.value)
                     .where(SurveyResult.cohort_id == cohort_id), ["point", "source", "value"])
    surveys["source"] = [getattr(s, "value", s) for s in surveys["source"]]
    return Inputs(cohort_id=cohort_id, framework_id=fid, threshold=float(framework.threshold),
                  rule=getattr(framework.aggregation_rule, "value", framework.aggregation_rule),
                  objective_rule=getattr(framework.objective_rule, "value", framework.objective_rule)
                  or compute.CourseValueRule.MEAN.value,
                  offerings=offerings, items=items, mappings=mappings, type_weights=type_weights, scores=scores,
                  objectives=objectives, supports=supports, links=links, surveys=surveys)


def fingerprint(inputs: Inputs) -> str:
    """SHA-256 of every input, in a canonical order (rows sorted), with the layout :data:`VERSION`."""
    # The objective rule joins the key only when it is not the default mean, so rows stored before the
    # setting existed keep their fingerprint.
    extra = ("" if inputs.objective_rule == compute.CourseValueRule.MEAN.value
             else f"|objectives={inputs.objective_rule}")
    h = hashlib.sha256(f"v{VERSION}|{inputs.cohort_id}|{inputs.framework_id}|{inputs.threshold!r}|"
                       f"{inputs.rule}{extra}".encode())
    for name in ("offerings", "items", "mappings", "type_weights", "scores", "objectives", "supports", "links",
                 "surveys"):
        frame: pd.DataFrame = getattr(inputs, name)
        h.update(f"|{name}:{len(frame)}:{','.join(frame.columns)}|".encode())
        if len(frame):
            ordered = frame.sort_values(list(frame.columns), kind="mergesort").reset_index(drop=True)
            h.update(pd.util.hash_pandas_object(ordered.astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()


# --- the vectorised pass -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Offering:
    """One offering's course-objective values: students × objectives, and the class row."""

    students: list[int]
    objectives: list[int]
    per_student: np.ndarray
    class_values: np.ndarray


class _Plan:
    """One offering's plan as arrays: :func:`compute._objective_kernel` without pandas in the loop.

    The arithmetic is the kernel's, operation for operation (same columns in the same order, same
    sums), so the values are bit-identical to ``compute.course_objective_achievement``; only the
    selection of each objective's mapped items and weights is done once with numpy.
    """

    def __init__(self, items: pd.DataFrame, mapped: pd.DataFrame, weights: pd.DataFrame):
        pos = {item: i for i, item in enumerate(items.index)}
        self.full = items["full_marks"].to_numpy(dtype=float)
        self.types = items["type"].to_numpy()
        self.cols = np.array([pos[i] for i in mapped["item"]], dtype=int)
        self.objective = mapped["objective"].to_numpy()
        self.shares = mapped["share"].fillna(1.0).to_numpy(dtype=float)
        self.weights: dict[Any, list[tuple[Any, Any]]] = {}
        for objective, kind, w in zip(weights["objective"], weights["type"], weights["weight"], strict=True):
            self.weights.setdefault(objective, []).append((kind, w))

    def plainly_valid(self) -> bool:
        """True when the engine's checks would pass (positive marks, weights summing to 1)."""
        if (self.full <= 0).any():
            return False
        return all(abs(sum(w for _k, w in rows) - 1) <= 1e-6 for rows in self.weights.values())

    def kernel(self, matrix: np.ndarray, objectives: list) -> np.ndarray:
        """``A(CO_j)`` for each row of ``matrix`` (rows × items); as :func:`compute._objective_kernel`."""
        out = np.full((matrix.shape[0], len(objectives)), np.nan)
        for j, objective in enumerate(objectives):
            sel = self.objective == objective
            if not sel.any():
                continue  # not assessed: NaN
            cols, shares = self.cols[sel], self.shares[sel]
            rows = self.weights.get(objective)
            if not rows:
                out[:, j] = (matrix[:, cols] * shares).sum(axis=1) / (self.full[cols] * shares).sum()
                continue
            total = np.zeros(matrix.shape[0])
            for kind, w in rows:
                if w == 0:
                    continue
                of_type = self.types[cols] == kind
                if not of_type.any():
                    raise ValueError(f"objective {objective!r}: weight {w} for type {kind!r} but no item of that type")
                c, s = cols[of_type], shares[of_type]
                total += w * (matrix[:, c] * s).sum(axis=1) / (self.full[c] * s).sum()
            out[:, j] = total
        return out


def _objective_values(inputs: Inputs) -> tuple[dict[int, _Offering], dict[int, str]]:
    """``A(CO_j)`` of every offering, per student and for the class, with the plan errors by offering.

    The inputs of all offerings are split in memory (no query); each offering's students × items score
    matrix (missing work 0) goes through the engine's kernel (``compute``), so the values are the
    very floating-point numbers the per-offering computation gave.
    """
    objectives_of = {int(c): [int(o) for o in g["objective"]]
                     for c, g in inputs.objectives.groupby("course", sort=False)}
    items_of = {int(o): g for o, g in inputs.items.groupby("offering", sort=False)}
    item_order = {int(i): n for n, i in enumerate(inputs.items["item"])}
    maps = inputs.mappings.merge(inputs.items[["item", "offering"]], on="item")
    maps = maps.assign(order=maps["item"].map(item_order)).sort_values("order", kind="mergesort")
    maps_of = {int(o): g for o, g in maps.groupby("offering", sort=False)}
    weights_of = {int(o): g for o, g in inputs.type_weights.groupby("offering", sort=False)}
    scores = inputs.scores.merge(inputs.items[["item", "offering"]], on="item")
    scores_of = {int(o): g for o, g in scores.groupby("offering", sort=False)}
    out: dict[int, _Offering] = {}
    errors: dict[int, str] = {}
    empty_maps = pd.DataFrame({"item": [], "objective": [], "share": []})
    empty_weights = pd.DataFrame({"objective": [], "type": [], "weight": []})
    for oid, cid in zip(inputs.offerings["offering"], inputs.offerings["course"], strict=True):
        oid, objectives = int(oid), objectives_of.get(int(cid), [])
        rows = items_of.get(oid)
        if rows is None or rows.empty:
            out[oid] = _Offering([], objectives, np.empty((0, len(objectives))), np.full(len(objectives), np.nan))
            continue
        items = pd.DataFrame({"full_marks": rows["full_marks"].to_numpy(dtype=float), "type": rows["type"].to_numpy()},
                             index=rows["item"].to_numpy())
        mapped = maps_of.get(oid, empty_maps)[["item", "objective", "share"]].reset_index(drop=True)
        weights = weights_of.get(oid, empty_weights)[["objective", "type", "weight"]].reset_index(drop=True)
        sc = scores_of.get(oid)
        students = sorted(int(x) for x in sc["student"].unique()) if sc is not None else []
        matrix = np.zeros((len(students), len(items)))
        if students:
            row_of = {s: n for n, s in enumerate(students)}
            col_of = {int(i): n for n, i in enumerate(items.index)}
            matrix[[row_of[int(s)] for s in sc["student"]], [col_of[int(i)] for i in sc["item"]]] = \
                np.nan_to_num(sc["value"].to_numpy(dtype=float), nan=0.0)
        plan = _Plan(items, mapped, weights)
        try:
            if not plan.plainly_valid():
                compute._check_plan(items, mapped, weights)  # the engine's own message
            per = plan.kernel(matrix, objectives)
            cls = (plan.kernel(matrix.mean(axis=0, keepdims=True), objectives)[0] if students
                   else np.full(len(objectives), np.nan))
        except ValueError as exc:  # an inconsistent plan: the offering page says why
            errors[oid] = str(exc)
            continue
        out[oid] = _Offering(students, objectives, per, cls)
    return out, errors


def _share(values: np.ndarray, threshold: float) -> float | None:
    values = values[~np.isnan(values)]
    if not len(values):
        return None
    return float((values >= threshold - compute.TOLERANCE).mean())


def _num(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return None if np.isnan(v) else v


def compute_results(inputs: Inputs) -> dict[str, Any]:
    """Every figure of the cohort in plain JSON values (ids as string keys, NaN as None).

    Keys: ``offerings`` (per offering: class values, shares at or above the threshold, histograms and
    per-student values by objective, or the plan error), ``course_objectives`` (per course, the class
    value of each objective pooled over its offerings), ``courses_with_scores``, ``cells`` (the course's
    value for each supported point, ``"point:course"``), ``points`` and ``requirements`` (both rules and
    their verdicts; requirements also the share of students at or above the threshold) and
    ``students`` (per rule, each student's requirement values).
    """
    threshold = inputs.threshold
    values, errors = _objective_values(inputs)
    objectives_of: dict[int, list[int]] = {
        int(c): [int(o) for o in g["objective"]] for c, g in inputs.objectives.groupby("course", sort=False)}
    offerings: dict[str, Any] = {}
    long: list[tuple[int, int, int, float]] = []  # offering, student, objective, value (assessed only)
    for oid in inputs.offerings["offering"]:
        oid = int(oid)
        if oid in errors:
            offerings[str(oid)] = {"error": errors[oid]}
            continue
        v = values[oid]
        entry: dict[str, Any] = {"error": None, "class": {}, "shares": {}, "hist": {}, "students": {}}
        for j, obj in enumerate(v.objectives):
            col = v.per_student[:, j]
            entry["class"][str(obj)] = _num(v.class_values[j])
            entry["shares"][str(obj)] = _share(col, threshold)
            counts, _edges = np.histogram(np.clip(col[~np.isnan(col)], 0, 1), bins=10, range=(0.0, 1.0))
            entry["hist"][str(obj)] = [int(x) for x in counts]
        for i, sid in enumerate(v.students):
            entry["students"][str(sid)] = {str(obj): _num(v.per_student[i, j]) for j, obj in enumerate(v.objectives)}
            long.extend((oid, sid, obj, float(v.per_student[i, j])) for j, obj in enumerate(v.objectives)
                        if not np.isnan(v.per_student[i, j]))
        offerings[str(oid)] = entry
    grid = pd.DataFrame(long, columns=["offering", "student", "objective", "value"]).astype(
        {"offering": "int64", "student": "int64", "objective": "int64", "value": float})

    # Courses: per-student values pooled over the course's offerings (a student in two: their mean).
    course_of = dict(zip(inputs.offerings["offering"], inputs.offerings["course"], strict=True))
    grid = grid.assign(course=grid["offering"].map(course_of).astype("int64"))
    pooled = grid.groupby(["course", "student", "objective"], as_index=False)["value"].mean()
    course_students = grid[["course", "student"]].drop_duplicates()
    class_objectives = pooled.groupby(["course", "objective"])["value"].mean()
    with_scores = sorted(int(c) for c in course_students["course"].unique())

    # The objectives behind each (course, point): the linked ones, else all of the course's.
    links = inputs.links.groupby(["course", "point"], sort=False)["objective"].apply(list).to_dict()
    support = inputs.supports.copy()
    pairs = []
    for cid, pid in zip(support["course"], support["point"], strict=True):
        for obj in links.get((cid, pid)) or objectives_of.get(int(cid), []):
            pairs.append((cid, pid, obj))
    pairs_frame = pd.DataFrame(pairs, columns=["course", "point", "objective"])
    cls = pairs_frame.merge(class_objectives.rename("value").reset_index(), on=["course", "objective"], how="left")
    # A course's value for a point: the mean (or, by the program's setting, the minimum) of its objectives.
    how = "min" if inputs.objective_rule == compute.CourseValueRule.MINIMUM.value else "mean"
    cell_values = cls.groupby(["point", "course"])["value"].agg(how)
    support["value"] = [cell_values.get((p, c), np.nan) for p, c in zip(support["point"], support["course"], strict=True)]
    result = compute.cohort_achievement(support[["requirement", "point", "course", "weight", "value"]], threshold)

    # Students: their own course values for each point, then both rules.
    per_student = pairs_frame.merge(pooled, on=["course", "objective"], how="inner")
    student_cells = per_student.groupby(["student", "point", "course"], as_index=False)["value"].agg(how)
    base = course_students.merge(support[["course", "point"]].drop_duplicates(), on="course")
    student_long = base.merge(student_cells, on=["student", "point", "course"], how="left")
    students: dict[str, Any] = {}
    if len(student_long):
        for rule in compute.Rule:
            frame = compute.student_achievement(support.drop(columns="value"),
                                                student_long[["student", "point", "course", "value"]], rule)
            students[rule.value] = {str(int(sid)): {str(int(r)): _num(v) for r, v in row.items()}
                                    for sid, row in frame.iterrows()}
    points = {str(int(pid)): {k: (_num(row[k]) if k in ("weighted_sum", "minimum") else row[k])
                              for k in ("weighted_sum", "minimum", "achieved_weighted_sum", "achieved_minimum")}
              for pid, row in result.points.iterrows()}
    requirements = {}
    for rid, row in result.requirements.iterrows():
        entry = {k: (_num(row[k]) if k in ("weighted_sum", "minimum") else row[k])
                 for k in ("weighted_sum", "minimum", "achieved_weighted_sum", "achieved_minimum")}
        entry["rule_changes_verdict"] = bool(row["rule_changes_verdict"])
        for rule in compute.Rule:
            values = [v[str(int(rid))] for v in students.get(rule.value, {}).values() if str(int(rid)) in v]
            arr = np.array([np.nan if v is None else v for v in values], dtype=float)
            entry[f"share_{rule.value}"] = _share(arr, threshold) if len(values) else None
        requirements[str(int(rid))] = entry
    return {
        "offerings": offerings,
        "course_objectives": {f"{int(c)}:{int(o)}": _num(v) for (c, o), v in class_objectives.items()},
        "courses_with_scores": with_scores,
        "cells": {f"{int(p)}:{int(c)}": _num(v) for (p, c), v in cell_values.items()},
        "points": points,
        "requirements": requirements,
        "students": students,
    }


# --- stored results ----------------------------------------------------------------------------------------


#: Stored as JSON text inside the JSON document and decoded only when read: the per-student figures are
#: most of the document and the cohort and dashboard pages never need them.
_PACKED = ("offerings", "students")


class _Unpacked(dict):
    """The stored document; its packed parts are decoded on first access.

    Read from the small ``summary`` copy, the packed parts are not there yet: ``load`` (the whole stored
    document) is called the first time one of them is wanted.
    """

    def __init__(self, data: dict[str, Any], load: Any = None):
        super().__init__(data)
        self._load = load

    def _complete(self, key: str) -> None:
        if self._load is not None and key in _PACKED and not super().__contains__(key):
            load, self._load = self._load, None
            for k, v in load().items():
                if k in _PACKED:
                    super().__setitem__(k, v)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._complete(key)
        return super().__contains__(key)

    def __getitem__(self, key: str) -> Any:
        self._complete(key)
        value = super().__getitem__(key)
        if key in _PACKED and isinstance(value, str):
            value = json.loads(value)
            super().__setitem__(key, value)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default


def _pack(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.dumps(v, separators=(",", ":")) if k in _PACKED else v) for k, v in data.items()}


def summary_of(data: dict[str, Any]) -> dict[str, Any]:
    """The stored document without its per-offering and per-student parts (``AchievementResult.summary``)."""
    return {k: v for k, v in data.items() if k not in _PACKED}


class Results:
    """The stored (or just computed) figures of a cohort under one framework version."""

    def __init__(self, cohort_id: int, framework_id: int, fingerprint: str, data: dict[str, Any],
                 load: Any = None):
        self.cohort_id, self.framework_id, self.fingerprint = cohort_id, framework_id, fingerprint
        self.data = _Unpacked(data, load)

    def offering(self, offering_id: int) -> dict[str, Any] | None:
        return self.data["offerings"].get(str(offering_id))


def _whole(cohort_id: int, framework_id: int, fp: str) -> Any:
    """A loader of the whole stored document behind a summary (recomputed if it changed since)."""

    def load() -> dict[str, Any]:
        data = db.session.scalar(select(AchievementResult.data).where(
            AchievementResult.cohort_id == cohort_id, AchievementResult.framework_id == framework_id,
            AchievementResult.fingerprint == fp))
        if data is None:  # recomputed in between by this transaction's own change
            data = refresh(cohort_id, db.session.get(FrameworkVersion, framework_id)).data
            return {k: data[k] for k in _PACKED if k in data}
        return data

    return load


def _stored(cohort_id: int, framework_id: int, fp: str, summary: dict[str, Any] | None) -> Results:
    """Results from a stored row's summary; a row stored without one: its whole document (one more query)."""
    if summary is None:
        data = db.session.scalar(select(AchievementResult.data).where(
            AchievementResult.cohort_id == cohort_id, AchievementResult.framework_id == framework_id))
        return Results(cohort_id, framework_id, fp, data)
    return Results(cohort_id, framework_id, fp, summary, _whole(cohort_id, framework_id, fp))


def _store(inputs: Inputs, fp: str, data: dict[str, Any]) -> None:
    """Insert or replace the stored row, in a savepoint so a concurrent writer never fails the request."""
    try:
        with db.session.begin_nested():
            db.session.execute(delete(AchievementResult).where(AchievementResult.cohort_id == inputs.cohort_id,
                                                               AchievementResult.framework_id == inputs.framework_id))
            db.session.add(AchievementResult(cohort_id=inputs.cohort_id, framework_id=inputs.framework_id,
                                             fingerprint=fp, computed_at=utcnow(), data=_pack(data),
                                             requirements=data.get("requirements"), summary=summary_of(data)))
    except (IntegrityError, OperationalError) as exc:  # another request stored it first: theirs is as good
        log.info("OBE results of cohort %s not stored: %s", inputs.cohort_id, exc)


def refresh(cohort: Cohort | int, framework: FrameworkVersion) -> Results:
    """Compute a cohort's figures from its current inputs and store them (unchanged inputs: no write)."""
    cohort_id = cohort if isinstance(cohort, int) else cohort.id
    inputs = load_inputs(cohort_id, framework)
    fp = fingerprint(inputs)
    stored = db.session.execute(select(AchievementResult.fingerprint, AchievementResult.data).where(
        AchievementResult.cohort_id == cohort_id, AchievementResult.framework_id == framework.id)).first()
    if stored is not None and stored.fingerprint == fp:
        return Results(cohort_id, framework.id, fp, stored.data)
    data = json.loads(json.dumps(compute_results(inputs)))  # exactly what a read of the stored row gives
    _store(inputs, fp, data)
    return Results(cohort_id, framework.id, fp, data)


def get_results(cohort: Cohort, framework: FrameworkVersion) -> Results:
    """A cohort's figures: the stored row's summary (one query; the per-student parts when first
    wanted), else computed now and stored."""
    row = db.session.execute(select(AchievementResult.fingerprint, AchievementResult.summary).where(
        AchievementResult.cohort_id == cohort.id, AchievementResult.framework_id == framework.id)).first()
    if row is not None:
        return _stored(cohort.id, framework.id, row.fingerprint, row.summary)
    return refresh(cohort, framework)


def get_many(cohorts: list[Cohort], framework_of: dict[int, FrameworkVersion]) -> dict[int, Results]:
    """Figures of several cohorts: the stored summaries in one query, the missing ones computed now."""
    wanted = {c.id: framework_of[c.id].id for c in cohorts if framework_of.get(c.id) is not None}
    out: dict[int, Results] = {}
    if wanted:
        rows = db.session.execute(select(AchievementResult.cohort_id, AchievementResult.framework_id,
                                         AchievementResult.fingerprint, AchievementResult.summary)
                                  .where(AchievementResult.cohort_id.in_(list(wanted)))).all()
        for r in rows:
            if wanted.get(r.cohort_id) == r.framework_id:
                out[r.cohort_id] = _stored(r.cohort_id, r.framework_id, r.fingerprint, r.summary)
    for c in cohorts:
        if c.id in wanted and c.id not in out:
            out[c.id] = refresh(c, framework_of[c.id])
    return out


def is_current(cohort: Cohort, framework: FrameworkVersion) -> bool:
    """Whether the stored row's fingerprint is that of the current inputs (False when none is stored)."""
    row = db.session.scalar(select(AchievementResult.fingerprint).where(
        AchievementResult.cohort_id == cohort.id, AchievementResult.framework_id == framework.id))
    return row is not None and row == fingerprint(load_inputs(cohort.id, framework))
