"""Named reads of the schools domain: the school roll-up and the university comparison.

Both roll-ups read a constant number of aggregate queries whatever the number of programs and cohorts
(no query per program or per cohort): the programs, their cohorts with student counts (one), verified
achievements per program, year and kind (one, on the achievements table alone, by its
``(program_id, kind, verification_status)`` index), the stored OBE results' requirement verdicts (one,
reading only the small ``obe_results.requirements`` copy, plus one for requirement numbers) and the
latest published evaluation run of each cohort (one, a window function). Stored OBE results are read,
never recomputed: a cohort whose figures are not stored yet shows none here.

A program's achievement count is every verified achievement recorded in the program (an achievement
belongs to one program, so a school's or the university's total is the sum), by kind and by the year
of the achievement. Attributing achievements to cohorts needs every participant row (the cohort
dashboard does it for one cohort); at a school's scale that is the one join the roll-up avoids, so the
trends across cohorts are the OBE verdicts, the students and the evaluation runs of each cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, func, select, type_coerce

from eduinnov.achievements.models import Achievement, AchievementKind, VerificationStatus
from eduinnov.auth.access import dean_school_ids
from eduinnov.auth.models import Role, User
from eduinnov.extensions import db
from eduinnov.frameworks.models import AggregationRule, FrameworkVersion, GraduationRequirement
from eduinnov.indicators.models import EvaluationRun, EvaluationUnit
from eduinnov.indicators.queries import published_runs_clause
from eduinnov.obe.models import AchievementResult
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus
from eduinnov.schools.models import School, SchoolDean

__all__ = [
    "CohortPoint",
    "ProgramHeadline",
    "DeanSchoolSummary",
    "ObeStatus",
    "ProgramRollup",
    "RunStatus",
    "SchoolRollup",
    "SchoolTotals",
    "UniversityRollup",
    "count_verified_by_program",
    "dean_summaries",
    "get_school_by_code",
    "latest_runs",
    "list_schools",
    "list_schools_for",
    "obe_status_by_cohort",
    "school_rollup",
    "university_rollup",
]

KINDS = (AchievementKind.PROJECT, AchievementKind.PUBLICATION, AchievementKind.PATENT, AchievementKind.AWARD)


# --- lists ---------------------------------------------------------------------------------------------

def list_schools() -> list[School]:
    """Every school, by code."""
    return list(db.session.scalars(select(School).order_by(School.code)))


def list_schools_for(user: User) -> list[School]:
    """Schools whose dashboard ``user`` may open: all for admins, the schools they are dean of otherwise."""
    if user.role == Role.ADMIN:
        return list_schools()
    ids = dean_school_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(School).where(School.id.in_(ids)).order_by(School.code)))


def get_school_by_code(code: str) -> School | None:
    """The school with this code (codes are compared as given, after trimming)."""
    return db.session.scalar(select(School).where(School.code == code.strip()))


def list_programs_of(school_ids: Sequence[int] | None) -> list[Program]:
    """Programs of these schools (every program when ``None``), by code."""
    stmt = select(Program).order_by(Program.code)
    if school_ids is not None:
        stmt = stmt.where(Program.school_id.in_(list(school_ids) or [-1]))
    return list(db.session.scalars(stmt))


def list_dean_users(school: School) -> list[User]:
    """The deans of a school, by name."""
    stmt = select(User).join(SchoolDean, SchoolDean.user_id == User.id).where(SchoolDean.school_id == school.id)
    return list(db.session.scalars(stmt.order_by(User.name)))


def list_staff_users() -> list[User]:
    """Active staff accounts (directors and teachers) who could be made dean, by name."""
    stmt = select(User).where(User.role.in_([Role.DIRECTOR, Role.TEACHER]), User.is_active_account.is_(True))
    return list(db.session.scalars(stmt.order_by(User.name)))


# --- the pieces of a roll-up -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CohortPoint:
    """One cohort of a program in the trends: students, OBE requirements below threshold, latest run."""

    cohort_id: int
    entry_year: int
    students: int
    obe_below: int | None  # None: no stored OBE results for this cohort
    obe_total: int | None
    run: RunStatus | None = None


@dataclass(frozen=True)
class ObeStatus:
    """The graduation-requirement verdicts of a program's newest cohort with stored OBE results."""

    cohort_id: int
    entry_year: int
    threshold: float
    rule: AggregationRule
    total: int  # requirements with a verdict
    below: list[int]  # numbers of the requirements below the threshold (under the framework's rule)


@dataclass(frozen=True)
class RunStatus:
    """The latest published (healthy or reviewed) student-model run of a program."""

    run_id: int
    cohort_id: int | None
    target_label: str
    model_name: str
    created_at: datetime
    n: int
    mean: float | None
    grades: list[tuple[str, str, int]]  # (name_zh, name_en, students) per grade, best first


@dataclass
class ProgramHeadline:
    """Students (not withdrawn) and verified achievements by kind of one program (or school)."""

    students: int = 0
    by_kind: dict[AchievementKind, int] = field(default_factory=dict)
    by_year: dict[int, int] = field(default_factory=dict)  # year of the achievement -> verified ones

    @property
    def verified_total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def verified_per_100(self) -> float | None:
        return 100.0 * self.verified_total / self.students if self.students else None


def count_verified_by_program(program_ids: Sequence[int]) -> dict[int, ProgramHeadline]:
    """Verified achievements recorded in each program, by kind and by year (one aggregate query on the
    achievements table; ``students`` is left 0 for the caller to fill)."""
    out: dict[int, ProgramHeadline] = {}
    if not program_ids:
        return out
    # count(*), not count(id): the counts come from the (program, status, kind, year) index alone.
    stmt = (select(Achievement.program_id, Achievement.kind, Achievement.year, func.count())
            .where(Achievement.program_id.in_(list(program_ids)),
                   Achievement.verification_status == VerificationStatus.VERIFIED)
            .group_by(Achievement.program_id, Achievement.kind, Achievement.year))
    for pid, kind, year, n in db.session.execute(stmt):
        h = out.setdefault(pid, ProgramHeadline())
        h.by_kind[kind] = h.by_kind.get(kind, 0) + n
        h.by_year[year] = h.by_year.get(year, 0) + n
    return out


def _cohorts_of(program_ids: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """(cohort id, program id, entry year, students not withdrawn) of these programs: one query."""
    if not program_ids:
        return []
    students = (select(func.count(Student.id)).where(Student.cohort_id == Cohort.id,
                                                      Student.status != StudentStatus.WITHDRAWN)
                .scalar_subquery())
    stmt = (select(Cohort.id, Cohort.program_id, Cohort.entry_year, students)
            .where(Cohort.program_id.in_(list(program_ids))).order_by(Cohort.program_id, Cohort.entry_year))
    return [tuple(r) for r in db.session.execute(stmt)]


def obe_status_by_cohort(program_ids: Sequence[int]) -> dict[int, ObeStatus]:
    """Requirement verdicts of every cohort of these programs that has stored OBE results (two queries).

    Only the requirement verdicts are read (``obe_results.requirements``), never the whole documents. A cohort with stored rows under
    several framework versions is judged under the newest of them (the highest version number of its
    program); the verdict follows that framework's own rule and threshold.
    """
    if not program_ids:
        return {}
    stmt = (
        select(AchievementResult.cohort_id, Cohort.entry_year, FrameworkVersion.version,
               FrameworkVersion.threshold, FrameworkVersion.aggregation_rule,
               # The small copy; a row stored without it: the whole document is parsed (COALESCE is lazy).
               type_coerce(func.coalesce(AchievementResult.requirements, AchievementResult.data["requirements"]),
                           JSON).label("requirements"))
        .join(Cohort, Cohort.id == AchievementResult.cohort_id)
        .join(FrameworkVersion, FrameworkVersion.id == AchievementResult.framework_id)
        .where(Cohort.program_id.in_(list(program_ids)), FrameworkVersion.program_id == Cohort.program_id)
        .order_by(AchievementResult.cohort_id, FrameworkVersion.version)
    )
    picked: dict[int, Any] = {}
    for row in db.session.execute(stmt):
        picked[row.cohort_id] = row  # ordered by version: the newest version wins
    ids = {int(rid) for row in picked.values() for rid in (row.requirements or {})}
    numbers = dict(db.session.execute(select(GraduationRequirement.id, GraduationRequirement.number)
                                      .where(GraduationRequirement.id.in_(ids or {-1}))).all())
    out = {}
    for cid, row in picked.items():
        rule = AggregationRule(row.aggregation_rule)
        key = "achieved_minimum" if rule == AggregationRule.MINIMUM else "achieved_weighted_sum"
        judged = [(numbers.get(int(rid)), v.get(key)) for rid, v in (row.requirements or {}).items()]
        judged = [(n, ok) for n, ok in judged if n is not None and ok is not None]
        out[cid] = ObeStatus(cohort_id=cid, entry_year=row.entry_year, threshold=float(row.threshold), rule=rule,
                             total=len(judged), below=sorted(n for n, ok in judged if ok is False))
    return out


def latest_runs(program_ids: Sequence[int]) -> dict[int, RunStatus]:
    """The newest published student-model run of each cohort of these programs, keyed by cohort id (one
    query, a window function); a program's latest run is the newest of its cohorts'.

    Runs held back by a failed health check (no director's review yet) are skipped, as on the dashboards.
    Only the run's summary and its grade scale are read, not its per-student results.
    """
    if not program_ids:
        return {}
    ranked = (
        select(EvaluationRun.id, EvaluationRun.program_id, EvaluationRun.target_cohort_id, EvaluationRun.target_label,
               EvaluationRun.model_name, EvaluationRun.created_at, EvaluationRun.summary,
               EvaluationRun.model_snapshot["grade_scale"].label("grade_scale"),
               func.row_number().over(partition_by=EvaluationRun.target_cohort_id,
                                      order_by=(EvaluationRun.created_at.desc(), EvaluationRun.id.desc()))
               .label("position"))
        .where(EvaluationRun.program_id.in_(list(program_ids)), EvaluationRun.unit == EvaluationUnit.STUDENT,
               EvaluationRun.target_cohort_id.is_not(None), published_runs_clause())
        .subquery()
    )
    out = {}
    for row in db.session.execute(select(ranked).where(ranked.c.position == 1)):
        summary = row.summary or {}
        scale = row.grade_scale or []
        counts = list(summary.get("grade_counts") or [])
        grades = [(g.get("name_zh") or "", g.get("name_en") or "", int(counts[i]) if i < len(counts) else 0)
                  for i, g in enumerate(scale)]
        mean = summary.get("mean")
        out[row.target_cohort_id] = RunStatus(
            run_id=row.id, cohort_id=row.target_cohort_id, target_label=row.target_label, model_name=row.model_name,
            created_at=row.created_at, n=int(summary.get("n") or 0), mean=None if mean is None else float(mean),
            grades=grades)
    return out


# --- roll-ups ----------------------------------------------------------------------------------------------

@dataclass
class ProgramRollup:
    """One program in a school roll-up."""

    program: Program
    headline: ProgramHeadline
    obe: ObeStatus | None
    run: RunStatus | None
    cohorts: list[CohortPoint] = field(default_factory=list)


@dataclass
class SchoolRollup:
    """Every program of a school, with the entry years its trends span."""

    school: School
    programs: list[ProgramRollup]
    years: list[int]  # entry years of the cohorts
    achievement_years: list[int] = field(default_factory=list)  # years of the verified achievements

    @property
    def obe_below(self) -> int:
        return sum(len(p.obe.below) for p in self.programs if p.obe is not None)


def _rollups(programs: Sequence[Program]) -> list[ProgramRollup]:
    ids = [p.id for p in programs]
    headlines = count_verified_by_program(ids)
    cohorts = _cohorts_of(ids)
    obe = obe_status_by_cohort(ids)
    runs = latest_runs(ids)
    points: dict[int, list[CohortPoint]] = defaultdict(list)
    for cid, pid, year, students in cohorts:
        status = obe.get(cid)
        points[pid].append(CohortPoint(cohort_id=cid, entry_year=year, students=students or 0,
                                       obe_below=None if status is None else len(status.below),
                                       obe_total=None if status is None else status.total, run=runs.get(cid)))
    out = []
    for p in programs:
        mine = points[p.id]
        with_obe = [obe[c.cohort_id] for c in mine if c.cohort_id in obe]
        newest = max(with_obe, key=lambda s: (s.entry_year, s.cohort_id), default=None)
        run = max((c.run for c in mine if c.run is not None), key=lambda r: (r.created_at, r.run_id), default=None)
        headline = headlines.get(p.id) or ProgramHeadline()
        headline.students = sum(c.students for c in mine)
        out.append(ProgramRollup(program=p, headline=headline, obe=newest, run=run, cohorts=mine))
    return out


def school_rollup(school: School) -> SchoolRollup:
    """Per program of ``school``: headline achievement counts (verified, by kind), the OBE requirements
    below threshold of its newest cohort with stored results, its latest published evaluation run with the
    grade distribution, and per cohort its students, OBE shortfalls and latest run (the trends).

    A constant number of queries (six) whatever the number of programs; access is checked by the caller.
    """
    programs = list_programs_of([school.id])
    rows = _rollups(programs)
    years = sorted({c.entry_year for r in rows for c in r.cohorts})
    achievement_years = sorted({y for r in rows for y in r.headline.by_year})
    return SchoolRollup(school=school, programs=rows, years=years, achievement_years=achievement_years)


@dataclass
class SchoolTotals:
    """One school in the university comparison: its programs' figures added up."""

    school: School
    programs: int = 0
    students: int = 0
    by_kind: dict[AchievementKind, int] = field(default_factory=dict)
    obe_judged_programs: int = 0
    obe_below: int = 0
    obe_total: int = 0
    programs_with_run: int = 0

    @property
    def verified_total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def verified_per_100(self) -> float | None:
        return 100.0 * self.verified_total / self.students if self.students else None


@dataclass
class UniversityRollup:
    """Every school, its totals, and its programs' roll-ups."""

    schools: list[SchoolTotals]
    programs: dict[int, list[ProgramRollup]]


def university_rollup() -> UniversityRollup:
    """Every school's totals for the administrators' comparison (the same queries as one school's roll-up,
    over all programs at once). A student is in one cohort of one program and an achievement in one program,
    so adding the programs' figures counts each student and each achievement once."""
    schools = list_schools()
    programs = list_programs_of(None)
    rows = _rollups(programs)
    by_school: dict[int, list[ProgramRollup]] = defaultdict(list)
    for r in rows:
        by_school[r.program.school_id].append(r)
    totals = []
    for s in schools:
        t = SchoolTotals(school=s)
        for r in by_school.get(s.id, []):
            h = r.headline
            t.programs += 1
            t.students += h.students
            for k, n in h.by_kind.items():
                t.by_kind[k] = t.by_kind.get(k, 0) + n
            if r.obe is not None:
                t.obe_judged_programs += 1
                t.obe_below += len(r.obe.below)
                t.obe_total += r.obe.total
            t.programs_with_run += r.run is not None
        totals.append(t)
    return UniversityRollup(schools=totals, programs=dict(by_school))


# --- what waits for a dean ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeanSchoolSummary:
    """One school of a dean on the home page: what needs a look."""

    school: School
    programs: int
    obe_below: int  # requirements below the threshold, over each program's newest cohort with results
    programs_below: list[str]  # codes of the programs with such requirements
    held_runs: int  # evaluation runs held back by a failed health check, no director's review yet
    without_run: list[str]  # codes of the programs without any published student-model run


def dean_summaries(user: User) -> list[DeanSchoolSummary]:
    """For each school ``user`` is dean of: OBE shortfalls, held runs and programs without a published run.

    A constant number of queries over all the dean's programs (none when the user is dean of nothing).
    """
    ids = dean_school_ids(user)
    if not ids:
        return []
    schools = list(db.session.scalars(select(School).where(School.id.in_(ids)).order_by(School.code)))
    programs = list_programs_of(list(ids))
    pids = [p.id for p in programs]
    cohorts = _cohorts_of(pids)
    program_of = {cid: pid for cid, pid, _y, _n in cohorts}
    newest: dict[int, ObeStatus] = {}
    for status in obe_status_by_cohort(pids).values():
        pid = program_of[status.cohort_id]
        if pid not in newest or (status.entry_year, status.cohort_id) > (newest[pid].entry_year, newest[pid].cohort_id):
            newest[pid] = status
    with_run = {program_of[cid] for cid in latest_runs(pids)}
    held = dict(db.session.execute(
        select(EvaluationRun.program_id, func.count(EvaluationRun.id))
        .where(EvaluationRun.program_id.in_(pids or [-1]), EvaluationRun.health_passed.is_(False),
               ~published_runs_clause())
        .group_by(EvaluationRun.program_id)).all())
    out = []
    for s in schools:
        mine = [p for p in programs if p.school_id == s.id]
        below = [p for p in mine if p.id in newest and newest[p.id].below]
        out.append(DeanSchoolSummary(
            school=s, programs=len(mine), obe_below=sum(len(newest[p.id].below) for p in below),
            programs_below=[p.code for p in below], held_runs=sum(held.get(p.id, 0) for p in mine),
            without_run=[p.code for p in mine if p.id not in with_run]))
    return out
