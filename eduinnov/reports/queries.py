"""Named reads behind the dashboards and exports: SQL aggregations over cohorts or programs.

Every figure is counted in the database (``GROUP BY``), a constant number of queries per page whatever
the number of students, cohorts or programs. The *students of a cohort* are its students who have not
withdrawn; an achievement counts for a cohort when at least one of those students is named on it and it
belongs to the cohort's program (each achievement once per cohort, however many of its students are on
it). Only verified achievements count unless ``include_claimed`` is set (rejected ones never do).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
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
from eduinnov.core.models import bilingual_name, display_language
from eduinnov.extensions import db
from eduinnov.frameworks.models import Participation, PartnerKind, PartnerOrganisation
from eduinnov.indicators.models import EvaluationRun, EvaluationUnit
from eduinnov.indicators.queries import published_runs_clause
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus

__all__ = [
    "GroupBy",
    "Headline",
    "count_headlines",
    "get_latest_runs",
    "get_latest_student_run",
    "CohortChoice",
    "ProgramChoice",
    "list_cohorts_of",
    "list_dashboard_choices",
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
    """Headline figures for several cohorts (or programs) at once: one statement in all.

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
    for k, part, kind, level, indexing, patent_status, partner_kind, n in db.session.execute(
            _headline_stmt(group_by, include_claimed), {"keys": keys}):
        h = out[k]
        if part == _BY_KIND:
            h.by_kind[kind] = h.by_kind.get(kind, 0) + n
            if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
                h.by_kind_level[(kind, level)] = h.by_kind_level.get((kind, level), 0) + n
            if kind == AchievementKind.PUBLICATION:
                h.papers_by_indexing[indexing] = h.papers_by_indexing.get(indexing, 0) + n
            if kind == AchievementKind.PATENT and patent_status == PatentStatus.GRANTED:
                h.patents_granted += n
        elif part == _STUDENTS:
            h.students = n
        elif part == _WITH_ACHIEVEMENT:
            h.with_achievement = n
        elif part == _WITH_PARTICIPATION:
            h.with_participation = n
        else:
            h.participation_by_partner_kind[partner_kind] = n
    return out


# The parts of the headline statement (its second column).
_BY_KIND, _STUDENTS, _WITH_ACHIEVEMENT, _WITH_PARTICIPATION, _BY_PARTNER_KIND = range(5)


@functools.cache
def _headline_stmt(group_by: GroupBy, include_claimed: bool) -> CompoundSelect:
    """Every headline figure of the keys (bound as ``keys``) as one UNION ALL of five aggregates over
    four CTEs: one round trip, and each achievement named on the keys' students read once.

    Rows: ``(key, part, kind, level, indexing, patent_status, partner_kind, n)``; columns a part does
    not use are NULL. The *members* are the students of the keys who have not withdrawn, with the
    program of their cohort; *named* their participations (student, achievement); *counted* the
    distinct counted achievements of the key's program among those (one row per key and achievement:
    an achievement of several students is looked up once, not once per student); *placed* the members'
    IUR participations with their program's partners.

    Built once per process and argument pair (building this statement costs about as much as running
    it); it holds no data, only the query.
    """
    key = _group_column(group_by)
    members = (
        select(Student.id.label("student_id"), key.label("k"), Cohort.program_id.label("program_id"))
        .select_from(Student).join(Cohort, Cohort.id == Student.cohort_id)
        .where(key.in_(bindparam("keys", expanding=True)), Student.status != StudentStatus.WITHDRAWN)
        .cte("members")
    )
    named = (
        select(members.c.k, members.c.program_id, AchievementParticipant.student_id,
               AchievementParticipant.achievement_id)
        .select_from(members)
        .join(AchievementParticipant, AchievementParticipant.student_id == members.c.student_id)
        .cte("named")
    )
    distinct_named = select(named.c.k, named.c.program_id, named.c.achievement_id).distinct().subquery("d")
    counted = (
        select(distinct_named.c.k, Achievement.id.label("achievement_id"), Achievement.kind, Achievement.level,
               Achievement.indexing, Achievement.patent_status)
        .select_from(distinct_named)
        # "+ 0": look each achievement up by its id, never scan the program's achievements (SQLite would).
        .join(Achievement, and_(Achievement.id == distinct_named.c.achievement_id,
                                Achievement.program_id + 0 == distinct_named.c.program_id))
        .where(Achievement.verification_status.in_(_counted_statuses(include_claimed)))
        .cte("counted")
    )
    placed = (
        select(members.c.k, Participation.student_id, PartnerOrganisation.kind)
        .select_from(members)
        .join(Participation, Participation.student_id == members.c.student_id)
        .join(PartnerOrganisation, and_(PartnerOrganisation.id == Participation.partner_id,
                                        PartnerOrganisation.program_id == members.c.program_id))
        .cte("placed")
    )
    none = [null()] * 5  # kind, level, indexing, patent_status, partner kind

    def part(n: int) -> Any:
        return literal(n, Integer)

    # The first SELECT names the columns and their types (enums read back as enums).
    by_kind = (
        select(counted.c.k, part(_BY_KIND), counted.c.kind, counted.c.level, counted.c.indexing,
               counted.c.patent_status, cast(null(), PartnerOrganisation.kind.type), func.count())
        .group_by(counted.c.k, counted.c.kind, counted.c.level, counted.c.indexing, counted.c.patent_status)
    )
    with_achievement = (
        select(named.c.k, part(_WITH_ACHIEVEMENT), *none, func.count(func.distinct(named.c.student_id)))
        .join(counted, and_(counted.c.k == named.c.k, counted.c.achievement_id == named.c.achievement_id))
        .group_by(named.c.k)
    )
    return union_all(
        by_kind,
        select(members.c.k, part(_STUDENTS), *none, func.count()).group_by(members.c.k),
        with_achievement,
        select(placed.c.k, part(_WITH_PARTICIPATION), *none, func.count(func.distinct(placed.c.student_id)))
        .group_by(placed.c.k),
        select(placed.c.k, part(_BY_PARTNER_KIND), *none[:4], placed.c.kind,
               func.count(func.distinct(placed.c.student_id)))
        .group_by(placed.c.k, placed.c.kind),
    )


def list_dashboard_programs(user: User) -> list[Program]:
    """Programs whose dashboards ``user`` may open (members; every program for admins; none for students)."""
    if user.role == Role.STUDENT:
        return []
    return list(db.session.scalars(restrict_to_programs(user, select(Program), Program.id).order_by(Program.code)))


class ProgramChoice(NamedTuple):
    """A program as the dashboards' pickers show it (read as columns, not as a model)."""

    id: int
    code: str
    display_name: str


class CohortChoice(NamedTuple):
    """A cohort as the dashboards' pickers show it (read as columns, not as a model)."""

    id: int
    program_id: int
    entry_year: int
    display_name: str


def list_dashboard_choices(user: User) -> tuple[list[ProgramChoice], dict[int, list[CohortChoice]]]:
    """The dashboards' pickers from one query of columns: the programs of
    :func:`list_dashboard_programs` (by code) and, per program id, its cohorts by entry year (as
    :func:`list_cohorts_of`); names in the request's language. Programs without a cohort have no entry."""
    if user.role == Role.STUDENT:
        return [], {}
    stmt = (select(Program.id, Program.code, Program.name_zh, Program.name_en,
                   Cohort.id, Cohort.entry_year, Cohort.label)
            .outerjoin(Cohort, Cohort.program_id == Program.id)
            .order_by(Program.code, Cohort.entry_year))
    lang = display_language()
    programs: list[ProgramChoice] = []
    cohorts: dict[int, list[CohortChoice]] = {}
    for pid, code, zh, en, cid, year, label in db.session.execute(restrict_to_programs(user, stmt, Program.id)):
        if not programs or programs[-1].id != pid:
            programs.append(ProgramChoice(pid, code, bilingual_name(zh, en, lang)))
        if cid is not None:
            cohorts.setdefault(pid, []).append(CohortChoice(cid, pid, year, Cohort.format_name(label, code, year)))
    return programs, cohorts


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
    return get_latest_runs(cohort)[0]


def get_latest_runs(cohort: Cohort) -> tuple[EvaluationRun | None, EvaluationRun | None]:
    """The newest published run of a student model on ``cohort`` and the newest one held back by its
    failed health check (each None if there is none), in one statement; raw inputs not loaded.

    A run whose health check failed waits for a director's review (``published_runs_clause``).
    """
    published = held = None
    for run, is_published in db.session.execute(_latest_runs_stmt(),
                                                {"cohort_id": cohort.id, "program_id": cohort.program_id}):
        if is_published:
            published = run
        else:
            held = run
    return published, held


@functools.cache
def _latest_runs_stmt() -> Select:
    """The statement of :func:`get_latest_runs` (built once; ``cohort_id`` and ``program_id`` bound)."""
    cohort_id, program_id = bindparam("cohort_id", type_=Integer), bindparam("program_id", type_=Integer)

    def newest(condition: ColumnElement[bool]) -> Any:
        return (select(EvaluationRun.id)
                .where(EvaluationRun.target_cohort_id == cohort_id, EvaluationRun.unit == EvaluationUnit.STUDENT,
                       EvaluationRun.program_id == program_id, condition)
                .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())
                .limit(1).scalar_subquery())

    newest_published, newest_held = newest(published_runs_clause()), newest(~published_runs_clause())
    return (
        select(EvaluationRun, (EvaluationRun.id == newest_published).label("published"))
        .where(or_(EvaluationRun.id == newest_published, EvaluationRun.id == newest_held))
        # Only the small columns: the dashboard's figures of a run are memoised (runs never change).
        .options(defer(EvaluationRun.inputs), defer(EvaluationRun.weights), defer(EvaluationRun.results),
                 defer(EvaluationRun.node_scores), defer(EvaluationRun.model_snapshot))
    )


def list_student_rows(cohort: Cohort, *, include_claimed: bool = False) -> list[dict[str, Any]]:
    """One row per student of a cohort (withdrawn ones included) with counts of counted achievements.

    Returns
    -------
    list[dict]
        Keys ``student_no``, ``name``, ``email``, ``status``, ``achievements`` (all kinds), one count per
        kind (``project``, ``publication``, ``patent``, ``award``) and ``participations`` (IUR), by
        student number. One statement with two aggregates, whatever the size of the cohort.
    """
    kinds = [kind.value for kind in AchievementKind]
    rows = []
    for no, name, email, status, total, *rest in db.session.execute(
            _student_rows_stmt(include_claimed), {"cohort_id": cohort.id, "program_id": cohort.program_id}):
        *per_kind, n_participations = rest
        row: dict[str, Any] = {"student_no": no, "name": name, "email": email, "status": status,
                               "achievements": total, "participations": n_participations}
        row.update(zip(kinds, per_kind, strict=True))
        rows.append(row)
    return rows


@functools.cache
def _student_rows_stmt(include_claimed: bool) -> Select:
    """The statement of :func:`list_student_rows` (built once; ``cohort_id`` and ``program_id`` bound).

    Plain counts, not counts of distinct achievements: a student is named at most once on an achievement
    (unique ``achievement_id, student_id``), so each (student, achievement) pair is one joined row.
    """
    cohort_id, program_id = bindparam("cohort_id", type_=Integer), bindparam("program_id", type_=Integer)
    counts = (
        select(AchievementParticipant.student_id.label("student_id"),
               func.count(Achievement.id).label("achievements"),
               *(func.count(case((Achievement.kind == kind, Achievement.id))).label(f"n_{kind.value}")
                 for kind in AchievementKind))
        .join(Achievement, Achievement.id == AchievementParticipant.achievement_id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        .where(Student.cohort_id == cohort_id, Achievement.program_id == program_id,
               Achievement.verification_status.in_(_counted_statuses(include_claimed)))
        .group_by(AchievementParticipant.student_id)
        .subquery()
    )
    placements = (
        select(Participation.student_id.label("student_id"), func.count(Participation.id).label("n"))
        .join(PartnerOrganisation, PartnerOrganisation.id == Participation.partner_id)
        .join(Student, Student.id == Participation.student_id)
        .where(Student.cohort_id == cohort_id, PartnerOrganisation.program_id == program_id)
        .group_by(Participation.student_id)
        .subquery()
    )
    return (
        select(Student.student_no, Student.name, Student.email, Student.status,
               func.coalesce(counts.c.achievements, 0),
               *(func.coalesce(counts.c[f"n_{kind.value}"], 0) for kind in AchievementKind),
               func.coalesce(placements.c.n, 0))
        .outerjoin(counts, counts.c.student_id == Student.id)
        .outerjoin(placements, placements.c.student_id == Student.id)
        .where(Student.cohort_id == cohort_id)
        .order_by(Student.student_no)
    )


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


