"""Lifecycle of framework versions: create, edit settings, clone, activate, archive, delete."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.access import Action
from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    AggregationRule,
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ObjectiveIndicatorLink,
    ObjectiveRule,
    RequirementSuccession,
)
from eduinnov.frameworks.queries import get_active_framework
from eduinnov.frameworks.services._common import clean_text, ensure_allowed, ensure_editable, require_text
from eduinnov.programs.models import Program


def _check_version_label(program_id: int, version: str, exclude_id: int | None = None) -> str:
    version = require_text(version, _("Version"))
    stmt = select(FrameworkVersion.id).where(
        FrameworkVersion.program_id == program_id, FrameworkVersion.version == version
    )
    if exclude_id is not None:
        stmt = stmt.where(FrameworkVersion.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ValidationError(_("This program already has a version %(version)s.", version=version))
    return version


def _check_settings(threshold: float, weight_h: float, weight_m: float, weight_l: float) -> None:
    if threshold is None or not (0 < threshold <= 1):
        raise ValidationError(_("The threshold must be greater than 0 and at most 1."))
    for name, value in (("H", weight_h), ("M", weight_m), ("L", weight_l)):
        if value is None or value < 0:
            raise ValidationError(_("The weight of %(strength)s cannot be negative.", strength=name))


def create_framework(
    program: Program,
    *,
    version: str,
    title: str,
    user: User,
    entry_year: int | None = None,
    notes: str | None = None,
) -> FrameworkVersion:
    """Create a new draft version of a program's cultivation framework.

    Parameters
    ----------
    program : Program
        The program the framework belongs to.
    version : str
        Version label, unique within the program (e.g. ``"2024"``).
    title : str
        Human title of the framework.
    user : User
        The acting user; must be allowed to manage the program.
    entry_year : int, optional
        The cohort entry year the version is meant for.
    notes : str, optional
        Free notes.

    Returns
    -------
    FrameworkVersion
        The new draft, flushed.

    Raises
    ------
    ValidationError
        If the version label is empty or already used in the program.
    """
    ensure_allowed(user, Action.MANAGE, program)
    framework = FrameworkVersion(
        program=program,
        version=_check_version_label(program.id, version),
        title=require_text(title, _("Title")),
        entry_year=entry_year,
        notes=clean_text(notes),
        status=Lifecycle.DRAFT,
    )
    db.session.add(framework)
    db.session.flush()
    return framework


def update_framework_settings(
    framework: FrameworkVersion,
    *,
    title: str,
    entry_year: int | None,
    notes: str | None,
    threshold: float,
    aggregation_rule: AggregationRule,
    weight_h: float,
    weight_m: float,
    weight_l: float,
    version: str | None = None,
    objective_rule: ObjectiveRule | None = None,
) -> FrameworkVersion:
    """Change a version's title, entry year, notes and OBE settings.

    Parameters
    ----------
    framework : FrameworkVersion
        A draft or active version.
    title, entry_year, notes, version
        Descriptive fields; ``version`` (the label) is kept when None.
    threshold : float
        Achievement threshold in (0, 1].
    aggregation_rule : AggregationRule
        Weighted sum or minimum over supporting courses.
    weight_h, weight_m, weight_l : float
        Numbers for H / M / L support (non-negative).
    objective_rule : ObjectiveRule, optional
        How a course's value for an indicator point combines its supporting objectives: their mean or
        their minimum (Fan Yu 2023); kept when None.

    Returns
    -------
    FrameworkVersion

    Raises
    ------
    LockedError
        If the version is archived.
    ValidationError
        If a value is out of range or the version label is taken.
    """
    ensure_editable(framework)
    _check_settings(threshold, weight_h, weight_m, weight_l)
    if version is not None:
        framework.version = _check_version_label(framework.program_id, version, exclude_id=framework.id)
    framework.title = require_text(title, _("Title"))
    framework.entry_year = entry_year
    framework.notes = clean_text(notes)
    framework.threshold = float(threshold)
    framework.aggregation_rule = AggregationRule(aggregation_rule)
    framework.weight_h = float(weight_h)
    framework.weight_m = float(weight_m)
    framework.weight_l = float(weight_l)
    if objective_rule is not None:
        framework.objective_rule = ObjectiveRule(objective_rule)
    db.session.flush()
    return framework


def clone_framework(
    source: FrameworkVersion, *, version: str, user: User, title: str | None = None
) -> FrameworkVersion:
    """Deep-copy a version (any status) into a new draft of the same program.

    Copies the settings, graduation requirements, indicator points, modules (with their tree),
    courses (with their module), course objectives, objective–indicator links and the support matrix.
    Every link in the copy points to the copied rows, never to the source's. Each copied requirement
    continues its source requirement (:class:`RequirementSuccession`), so the history of the source
    (improvement records, earlier cohorts' figures) carries over to the copy by requirement.

    Parameters
    ----------
    source : FrameworkVersion
        The version to copy; it is only read, so archived versions can be cloned.
    version : str
        Label of the new version (unique within the program).
    user : User
        The acting user; must be allowed to manage the program.
    title : str, optional
        Title of the copy; defaults to the source's title.

    Returns
    -------
    FrameworkVersion
        The new draft, flushed.
    """
    ensure_allowed(user, Action.MANAGE, source)
    copy = FrameworkVersion(
        program_id=source.program_id,
        version=_check_version_label(source.program_id, version),
        title=clean_text(title) or source.title,
        entry_year=source.entry_year,
        notes=source.notes,
        status=Lifecycle.DRAFT,
        threshold=source.threshold,
        aggregation_rule=source.aggregation_rule,
        objective_rule=source.objective_rule,
        weight_h=source.weight_h,
        weight_m=source.weight_m,
        weight_l=source.weight_l,
    )
    with db.session.no_autoflush:  # nothing is flushed until the copy is complete
        _copy_content(source, copy)
    db.session.add(copy)
    db.session.flush()
    return copy


def _copy_content(source: FrameworkVersion, copy: FrameworkVersion) -> None:
    points: dict[int, IndicatorPoint] = {}
    for req in source.requirements:
        new_req = GraduationRequirement(
            framework=copy, number=req.number, title=req.title, title_en=req.title_en,
            description=req.description,
        )
        db.session.add(RequirementSuccession(predecessor=req, successor=new_req))
        for point in req.indicator_points:
            new_point = IndicatorPoint(
                requirement=new_req, code=point.code, position=point.position,
                description=point.description, description_en=point.description_en,
            )
            points[point.id] = new_point

    modules: dict[int, Module] = {}

    def copy_module(module: Module, parent: Module | None) -> None:
        new_module = Module(
            framework=copy, parent=parent, name_zh=module.name_zh, name_en=module.name_en,
            kind=module.kind, line=module.line, credits=module.credits, term=module.term,
            position=module.position, description=module.description,
        )
        modules[module.id] = new_module
        for child in module.children:
            copy_module(child, new_module)

    for module in source.modules:
        if module.parent_id is None:
            copy_module(module, None)

    for course in source.courses:
        new_course = Course(
            framework=copy, code=course.code, name_zh=course.name_zh, name_en=course.name_en,
            credits=course.credits, term=course.term, is_required=course.is_required, category=course.category,
            module=modules.get(course.module_id) if course.module_id else None,
        )
        for objective in course.objectives:
            new_objective = CourseObjective(
                course=new_course, number=objective.number, description=objective.description
            )
            for link in objective.indicator_links:
                new_objective.indicator_links.append(
                    ObjectiveIndicatorLink(indicator_point=points[link.indicator_point_id])
                )
        for support in course.supports:
            new_course.supports.append(CourseSupport(
                indicator_point=points[support.indicator_point_id],
                strength=support.strength, weight=support.weight,
            ))


def activate_framework(framework: FrameworkVersion, *, user: User) -> FrameworkVersion | None:
    """Make a draft the program's active version; the previously active one becomes archived.

    Both changes happen in the caller's transaction, so either both land or neither does.

    Parameters
    ----------
    framework : FrameworkVersion
        A draft version.
    user : User
        The acting user; must be allowed to manage the program.

    Returns
    -------
    FrameworkVersion or None
        The version that was archived to make room, if any.

    Raises
    ------
    LockedError
        If the version is archived (clone it instead).
    DomainError
        If it is already active.
    """
    ensure_allowed(user, Action.MANAGE, framework)
    ensure_editable(framework)
    if framework.status == Lifecycle.ACTIVE:
        raise DomainError(_("This version is already the active one."))
    previous = get_active_framework(framework.program_id)
    now = utcnow()
    if previous is not None:
        previous.status = Lifecycle.ARCHIVED
        previous.archived_at = now
        # Flush the archiving first: the one-active index is checked row by row.
        db.session.flush()
    framework.status = Lifecycle.ACTIVE
    framework.activated_at = now
    db.session.flush()
    return previous


def archive_framework(framework: FrameworkVersion, *, user: User) -> None:
    """Archive a draft or active version; from then on it is read-only.

    Raises
    ------
    DomainError
        If the version is already archived.
    """
    ensure_allowed(user, Action.MANAGE, framework)
    if framework.is_archived:
        raise DomainError(_("This version is already archived."))
    framework.status = Lifecycle.ARCHIVED
    framework.archived_at = utcnow()
    db.session.flush()


def delete_framework(framework: FrameworkVersion, *, user: User) -> None:
    """Delete a draft version with everything in it.

    Raises
    ------
    DomainError
        If the version is not a draft (active and archived versions are kept for the record).
    """
    ensure_allowed(user, Action.MANAGE, framework)
    if framework.status != Lifecycle.DRAFT:
        raise DomainError(_("Only draft versions can be deleted."))
    db.session.delete(framework)
    db.session.flush()
