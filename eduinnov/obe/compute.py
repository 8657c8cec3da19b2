"""OBE achievement degrees (达成度) as pure functions over pandas / numpy: no Flask, no database.

The formulas are the ones prevailing in Chinese engineering-education accreditation, as set out in
Fan Yu, 高等工程教育研究 (Research in Higher Education of Engineering) 2023(2):80-86, and restated in
``DOMAIN.md`` ("OBE achievement degrees"):

* course objective j: ``A(CO_j) = Σ_k w_jk · (scores on the items of type k mapped to CO_j) /
  (full marks of those items)`` with ``Σ_k w_jk = 1`` — for the class (class means) and per student;
* course value for an indicator point: the mean (or minimum) of the supporting objectives' values;
* indicator point p: weighted sum ``Σ_c s_pc · A_c(p)`` with support weights normalised to 1, or the
  minimum ``min_c A_c(p)``;
* graduation requirement i: ``A(GR_i) = min_p A(IP_p)``;
* a value is achieved when ``A ≥ threshold`` (0.7 by default).

Inputs are copied, never mutated. Identifiers (students, items, objectives, courses, points,
requirements) are whatever hashable labels the caller uses.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CohortAchievement", "CourseValueRule", "ObjectiveAchievement", "Rule", "REFERENCE", "TOLERANCE",
    "achieved", "cohort_achievement", "course_objective_achievement", "course_value", "indicator_point",
    "requirement_value", "rule_sensitive_requirements", "share_at_or_above", "student_achievement",
]

REFERENCE = "Fan Yu, 高等工程教育研究 2023(2):80-86"
#: Floating-point slack for threshold verdicts: 0.3·0.8 + 0.7·0.65 is 0.6949999… in binary floating point.
TOLERANCE = 1e-9


class Rule(enum.StrEnum):
    """How an indicator point aggregates its supporting courses."""

    WEIGHTED_SUM = "weighted_sum"
    MINIMUM = "minimum"


class CourseValueRule(enum.StrEnum):
    """How a course's value for an indicator point combines several supporting objectives."""

    MEAN = "mean"
    MINIMUM = "minimum"


def achieved(value: float | None, threshold: float) -> bool | None:
    """Whether ``value`` reaches ``threshold`` (``A ≥ threshold``); None when there is no value.

    Parameters
    ----------
    value : float or None
        An achievement degree in 0..1 (NaN or None: not computed).
    threshold : float
        The program's threshold, e.g. 0.7.

    Returns
    -------
    bool or None
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return bool(value >= threshold - TOLERANCE)


# --- course objectives -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveAchievement:
    """Achievement of one offering's course objectives.

    Attributes
    ----------
    per_student : DataFrame
        Rows = students, columns = objectives; each student's ``A(CO_j)``.
    class_values : Series
        ``A(CO_j)`` for the class, computed from the class means of the items.
    share_at_or_above : Series
        Per objective, the share of students whose own value reaches the threshold.
    threshold : float
    """

    per_student: pd.DataFrame
    class_values: pd.Series
    share_at_or_above: pd.Series
    threshold: float

    @property
    def weak_objectives(self) -> list:
        """Objectives whose class value is below the threshold."""
        return [j for j, v in self.class_values.items() if achieved(v, self.threshold) is False]


def _objective_kernel(matrix: np.ndarray, items: pd.DataFrame, mappings: pd.DataFrame,
                      type_weights: pd.DataFrame, objectives: list) -> np.ndarray:
    """``A(CO_j)`` for each row of ``matrix`` (rows × items, no NaN) and each objective."""
    item_pos = {item: i for i, item in enumerate(items.index)}
    full = items["full_marks"].to_numpy(dtype=float)
    types = items["type"].to_numpy()
    out = np.full((matrix.shape[0], len(objectives)), np.nan)
    for j, objective in enumerate(objectives):
        mapped = mappings[mappings["objective"] == objective]
        if mapped.empty:
            continue  # not assessed: NaN
        cols = np.array([item_pos[i] for i in mapped["item"]])
        shares = mapped["share"].fillna(1.0).to_numpy(dtype=float)
        weights = type_weights[type_weights["objective"] == objective]
        if weights.empty:
            # No weights given: one pooled ratio over every mapped item (types weighted by their marks).
            out[:, j] = (matrix[:, cols] * shares).sum(axis=1) / (full[cols] * shares).sum()
            continue
        total = np.zeros(matrix.shape[0])
        for kind, w in zip(weights["type"], weights["weight"], strict=True):
            if w == 0:
                continue
            of_type = types[cols] == kind
            if not of_type.any():
                raise ValueError(f"objective {objective!r}: weight {w} for type {kind!r} but no item of that type")
            c, s = cols[of_type], shares[of_type]
            total += w * (matrix[:, c] * s).sum(axis=1) / (full[c] * s).sum()
        out[:, j] = total
    return out


def _check_plan(items: pd.DataFrame, mappings: pd.DataFrame, type_weights: pd.DataFrame) -> None:
    if (items["full_marks"] <= 0).any():
        raise ValueError("full marks must be positive")
    unknown = set(mappings["item"]) - set(items.index)
    if unknown:
        raise ValueError(f"mappings name unknown items: {sorted(map(str, unknown))}")
    if not type_weights.empty:
        sums = type_weights.groupby("objective")["weight"].sum()
        bad = sums[(sums - 1).abs() > 1e-6]
        if not bad.empty:
            raise ValueError(f"type weights must sum to 1 per objective: {bad.to_dict()}")


def course_objective_achievement(
    scores: pd.DataFrame,
    items: pd.DataFrame,
    mappings: pd.DataFrame,
    type_weights: pd.DataFrame,
    *,
    objectives: Iterable | None = None,
    threshold: float = 0.7,
) -> ObjectiveAchievement:
    """Course-objective achievement degrees of a class and of each student.

    ``A(CO_j) = Σ_k w_jk · S_jk / F_jk`` where ``S_jk`` is the (class mean or student's) score on the
    items of type k mapped to objective j and ``F_jk`` their full marks. An item mapped with a share
    s contributes ``s·score`` and ``s·full``. Missing work counts 0, so the mean of the per-student
    values equals the class value.

    Parameters
    ----------
    scores : DataFrame
        Rows = students, columns = item ids, values = scores (NaN = no work handed in, counts 0).
    items : DataFrame
        Index = item ids, columns ``full_marks`` (> 0) and ``type``.
    mappings : DataFrame
        Columns ``item``, ``objective``, ``share`` (NaN = 1).
    type_weights : DataFrame
        Columns ``objective``, ``type``, ``weight``; per objective they sum to 1. An objective without
        weights uses one pooled ratio over all its items.
    objectives : iterable, optional
        The objectives to report (default: those in ``mappings``); unassessed ones give NaN.
    threshold : float
        For the share of students at or above it.

    Returns
    -------
    ObjectiveAchievement

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    items = items.copy()
    mappings = mappings.copy()
    if "share" not in mappings:
        mappings["share"] = np.nan
    type_weights = type_weights.copy() if type_weights is not None else pd.DataFrame(
        columns=["objective", "type", "weight"])
    _check_plan(items, mappings, type_weights)
    objectives = list(objectives) if objectives is not None else list(dict.fromkeys(mappings["objective"]))
    matrix = scores.reindex(columns=items.index).astype(float).fillna(0.0)
    values = matrix.to_numpy()
    per_student = pd.DataFrame(
        _objective_kernel(values, items, mappings, type_weights, objectives),
        index=matrix.index, columns=objectives,
    )
    if len(matrix.index):
        class_row = values.mean(axis=0, keepdims=True)
        class_values = pd.Series(
            _objective_kernel(class_row, items, mappings, type_weights, objectives)[0], index=objectives
        )
    else:
        class_values = pd.Series(np.nan, index=objectives, dtype=float)
    return ObjectiveAchievement(
        per_student=per_student,
        class_values=class_values,
        share_at_or_above=share_at_or_above(per_student, threshold),
        threshold=threshold,
    )


def share_at_or_above(values: pd.DataFrame | pd.Series, threshold: float) -> pd.Series | float:
    """The share of students whose value reaches ``threshold`` (per column for a DataFrame).

    Students without a value (NaN) are left out of the count; an empty column gives NaN.

    Parameters
    ----------
    values : DataFrame or Series
        Rows = students.
    threshold : float

    Returns
    -------
    Series (per column) or float
    """
    def one(col: pd.Series) -> float:
        col = col.dropna()
        if col.empty:
            return float("nan")
        return float((col >= threshold - TOLERANCE).mean())

    if isinstance(values, pd.Series):
        return one(values)
    return pd.Series({c: one(values[c]) for c in values.columns}, dtype=float)


# --- indicator points and requirements ---------------------------------------------------------------


def course_value(objective_values: pd.Series, objectives: Iterable,
                 how: CourseValueRule = CourseValueRule.MEAN) -> float:
    """A course's value for one indicator point: the mean (or minimum) of its supporting objectives.

    Parameters
    ----------
    objective_values : Series
        ``A(CO_j)`` by objective.
    objectives : iterable
        The objectives of this course that support the indicator point.
    how : CourseValueRule

    Returns
    -------
    float (NaN when none of them has a value)

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    vals = objective_values.reindex(list(objectives)).dropna()
    if vals.empty:
        return float("nan")
    return float(vals.min() if CourseValueRule(how) == CourseValueRule.MINIMUM else vals.mean())


def indicator_point(values: pd.Series, weights: pd.Series, rule: Rule) -> float:
    """``A(IP_p)`` from its supporting courses' values under one rule.

    Weighted sum: ``Σ_c s_pc · A_c(p)`` with the support weights normalised to sum 1 over the courses
    that have a value. Minimum: ``min_c A_c(p)``. Courses without a value (NaN) are left out.

    Parameters
    ----------
    values : Series
        ``A_c(p)`` by course.
    weights : Series
        Support weights by course (H/M/L already turned into numbers), not necessarily normalised.
    rule : Rule

    Returns
    -------
    float (NaN when no course has a value)

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    frame = pd.DataFrame({"value": values, "weight": weights.reindex(values.index)}).dropna(subset=["value"])
    if frame.empty:
        return float("nan")
    if Rule(rule) == Rule.MINIMUM:
        return float(frame["value"].min())
    w = frame["weight"].fillna(0.0).to_numpy(dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("support weights must be non-negative with a positive sum")
    return float((w / w.sum()) @ frame["value"].to_numpy(dtype=float))


def requirement_value(point_values: Iterable[float]) -> float:
    """``A(GR_i) = min_p A(IP_p)`` over the indicator points that have a value (NaN if none).

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    vals = [v for v in point_values if v is not None and not np.isnan(v)]
    return float(min(vals)) if vals else float("nan")


@dataclass(frozen=True)
class CohortAchievement:
    """Indicator-point and graduation-requirement achievement under both rules.

    Attributes
    ----------
    points : DataFrame
        Index = indicator point; columns ``requirement``, ``weighted_sum``, ``minimum``, ``n_courses``,
        ``n_courses_with_data``, ``achieved_weighted_sum``, ``achieved_minimum``.
    requirements : DataFrame
        Index = requirement; columns ``weighted_sum``, ``minimum``, ``achieved_weighted_sum``,
        ``achieved_minimum``, ``rule_changes_verdict``.
    threshold : float
    """

    points: pd.DataFrame
    requirements: pd.DataFrame
    threshold: float

    @property
    def rule_sensitive(self) -> list:
        """Requirements whose verdict depends on the rule."""
        return list(self.requirements.index[self.requirements["rule_changes_verdict"]])


_SUPPORT_COLUMNS = ["requirement", "point", "course", "weight", "value"]


def _aggregate(support: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Point and requirement values under both rules, grouped by ``keys`` (e.g. [] or ['student'])."""
    df = support.copy()
    df["has"] = df["value"].notna()
    df["w"] = np.where(df["has"], df["weight"].fillna(0.0).astype(float), 0.0)
    df["wv"] = df["w"] * df["value"].fillna(0.0)
    g = df.groupby([*keys, "requirement", "point"], sort=False, dropna=False)
    points = pd.DataFrame({
        "wsum": g["w"].sum(),
        "wv": g["wv"].sum(),
        "minimum": g["value"].min(),
        "n_courses": g["course"].count(),
        "n_courses_with_data": g["has"].sum().astype(int),
    })
    if (df["weight"].fillna(0.0) < 0).any():
        raise ValueError("support weights must be non-negative")
    with np.errstate(invalid="ignore", divide="ignore"):
        points["weighted_sum"] = np.where(points["wsum"] > 0, points["wv"] / points["wsum"], np.nan)
    points = points.drop(columns=["wsum", "wv"]).reset_index()
    req = points.groupby([*keys, "requirement"], sort=False)[["weighted_sum", "minimum"]].min()
    return points, req


def _verdicts(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    for rule in ("weighted_sum", "minimum"):
        # object dtype: a verdict is True, False or None (no value), and stays a Python bool.
        frame[f"achieved_{rule}"] = pd.Series([achieved(v, threshold) for v in frame[rule]],
                                              index=frame.index, dtype=object)
    return frame


def cohort_achievement(support: pd.DataFrame, threshold: float = 0.7) -> CohortAchievement:
    """Indicator-point and graduation-requirement achievement degrees of a cohort, under both rules.

    Parameters
    ----------
    support : DataFrame
        One row per cell of the support matrix: ``requirement``, ``point``, ``course``, ``weight``
        (the support strength as a number) and ``value`` (the course's value for that point, NaN when
        the course has no scores yet — it is then left out and the other weights renormalised).
    threshold : float
        Achieved when ``A ≥ threshold``.

    Returns
    -------
    CohortAchievement
        Both rules side by side, the verdicts and the requirements whose verdict depends on the rule.

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    missing = set(_SUPPORT_COLUMNS) - set(support.columns)
    if missing:
        raise ValueError(f"support frame lacks columns {sorted(missing)}")
    if support.empty:
        points = pd.DataFrame(columns=["requirement", "weighted_sum", "minimum", "n_courses",
                                       "n_courses_with_data", "achieved_weighted_sum", "achieved_minimum"])
        reqs = pd.DataFrame(columns=["weighted_sum", "minimum", "achieved_weighted_sum", "achieved_minimum",
                                     "rule_changes_verdict"])
        return CohortAchievement(points, reqs.astype({"rule_changes_verdict": bool}), threshold)
    points, reqs = _aggregate(support, [])
    points = _verdicts(points.set_index("point"), threshold)
    reqs = _verdicts(reqs, threshold)
    reqs["rule_changes_verdict"] = [
        a is not None and b is not None and a != b
        for a, b in zip(reqs["achieved_weighted_sum"], reqs["achieved_minimum"], strict=True)
    ]
    return CohortAchievement(points=points, requirements=reqs, threshold=threshold)


def student_achievement(support: pd.DataFrame, course_values: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Each student's graduation-requirement achievement under one rule.

    Parameters
    ----------
    support : DataFrame
        ``requirement``, ``point``, ``course``, ``weight`` (as for :func:`cohort_achievement`, without
        ``value``).
    course_values : DataFrame
        Columns ``student``, ``point``, ``course``, ``value``: the course value for the point from the
        student's own objective values (rows missing or NaN: the student has no scores in that course).
    rule : Rule

    Returns
    -------
    DataFrame
        Rows = students, columns = requirements.

    References
    ----------
    Fan Yu, 高等工程教育研究 2023(2):80-86.
    """
    base = support[["requirement", "point", "course", "weight"]]
    merged = course_values.merge(base, on=["point", "course"], how="inner")
    if merged.empty:
        return pd.DataFrame()
    _, reqs = _aggregate(merged, ["student"])
    return reqs[Rule(rule).value].unstack("requirement")


def rule_sensitive_requirements(requirements: pd.DataFrame, threshold: float) -> list:
    """Requirements whose verdict differs between the weighted-sum and the minimum rule.

    Parameters
    ----------
    requirements : DataFrame
        Index = requirement, columns ``weighted_sum`` and ``minimum``.
    threshold : float

    Returns
    -------
    list of requirement labels
    """
    out = []
    for req, row in requirements.iterrows():
        a, b = achieved(row["weighted_sum"], threshold), achieved(row["minimum"], threshold)
        if a is not None and b is not None and a != b:
            out.append(req)
    return out
