"""Named reads of the frameworks domain: version lists, the OBE tree, the support matrix, the module
tree, partner lists. Structures for templates are plain data (dicts, lists, dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import aliased

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
    RequirementSuccession,
)
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

_Successor = aliased(GraduationRequirement)


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


# --- requirement lineage across versions ---


def walk_successions(start: set[int], *, backwards: bool, limit: int = 100) -> dict[int, int]:
    """Requirement id → distance from ``start``, following successions back (predecessors) or forward."""
    seen: dict[int, int] = {}
    frontier, depth = set(start), 0
    src, dst = ((RequirementSuccession.successor_id, RequirementSuccession.predecessor_id) if backwards
                else (RequirementSuccession.predecessor_id, RequirementSuccession.successor_id))
    while frontier and depth < limit:  # what was seen is never walked again (no loop); the limit bounds the rest
        depth += 1
        found = set(db.session.scalars(select(dst).where(src.in_(frontier)))) - seen.keys() - set(start)
        for rid in found:
            seen[rid] = depth
        frontier = found
    return seen


def list_requirement_ancestors(requirement: GraduationRequirement) -> list[GraduationRequirement]:
    """The earlier versions' requirements this one continues (directly or through versions between), newest first."""
    depth = walk_successions({requirement.id}, backwards=True)
    if not depth:
        return []
    rows = db.session.scalars(select(GraduationRequirement).where(GraduationRequirement.id.in_(depth)))
    return sorted(rows, key=lambda r: (depth[r.id], r.number))


def lineage_numbers(framework: FrameworkVersion, requirement_ids: set[int]) -> dict[int, int]:
    """Requirement id (of any version) → the number of the requirement of ``framework`` it is the same as.

    Follows successions both ways: an earlier version's requirement maps to the requirement of ``framework``
    that continues it, a later one to the requirement it continues. Requirements of ``framework`` map to
    their own number. Ids without a link are left out; when an earlier requirement was merged into several
    (or several into one), the lowest number wins.
    """
    own = dict(db.session.execute(select(GraduationRequirement.id, GraduationRequirement.number)
                                  .where(GraduationRequirement.framework_id == framework.id)).all())
    out: dict[int, int] = {rid: n for rid, n in own.items() if rid in requirement_ids}
    pairs = (RequirementSuccession.successor_id, RequirementSuccession.predecessor_id)
    for src, dst in (pairs, pairs[::-1]):  # back to earlier versions, then on to later ones
        origin, frontier, depth = dict(own), set(own), 0
        while frontier and depth < 100:  # all requirements step by step: one query per version crossed
            depth += 1
            rows = db.session.execute(select(src, dst).where(src.in_(frontier))).all()
            frontier = set()
            for a, b in sorted(rows, key=lambda r: origin[r[0]]):  # the lowest number wins
                if b not in origin:
                    origin[b] = origin[a]
                    frontier.add(b)
        for rid, number in origin.items():
            if rid in requirement_ids:
                out.setdefault(rid, number)
    return out


def list_source_versions(framework: FrameworkVersion) -> list[FrameworkVersion]:
    """The program's versions created before ``framework`` (their requirements may continue in it), newest first."""
    earlier = or_(FrameworkVersion.created_at < framework.created_at,
                  and_(FrameworkVersion.created_at == framework.created_at, FrameworkVersion.id < framework.id))
    return list(db.session.scalars(
        select(FrameworkVersion).where(FrameworkVersion.program_id == framework.program_id,
                                       FrameworkVersion.id != framework.id, earlier)
        .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())))


def get_default_source(framework: FrameworkVersion) -> FrameworkVersion | None:
    """The version ``framework`` most likely continues: the one its links come from, else the active
    version if it is older, else the newest older version."""
    linked = db.session.execute(
        select(GraduationRequirement.framework_id, func.count())
        .join(RequirementSuccession, RequirementSuccession.predecessor_id == GraduationRequirement.id)
        .join(_Successor, _Successor.id == RequirementSuccession.successor_id)
        .where(_Successor.framework_id == framework.id)
        .group_by(GraduationRequirement.framework_id).order_by(func.count().desc())).first()
    if linked is not None:
        return db.session.get(FrameworkVersion, linked[0])
    earlier = list_source_versions(framework)
    active = next((v for v in earlier if v.status == Lifecycle.ACTIVE), None)
    return active or (earlier[0] if earlier else None)


@dataclass
class MappingRow:
    """One requirement of the earlier version and the requirement of the newer one that continues it."""

    old: GraduationRequirement
    new_id: int | None  # None: not carried over
    saved: bool  # False: nothing saved for it yet (an equal number proposed, or not carried over)


def get_requirement_mapping(framework: FrameworkVersion, source: FrameworkVersion) -> list[MappingRow]:
    """How each requirement of ``source`` carries over to ``framework``: the saved links, else equal numbers."""
    new_by_number = {r.number: r.id for r in framework.requirements}
    saved = dict(db.session.execute(
        select(RequirementSuccession.predecessor_id, RequirementSuccession.successor_id)
        .join(_Successor, _Successor.id == RequirementSuccession.successor_id)
        .join(GraduationRequirement, GraduationRequirement.id == RequirementSuccession.predecessor_id)
        .where(_Successor.framework_id == framework.id, GraduationRequirement.framework_id == source.id)
        .order_by(_Successor.number.desc())).all())  # one per earlier requirement: the lowest number wins
    any_saved = bool(saved)
    rows = []
    for old in source.requirements:
        if old.id in saved:
            rows.append(MappingRow(old, saved[old.id], True))
        else:  # once any link is saved, a missing one means "not carried over"
            rows.append(MappingRow(old, None if any_saved else new_by_number.get(old.number), False))
    return rows


def list_requirements_not_carried_over(framework: FrameworkVersion) -> list[GraduationRequirement]:
    """Requirements of the default source version that no requirement of ``framework`` continues.

    Empty when nothing has been carried over at all from that version (then the framework page asks for
    the mapping instead) or when there is no earlier version.
    """
    source = get_default_source(framework)
    if source is None:
        return []
    rows = get_requirement_mapping(framework, source)
    if not any(r.saved for r in rows):
        return []
    return [r.old for r in rows if not r.saved]


def has_carried_over(framework: FrameworkVersion) -> bool:
    """Whether any requirement of ``framework`` continues an earlier version's requirement."""
    return db.session.scalar(
        select(func.count()).select_from(RequirementSuccession)
        .join(_Successor, _Successor.id == RequirementSuccession.successor_id)
        .where(_Successor.framework_id == framework.id)) > 0
