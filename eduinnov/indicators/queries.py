"""Named reads of the indicators domain: models, runs, manual scores and SWOT records visible to a user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from eduinnov.auth.access import Action, can, program_ids, restrict_to_programs, visible_program_ids
from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import PartnerOrganisation
from eduinnov.indicators.models import (
    EvaluationModel,
    EvaluationRun,
    EvaluationRunReview,
    EvaluationUnit,
    IndicatorNode,
    ManualScore,
    SwotRecord,
)
from eduinnov.programs.models import Cohort, Program, Student

__all__ = [
    "count_runs_of", "find_model", "get_swot", "list_cohorts_for", "list_manual_scores_stmt", "list_models_stmt",
    "list_manual_keys", "list_partners_of", "list_programs_for", "list_runs_of_model", "list_runs_stmt",
    "list_students_of", "list_swot_records", "node_tree", "published_runs_clause", "runs_to_compare", "unit_targets",
]


def _visible_models(user: User, stmt: Select) -> Select:
    """Program models of the user's programs; institution-wide ones for administrators only."""
    ids = visible_program_ids(user)
    if ids is None:
        return stmt
    return stmt.where(EvaluationModel.program_id.in_(ids or [-1]))


def list_models_stmt(user: User, *, program_id: int | None = None, status: Lifecycle | None = None,
                     q: str | None = None) -> Select:
    """Evaluation models ``user`` may see, filtered, newest first (a statement to paginate)."""
    stmt = _visible_models(user, select(EvaluationModel).options(selectinload(EvaluationModel.program)))
    if program_id is not None:
        stmt = stmt.where(EvaluationModel.program_id == program_id)
    if status is not None:
        stmt = stmt.where(EvaluationModel.status == status)
    if q:
        text = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(EvaluationModel.name.ilike(f"%{text}%", escape="\\"))
    return stmt.order_by(EvaluationModel.name, EvaluationModel.version.desc())


def find_model(name_or_id: str, *, program_id: int | None, version: int | None = None) -> EvaluationModel | None:
    """A model by id, or by name in a program (then institution-wide): the given version, else the active
    one, else the newest draft."""
    if name_or_id.isdigit():
        return db.session.get(EvaluationModel, int(name_or_id))
    scopes = ([program_id] if program_id is not None else []) + [None]
    for scope in scopes:
        stmt = select(EvaluationModel).where(
            EvaluationModel.name == name_or_id,
            EvaluationModel.program_id.is_(None) if scope is None else EvaluationModel.program_id == scope)
        if version is not None:
            found = db.session.scalar(stmt.where(EvaluationModel.version == version))
        else:
            found = (db.session.scalar(stmt.where(EvaluationModel.status == Lifecycle.ACTIVE))
                     or db.session.scalar(stmt.where(EvaluationModel.status == Lifecycle.DRAFT)
                                          .order_by(EvaluationModel.version.desc())))
        if found is not None:
            return found
    return None


def list_runs_stmt(user: User, *, model_id: int | None = None) -> Select:
    """Runs ``user`` may see (institution-wide runs: administrators), newest first."""
    stmt = select(EvaluationRun).options(selectinload(EvaluationRun.review))
    ids = visible_program_ids(user)
    if ids is not None:
        stmt = stmt.where(EvaluationRun.program_id.in_(ids or [-1]))
    if model_id is not None:
        stmt = stmt.where(EvaluationRun.model_id == model_id)
    return stmt.order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())


def list_runs_of_model(user: User, model: EvaluationModel, limit: int = 50) -> list[EvaluationRun]:
    """The latest runs of one model version that ``user`` may see."""
    return list(db.session.scalars(list_runs_stmt(user, model_id=model.id).limit(limit)))


def count_runs_of(model: EvaluationModel) -> int:
    """How many runs a model version has."""
    return db.session.scalar(select(func.count(EvaluationRun.id)).where(EvaluationRun.model_id == model.id)) or 0


def published_runs_clause() -> ColumnElement[bool]:
    """SQL condition of a published run: its health check passed (or predates the check), or a director
    reviewed it and recorded why it stands. Dashboards, comparisons and evidence packs use only these."""
    return or_(EvaluationRun.health_passed.is_(None), EvaluationRun.health_passed.is_(True),
               EvaluationRun.id.in_(select(EvaluationRunReview.run_id)))


def held_runs_stmt(user: User) -> Select:
    """Runs held back by their health check (failed, no director's review yet) in the programs ``user``
    directs (all for administrators), newest first: the list behind the home page's figure."""
    stmt = (select(EvaluationRun).options(selectinload(EvaluationRun.target_cohort))
            .where(EvaluationRun.health_passed.is_(False), ~published_runs_clause()))
    if user.role != Role.ADMIN:
        stmt = stmt.where(EvaluationRun.program_id.in_(program_ids(user, role=MembershipRole.DIRECTOR) or [-1]))
    return stmt.order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())


def list_held_runs(user: User) -> list[EvaluationRun]:
    """See :func:`held_runs_stmt`."""
    return list(db.session.scalars(held_runs_stmt(user)))


def count_held_runs(user: User) -> int:
    """How many runs :func:`held_runs_stmt` lists."""
    return db.session.scalar(select(func.count()).select_from(held_runs_stmt(user).order_by(None).subquery())) or 0


def runs_to_compare(user: User, run: EvaluationRun) -> list[EvaluationRun]:
    """Other visible, published runs of the same model version (candidates for a side-by-side comparison)."""
    stmt = (list_runs_stmt(user, model_id=run.model_id)
            .where(EvaluationRun.id != run.id, published_runs_clause()))
    return list(db.session.scalars(stmt.limit(50)))


def list_programs_for(user: User, action: Action = Action.VIEW) -> list[Program]:
    """Programs the user may act on (all for administrators)."""
    programs = db.session.scalars(restrict_to_programs(user, select(Program), Program.id).order_by(Program.code))
    return [p for p in programs if can(user, action, p)]


def list_cohorts_for(user: User, program_id: int | None = None, action: Action = Action.VIEW) -> list[Cohort]:
    """Cohorts of the programs the user may act on, optionally of one program."""
    stmt = restrict_to_programs(user, select(Cohort).options(selectinload(Cohort.program)), Cohort.program_id)
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    return [c for c in db.session.scalars(stmt.order_by(Cohort.program_id, Cohort.entry_year)) if can(user, action, c)]


def list_students_of(cohort: Cohort) -> list[Student]:
    """Students of a cohort by student number."""
    return list(db.session.scalars(select(Student).where(Student.cohort_id == cohort.id).order_by(Student.student_no)))


def list_partners_of(program: Program) -> list[PartnerOrganisation]:
    """Partner organisations of a program by name."""
    return list(db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id)
                                   .order_by(PartnerOrganisation.name_zh)))


def list_manual_scores_stmt(user: User, *, program_id: int | None = None, key: str | None = None) -> Select:
    """Manual scores the user may see, newest first."""
    stmt = restrict_to_programs(user, select(ManualScore).options(
        selectinload(ManualScore.cohort), selectinload(ManualScore.student), selectinload(ManualScore.entered_by)),
        ManualScore.program_id)
    if program_id is not None:
        stmt = stmt.where(ManualScore.program_id == program_id)
    if key:
        stmt = stmt.where(ManualScore.metric_key == key)
    return stmt.order_by(ManualScore.entered_at.desc(), ManualScore.id.desc())


def list_manual_keys(user: User) -> list[str]:
    """Rating keys already in use in the user's programs (for suggestions)."""
    stmt = restrict_to_programs(user, select(ManualScore.metric_key).distinct(), ManualScore.program_id)
    return sorted(db.session.scalars(stmt))


def list_swot_records(user: User, program_id: int | None = None) -> list[SwotRecord]:
    """SWOT records the user may see, newest year first."""
    stmt = restrict_to_programs(user, select(SwotRecord).options(selectinload(SwotRecord.program)),
                                SwotRecord.program_id)
    if program_id is not None:
        stmt = stmt.where(SwotRecord.program_id == program_id)
    return list(db.session.scalars(stmt.order_by(SwotRecord.year.desc(), SwotRecord.program_id)))


def get_swot(program_id: int | None, year: int | None = None) -> SwotRecord | None:
    """A program's SWOT record for ``year`` or, without a year, its latest one."""
    if program_id is None:
        return None
    stmt = select(SwotRecord).where(SwotRecord.program_id == program_id)
    if year is not None:
        return db.session.scalar(stmt.where(SwotRecord.year == year))
    return db.session.scalar(stmt.order_by(SwotRecord.year.desc()).limit(1))


def node_tree(model: EvaluationModel) -> list[tuple[IndicatorNode, int]]:
    """The model's nodes in tree order with their depth (root first)."""
    out: list[tuple[IndicatorNode, int]] = []

    def visit(node: IndicatorNode, depth: int) -> None:
        out.append((node, depth))
        for child in node.children:
            visit(child, depth + 1)

    if model.root is not None:
        visit(model.root, 0)
    return out


def unit_targets(user: User, model: EvaluationModel) -> dict[str, Any]:
    """What a model can be run on by ``user``: cohorts (student models) or programs (cohort/partner models)."""
    if model.unit == EvaluationUnit.STUDENT:
        return {"cohorts": list_cohorts_for(user, model.program_id, Action.VIEW)}
    if model.unit == EvaluationUnit.PROGRAM:
        return {}
    programs = list_programs_for(user)
    if model.program_id is not None:
        programs = [p for p in programs if p.id == model.program_id]
    return {"programs": programs}

