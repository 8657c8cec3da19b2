"""Editing the content of a framework version: OBE tree, courses, objectives, modules, support matrix."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseCategory,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ModuleKind,
    ModuleLine,
    ObjectiveIndicatorLink,
    SupportStrength,
)
from eduinnov.frameworks.services._common import (
    check_nonnegative,
    clean_text,
    ensure_editable,
    require_text,
)

# --- graduation requirements ---


def _check_requirement_number(framework: FrameworkVersion, number: int, exclude_id: int | None) -> int:
    if number is None or number < 1:
        raise ValidationError(_("The number must be a positive whole number."))
    stmt = select(GraduationRequirement.id).where(
        GraduationRequirement.framework_id == framework.id, GraduationRequirement.number == number
    )
    if exclude_id is not None:
        stmt = stmt.where(GraduationRequirement.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("Graduation requirement %(number)d already exists in this version.", number=number))
    return number


def create_requirement(
    framework: FrameworkVersion, *, number: int, title: str, title_en: str | None = None,
    description: str | None = None,
) -> GraduationRequirement:
    """Add a graduation requirement (毕业要求) to a version.

    Raises
    ------
    LockedError
        If the version is archived.
    ValidationError
        If the number is not positive or already used in the version, or the title is empty.
    """
    ensure_editable(framework)
    requirement = GraduationRequirement(
        framework=framework,
        number=_check_requirement_number(framework, number, None),
        title=require_text(title, _("Title")),
        title_en=clean_text(title_en),
        description=clean_text(description),
    )
    db.session.add(requirement)
    db.session.flush()
    return requirement


def update_requirement(
    requirement: GraduationRequirement, *, number: int, title: str, title_en: str | None = None,
    description: str | None = None,
) -> GraduationRequirement:
    """Change a graduation requirement's number, titles and description (same checks as creation)."""
    ensure_editable(requirement.framework)
    requirement.number = _check_requirement_number(requirement.framework, number, requirement.id)
    requirement.title = require_text(title, _("Title"))
    requirement.title_en = clean_text(title_en)
    requirement.description = clean_text(description)
    db.session.flush()
    return requirement


def delete_requirement(requirement: GraduationRequirement) -> None:
    """Delete a graduation requirement with its indicator points (and their support cells and links)."""
    ensure_editable(requirement.framework)
    _delete_links_to_points([p.id for p in requirement.indicator_points])
    framework = requirement.framework
    db.session.delete(requirement)
    db.session.flush()
    db.session.expire(framework, ["requirements"])


# --- indicator points ---


def _check_point_code(requirement: GraduationRequirement, code: str, exclude_id: int | None) -> str:
    code = require_text(code, _("Code"))
    stmt = select(IndicatorPoint.id).where(
        IndicatorPoint.requirement_id == requirement.id, IndicatorPoint.code == code
    )
    if exclude_id is not None:
        stmt = stmt.where(IndicatorPoint.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("Indicator point %(code)s already exists in this requirement.", code=code))
    return code


def create_indicator_point(
    requirement: GraduationRequirement, *, code: str, description: str,
    description_en: str | None = None, position: int | None = None,
) -> IndicatorPoint:
    """Add an indicator point (指标点, e.g. ``3.2``) to a graduation requirement.

    ``position`` defaults to after the last point of the requirement.
    """
    ensure_editable(requirement.framework)
    if position is None:
        position = max((p.position for p in requirement.indicator_points), default=0) + 1
    point = IndicatorPoint(
        requirement=requirement,
        code=_check_point_code(requirement, code, None),
        description=require_text(description, _("Description")),
        description_en=clean_text(description_en),
        position=position,
    )
    db.session.add(point)
    db.session.flush()
    return point


def update_indicator_point(
    point: IndicatorPoint, *, code: str, description: str, description_en: str | None = None,
    position: int | None = None,
) -> IndicatorPoint:
    """Change an indicator point's code, description and position."""
    ensure_editable(point.framework)
    point.code = _check_point_code(point.requirement, code, point.id)
    point.description = require_text(description, _("Description"))
    point.description_en = clean_text(description_en)
    if position is not None:
        point.position = position
    db.session.flush()
    return point


def _delete_links_to_points(point_ids: list[int]) -> None:
    # Objective links have no ORM cascade from the point side: remove them explicitly.
    if not point_ids:
        return
    links = db.session.scalars(
        select(ObjectiveIndicatorLink).where(ObjectiveIndicatorLink.indicator_point_id.in_(point_ids))
    )
    for link in links:
        db.session.delete(link)


def delete_indicator_point(point: IndicatorPoint) -> None:
    """Delete an indicator point with its support cells and objective links."""
    ensure_editable(point.framework)
    _delete_links_to_points([point.id])
    requirement = point.requirement
    db.session.delete(point)
    db.session.flush()
    db.session.expire(requirement, ["indicator_points"])


# --- modules ---


def _check_module_parent(module: Module | None, framework: FrameworkVersion, parent: Module | None) -> None:
    if parent is None:
        return
    if parent.framework_id != framework.id:
        raise ValidationError(_("The parent module belongs to another framework version."))
    if module is None:
        return
    node: Module | None = parent
    while node is not None:
        if node.id == module.id:
            raise ValidationError(_("A module cannot be placed inside itself or one of its sub-modules."))
        node = node.parent


def create_module(
    framework: FrameworkVersion, *, name_zh: str, kind: ModuleKind, parent: Module | None = None,
    name_en: str | None = None, line: ModuleLine | None = None, credits: float | None = None,
    term: str | None = None, position: int | None = None, description: str | None = None,
) -> Module:
    """Add a node to the module structure (e.g. one of the three modules of the '3332' system).

    Parameters
    ----------
    framework : FrameworkVersion
    name_zh : str
        Name (Chinese, required); ``name_en`` optional.
    kind : ModuleKind
    parent : Module, optional
        Parent node in the same version; None for a top-level module.
    line, credits, term, position, description
        Optional attributes; ``position`` defaults to after the last sibling.

    Raises
    ------
    LockedError
        If the version is archived.
    ValidationError
        If the parent belongs to another version or the credits are negative.
    """
    ensure_editable(framework)
    _check_module_parent(None, framework, parent)
    if position is None:
        siblings = parent.children if parent is not None else [m for m in framework.modules if m.parent_id is None]
        position = max((m.position for m in siblings), default=0) + 1
    module = Module(
        framework=framework, parent=parent, name_zh=require_text(name_zh, _("Name")),
        name_en=clean_text(name_en), kind=ModuleKind(kind), line=ModuleLine(line) if line else None,
        credits=check_nonnegative(credits, _("Credits")), term=clean_text(term), position=position,
        description=clean_text(description),
    )
    db.session.add(module)
    db.session.flush()
    return module


def update_module(
    module: Module, *, name_zh: str, kind: ModuleKind, parent: Module | None = None,
    name_en: str | None = None, line: ModuleLine | None = None, credits: float | None = None,
    term: str | None = None, position: int | None = None, description: str | None = None,
) -> Module:
    """Change a module node; moving it under itself or one of its descendants is refused."""
    ensure_editable(module.framework)
    _check_module_parent(module, module.framework, parent)
    module.parent = parent
    module.name_zh = require_text(name_zh, _("Name"))
    module.name_en = clean_text(name_en)
    module.kind = ModuleKind(kind)
    module.line = ModuleLine(line) if line else None
    module.credits = check_nonnegative(credits, _("Credits"))
    module.term = clean_text(term)
    if position is not None:
        module.position = position
    module.description = clean_text(description)
    db.session.flush()
    return module


def delete_module(module: Module) -> None:
    """Delete a module with its sub-modules; their courses stay in the version, without a module."""
    ensure_editable(module.framework)

    def detach(node: Module) -> None:
        for course in list(node.courses):
            course.module = None
        for child in node.children:
            detach(child)

    detach(module)
    framework, parent = module.framework, module.parent
    db.session.delete(module)
    db.session.flush()
    db.session.expire(framework, ["modules"])
    if parent is not None:
        db.session.expire(parent, ["children"])


def module_descendant_ids(module: Module) -> set[int]:
    """Ids of ``module`` and every node below it (choices a parent select must exclude)."""
    ids = {module.id}
    for child in module.children:
        ids |= module_descendant_ids(child)
    return ids


# --- courses ---


def _check_course_code(framework: FrameworkVersion, code: str, exclude_id: int | None) -> str:
    code = require_text(code, _("Code"))
    stmt = select(Course.id).where(Course.framework_id == framework.id, Course.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Course.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("A course with code %(code)s already exists in this version.", code=code))
    return code


def _check_module(framework: FrameworkVersion, module: Module | None) -> Module | None:
    if module is not None and module.framework_id != framework.id:
        raise ValidationError(_("The module belongs to another framework version."))
    return module


def create_course(
    framework: FrameworkVersion, *, code: str, name_zh: str, name_en: str | None = None,
    credits: float = 0.0, term: int | None = None, is_required: bool = True, module: Module | None = None,
    category: CourseCategory = CourseCategory.OTHER,
) -> Course:
    """Add a course to a version; its code must be unique within the version.

    Raises
    ------
    LockedError
        If the version is archived.
    ValidationError
        If the code is taken, the credits are negative, or the module belongs to another version.
    """
    ensure_editable(framework)
    course = Course(
        framework=framework, code=_check_course_code(framework, code, None),
        name_zh=require_text(name_zh, _("Name")), name_en=clean_text(name_en),
        credits=check_nonnegative(credits or 0.0, _("Credits")), term=term, is_required=bool(is_required),
        module=_check_module(framework, module), category=CourseCategory(category),
    )
    db.session.add(course)
    db.session.flush()
    return course


def update_course(
    course: Course, *, code: str, name_zh: str, name_en: str | None = None, credits: float = 0.0,
    term: int | None = None, is_required: bool = True, module: Module | None = None,
    category: CourseCategory | None = None,
) -> Course:
    """Change a course (same checks as creation); ``category`` None keeps the course's category."""
    framework = course.framework
    ensure_editable(framework)
    course.code = _check_course_code(framework, code, course.id)
    course.name_zh = require_text(name_zh, _("Name"))
    course.name_en = clean_text(name_en)
    course.credits = check_nonnegative(credits or 0.0, _("Credits"))
    course.term = term
    course.is_required = bool(is_required)
    course.module = _check_module(framework, module)
    if category is not None:
        course.category = CourseCategory(category)
    db.session.flush()
    return course


def delete_course(course: Course) -> None:
    """Delete a course with its objectives, their links and its support cells."""
    framework = course.framework
    ensure_editable(framework)
    db.session.delete(course)
    db.session.flush()
    db.session.expire(framework, ["courses"])


# --- course objectives ---


def _check_objective_number(course: Course, number: int, exclude_id: int | None) -> int:
    if number is None or number < 1:
        raise ValidationError(_("The number must be a positive whole number."))
    stmt = select(CourseObjective.id).where(CourseObjective.course_id == course.id, CourseObjective.number == number)
    if exclude_id is not None:
        stmt = stmt.where(CourseObjective.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("Objective %(number)d already exists in this course.", number=number))
    return number


def _check_points(framework: FrameworkVersion, points: Iterable[IndicatorPoint]) -> list[IndicatorPoint]:
    points = list(points)
    for point in points:
        if point.requirement.framework_id != framework.id:
            raise ValidationError(_("Indicator point %(code)s belongs to another framework version.",
                                    code=point.code))
    return points


def _set_links(objective: CourseObjective, points: list[IndicatorPoint]) -> None:
    wanted = {p.id: p for p in points}
    for link in list(objective.indicator_links):
        if link.indicator_point_id not in wanted:
            objective.indicator_links.remove(link)
        else:
            wanted.pop(link.indicator_point_id)
    for point in wanted.values():
        objective.indicator_links.append(ObjectiveIndicatorLink(indicator_point=point))


def create_objective(
    course: Course, *, number: int, description: str, points: Iterable[IndicatorPoint] = (),
) -> CourseObjective:
    """Add a course objective (课程目标) linked to indicator points of the same version.

    Raises
    ------
    LockedError
        If the version is archived.
    ValidationError
        If the number is taken or a point belongs to another version.
    """
    ensure_editable(course.framework)
    checked = _check_points(course.framework, points)
    number = _check_objective_number(course, number, None)
    with db.session.no_autoflush:
        objective = CourseObjective(course=course, number=number,
                                    description=require_text(description, _("Description")))
        _set_links(objective, checked)
    db.session.add(objective)
    db.session.flush()
    return objective


def update_objective(
    objective: CourseObjective, *, number: int, description: str, points: Iterable[IndicatorPoint] = (),
) -> CourseObjective:
    """Change a course objective and replace its set of linked indicator points."""
    course = objective.course
    ensure_editable(course.framework)
    checked = _check_points(course.framework, points)
    objective.number = _check_objective_number(course, number, objective.id)
    objective.description = require_text(description, _("Description"))
    _set_links(objective, checked)
    db.session.flush()
    return objective


def delete_objective(objective: CourseObjective) -> None:
    """Delete a course objective with its indicator-point links."""
    ensure_editable(objective.framework)
    course = objective.course
    db.session.delete(objective)
    db.session.flush()
    db.session.expire(course, ["objectives"])


# --- support matrix ---


@dataclass(frozen=True)
class CellInput:
    """One posted cell of the support matrix: a strength letter and/or a weight, as typed."""

    strength: str | None = None
    weight: str | float | None = None


class MatrixError(ValidationError):
    """The support matrix was not saved; ``cell_errors`` maps (course id, point id) to a message."""

    def __init__(self, message: str, cell_errors: dict[tuple[int, int], str]):
        super().__init__(message)
        self.cell_errors = cell_errors


def _parse_weight(raw: str | float | None) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = raw.strip().replace(",", ".")
        if not text:
            return None
        value = float(text)  # ValueError handled by the caller
    if not math.isfinite(value) or value <= 0:
        raise ValueError
    return value


def save_support_matrix(
    framework: FrameworkVersion, cells: Mapping[tuple[int, int], CellInput]
) -> dict[str, int]:
    """Save many cells of the course × indicator-point support matrix at once, all or nothing.

    Parameters
    ----------
    framework : FrameworkVersion
        A draft or active version.
    cells : Mapping[tuple[int, int], CellInput]
        ``(course_id, indicator_point_id) -> CellInput``. A cell with neither strength nor weight
        removes the support; cells not given are left as they are. Strength is ``H``, ``M``, ``L`` or
        empty; weight is a positive number or empty (it overrides the H/M/L number in calculations).

    Returns
    -------
    dict[str, int]
        Counts of ``created``, ``updated`` and ``deleted`` cells.

    Raises
    ------
    LockedError
        If the version is archived.
    MatrixError
        If any cell names a course or point outside the version or holds an invalid value; every
        invalid cell is listed and nothing is changed.
    """
    ensure_editable(framework)
    courses = {c.id: c for c in framework.courses}
    points = {p.id: p for r in framework.requirements for p in r.indicator_points}
    errors: dict[tuple[int, int], str] = {}
    parsed: dict[tuple[int, int], tuple[SupportStrength | None, float | None]] = {}
    for key, cell in cells.items():
        course_id, point_id = key
        course, point = courses.get(course_id), points.get(point_id)
        if course is None or point is None:
            errors[key] = _("Cell %(course)s × %(point)s is not part of this framework version.",
                            course=course_id, point=point_id)
            continue
        name = f"{course.code} × {point.code}"
        raw_strength = (cell.strength or "").strip().upper()
        try:
            strength = SupportStrength(raw_strength) if raw_strength else None
        except ValueError:
            errors[key] = _("%(cell)s: the strength must be H, M, L or empty.", cell=name)
            continue
        try:
            weight = _parse_weight(cell.weight)
        except (TypeError, ValueError):
            errors[key] = _("%(cell)s: the weight must be a positive number.", cell=name)
            continue
        parsed[key] = (strength, weight)
    if errors:
        raise MatrixError(
            ngettext("The support matrix was not saved: %(num)d invalid cell. %(details)s",
                     "The support matrix was not saved: %(num)d invalid cells. %(details)s",
                     len(errors), details="; ".join(errors.values())),
            errors,
        )

    existing = {
        (s.course_id, s.indicator_point_id): s
        for course in courses.values() for s in course.supports
    }
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for key, (strength, weight) in parsed.items():
        support = existing.get(key)
        if strength is None and weight is None:
            if support is not None:
                courses[key[0]].supports.remove(support)
                counts["deleted"] += 1
        elif support is None:
            courses[key[0]].supports.append(
                CourseSupport(indicator_point=points[key[1]], strength=strength, weight=weight)
            )
            counts["created"] += 1
        elif support.strength != strength or support.weight != weight:
            support.strength, support.weight = strength, weight
            counts["updated"] += 1
    db.session.flush()
    return counts
