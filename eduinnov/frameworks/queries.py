"""Named reads of the frameworks domain: version lists, the OBE tree, the support matrix, the module
tree, partner lists. Structures for templates are plain data (dicts, lists, dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select

from eduinnov.auth.access import Action, can, restrict_to_programs
from eduinnov.auth.models import User
from eduinnov.core.i18n import enum_label
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    PartnerKind,
    PartnerOrganisation,
)
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- programs and versions ---


def list_programs_for(user: User, action: Action = Action.VIEW) -> list[Program]:
    """Programs the user may see (``Action.VIEW``) or act on with ``action``, by code."""
    stmt = restrict_to_programs(user, select(Program), Program.id).order_by(Program.code)
    return [p for p in db.session.scalars(stmt) if action == Action.VIEW or can(user, action, p)]


def list_frameworks_stmt(
    user: User, program_id: int | None = None, status: Lifecycle | None = None
) -> Select:
    """A select of the framework versions the user may see, by program code then newest version first.

    Parameters
    ----------
    user : User
        Admins see all versions, directors and teachers those of their programs, students none.
    program_id : int, optional
        Only this program.
    status : Lifecycle, optional
        Only versions with this status.

    Returns
    -------
    Select
        Ready for ``core.pagination.paginate``.
    """
    stmt = select(FrameworkVersion).join(FrameworkVersion.program)
    stmt = restrict_to_programs(user, stmt, FrameworkVersion.program_id)
    if program_id is not None:
        stmt = stmt.where(FrameworkVersion.program_id == program_id)
    if status is not None:
        stmt = stmt.where(FrameworkVersion.status == status)
    return stmt.order_by(Program.code, FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())


def get_active_framework(program_id: int) -> FrameworkVersion | None:
    """The active version of a program, or None."""
    return db.session.scalar(
        select(FrameworkVersion).where(
            FrameworkVersion.program_id == program_id, FrameworkVersion.status == Lifecycle.ACTIVE
        )
    )


def count_framework_contents(framework: FrameworkVersion) -> dict[str, int]:
    """Numbers of requirements, indicator points, courses, support cells and modules of a version."""
    fid = framework.id
    points = select(func.count(IndicatorPoint.id)).join(IndicatorPoint.requirement).where(
        GraduationRequirement.framework_id == fid
    )
    cells = select(func.count(CourseSupport.id)).join(CourseSupport.course).where(Course.framework_id == fid)
    return {
        "requirements": db.session.scalar(
            select(func.count(GraduationRequirement.id)).where(GraduationRequirement.framework_id == fid)) or 0,
        "points": db.session.scalar(points) or 0,
        "courses": db.session.scalar(select(func.count(Course.id)).where(Course.framework_id == fid)) or 0,
        "cells": db.session.scalar(cells) or 0,
        "modules": db.session.scalar(select(func.count(Module.id)).where(Module.framework_id == fid)) or 0,
    }


def list_indicator_points(framework: FrameworkVersion) -> list[IndicatorPoint]:
    """Indicator points of a version, ordered by requirement number then position."""
    stmt = (
        select(IndicatorPoint)
        .join(IndicatorPoint.requirement)
        .where(GraduationRequirement.framework_id == framework.id)
        .order_by(GraduationRequirement.number, IndicatorPoint.position, IndicatorPoint.code)
    )
    return list(db.session.scalars(stmt))


def list_modules(framework: FrameworkVersion) -> list[Module]:
    """All module nodes of a version in tree order (parents before their children)."""
    out: list[Module] = []

    def walk(nodes: list[Module]) -> None:
        for node in sorted(nodes, key=lambda m: (m.position, m.id)):
            out.append(node)
            walk(node.children)

    walk([m for m in framework.modules if m.parent_id is None])
    return out


def module_path(module: Module) -> str:
    """The module's name preceded by its ancestors' (``A / B / C``)."""
    names = []
    node: Module | None = module
    while node is not None:
        names.append(node.display_name)
        node = node.parent
    return " / ".join(reversed(names))


# --- OBE tree ---


def _cell_data(support: CourseSupport) -> dict[str, Any]:
    strength = support.strength.value if support.strength else None
    return {
        "strength": strength,
        "weight": support.weight,
        "label": support.label,
        "css": f"support-{strength.lower()}" if strength else "support-weight",
        "effective_weight": support.effective_weight,
    }


def get_obe_tree(framework: FrameworkVersion) -> list[dict[str, Any]]:
    """The OBE tree of a version: graduation requirements → indicator points → supporting courses.

    Returns
    -------
    list[dict]
        One dict per requirement (``id``, ``number``, ``title``, ``title_en``, ``description``,
        ``points``); each point has ``id``, ``code``, ``description``, ``description_en`` and
        ``courses`` (``id``, ``code``, ``name`` and the cell's ``label``/``css``/``strength``/``weight``),
        strongest support first.
    """
    order = {"H": 0, "M": 1, "L": 2, None: 3}
    tree = []
    for req in framework.requirements:
        points = []
        for point in req.indicator_points:
            courses = [
                {"id": s.course.id, "code": s.course.code, "name": s.course.display_name, **_cell_data(s)}
                for s in point.supports
            ]
            courses.sort(key=lambda c: (order[c["strength"]], -(c["weight"] or 0), c["code"]))
            points.append({
                "id": point.id, "code": point.code, "description": point.description,
                "description_en": point.description_en, "courses": courses,
            })
        tree.append({
            "id": req.id, "number": req.number, "title": req.title, "title_en": req.title_en,
            "description": req.description, "points": points,
        })
    return tree


# --- support matrix ---


@dataclass
class SupportMatrix:
    """The course × indicator-point grid of one version, ready for a template.

    ``groups`` are (requirement, points) pairs for the two header rows; ``points`` is the flat column
    list; ``rows`` holds one dict per course with ``course`` and ``cells`` (a dict per column, or None
    for an empty cell); ``column_counts`` is the number of supporting courses per point id.
    """

    groups: list[tuple[GraduationRequirement, list[IndicatorPoint]]] = field(default_factory=list)
    points: list[IndicatorPoint] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    column_counts: dict[int, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.points or not self.rows


def get_support_matrix(framework: FrameworkVersion) -> SupportMatrix:
    """The support matrix of a version: courses as rows, indicator points as columns by requirement."""
    matrix = SupportMatrix()
    for req in framework.requirements:
        if req.indicator_points:
            matrix.groups.append((req, list(req.indicator_points)))
            matrix.points.extend(req.indicator_points)
    counts = dict.fromkeys((p.id for p in matrix.points), 0)
    for course in framework.courses:
        by_point = {s.indicator_point_id: s for s in course.supports}
        cells = []
        for point in matrix.points:
            support = by_point.get(point.id)
            if support is not None:
                counts[point.id] += 1
            cells.append(_cell_data(support) | {"point_id": point.id} if support else None)
        matrix.rows.append({"course": course, "cells": cells})
    matrix.column_counts = counts
    return matrix


# --- module tree ---


def get_module_tree(framework: FrameworkVersion) -> list[dict[str, Any]]:
    """The module structure of a version as nested plain data.

    Returns
    -------
    list[dict]
        Top-level nodes by position; each has ``id``, ``name``, ``kind``, ``kind_label``, ``line``,
        ``line_label``, ``credits``, ``term``, ``description``, ``courses`` (``id``, ``code``, ``name``,
        ``credits``) and ``children`` (same shape).
    """

    def node(module: Module) -> dict[str, Any]:
        return {
            "id": module.id,
            "name": module.display_name,
            "kind": module.kind.value,
            "kind_label": enum_label(module.kind),
            "line": module.line.value if module.line else None,
            "line_label": enum_label(module.line),
            "credits": module.credits,
            "term": module.term,
            "description": module.description,
            "courses": [
                {"id": c.id, "code": c.code, "name": c.display_name, "credits": c.credits}
                for c in sorted(module.courses, key=lambda c: c.code)
            ],
            "children": [node(child) for child in sorted(module.children, key=lambda m: (m.position, m.id))],
        }

    roots = sorted((m for m in framework.modules if m.parent_id is None), key=lambda m: (m.position, m.id))
    return [node(m) for m in roots]


# --- partners ---


def list_partners_stmt(
    user: User, program_id: int | None = None, kind: PartnerKind | None = None, search: str | None = None
) -> Select:
    """A select of the partner organisations the user may see, by program code then name.

    Parameters
    ----------
    user : User
        Admins see all, directors and teachers those of their programs, students none.
    program_id : int, optional
        Only this program.
    kind : PartnerKind, optional
        Only this kind of partner.
    search : str, optional
        Case-insensitive part of the Chinese or English name, or of the city.
    """
    stmt = select(PartnerOrganisation).join(PartnerOrganisation.program)
    stmt = restrict_to_programs(user, stmt, PartnerOrganisation.program_id)
    if program_id is not None:
        stmt = stmt.where(PartnerOrganisation.program_id == program_id)
    if kind is not None:
        stmt = stmt.where(PartnerOrganisation.kind == kind)
    search = (search or "").strip()
    if search:
        pattern = f"%{_escape_like(search.lower())}%"
        stmt = stmt.where(or_(
            func.lower(PartnerOrganisation.name_zh).like(pattern, escape="\\"),
            func.lower(PartnerOrganisation.name_en).like(pattern, escape="\\"),
            func.lower(PartnerOrganisation.city).like(pattern, escape="\\"),
        ))
    return stmt.order_by(Program.code, PartnerOrganisation.name_zh)


def list_students_of_program(program_id: int) -> list[Student]:
    """Students of a program who are not withdrawn, by student number (choices for participations)."""
    stmt = (
        select(Student)
        .join(Student.cohort)
        .where(Cohort.program_id == program_id, Student.status != StudentStatus.WITHDRAWN)
        .order_by(Student.student_no)
    )
    return list(db.session.scalars(stmt))
