"""Named reads behind the dashboards and exports: SQL aggregations over cohorts or programs.

Every figure is counted in the database (``GROUP BY``), a constant number of queries per page whatever
the number of students, cohorts or programs. The *students of a cohort* are its students who have not
withdrawn; an achievement counts for a cohort when at least one of those students is named on it and it
belongs to the cohort's program (each achievement once per cohort, however many of its students are on
it). Only verified achievements count unless ``include_claimed`` is set (rejected ones never do).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import contains_eager, defer

from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentStatus,
    VerificationStatus,
)
from eduinnov.auth.access import restrict_to_programs
from eduinnov.auth.models import Role, User
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerKind, PartnerOrganisation
from eduinnov.indicators.models import EvaluationRun, EvaluationUnit
from eduinnov.indicators.queries import published_runs_clause
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

__all__ = [
    "GroupBy",
    "Headline",
    "count_headlines",
    "get_latest_held_run",
    "get_latest_student_run",
    "list_cohorts_of",
    "list_dashboard_programs",
    "list_student_rows",
]

GroupBy = Literal["cohort", "program"]


@dataclass
class Headline:
    """The headline figures of one cohort (or of all cohorts of one program).

    ``by_kind_level`` is keyed by ``(kind, level)`` (level ``None`` for kinds without one),
    ``papers_by_indexing`` by indexing (``None``: not recorded).
    """

    students: int = 0
    with_achievement: int = 0
    with_participation: int = 0
    by_kind: dict[AchievementKind, int] = field(default_factory=dict)
    by_kind_level: dict[tuple[AchievementKind, Level | None], int] = field(default_factory=dict)
    papers_by_indexing: dict[Indexing | None, int] = field(default_factory=dict)
    patents_granted: int = 0
    participation_by_partner_kind: dict[PartnerKind, int] = field(default_factory=dict)

    @property
    def verified_total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def projects(self) -> int:
        return self.by_kind.get(AchievementKind.PROJECT, 0)

    @property
    def papers(self) -> int:
        return self.by_kind.get(AchievementKind.PUBLICATION, 0)

    @property
    def awards(self) -> int:
        return self.by_kind.get(AchievementKind.AWARD, 0)

    @property
    def patents_applied(self) -> int:
        """Every patent counts as applied for (a granted one was applied for first)."""
        return self.by_kind.get(AchievementKind.PATENT, 0)

    @property
    def share_with_achievement(self) -> float | None:
        """Share (0..1) of the students named on at least one counted achievement."""
        return self.with_achievement / self.students if self.students else None

    @property
    def projects_per_100(self) -> float | None:
        return 100.0 * self.projects / self.students if self.students else None

    @property
    def share_with_participation(self) -> float | None:
        """Share (0..1) of the students with at least one IUR placement, joint project or exchange."""
        return self.with_participation / self.students if self.students else None

    def level_count(self, kind: AchievementKind, level: Level | None) -> int:
        return self.by_kind_level.get((kind, level), 0)


def _group_column(group_by: GroupBy) -> ColumnElement[int]:
    return Student.cohort_id if group_by == "cohort" else Cohort.program_id


def _counted_statuses(include_claimed: bool) -> list[VerificationStatus]:
    return [VerificationStatus.VERIFIED] + (list(PENDING_STATES) if include_claimed else [])


def count_headlines(keys: Sequence[int], *, group_by: GroupBy = "cohort",
                    include_claimed: bool = False) -> dict[int, Headline]:
    """Headline figures for several cohorts (or programs) at once: three aggregate queries in all.

    Parameters
    ----------
    keys : sequence of int
        Cohort ids (``group_by="cohort"``) or program ids (``group_by="program"``: all their cohorts).
    group_by : {"cohort", "program"}
    include_claimed : bool
        Also count achievements still waiting for verification (default: verified only).

    Returns
    -------
    dict[int, Headline]
        One entry per key, zeros included.
    """
    keys = list(dict.fromkeys(keys))
    out = {k: Headline() for k in keys}
    if not keys:
        return out
    key = _group_column(group_by)
    statuses = _counted_statuses(include_claimed)
    present = Student.status != StudentStatus.WITHDRAWN

    # 1. Students, those named on a counted achievement, those with an IUR participation (EXISTS per
    #    student: index lookups from the cohort's students, whatever the size of the rest of the database).
    achieved = (
        select(AchievementParticipant.id)
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .where(AchievementParticipant.student_id == Student.id, Achievement.program_id + 0 == Cohort.program_id,
               Achievement.verification_status.in_(statuses))
        .exists()
    )
    placed = (
        select(Participation.id)
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .where(Participation.student_id == Student.id, PartnerOrganisation.program_id == Cohort.program_id)
        .exists()
    )
    stmt = (
        select(key, func.count(Student.id), func.sum(case((achieved, 1), else_=0)),
               func.sum(case((placed, 1), else_=0)))
        .select_from(Student).join(Cohort, Cohort.id == Student.cohort_id)
        .where(key.in_(keys), present)
        .group_by(key)
    )
    for k, students, with_achievement, with_participation in db.session.execute(stmt):
        h = out[k]
        h.students, h.with_achievement, h.with_participation = students, with_achievement or 0, with_participation or 0

    # 2. Counted achievements by kind, level, indexing and patent status.
    stmt = (
        select(key, Achievement.kind, Achievement.level, Achievement.indexing, Achievement.patent_status,
               func.count(func.distinct(Achievement.id)))
        .select_from(Achievement)
        .join(AchievementParticipant, AchievementParticipant.achievement_id == Achievement.id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        # "+ 0": reach achievements from the cohort's students (index on the participants' student id), not
        # by scanning the whole program's achievements for each student, which SQLite would otherwise pick.
        .join(Cohort, and_(Cohort.id == Student.cohort_id, Cohort.program_id == Achievement.program_id + 0))
        .where(key.in_(keys), present, Achievement.verification_status.in_(statuses))
        .group_by(key, Achievement.kind, Achievement.level, Achievement.indexing, Achievement.patent_status)
    )
    for k, kind, level, indexing, patent_status, n in db.session.execute(stmt):
        h = out[k]
        h.by_kind[kind] = h.by_kind.get(kind, 0) + n
        if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
            h.by_kind_level[(kind, level)] = h.by_kind_level.get((kind, level), 0) + n
        if kind == AchievementKind.PUBLICATION:
            h.papers_by_indexing[indexing] = h.papers_by_indexing.get(indexing, 0) + n
        if kind == AchievementKind.PATENT and patent_status == PatentStatus.GRANTED:
            h.patents_granted += n

    # 3. Students with an IUR participation, by kind of partner (a student may count under several kinds).
    stmt = (
        select(key, PartnerOrganisation.kind, func.count(func.distinct(Participation.student_id)))
        .select_from(Participation)
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .join(Student, Student.id == Participation.student_id)
        .join(Cohort, and_(Cohort.id == Student.cohort_id, Cohort.program_id == PartnerOrganisation.program_id))
        .where(key.in_(keys), present)
        .group_by(key, PartnerOrganisation.kind)
    )
    for k, kind, n in db.session.execute(stmt):
        out[k].participation_by_partner_kind[kind] = n
    return out


def list_dashboard_programs(user: User) -> list[Program]:
    """Programs whose dashboards ``user`` may open (members; every program for admins; none for students)."""
    if user.role == Role.STUDENT:
        return []
    return list(db.session.scalars(restrict_to_programs(user, select(Program), Program.id).order_by(Program.code)))


def list_cohorts_of(program_ids: Sequence[int]) -> list[Cohort]:
    """Cohorts of these programs, by program code then entry year (programs usually already loaded)."""
    if not program_ids:
        return []
    stmt = (
        select(Cohort).join(Program).options(contains_eager(Cohort.program))
        .where(Cohort.program_id.in_(list(program_ids))).order_by(Program.code, Cohort.entry_year)
    )
    return list(db.session.scalars(stmt))


def get_latest_student_run(cohort: Cohort) -> EvaluationRun | None:
    """The newest published evaluation run of a student model on ``cohort`` (its raw inputs not loaded)."""
    stmt = (
        select(EvaluationRun)
        .where(EvaluationRun.target_cohort_id == cohort.id, EvaluationRun.unit == EvaluationUnit.STUDENT,
               EvaluationRun.program_id == cohort.program_id,
               published_runs_clause())  # a run whose health check failed waits for a director's review
        # Only the small columns: the dashboard's figures of a run are memoised (runs never change).
        .options(defer(EvaluationRun.inputs), defer(EvaluationRun.weights), defer(EvaluationRun.results),
                 defer(EvaluationRun.node_scores), defer(EvaluationRun.model_snapshot))
        .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def get_latest_held_run(cohort: Cohort) -> EvaluationRun | None:
    """The newest student-model run on ``cohort`` held back by its failed health check (None if none is)."""
    stmt = (
        select(EvaluationRun)
        .where(EvaluationRun.target_cohort_id == cohort.id, EvaluationRun.unit == EvaluationUnit.STUDENT,
               EvaluationRun.program_id == cohort.program_id, ~published_runs_clause())
        .options(defer(EvaluationRun.inputs), defer(EvaluationRun.weights), defer(EvaluationRun.results),
                 defer(EvaluationRun.node_scores), defer(EvaluationRun.model_snapshot), defer(EvaluationRun.summary))
        .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def list_student_rows(cohort: Cohort, *, include_claimed: bool = False) -> list[dict[str, Any]]:
    """One row per student of a cohort (withdrawn ones included) with counts of counted achievements.

    Returns
    -------
    list[dict]
        Keys ``student_no``, ``name``, ``email``, ``status``, ``achievements`` (all kinds), one count per
        kind (``project``, ``publication``, ``patent``, ``award``) and ``participations`` (IUR), by
        student number. Two aggregate queries, whatever the size of the cohort.
    """
    statuses = _counted_statuses(include_claimed)
    per_kind = {
        kind.value: func.count(func.distinct(case((Achievement.kind == kind, Achievement.id))))
        for kind in AchievementKind
    }
    counts = (
        select(AchievementParticipant.student_id.label("student_id"),
               func.count(func.distinct(Achievement.id)).label("achievements"),
               *(col.label(f"n_{name}") for name, col in per_kind.items()))
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        .where(Student.cohort_id == cohort.id, Achievement.program_id == cohort.program_id,
               Achievement.verification_status.in_(statuses))
        .group_by(AchievementParticipant.student_id)
        .subquery()
    )
    placements = (
        select(Participation.student_id.label("student_id"), func.count(Participation.id).label("n"))
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .join(Student, Student.id == Participation.student_id)
        .where(Student.cohort_id == cohort.id, PartnerOrganisation.program_id == cohort.program_id)
        .group_by(Participation.student_id)
        .subquery()
    )
    stmt = (
        select(Student.student_no, Student.name, Student.email, Student.status,
               func.coalesce(counts.c.achievements, 0),
               *(func.coalesce(counts.c[f"n_{name}"], 0) for name in per_kind),
               func.coalesce(placements.c.n, 0))
        .outerjoin(counts, counts.c.student_id == Student.id)
        .outerjoin(placements, placements.c.student_id == Student.id)
        .where(Student.cohort_id == cohort.id)
        .order_by(Student.student_no)
    )
    rows = []
    for no, name, email, status, total, *rest in db.session.execute(stmt):
        *kinds, n_participations = rest
        row: dict[str, Any] = {"student_no": no, "name": name, "email": email, "status": status,
                               "achievements": total, "participations": n_participations}
        row.update(dict(zip(per_kind, kinds, strict=True)))
        rows.append(row)
    return rows


def cohorts_by_program(cohorts: Sequence[Cohort]) -> dict[int, list[Cohort]]:
    """Group already loaded cohorts by program id (keeps their order)."""
    out: dict[int, list[Cohort]] = defaultdict(list)
    for c in cohorts:
        out[c.program_id].append(c)
    return dict(out)


def newest_cohort_with_data(cohort_ids: list[int]) -> int | None:
    """Of ``cohort_ids``, the newest cohort (by entry year) with a verified achievement or a stored student run."""
    if not cohort_ids:
        return None
    with_achievements = (
        select(Student.cohort_id).join(AchievementParticipant, AchievementParticipant.student_id == Student.id)
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .where(Achievement.verification_status == VerificationStatus.VERIFIED, Student.cohort_id.in_(cohort_ids))
    )
    with_runs = select(EvaluationRun.target_cohort_id).where(EvaluationRun.target_cohort_id.in_(cohort_ids))
    stmt = (select(Cohort.id).where(Cohort.id.in_(with_achievements.union(with_runs).scalar_subquery()))
            .order_by(Cohort.entry_year.desc(), Cohort.id.desc()).limit(1))
    return db.session.scalar(stmt)


