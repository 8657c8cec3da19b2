"""OBE actions: assessment plans, score-sheet imports, achievement reports, surveys, improvement records.

Services flush and never commit. Reports are plain dataclasses built from the database through
``compute`` (the pure engine), so pages, the CLI and the PDF evidence read the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import delete, select

from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    ObjectiveIndicatorLink,
)
from eduinnov.obe import compute, queries
from eduinnov.obe.models import (
    AssessmentItem,
    AssessmentType,
    CourseOffering,
    ImprovementRecord,
    ImprovementStatus,
    ItemObjectiveMapping,
    ObjectiveTypeWeight,
    Score,
    ScoreImport,
    SurveyResult,
    SurveySource,
)
from eduinnov.obe.sheets import MAX_BYTES, MAX_ROWS, ParsedSheet, SheetError, decode_text, parse_score_sheet
from eduinnov.programs.models import Cohort, Student


class ImportRefused(DomainError):
    """A score sheet had errors: nothing was saved. ``parsed`` carries every error."""

    def __init__(self, parsed: ParsedSheet):
        super().__init__(_("The sheet has %(n)d error(s); nothing was saved.", n=len(parsed.errors)))
        self.parsed = parsed


# --- offerings and assessment plans -------------------------------------------------------------------


def _check_offering_parts(course: Course, cohort: Cohort, teacher: User | None) -> None:
    if course.framework.program_id != cohort.program_id:
        raise ValidationError(_("The course and the cohort belong to different programs."))
    if teacher is not None and not teacher.is_admin and \
            cohort.program_id not in {m.program_id for m in teacher.memberships}:
        raise ValidationError(_("The teacher is not a member of this program."))


def _check_offering_unique(course: Course, cohort: Cohort, term: str, class_name: str,
                           exclude: CourseOffering | None = None) -> None:
    stmt = select(CourseOffering).where(
        CourseOffering.course_id == course.id, CourseOffering.cohort_id == cohort.id,
        CourseOffering.term == term, CourseOffering.class_name == class_name)
    found = db.session.scalar(stmt)
    if found is not None and found is not exclude:
        raise ValidationError(_("This course is already offered to this cohort in this term (same class)."))


def create_offering(course: Course, cohort: Cohort, term: str, *, user: User, teacher: User | None = None,
                    class_name: str = "", notes: str | None = None) -> CourseOffering:
    """Create a course offering (course × cohort × term, optional class) for a teacher.

    Raises
    ------
    ValidationError
        Course and cohort of different programs, a teacher outside the program, or a duplicate.
    """
    term, class_name = term.strip(), (class_name or "").strip()
    _check_offering_parts(course, cohort, teacher)
    _check_offering_unique(course, cohort, term, class_name)
    offering = CourseOffering(course=course, cohort=cohort, term=term, class_name=class_name,
                              teacher=teacher, notes=notes)
    db.session.add(offering)
    db.session.flush()
    return offering


def update_offering(offering: CourseOffering, *, term: str, user: User, teacher: User | None = None,
                    class_name: str = "", notes: str | None = None) -> CourseOffering:
    """Change an offering's term, class, teacher or notes (its course and cohort stay)."""
    term, class_name = term.strip(), (class_name or "").strip()
    _check_offering_parts(offering.course, offering.cohort, teacher)
    _check_offering_unique(offering.course, offering.cohort, term, class_name, exclude=offering)
    offering.term, offering.class_name, offering.teacher, offering.notes = term, class_name, teacher, notes
    db.session.flush()
    return offering


def delete_offering(offering: CourseOffering, *, user: User) -> None:
    """Delete an offering with its plan, scores and import history."""
    db.session.delete(offering)
    db.session.flush()


def _objectives_of(offering: CourseOffering, objective_ids: Sequence[int]) -> list[CourseObjective]:
    allowed = {o.id: o for o in offering.course.objectives}
    unknown = [i for i in objective_ids if i not in allowed]
    if unknown:
        raise ValidationError(_("Choose objectives of this course only."))
    return [allowed[i] for i in objective_ids]


def _check_item_name(offering: CourseOffering, name: str, exclude: AssessmentItem | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The item needs a name: the column header in the score sheet."))
    for other in offering.items:
        if other is not exclude and other.name.strip().casefold() == name.casefold():
            raise ValidationError(_("An item named “%(name)s” already exists in this offering.", name=name))
    return name


def _check_full_marks(full_marks: float) -> None:
    if full_marks is None or not np.isfinite(full_marks) or full_marks <= 0:
        raise ValidationError(_("Full marks must be a number above 0."))


def _check_not_below_scores(item: AssessmentItem, full_marks: float) -> None:
    top = max((s.value for s in item.scores if s.value is not None), default=None)
    if top is not None and top > full_marks + 1e-9:
        raise ValidationError(_("Scores up to %(top)s are recorded for this item: full marks cannot be lower.",
                                top=f"{top:g}"))


def add_item(offering: CourseOffering, *, name: str, type: AssessmentType, full_marks: float,
             objective_ids: Sequence[int], user: User, shares: Mapping[int, float] | None = None,
             position: int | None = None) -> AssessmentItem:
    """Add an assessment item mapped to course objectives (with optional shares in (0, 1])."""
    name = _check_item_name(offering, name)
    _check_full_marks(full_marks)
    objectives = _objectives_of(offering, objective_ids)
    if not objectives:
        raise ValidationError(_("Map the item to at least one course objective."))
    if position is None:
        position = max((i.position for i in offering.items), default=0) + 1
    item = AssessmentItem(offering=offering, name=name, type=AssessmentType(type), full_marks=float(full_marks),
                          position=position)
    _set_mappings(item, objectives, shares or {})
    db.session.add(item)
    db.session.flush()
    return item


def _set_mappings(item: AssessmentItem, objectives: list[CourseObjective], shares: Mapping[int, float]) -> None:
    for share in shares.values():
        if share is not None and not (0 < share <= 1):
            raise ValidationError(_("A share must be above 0 and at most 1."))
    wanted = {o.id: o for o in objectives}
    for mapping in list(item.mappings):
        if mapping.objective_id not in wanted:
            item.mappings.remove(mapping)
    have = {m.objective_id: m for m in item.mappings}
    for oid, objective in wanted.items():
        mapping = have.get(oid) or ItemObjectiveMapping(objective=objective)
        mapping.share = shares.get(oid)
        if oid not in have:
            item.mappings.append(mapping)


def update_item(item: AssessmentItem, *, name: str, type: AssessmentType, full_marks: float,
                objective_ids: Sequence[int], user: User, shares: Mapping[int, float] | None = None,
                position: int | None = None) -> AssessmentItem:
    """Change an item; full marks may not drop below a recorded score."""
    item.name = _check_item_name(item.offering, name, exclude=item)
    _check_full_marks(full_marks)
    _check_not_below_scores(item, full_marks)
    objectives = _objectives_of(item.offering, objective_ids)
    if not objectives:
        raise ValidationError(_("Map the item to at least one course objective."))
    item.type, item.full_marks = AssessmentType(type), float(full_marks)
    if position is not None:
        item.position = position
    _set_mappings(item, objectives, shares or {})
    db.session.flush()
    return item


def delete_item(item: AssessmentItem, *, user: User) -> None:
    """Delete an assessment item with its scores."""
    offering = item.offering
    offering.items.remove(item)
    db.session.delete(item)
    db.session.flush()


def set_type_weights(offering: CourseOffering, weights: Mapping[int, Mapping[AssessmentType, float]], *,
                     user: User) -> None:
    """Replace the type weights w_jk of an offering's objectives.

    Per objective the weights must sum to 1 (an objective may have none: its items are then pooled),
    and every type given a weight must have at least one item of that type mapped to the objective.

    Raises
    ------
    ValidationError
        Naming the objective and what is wrong; nothing is changed.
    """
    objectives = {o.id: o for o in offering.course.objectives}
    mapped_types: dict[int, set[AssessmentType]] = defaultdict(set)
    for item in offering.items:
        for m in item.mappings:
            mapped_types[m.objective_id].add(item.type)
    clean: list[tuple[int, AssessmentType, float]] = []
    for oid, by_type in weights.items():
        if oid not in objectives:
            raise ValidationError(_("Choose objectives of this course only."))
        label = f"CO{objectives[oid].number}"
        given = {AssessmentType(t): float(w) for t, w in by_type.items() if w is not None}
        for w in given.values():
            if not np.isfinite(w) or w < 0 or w > 1:
                raise ValidationError(_("%(co)s: each weight is between 0 and 1.", co=label))
        positive = {t: w for t, w in given.items() if w > 0}
        if not positive:
            continue
        total = sum(positive.values())
        if abs(total - 1) > 1e-6:
            raise ValidationError(_("%(co)s: the weights add up to %(total)s, not 1.", co=label,
                                    total=f"{total:.4g}"))
        for t in positive:
            if t not in mapped_types[oid]:
                raise ValidationError(_("%(co)s: weight for %(type)s, but no %(type)s item is mapped to it.",
                                        co=label, type=t.value))
        clean.extend((oid, t, w) for t, w in positive.items())
    offering.type_weights.clear()
    db.session.flush()
    for oid, t, w in clean:
        offering.type_weights.append(ObjectiveTypeWeight(objective_id=oid, type=t, weight=w))
    db.session.flush()


def check_plan(offering: CourseOffering) -> list[str]:
    """Problems of an offering's assessment plan that make figures missing or wrong (empty when fine)."""
    problems = []
    if not offering.items:
        problems.append(_("No assessment items yet."))
    mapped: dict[int, set[AssessmentType]] = defaultdict(set)
    for item in offering.items:
        for m in item.mappings:
            mapped[m.objective_id].add(item.type)
    weights: dict[int, dict[AssessmentType, float]] = defaultdict(dict)
    for w in offering.type_weights:
        weights[w.objective_id][w.type] = w.weight
    for objective in offering.course.objectives:
        label = f"CO{objective.number}"
        if objective.id not in mapped:
            problems.append(_("%(co)s is assessed by no item.", co=label))
            continue
        given = weights.get(objective.id)
        if not given:
            if len(mapped[objective.id]) > 1:
                problems.append(_("%(co)s has no type weights: its items are pooled by their full marks.",
                                  co=label))
            continue
        if abs(sum(given.values()) - 1) > 1e-6:
            problems.append(_("%(co)s: the type weights do not add up to 1.", co=label))
        for t in given:
            if t not in mapped[objective.id]:
                problems.append(_("%(co)s: weight for %(type)s, but no such item is mapped.", co=label,
                                  type=t.value))
    return problems


# --- score sheets ----------------------------------------------------------------------------------


def _sheet_inputs(offering: CourseOffering) -> tuple[dict[str, float], dict[str, str]]:
    items = {i.name: i.full_marks for i in offering.items}
    students = {s.student_no: s.name for s in offering.cohort.students}
    return items, students


def preview_score_sheet(offering: CourseOffering, data: bytes, filename: str) -> ParsedSheet:
    """Parse a sheet against the offering's plan and cohort without saving anything."""
    items, students = _sheet_inputs(offering)
    if not items:
        parsed = ParsedSheet()
        parsed.errors.append(SheetError(None, None, _("Add the assessment items before importing scores.")))
        return parsed
    return parse_score_sheet(data, filename, items, students)


def import_score_sheet(offering: CourseOffering, data: bytes, filename: str, *, user: User) -> ScoreImport:
    """Replace all of an offering's scores with those of a sheet, all or nothing.

    The sheet is parsed again (students or the plan may have changed since the preview). On any error
    nothing is written and :class:`ImportRefused` carries the errors.
    """
    parsed = preview_score_sheet(offering, data, filename)
    if not parsed.ok:
        raise ImportRefused(parsed)
    item_ids = {i.name: i.id for i in offering.items}
    student_ids = {s.student_no: s.id for s in offering.cohort.students}
    db.session.execute(delete(Score).where(Score.item_id.in_(list(item_ids.values()))))
    rows = [
        {"item_id": item_ids[name], "student_id": student_ids[row.student_no], "value": value}
        for row in parsed.rows for name, value in row.values.items()
    ]
    if rows:
        db.session.execute(Score.__table__.insert(), rows)
    record = ScoreImport(offering=offering, user=user, filename=filename[:255], row_count=len(parsed.rows),
                         item_count=len(item_ids), encoding=parsed.encoding or "XLSX")
    db.session.add(record)
    db.session.flush()
    db.session.expire_all()
    return record


def score_template_csv(offering: CourseOffering) -> bytes:
    """A blank score sheet for the offering (UTF-8 with BOM so Excel shows the Chinese): 学号, 姓名, items."""
    import csv
    import io

    from eduinnov.core.tabular import neutralise

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["学号", "姓名", *[i.name for i in offering.items]])
    for student in offering.cohort.students:
        # A name such as =HYPERLINK(…) must stay text when Excel opens the sheet.
        writer.writerow([student.student_no, neutralise(student.name), *[""] * len(offering.items)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- achievement reports -------------------------------------------------------------------------------


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


def _offering_frames(offering: CourseOffering) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    items = pd.DataFrame(
        {"full_marks": [i.full_marks for i in offering.items], "type": [i.type.value for i in offering.items]},
        index=[i.id for i in offering.items], dtype=object,
    ).astype({"full_marks": float})
    mappings = pd.DataFrame(
        [(m.item_id, m.objective_id, m.share) for i in offering.items for m in i.mappings],
        columns=["item", "objective", "share"],
    ).astype({"share": float})
    weights = pd.DataFrame([(w.objective_id, w.type.value, w.weight) for w in offering.type_weights],
                           columns=["objective", "type", "weight"])
    rows = queries.list_scores_of_offering(offering)
    long = pd.DataFrame(rows, columns=["student", "item", "value"])
    scores = (long.pivot_table(index="student", columns="item", values="value", aggfunc="first", dropna=False)
              if not long.empty else pd.DataFrame())
    if not long.empty:
        scores = scores.reindex(sorted(set(long["student"])))
    return scores, items, mappings, weights


def compute_offering(offering: CourseOffering, threshold: float | None = None) -> compute.ObjectiveAchievement:
    """Course-objective achievement of an offering (class and per student), through ``compute``.

    Raises
    ------
    ValueError
        When the plan is inconsistent (see :func:`check_plan`).
    """
    threshold = offering.course.framework.threshold if threshold is None else threshold
    scores, items, mappings, weights = _offering_frames(offering)
    objectives = [o.id for o in offering.course.objectives]
    if items.empty:
        empty = pd.DataFrame(columns=objectives, dtype=float)
        return compute.ObjectiveAchievement(empty, pd.Series(np.nan, index=objectives, dtype=float),
                                            pd.Series(np.nan, index=objectives, dtype=float), threshold)
    return compute.course_objective_achievement(scores, items, mappings, weights, objectives=objectives,
                                                threshold=threshold)


def _histogram(values: pd.Series, bins: int = 10) -> list[int]:
    vals = values.dropna().clip(0, 1).to_numpy()
    counts, _edges = np.histogram(vals, bins=bins, range=(0.0, 1.0))
    return [int(c) for c in counts]


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def offering_report(offering: CourseOffering) -> OfferingReport:
    """Everything the offering page shows: plan matrix, class achievement, distribution, weak objectives."""
    threshold = offering.course.framework.threshold
    objectives = list(offering.course.objectives)
    problems = check_plan(offering)
    error = None
    try:
        result = compute_offering(offering, threshold)
    except ValueError as exc:
        error = str(exc)
        result = None
    students = {s.id: s for s in queries.list_students_of_offering(offering)}
    per_student: list[tuple[Student, dict[int, float]]] = []
    class_values: dict[int, float] = {}
    shares: dict[int, float] = {}
    histograms: dict[int, list[int]] = {}
    if result is not None:
        for sid, row in result.per_student.iterrows():
            if sid in students:
                per_student.append((students[sid], {oid: _num(v) for oid, v in row.items()}))
        per_student.sort(key=lambda pair: pair[0].student_no)
        class_values = {oid: _num(v) for oid, v in result.class_values.items()}
        shares = {oid: _num(v) for oid, v in result.share_at_or_above.items()}
        histograms = {oid: _histogram(result.per_student[oid]) for oid in result.per_student.columns}
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
        plan_problems=problems, n_students=len(per_student), compute_error=error,
    )


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
    student_values: dict[str, pd.DataFrame] = field(default_factory=dict)  # rule value → students × req ids
    offerings: list[CourseOffering] = field(default_factory=list)
    courses_without_scores: list[Course] = field(default_factory=list)
    direct_weight: float | None = None

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


def _course_results(offerings: list[CourseOffering], threshold: float) -> dict[int, pd.DataFrame]:
    """Course id → per-student objective values pooled over that course's offerings (students × objectives)."""
    by_course: dict[int, list[pd.DataFrame]] = defaultdict(list)
    for offering in offerings:
        try:
            result = compute_offering(offering, threshold)
        except ValueError:
            continue  # an inconsistent plan: the offering page says why
        if not result.per_student.empty:
            by_course[offering.course_id].append(result.per_student)
    pooled = {}
    for cid, frames in by_course.items():
        frame = pd.concat(frames)
        pooled[cid] = frame.groupby(level=0).mean()  # a student in two offerings of one course: their mean
    return pooled


def cohort_report(cohort: Cohort, framework: FrameworkVersion | None = None, *,
                  direct_weight: float | None = None) -> CohortReport:
    """Indicator-point and graduation-requirement achievement of a cohort, both rules, with drill-down data.

    Parameters
    ----------
    cohort : Cohort
    framework : FrameworkVersion, optional
        Default: the version the cohort's offerings use (see ``queries.get_framework_for_cohort``).
    direct_weight : float, optional
        When given (0..1), each indicator point also gets a combined value
        ``direct_weight · direct + (1 − direct_weight) · mean of its survey results``.

    Returns
    -------
    CohortReport
    """
    framework = framework or queries.get_framework_for_cohort(cohort)
    if framework is None:
        return CohortReport(cohort=cohort, framework=None, threshold=0.7, rule=AggregationRule.WEIGHTED_SUM)
    threshold, rule = framework.threshold, framework.aggregation_rule
    offerings = [o for o in queries.list_offerings_of_cohort(cohort) if o.course.framework_id == framework.id]
    per_course = _course_results(offerings, threshold)
    offerings_by_course: dict[int, list[CourseOffering]] = defaultdict(list)
    for o in offerings:
        offerings_by_course[o.course_id].append(o)

    links: dict[tuple[int, int], list[int]] = defaultdict(list)  # (course, point) → objective ids
    for link in db.session.scalars(
        select(ObjectiveIndicatorLink).join(ObjectiveIndicatorLink.objective).join(CourseObjective.course)
        .where(Course.framework_id == framework.id)
    ):
        links[(link.objective.course_id, link.indicator_point_id)].append(link.objective_id)
    supports = list(db.session.scalars(
        select(CourseSupport).join(CourseSupport.course).where(Course.framework_id == framework.id)
    ))

    support_rows, student_rows, cells = [], [], {}
    for s in supports:
        req_id = s.indicator_point.requirement_id
        objective_ids = links.get((s.course_id, s.indicator_point_id)) or [o.id for o in s.course.objectives]
        frame = per_course.get(s.course_id)
        class_objectives = frame.mean() if frame is not None else pd.Series(dtype=float)
        value = compute.course_value(class_objectives, objective_ids)
        support_rows.append((req_id, s.indicator_point_id, s.course_id, s.effective_weight, value))
        if frame is not None:
            cols = [o for o in objective_ids if o in frame.columns]
            if cols:
                vals = frame[cols].mean(axis=1, skipna=True)
                student_rows.extend((sid, s.indicator_point_id, s.course_id, v) for sid, v in vals.items())
        objectives = {o.id: o for o in s.course.objectives}
        cells[(s.indicator_point_id, s.course_id)] = CourseCell(
            course=s.course, weight=s.effective_weight, normalised_weight=None, strength_label=s.label,
            value=_num(value),
            objectives=[(objectives[oid], _num(class_objectives.get(oid))) for oid in objective_ids
                        if oid in objectives],
            linked=(s.course_id, s.indicator_point_id) in links,
            offerings=offerings_by_course.get(s.course_id, []),
        )
    support = pd.DataFrame(support_rows, columns=["requirement", "point", "course", "weight", "value"])
    result = compute.cohort_achievement(support, threshold)
    student_long = pd.DataFrame(student_rows, columns=["student", "point", "course", "value"])
    student_values = {
        r.value: compute.student_achievement(support.drop(columns="value"), student_long, compute.Rule(r.value))
        for r in AggregationRule
    } if not student_long.empty else {}

    surveys: dict[int, dict[str, float]] = defaultdict(dict)
    for sr in queries.list_surveys_of_cohort(cohort):
        surveys[sr.indicator_point_id][sr.source.value] = sr.value

    # Normalised weights over the courses that have a value, as the weighted-sum rule uses them.
    totals: dict[int, float] = defaultdict(float)
    for (pid, _cid), cell in cells.items():
        if cell.value is not None:
            totals[pid] += cell.weight
    for (pid, _cid), cell in cells.items():
        if cell.value is not None and totals[pid] > 0:
            cell.normalised_weight = cell.weight / totals[pid]

    report = CohortReport(cohort=cohort, framework=framework, threshold=threshold, rule=rule,
                          student_values=student_values, offerings=offerings, direct_weight=direct_weight)
    with_scores = set(per_course)
    report.courses_without_scores = sorted({s.course for s in supports if s.course_id not in with_scores},
                                           key=lambda c: c.code)
    pts, reqs = result.points, result.requirements
    for requirement in framework.requirements:
        points = []
        for point in requirement.indicator_points:
            courses = sorted((c for (pid, _), c in cells.items() if pid == point.id), key=lambda c: c.course.code)
            row = pts.loc[point.id] if point.id in pts.index else None
            indirect = surveys.get(point.id, {})
            pr = PointRow(
                point=point, courses=courses, indirect=indirect,
                weighted_sum=_num(row["weighted_sum"]) if row is not None else None,
                minimum=_num(row["minimum"]) if row is not None else None,
                achieved_weighted_sum=row["achieved_weighted_sum"] if row is not None else None,
                achieved_minimum=row["achieved_minimum"] if row is not None else None,
            )
            direct = pr.weighted_sum if rule == AggregationRule.WEIGHTED_SUM else pr.minimum
            if direct_weight is not None and indirect and direct is not None:
                pr.combined = direct_weight * direct + (1 - direct_weight) * float(np.mean(list(indirect.values())))
            points.append(pr)
        row = reqs.loc[requirement.id] if requirement.id in reqs.index else None
        shares = {}
        for r, frame in student_values.items():
            if requirement.id in frame.columns:
                shares[r] = _num(compute.share_at_or_above(frame[requirement.id], threshold))
        indirect_vals = [float(np.mean(list(p.indirect.values()))) for p in points if p.indirect]
        combined_vals = [p.combined for p in points if p.combined is not None]
        report.requirements.append(RequirementRow(
            requirement=requirement, points=points,
            weighted_sum=_num(row["weighted_sum"]) if row is not None else None,
            minimum=_num(row["minimum"]) if row is not None else None,
            achieved_weighted_sum=row["achieved_weighted_sum"] if row is not None else None,
            achieved_minimum=row["achieved_minimum"] if row is not None else None,
            rule_changes_verdict=bool(row["rule_changes_verdict"]) if row is not None else False,
            share_weighted_sum=shares.get("weighted_sum"), share_minimum=shares.get("minimum"),
            indirect=min(indirect_vals) if indirect_vals else None,
            combined=min(combined_vals) if combined_vals else None,
        ))
    return report


@dataclass
class StudentReport:
    """One student's requirement achievement (both rules) and course-objective values."""

    student: Student
    framework: FrameworkVersion | None
    threshold: float
    rule: AggregationRule
    requirements: list[tuple[GraduationRequirement, float | None, float | None]]
    offerings: list[tuple[CourseOffering, list[tuple[CourseObjective, float | None]]]]


def student_report(student: Student) -> StudentReport:
    """A student's graduation-requirement achievement from their own scores, plus their objective values."""
    report = cohort_report(student.cohort)
    reqs = []
    for row in report.requirements:
        values = []
        for rule in ("weighted_sum", "minimum"):
            frame = report.student_values.get(rule)
            v = None
            if frame is not None and student.id in frame.index and row.requirement.id in frame.columns:
                v = _num(frame.at[student.id, row.requirement.id])
            values.append(v)
        reqs.append((row.requirement, values[0], values[1]))
    offerings = []
    for offering in queries.list_offerings_of_student(student):
        try:
            result = compute_offering(offering)
        except ValueError:
            continue
        per = result.per_student.loc[student.id] if student.id in result.per_student.index else pd.Series()
        offerings.append((offering, [(o, _num(per.get(o.id))) for o in offering.course.objectives]))
    return StudentReport(student=student, framework=report.framework, threshold=report.threshold,
                         rule=report.rule, requirements=reqs, offerings=offerings)


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
    try:
        result = compute_offering(offering)
        per = result.per_student.loc[student.id] if student.id in result.per_student.index else pd.Series()
        objectives = [(o, _num(per.get(o.id)), _num(result.class_values.get(o.id)))
                      for o in offering.course.objectives]
    except ValueError:
        objectives = [(o, None, None) for o in offering.course.objectives]
    return StudentScores(offering=offering, student=student,
                         rows=[(i, scores.get(i.id), i.id in scores) for i in offering.items],
                         objectives=objectives)


# --- indirect evaluation ---------------------------------------------------------------------------------

_SOURCE_WORDS = {
    "graduate": SurveySource.GRADUATE, "毕业生": SurveySource.GRADUATE, "毕业生调查": SurveySource.GRADUATE,
    "employer": SurveySource.EMPLOYER, "用人单位": SurveySource.EMPLOYER, "雇主": SurveySource.EMPLOYER,
    "self": SurveySource.SELF, "自评": SurveySource.SELF, "学生自评": SurveySource.SELF,
}
_SURVEY_HEADERS = {
    "point": {"indicator_point", "indicatorpoint", "point", "指标点", "指标点编号"},
    "source": {"source", "来源", "调查来源"},
    "value": {"value", "达成度", "评价值", "值"},
    "respondents": {"respondents", "人数", "样本数", "回收份数"},
    "year": {"year", "年份", "年度"},
}


def parse_survey_sheet(data: bytes, cohort: Cohort, framework: FrameworkVersion
                       ) -> tuple[list[tuple[IndicatorPoint, SurveySource, float, int | None, int | None]], list[SheetError]]:
    """Parse a survey CSV (indicator point, source, value 0..1, respondents, year); never writes."""
    import csv
    import io
    import unicodedata

    errors: list[SheetError] = []
    if len(data) > MAX_BYTES:
        return [], [SheetError(None, None, _("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))]
    try:
        text, _enc = decode_text(data)
    except Exception as exc:  # noqa: BLE001 - decode_text raises SheetFormatError with the reason
        return [], [SheetError(None, None, str(exc))]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], [SheetError(None, None, _("The file is empty."))]
    if len(rows) > MAX_ROWS + 1:
        return [], [SheetError(None, None, _("The sheet has more than %(n)d rows.", n=MAX_ROWS))]
    header = [unicodedata.normalize("NFKC", h).strip().casefold().replace(" ", "_") for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in _SURVEY_HEADERS.items():
        for i, h in enumerate(header):
            if h in names or h.replace("_", "") in names:
                col[key] = i
                break
    for key in ("point", "source", "value"):
        if key not in col:
            errors.append(SheetError(1, None, _("missing column “%(name)s”", name=key)))
    if errors:
        return [], errors
    points = {p.code.strip(): p for r in framework.requirements for p in r.indicator_points}
    out, seen = [], {}
    for n, raw in enumerate(rows[1:], start=2):
        cells = [unicodedata.normalize("NFKC", c).strip() for c in raw] + [""] * len(header)
        if not any(cells):
            continue
        code, source_word, value_text = cells[col["point"]], cells[col["source"]], cells[col["value"]]
        point = points.get(code)
        if point is None:
            errors.append(SheetError(n, header[col["point"]], _("no indicator point %(code)s in this framework",
                                                              code=code)))
            continue
        source = _SOURCE_WORDS.get(source_word.casefold())
        if source is None:
            errors.append(SheetError(n, header[col["source"]], _(
                "“%(value)s” is not graduate, employer or self", value=source_word)))
            continue
        try:
            value = float(value_text)
        except ValueError:
            errors.append(SheetError(n, header[col["value"]], _("“%(value)s” is not a number", value=value_text)))
            continue
        if not 0 <= value <= 1:
            errors.append(SheetError(n, header[col["value"]], _(
                "%(value)s is outside 0..1 (divide a 5-point mean by 5)", value=value_text)))
            continue
        extra = []
        for key in ("respondents", "year"):
            text_value = cells[col[key]] if key in col else ""
            if not text_value:
                extra.append(None)
                continue
            try:
                extra.append(int(float(text_value)))
            except ValueError:
                errors.append(SheetError(n, header[col[key]], _("“%(value)s” is not a whole number",
                                                                value=text_value)))
                extra.append(None)
        if (point.id, source) in seen:
            errors.append(SheetError(n, None, _("%(code)s / %(source)s is already in row %(row)d",
                                                code=code, source=source.value, row=seen[(point.id, source)])))
            continue
        seen[(point.id, source)] = n
        out.append((point, source, value, extra[0], extra[1]))
    if not out and not errors:
        errors.append(SheetError(None, None, _("No survey rows under the header.")))
    return out, errors


def import_surveys(cohort: Cohort, data: bytes, *, user: User) -> int:
    """Import survey results for a cohort (all or nothing); a row replaces the same point and source.

    Raises
    ------
    ValidationError
        With every error, one per line; nothing is written.
    """
    framework = queries.get_framework_for_cohort(cohort)
    if framework is None:
        raise ValidationError(_("The cohort's program has no framework version."))
    rows, errors = parse_survey_sheet(data, cohort, framework)
    if errors:
        raise ValidationError("\n".join(str(e) for e in errors))
    existing = {(s.indicator_point_id, s.source): s for s in queries.list_surveys_of_cohort(cohort)}
    for point, source, value, respondents, year in rows:
        record = existing.get((point.id, source)) or SurveyResult(cohort=cohort, indicator_point=point,
                                                                  source=source)
        record.value, record.respondents, record.year = value, respondents, year
        db.session.add(record)
    db.session.flush()
    return len(rows)


def delete_survey(result: SurveyResult, *, user: User) -> None:
    """Delete one survey result."""
    db.session.delete(result)
    db.session.flush()


# --- continuous improvement ------------------------------------------------------------------------------


def _check_target(framework: FrameworkVersion, requirement: GraduationRequirement | None,
                  point: IndicatorPoint | None, objective: CourseObjective | None,
                  cohort: Cohort | None) -> None:
    if requirement is None and point is None and objective is None:
        raise ValidationError(_("Choose what the record is about: a requirement, an indicator point or an objective."))
    for obj in (requirement, point, objective):
        if obj is not None and obj.program_id != framework.program_id:
            raise ValidationError(_("The target belongs to another program."))
    if requirement is not None and requirement.framework_id != framework.id:
        raise ValidationError(_("The requirement belongs to another framework version."))
    if point is not None and requirement is not None and point.requirement_id != requirement.id:
        raise ValidationError(_("The indicator point belongs to another requirement."))
    if cohort is not None and cohort.program_id != framework.program_id:
        raise ValidationError(_("The cohort belongs to another program."))


def create_improvement(requirement: GraduationRequirement, *, user: User, cycle_year: int, analysis: str,
                       measure: str, responsible: str, point: IndicatorPoint | None = None,
                       objective: CourseObjective | None = None, cohort: Cohort | None = None,
                       achievement_value: float | None = None, next_cycle_result: str | None = None,
                       status: ImprovementStatus = ImprovementStatus.PLANNED) -> ImprovementRecord:
    """Record one turn of the improvement loop under a requirement (optionally for a point or objective)."""
    framework = requirement.framework
    _check_target(framework, requirement, point, objective, cohort)
    if achievement_value is not None and not 0 <= achievement_value <= 1:
        raise ValidationError(_("The achievement value is between 0 and 1."))
    record = ImprovementRecord(
        framework_version=framework, requirement=requirement, indicator_point=point, objective=objective,
        cohort=cohort, cycle_year=cycle_year, analysis=analysis.strip(), measure=measure.strip(),
        responsible=responsible.strip(), achievement_value=achievement_value,
        next_cycle_result=(next_cycle_result or "").strip() or None, status=ImprovementStatus(status),
        created_by=user,
    )
    db.session.add(record)
    db.session.flush()
    return record


def update_improvement(record: ImprovementRecord, *, user: User, cycle_year: int, analysis: str, measure: str,
                       responsible: str, point: IndicatorPoint | None = None,
                       objective: CourseObjective | None = None, cohort: Cohort | None = None,
                       achievement_value: float | None = None, next_cycle_result: str | None = None,
                       status: ImprovementStatus = ImprovementStatus.PLANNED) -> ImprovementRecord:
    """Change an improvement record (e.g. add the next cycle's result and mark it checked)."""
    _check_target(record.framework_version, record.requirement, point, objective, cohort)
    if achievement_value is not None and not 0 <= achievement_value <= 1:
        raise ValidationError(_("The achievement value is between 0 and 1."))
    record.indicator_point, record.objective, record.cohort = point, objective, cohort
    record.cycle_year, record.analysis, record.measure = cycle_year, analysis.strip(), measure.strip()
    record.responsible, record.achievement_value = responsible.strip(), achievement_value
    record.next_cycle_result = (next_cycle_result or "").strip() or None
    record.status = ImprovementStatus(status)
    db.session.flush()
    return record


def delete_improvement(record: ImprovementRecord, *, user: User) -> None:
    """Delete an improvement record."""
    db.session.delete(record)
    db.session.flush()


def candidate_objectives(requirement: GraduationRequirement) -> list[CourseObjective]:
    """Course objectives that bear on a requirement: linked to its points, or of courses supporting them."""
    point_ids = [p.id for p in requirement.indicator_points]
    if not point_ids:
        return []
    linked = set(db.session.scalars(select(ObjectiveIndicatorLink.objective_id)
                                    .where(ObjectiveIndicatorLink.indicator_point_id.in_(point_ids))))
    course_ids = set(db.session.scalars(select(CourseSupport.course_id)
                                        .where(CourseSupport.indicator_point_id.in_(point_ids))))
    stmt = (select(CourseObjective).join(CourseObjective.course)
            .where((CourseObjective.id.in_(linked or {-1})) | (CourseObjective.course_id.in_(course_ids or {-1})))
            .order_by(Course.code, CourseObjective.number))
    return list(db.session.scalars(stmt))


def cohort_trend(cohort: Cohort, *, limit: int = 6) -> list[tuple[Cohort, dict[int, float | None]]]:
    """Requirement values (program rule) of the program's cohorts, by requirement number, oldest first.

    Cohorts without a framework or without any value are left out; at most ``limit`` cohorts.
    """
    out = []
    for other in queries.list_cohorts_of_program(cohort.program_id)[-limit:]:
        report = cohort_report(other)
        if report.framework is None:
            continue
        attr = "weighted_sum" if report.rule == AggregationRule.WEIGHTED_SUM else "minimum"
        values = {r.requirement.number: getattr(r, attr) for r in report.requirements}
        if any(v is not None for v in values.values()):
            out.append((other, values))
    return out
