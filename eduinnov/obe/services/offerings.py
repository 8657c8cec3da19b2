"""Offerings and assessment plans: items mapped to course objectives, type weights, plan checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import Course, CourseObjective
from eduinnov.obe.models import (
    AssessmentItem,
    AssessmentType,
    CourseOffering,
    ItemObjectiveMapping,
    ObjectiveTypeWeight,
)
from eduinnov.programs.models import Cohort


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
