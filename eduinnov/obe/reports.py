"""Reads of the OBE domain: what the offering, cohort, requirement and student pages show.

The numbers come from the stored results (:mod:`eduinnov.obe.results`, one query); the framework tree,
offerings and surveys they are shown against are read with a few eager ``select()`` queries. Pages,
the CLI, the exports and the PDF evidence all read these reports, so they show the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import JSON, func, select, type_coerce
from sqlalchemy.orm import contains_eager, joinedload

from eduinnov.auth.access import program_ids
from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.extensions import db
from eduinnov.frameworks import queries as framework_queries
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    ObjectiveIndicatorLink,
    ObjectiveRule,
)
from eduinnov.obe import compute, queries, results
from eduinnov.obe.models import AchievementResult, AssessmentItem, CourseOffering, SurveyResult
from eduinnov.obe.services.offerings import check_plan
from eduinnov.programs.models import Cohort, Student

__all__ = [
    "CohortReport", "CourseCell", "OfferingReport", "PointRow", "RequirementRow", "StudentReport", "StudentScores",
    "cohort_report", "cohort_trend", "compute_offering", "offering_report", "student_report", "student_scores",
]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _ids(mapping: dict[str, Any] | None) -> dict[int, Any]:
    return {int(k): v for k, v in (mapping or {}).items()}


# --- offerings ---------------------------------------------------------------------------------------------


@dataclass
class OfferingReport:
    """Figures of one offering: per objective class value, share of students, per-student values."""

    offering: CourseOffering
    threshold: float
    objectives: list[CourseObjective]
    items: list[AssessmentItem]
    matrix: dict[tuple[int, int], float]  # (item id, objective id) → share
    weights: dict[tuple[int, str], float]  # (objective id, type value) → weight
    types_by_objective: dict[int, list[str]]
    class_values: dict[int, float]
    shares: dict[int, float]
    per_student: list[tuple[Student, dict[int, float]]]
    histograms: dict[int, list[int]]  # objective id → counts in 10 bins of 0.1
    plan_problems: list[str]
    n_students: int
    compute_error: str | None = None

    @property
    def weak_objective_ids(self) -> list[int]:
        return [oid for oid, v in self.class_values.items() if compute.achieved(v, self.threshold) is False]


def _offering_results(offering: CourseOffering, stored: results.Results | None = None) -> dict[str, Any] | None:
    """The stored figures of an offering (``stored``: its cohort's results when the caller has them).

    An offering whose course is not of the version its cohort is reported under is computed on its own.
    """
    if stored is not None and stored.cohort_id == offering.cohort_id and stored.offering(offering.id) is not None:
        return stored.offering(offering.id)
    framework = queries.get_framework_for_cohort(offering.cohort)
    if framework is None or offering.course.framework_id != framework.id:
        inputs = results.load_inputs(offering.cohort_id, offering.course.framework)
        return results.compute_results(inputs)["offerings"].get(str(offering.id))
    return results.get_results(offering.cohort, framework).offering(offering.id)


def compute_offering(offering: CourseOffering) -> compute.ObjectiveAchievement:
    """Course-objective achievement of an offering (class and per student) from the stored results.

    Raises
    ------
    ValueError
        When the plan is inconsistent (see :func:`~eduinnov.obe.services.check_plan`).
    """
    threshold = offering.course.framework.threshold
    data = _offering_results(offering) or {"error": None}
    if data.get("error"):
        raise ValueError(data["error"])
    objectives = [o.id for o in offering.course.objectives]
    per = pd.DataFrame.from_dict({int(s): _ids(v) for s, v in data.get("students", {}).items()}, orient="index",
                                 columns=objectives, dtype=float)
    return compute.ObjectiveAchievement(
        per_student=per,
        class_values=pd.Series({o: _ids(data.get("class")).get(o) for o in objectives}, dtype=float),
        share_at_or_above=pd.Series({o: _ids(data.get("shares")).get(o) for o in objectives}, dtype=float),
        threshold=threshold)


def offering_report(offering: CourseOffering) -> OfferingReport:
    """Everything the offering page shows: plan matrix, class achievement, distribution, weak objectives."""
    threshold = offering.course.framework.threshold
    objectives = list(offering.course.objectives)
    data = _offering_results(offering) or {"error": None}
    error = data.get("error")
    per_student: list[tuple[Student, dict[int, float]]] = []
    class_values: dict[int, float] = {}
    shares: dict[int, float] = {}
    histograms: dict[int, list[int]] = {}
    if error is None:
        students = {s.id: s for s in queries.list_students_of_offering(offering)}
        for sid, values in _ids(data.get("students")).items():
            if sid in students:
                per_student.append((students[sid], _ids(values)))
        per_student.sort(key=lambda pair: pair[0].student_no)
        class_values = _ids(data.get("class")) or {o.id: None for o in objectives}
        shares = _ids(data.get("shares")) or {o.id: None for o in objectives}
        histograms = _ids(data.get("hist")) or {o.id: [0] * 10 for o in objectives}
    types_by_objective: dict[int, list[str]] = defaultdict(list)
    for item in offering.items:
        for m in item.mappings:
            if item.type.value not in types_by_objective[m.objective_id]:
                types_by_objective[m.objective_id].append(item.type.value)
    return OfferingReport(
        offering=offering, threshold=threshold, objectives=objectives, items=list(offering.items),
        matrix={(m.item_id, m.objective_id): m.effective_share for i in offering.items for m in i.mappings},
        weights={(w.objective_id, w.type.value): w.weight for w in offering.type_weights},
        types_by_objective=dict(types_by_objective),
        class_values=class_values, shares=shares, per_student=per_student, histograms=histograms,
        plan_problems=check_plan(offering), n_students=len(per_student), compute_error=error,
    )


# --- cohorts --------------------------------------------------------------------------------------------


@dataclass
class CourseCell:
    """One supporting course of an indicator point, with the objectives behind its value."""

    course: Course
    weight: float
    normalised_weight: float | None
    strength_label: str
    value: float | None
    objectives: list[tuple[CourseObjective, float | None]]
    linked: bool  # False: no objective is linked to the point, the course's objectives' mean is used
    offerings: list[CourseOffering]


@dataclass
class PointRow:
    point: IndicatorPoint
    weighted_sum: float | None
    minimum: float | None
    achieved_weighted_sum: bool | None
    achieved_minimum: bool | None
    courses: list[CourseCell]
    indirect: dict[str, float]  # survey source value → value
    combined: float | None = None


@dataclass
class RequirementRow:
    requirement: GraduationRequirement
    weighted_sum: float | None
    minimum: float | None
    achieved_weighted_sum: bool | None
    achieved_minimum: bool | None
    rule_changes_verdict: bool
    share_weighted_sum: float | None
    share_minimum: float | None
    points: list[PointRow]
    indirect: float | None = None
    combined: float | None = None

    @property
    def value(self) -> float | None:
        """Kept for templates that show one figure: the weighted-sum value."""
        return self.weighted_sum


@dataclass
class CohortReport:
    """Graduation-requirement and indicator-point achievement of a cohort under both rules."""

    cohort: Cohort
    framework: FrameworkVersion | None
    threshold: float
    rule: AggregationRule
    requirements: list[RequirementRow] = field(default_factory=list)
    objective_rule: ObjectiveRule = ObjectiveRule.MEAN
    offerings: list[CourseOffering] = field(default_factory=list)
    courses_without_scores: list[Course] = field(default_factory=list)
    direct_weight: float | None = None
    stored: dict[str, Any] = field(default_factory=dict, repr=False)  # the stored document (decoded lazily)
    results: results.Results | None = field(default=None, repr=False)  # ``stored`` with its cohort and version
    # (course id, point id) → ids of the course's objectives linked to the point (detail reports)
    links: dict[tuple[int, int], list[int]] = field(default_factory=dict, repr=False)

    @property
    def students(self) -> dict[str, Any]:
        """Stored per-student requirement values: rule → student id → requirement id → value."""
        return self.stored.get("students") or {}

    @cached_property
    def student_values(self) -> dict[str, pd.DataFrame]:
        """Rule value → DataFrame of each student's requirement values (students × requirement ids)."""
        return {rule: pd.DataFrame.from_dict({int(s): _ids(v) for s, v in by_student.items()}, orient="index",
                                             dtype=float)
                for rule, by_student in self.students.items()}

    @property
    def rule_sensitive(self) -> list[RequirementRow]:
        return [r for r in self.requirements if r.rule_changes_verdict]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON output, the evaluation models and the PDF evidence."""
        return {
            "cohort": {"id": self.cohort.id, "name": self.cohort.display_name,
                       "entry_year": self.cohort.entry_year},
            "framework": ({"id": self.framework.id, "version": self.framework.version}
                          if self.framework else None),
            "threshold": self.threshold,
            "rule": self.rule.value,
            "objective_rule": self.objective_rule.value,
            "reference": compute.REFERENCE,
            "requirements": [
                {
                    "number": r.requirement.number, "title": r.requirement.title,
                    "weighted_sum": r.weighted_sum, "minimum": r.minimum,
                    "achieved_weighted_sum": r.achieved_weighted_sum, "achieved_minimum": r.achieved_minimum,
                    "rule_changes_verdict": r.rule_changes_verdict,
                    "share_of_students_weighted_sum": r.share_weighted_sum,
                    "share_of_students_minimum": r.share_minimum,
                    "indirect": r.indirect,
                    "indicator_points": [
                        {"code": p.point.code, "weighted_sum": p.weighted_sum, "minimum": p.minimum,
                         "achieved_weighted_sum": p.achieved_weighted_sum, "achieved_minimum": p.achieved_minimum,
                         "courses": [{"code": c.course.code, "weight": c.normalised_weight, "value": c.value}
                                     for c in p.courses],
                         "indirect": p.indirect}
                        for p in r.points
                    ],
                }
                for r in self.requirements
            ],
        }


def _tree(framework: FrameworkVersion, only: int | None = None) -> tuple[
        list[GraduationRequirement], list[CourseSupport], dict[tuple[int, int], list[int]]]:
    """Requirements with their points, supports with course and objectives, objective links: four queries
    (``only``: three, one requirement's, and the supports and links of its points; a few supports, so their
    courses' objectives are joined to them)."""
    requirements = _requirements(framework, only)
    course = contains_eager(CourseSupport.course)
    stmt = (select(CourseSupport).join(CourseSupport.course).where(Course.framework_id == framework.id)
            .options(course.selectinload(Course.objectives) if only is None else course.joinedload(Course.objectives))
            .order_by(CourseSupport.id))
    links_stmt = (select(ObjectiveIndicatorLink.objective_id, CourseObjective.course_id,
                         ObjectiveIndicatorLink.indicator_point_id)
                  .join(CourseObjective, CourseObjective.id == ObjectiveIndicatorLink.objective_id)
                  .join(Course, Course.id == CourseObjective.course_id)
                  .where(Course.framework_id == framework.id).order_by(ObjectiveIndicatorLink.id))
    if only is not None:
        point_ids = [p.id for r in requirements for p in r.indicator_points] or [-1]
        stmt = stmt.where(CourseSupport.indicator_point_id.in_(point_ids))
        links_stmt = links_stmt.where(ObjectiveIndicatorLink.indicator_point_id.in_(point_ids))
    supports = list(db.session.scalars(stmt).unique())
    links: dict[tuple[int, int], list[int]] = defaultdict(list)  # (course, point) → objective ids
    for oid, cid, pid in db.session.execute(links_stmt):
        links[(cid, pid)].append(oid)
    return requirements, supports, links


def _offerings_of(cohort: Cohort, framework: FrameworkVersion) -> list[CourseOffering]:
    stmt = (select(CourseOffering).join(CourseOffering.course)
            .where(CourseOffering.cohort_id == cohort.id, Course.framework_id == framework.id)
            .order_by(Course.code, CourseOffering.term, CourseOffering.class_name))
    return list(db.session.scalars(stmt))


def _surveys(cohort: Cohort) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for pid, source, value in db.session.execute(
            select(SurveyResult.indicator_point_id, SurveyResult.source, SurveyResult.value)
            .join(SurveyResult.indicator_point).where(SurveyResult.cohort_id == cohort.id)
            .order_by(IndicatorPoint.requirement_id, IndicatorPoint.position, SurveyResult.source)):
        out[pid][source.value] = value
    return out


def _row(entry: dict[str, Any] | None, key: str) -> Any:
    if entry is None:
        return False if key == "rule_changes_verdict" else None
    value = entry.get(key)
    return _num(value) if key in ("weighted_sum", "minimum") else value


def cohort_report(cohort: Cohort, framework: FrameworkVersion | None = None, *,
                  direct_weight: float | None = None, detail: bool = True, extras: bool = True,
                  only: int | None = None) -> CohortReport:
    """Indicator-point and graduation-requirement achievement of a cohort, both rules, with drill-down data.

    Parameters
    ----------
    cohort : Cohort
    framework : FrameworkVersion, optional
        Default: the version the cohort's offerings use (see ``queries.get_framework_for_cohort``).
    direct_weight : float, optional
        When given (0..1), each indicator point also gets a combined value
        ``direct_weight · direct + (1 − direct_weight) · mean of its survey results``.
    detail : bool
        False: requirement and point values only (points without their courses, no offerings), for
        pages that show the requirements; three queries fewer and no course tree.
    extras : bool
        False (with ``detail=False``): no survey values and no list of courses without scores either,
        for a chart of the requirement values; two queries fewer.
    only : int, optional
        A requirement id: the report of that requirement alone (its row, built from its points' supports
        and links only; the courses without scores among those supporting it), for its drill-down.

    Returns
    -------
    CohortReport
    """
    framework = framework or queries.get_framework_for_cohort(cohort)
    if framework is None:
        return CohortReport(cohort=cohort, framework=None, threshold=0.7, rule=AggregationRule.WEIGHTED_SUM)
    got = results.get_results(cohort, framework)
    report = _build(cohort, framework, got.data, direct_weight, detail, extras or detail, only)
    report.results = got
    return report


def _requirements(framework: FrameworkVersion, only: int | None = None) -> list[GraduationRequirement]:
    stmt = (select(GraduationRequirement).where(GraduationRequirement.framework_id == framework.id)
            .options(joinedload(GraduationRequirement.indicator_points)).order_by(GraduationRequirement.number))
    if only is not None:
        stmt = stmt.where(GraduationRequirement.id == only)
    return list(db.session.scalars(stmt).unique())


def _courses_without_scores(framework: FrameworkVersion, with_scores: set[int]) -> list[Course]:
    supported = select(CourseSupport.course_id).join(Course, Course.id == CourseSupport.course_id).where(
        Course.framework_id == framework.id)
    return list(db.session.scalars(select(Course).where(Course.id.in_(supported), Course.id.not_in(with_scores or {-1}))
                                   .order_by(Course.code)))


def _build(cohort: Cohort, framework: FrameworkVersion, stored: dict[str, Any],
           direct_weight: float | None, detail: bool = True, extras: bool = True,
           only: int | None = None) -> CohortReport:
    threshold, rule = framework.threshold, framework.aggregation_rule
    if detail:
        requirements, supports, links = _tree(framework, only)
        offerings = _offerings_of(cohort, framework)
    else:
        requirements, supports, links, offerings = _requirements(framework, only), [], {}, []
    offerings_by_course: dict[int, list[CourseOffering]] = defaultdict(list)
    for o in offerings:
        offerings_by_course[o.course_id].append(o)
    class_objectives = stored["course_objectives"]
    cell_values = stored["cells"]
    cells: dict[tuple[int, int], CourseCell] = {}
    for s in supports:
        objective_ids = links.get((s.course_id, s.indicator_point_id)) or [o.id for o in s.course.objectives]
        objectives = {o.id: o for o in s.course.objectives}
        cells[(s.indicator_point_id, s.course_id)] = CourseCell(
            course=s.course, weight=s.effective_weight, normalised_weight=None, strength_label=s.label,
            value=_num(cell_values.get(f"{s.indicator_point_id}:{s.course_id}")),
            objectives=[(objectives[oid], _num(class_objectives.get(f"{s.course_id}:{oid}")))
                        for oid in objective_ids if oid in objectives],
            linked=(s.course_id, s.indicator_point_id) in links,
            offerings=offerings_by_course.get(s.course_id, []),
        )
    # Normalised weights over the courses that have a value, as the weighted-sum rule uses them.
    totals: dict[int, float] = defaultdict(float)
    for (pid, _cid), cell in cells.items():
        if cell.value is not None:
            totals[pid] += cell.weight
    for (pid, _cid), cell in cells.items():
        if cell.value is not None and totals[pid] > 0:
            cell.normalised_weight = cell.weight / totals[pid]
    by_point: dict[int, list[CourseCell]] = defaultdict(list)
    for (pid, _cid), cell in cells.items():
        by_point[pid].append(cell)

    surveys = _surveys(cohort) if extras else {}
    report = CohortReport(cohort=cohort, framework=framework, threshold=threshold, rule=rule,
                          objective_rule=framework.objective_rule,
                          offerings=offerings, direct_weight=direct_weight, stored=stored, links=links)
    with_scores = set(stored["courses_with_scores"])
    report.courses_without_scores = (sorted({s.course for s in supports if s.course_id not in with_scores},
                                            key=lambda c: c.code) if detail
                                     else _courses_without_scores(framework, with_scores) if extras else [])
    pts, reqs = stored["points"], stored["requirements"]
    for requirement in requirements:
        points = []
        for point in requirement.indicator_points:
            row = pts.get(str(point.id))
            indirect = surveys.get(point.id, {})
            pr = PointRow(
                point=point, courses=sorted(by_point.get(point.id, []), key=lambda c: c.course.code),
                indirect=indirect, weighted_sum=_row(row, "weighted_sum"), minimum=_row(row, "minimum"),
                achieved_weighted_sum=_row(row, "achieved_weighted_sum"),
                achieved_minimum=_row(row, "achieved_minimum"),
            )
            direct = pr.weighted_sum if rule == AggregationRule.WEIGHTED_SUM else pr.minimum
            if direct_weight is not None and indirect and direct is not None:
                pr.combined = direct_weight * direct + (1 - direct_weight) * float(np.mean(list(indirect.values())))
            points.append(pr)
        row = reqs.get(str(requirement.id))
        indirect_vals = [float(np.mean(list(p.indirect.values()))) for p in points if p.indirect]
        combined_vals = [p.combined for p in points if p.combined is not None]
        report.requirements.append(RequirementRow(
            requirement=requirement, points=points,
            weighted_sum=_row(row, "weighted_sum"), minimum=_row(row, "minimum"),
            achieved_weighted_sum=_row(row, "achieved_weighted_sum"), achieved_minimum=_row(row, "achieved_minimum"),
            rule_changes_verdict=bool(_row(row, "rule_changes_verdict")),
            share_weighted_sum=_num(_row(row, "share_weighted_sum")), share_minimum=_num(_row(row, "share_minimum")),
            indirect=min(indirect_vals) if indirect_vals else None,
            combined=min(combined_vals) if combined_vals else None,
        ))
    return report


def candidate_objectives(report: CohortReport, requirement: GraduationRequirement) -> list[CourseObjective] | None:
    """``queries.candidate_objectives(requirement)`` read from a detail report of it (no query): the objectives
    of the courses supporting its points and those linked to its points, by course code and number.

    None when an objective is linked to one of its points from a course supporting none of them (that
    course is not in the report).
    """
    points = {p.id for p in requirement.indicator_points}
    courses = {cell.course.id: cell.course for row in report.requirements if row.requirement.id == requirement.id
               for point in row.points for cell in point.courses}
    if any(pid in points and cid not in courses for cid, pid in report.links):
        return None
    return sorted((o for c in courses.values() for o in c.objectives),
                  key=lambda o: (courses[o.course_id].code, o.number))


def cohort_trend(cohort: Cohort, *, limit: int = 6, requirements: Sequence[GraduationRequirement] = (),
                 cohorts: Sequence[Cohort] | None = None) -> list[tuple[Cohort, dict[int, float | None]]]:
    """Requirement values (program rule) of the program's cohorts, by requirement number, oldest first.

    Numbers are those of ``cohort``'s framework version: a cohort taught under another version shows its
    values under the requirement that continues (or is continued by) its own, so a renumbered requirement
    keeps one row across years; an earlier requirement that was not carried over is left out.

    Cohorts without a framework or without any value are left out; at most ``limit`` cohorts. The
    stored figures of all of them are read in one query (a cohort stored under one version only needs
    no framework look-up). ``requirements``: every requirement of one framework version, when the caller
    has them (their numbers are not read again); ``cohorts``: the program's cohorts, oldest first, likewise.
    """
    cohorts = list(cohorts if cohorts is not None else queries.list_cohorts_of_program(cohort.program_id))[-limit:]
    # Only the small copy of the requirement verdicts (a row stored without it: its whole document).
    rows = db.session.execute(select(AchievementResult.cohort_id, AchievementResult.framework_id,
                                     FrameworkVersion.aggregation_rule,
                                     type_coerce(func.coalesce(AchievementResult.requirements,
                                                               AchievementResult.data["requirements"]),
                                                 JSON).label("requirements"))
                              .join(FrameworkVersion, FrameworkVersion.id == AchievementResult.framework_id)
                              .where(AchievementResult.cohort_id.in_([c.id for c in cohorts]))).all()
    by_cohort: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_cohort[r.cohort_id].append(r)
    stored: dict[int, dict[str, Any]] = {}  # cohort id → stored requirement entries
    framework_of: dict[int, int] = {}
    rule_of: dict[int, AggregationRule] = {}  # framework id → its rule
    unresolved = []  # none stored yet, or under several versions: their versions looked up together
    for c in cohorts:
        found = by_cohort.get(c.id, [])
        if len(found) == 1:
            framework_of[c.id] = found[0].framework_id
            rule_of[found[0].framework_id] = found[0].aggregation_rule
            stored[c.id] = found[0].requirements or {}
        else:
            unresolved.append(c)
    versions = queries.get_frameworks_for_cohorts(unresolved)
    for cohort_id, result in results.get_many(unresolved, versions).items():  # those with a version
        framework = versions[cohort_id]
        framework_of[cohort_id], rule_of[framework.id] = framework.id, framework.aggregation_rule
        stored[cohort_id] = result.data["requirements"]
    known = [(r.id, r.number, r.framework_id) for r in requirements]
    wanted = set(framework_of.values()) - {fid for _i, _n, fid in known}
    req_rows = [r for r in known if r[2] in framework_of.values()]
    if wanted:
        req_rows += db.session.execute(select(GraduationRequirement.id, GraduationRequirement.number,
                                              GraduationRequirement.framework_id).where(
            GraduationRequirement.framework_id.in_(wanted))).all()
    numbers = {rid: n for rid, n, _f in req_rows}
    # Other versions' requirements by this cohort's numbering: through the links between versions
    # (a renumbered requirement stays in its own row); versions without any link keep equal numbers.
    own = framework_of.get(cohort.id)
    if own is not None and len(set(framework_of.values())) > 1:  # one version: nothing to translate
        here = db.session.get(FrameworkVersion, own)
        linked = framework_queries.lineage_numbers(here, set(numbers))
        framework_of_req = {rid: fid for rid, _n, fid in req_rows}
        linked_versions = {framework_of_req[rid] for rid in linked}
        numbers = {rid: linked.get(rid, n) for rid, n in numbers.items()
                   if rid in linked or framework_of_req[rid] not in linked_versions}
    out = []
    for other in cohorts:
        if other.id not in stored:
            continue
        rule = rule_of[framework_of[other.id]]
        attr = "weighted_sum" if rule == AggregationRule.WEIGHTED_SUM else "minimum"
        values = {numbers[int(rid)]: _num(entry.get(attr))
                  for rid, entry in stored[other.id].items() if int(rid) in numbers}
        values = dict(sorted(values.items()))
        if any(v is not None for v in values.values()):
            out.append((other, values))
    return out


# --- students -------------------------------------------------------------------------------------------


@dataclass
class StudentReport:
    """One student's requirement achievement (both rules) and course-objective values."""

    student: Student
    framework: FrameworkVersion | None
    threshold: float
    rule: AggregationRule
    requirements: list[tuple[GraduationRequirement, float | None, float | None]]
    offerings: list[tuple[CourseOffering, list[tuple[CourseObjective, float | None]]]]
    objective_rule: ObjectiveRule = ObjectiveRule.MEAN


def student_report(student: Student) -> StudentReport:
    """A student's graduation-requirement achievement from their own scores, plus their objective values."""
    report = cohort_report(student.cohort)
    stored = report.results  # the same stored figures (their per-student parts read once)
    reqs = []
    for row in report.requirements:
        values = [_num(report.students.get(rule, {}).get(str(student.id), {}).get(str(row.requirement.id)))
                  for rule in ("weighted_sum", "minimum")]
        reqs.append((row.requirement, values[0], values[1]))
    offerings = []
    for offering in queries.list_offerings_of_student(student):
        data = _offering_results(offering, stored)
        if data is None or data.get("error"):
            continue
        per = _ids(data.get("students", {}).get(str(student.id)))
        offerings.append((offering, [(o, _num(per.get(o.id))) for o in offering.course.objectives]))
    return StudentReport(student=student, framework=report.framework, threshold=report.threshold,
                         rule=report.rule, requirements=reqs, offerings=offerings,
                         objective_rule=report.objective_rule)


@dataclass
class StudentScores:
    """One student's scores in one offering, and their objective values."""

    offering: CourseOffering
    student: Student
    rows: list[tuple[AssessmentItem, float | None, bool]]  # item, value, has a row
    objectives: list[tuple[CourseObjective, float | None, float | None]]  # objective, student, class


def student_scores(offering: CourseOffering, student: Student) -> StudentScores:
    """The last step of the drill-down: a student's item scores and objective values in an offering."""
    scores = queries.list_student_scores(offering, student)
    data = _offering_results(offering)
    if data is None or data.get("error"):
        objectives = [(o, None, None) for o in offering.course.objectives]
    else:
        per = _ids(data.get("students", {}).get(str(student.id)))
        cls = _ids(data.get("class"))
        objectives = [(o, _num(per.get(o.id)), _num(cls.get(o.id))) for o in offering.course.objectives]
    return StudentScores(offering=offering, student=student,
                         rows=[(i, scores.get(i.id), i.id in scores) for i in offering.items],
                         objectives=objectives)


# --- cohorts below the threshold (the director's home page and its list) ---

MAX_OBE_COHORTS = 8  # cohorts computed for the home page and its list (the most recent entry years first)


@dataclass(frozen=True)
class CohortShortfall:
    """A cohort with graduation requirements below the threshold under its framework's rule."""

    cohort: Cohort
    below: int
    total: int
    threshold: float
    numbers: list[str] = field(default_factory=list)


def list_obe_shortfalls(user: User) -> list[CohortShortfall]:
    """Cohorts of the programs ``user`` directs whose graduation requirements fall below the threshold.

    The verdict follows each framework's own rule (weighted sum or minimum); cohorts without scores
    are left out. Only the :data:`MAX_OBE_COHORTS` most recent cohorts are judged, from their stored
    figures (:func:`results.get_many`: the summaries in one query, a cohort not stored yet computed now;
    stored figures are never stale, see :mod:`eduinnov.obe.results`) and the requirements' numbers (one
    query): the verdicts :func:`cohort_report` shows, without building each cohort's report.
    """
    ids = None if user.role == Role.ADMIN else program_ids(user, role=MembershipRole.DIRECTOR)
    stmt = select(Cohort).order_by(Cohort.entry_year.desc(), Cohort.id).limit(MAX_OBE_COHORTS)
    if ids is not None:
        stmt = stmt.where(Cohort.program_id.in_(ids or [-1]))
    cohorts = list(db.session.scalars(stmt))
    framework_of = queries.get_frameworks_for_cohorts(cohorts)
    got = results.get_many(cohorts, framework_of)
    numbers: dict[int, list[tuple[int, int]]] = defaultdict(list)  # framework id → (number, requirement id)
    framework_ids = {f.id for f in framework_of.values() if f is not None}
    for rid, number, fid in db.session.execute(
            select(GraduationRequirement.id, GraduationRequirement.number, GraduationRequirement.framework_id)
            .where(GraduationRequirement.framework_id.in_(framework_ids or {-1}))
            .order_by(GraduationRequirement.number)):
        numbers[fid].append((number, rid))
    out = []
    for cohort in cohorts:
        framework = framework_of[cohort.id]
        if framework is None or cohort.id not in got:
            continue
        key = "achieved_minimum" if framework.aggregation_rule == AggregationRule.MINIMUM else "achieved_weighted_sum"
        stored = got[cohort.id].data["requirements"]
        judged = [(n, _row(stored.get(str(rid)), key)) for n, rid in numbers[framework.id]]
        judged = [(n, v) for n, v in judged if v is not None]
        below = [str(n) for n, v in judged if v is False]
        if below:
            out.append(CohortShortfall(cohort=cohort, below=len(below), total=len(judged),
                                       threshold=framework.threshold, numbers=below))
    return out
