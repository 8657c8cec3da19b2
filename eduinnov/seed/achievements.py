"""Demo achievements: training projects, papers, patents and awards with their students and verification.

Each CSV row may list its students by number (``students``, space separated, in rank order); the rest of
the team (``team_size`` / ``authors`` / ``inventors``) is drawn, with the demo's fixed seed, from one
cohort that was in its second to fourth year in the achievement's year. Results older than the oldest
demo cohort name their (graduated, not stored) student team in the description instead.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    ParticipantRole,
    PatentStatus,
    PatentType,
    PrizeRank,
    ProjectStatus,
    ProjectType,
    VerificationStatus,
)
from eduinnov.auth.models import User
from eduinnov.programs.models import Student
from eduinnov.seed.context import (
    DemoContext,
    SeedError,
    at_ten_beijing,
    days_after,
    read_csv,
    to_date,
    to_enum,
)
from eduinnov.seed.people import NameGenerator

FILES = (
    ("projects.csv", AchievementKind.PROJECT),
    ("papers.csv", AchievementKind.PUBLICATION),
    ("patents.csv", AchievementKind.PATENT),
    ("awards.csv", AchievementKind.AWARD),
)
# Default funding (yuan) of a training project by level; demo.yaml `project_funding` overrides.
FUNDING = {"national": 15000, "provincial": 8000, "university": 2000}
# Project duration in years by level (national and provincial projects usually run two years).
DURATION = {Level.NATIONAL: 2, Level.PROVINCIAL: 2, Level.UNIVERSITY: 1}


class _Numbers:
    """Project numbers in the usual style: 2023+university code+seq (national), S… provincial, X… university."""

    def __init__(self, university_code: str) -> None:
        self.code = university_code
        self.seq: Counter[tuple[int, Level]] = Counter()

    def next(self, year: int, level: Level, department_no: str) -> str:
        self.seq[(year, level)] += 1
        n = self.seq[(year, level)]
        if level == Level.NATIONAL:
            return f"{year}{self.code}{n:03d}"
        if level == Level.PROVINCIAL:
            return f"S{year}{self.code}{n:03d}"
        return f"X{year}{department_no}{n:03d}"


def load_achievements(ctx: DemoContext) -> None:
    """Every program's achievement CSVs (programs in demo.yaml order, so project numbers are stable)."""
    names = NameGenerator(ctx.seed_dir / "names")
    numbers = _Numbers(str(ctx.config.get("university_code", "10000")))
    funding = {**FUNDING, **(ctx.config.get("project_funding") or {})}
    teams: list[tuple[Achievement, AchievementKind, list[Student], int]] = []
    for spec in ctx.config.get("programs") or []:
        code = spec["code"]
        for filename, kind in FILES:
            path = ctx.program_dir(code) / filename
            if not path.is_file():
                continue
            for line, row in enumerate(read_csv(path), start=2):
                where = f"{path.relative_to(ctx.seed_dir)} line {line}"
                teams.append(_load_row(ctx, spec, kind, row, where, names, numbers, funding))
    ctx.up.flush()
    for achievement, kind, team, first_rank in teams:
        for i, student in enumerate(team):
            ctx.up.upsert(
                AchievementParticipant, {"achievement_id": achievement.id, "student_id": student.id},
                {"role": _role(kind, i, len(team)), "rank": first_rank + i, "is_corresponding": False},
            )
    ctx.up.flush()


def _load_row(ctx: DemoContext, spec: dict, kind: AchievementKind, row: dict[str, str], where: str,
              names: NameGenerator, numbers: _Numbers,
              funding: dict[str, Any]) -> tuple[Achievement, AchievementKind, list[Student], int]:
    """One CSV row: the achievement (not flushed) with its student team and the team's first rank."""
    code = spec["code"]
    program = ctx.programs[code]
    try:
        year = int(row["year"])
    except (KeyError, ValueError):
        raise SeedError(f"{where}: year must be a number") from None
    title = row.get("title") or ""
    if not title:
        raise SeedError(f"{where}: title is empty")
    supervisor = _supervisor(ctx, code, row, where, title)
    values: dict[str, Any] = {"description": None, "supervisor_id": supervisor.id, "created_by_id": supervisor.id}

    if kind == AchievementKind.PROJECT:
        values.update(_project(ctx, spec, row, year, where, numbers, funding))
        base_day = values["start_date"]
    elif kind == AchievementKind.PUBLICATION:
        values.update({
            "venue": row["venue"] or None,
            "indexing": to_enum(Indexing, row["indexing"], where) if row.get("indexing") else None,
            "doi": row.get("doi") or None,
        })
        base_day = date(year, 10, 15)
    elif kind == AchievementKind.PATENT:
        values.update(_patent(row, where))
        base_day = values["grant_date"] or values["application_date"] or date(year, 6, 30)
    else:
        award_day = to_date(row.get("award_date"), where) or date(year, 11, 20)
        values.update({
            "competition": row["competition"] or None,
            "level": to_enum(Level, row["level"], where),
            "prize_rank": to_enum(PrizeRank, row["prize_rank"], where) if row.get("prize_rank") else None,
            "award_date": award_day,
        })
        base_day = award_day
    values.update(_verification(ctx, code, row, base_day, where))

    team = _team(ctx, code, kind, row, year, title, where)
    if not team:
        alumni = names.distinct_names(ctx.rng("alumni", code, kind.value, title), _team_size(kind, row))
        values["description"] = f"学生团队（{year - 2}级，已毕业）：{'、'.join(alumni)}"
    achievement = ctx.up.upsert(
        Achievement, {"program_id": program.id, "kind": kind, "title": title, "year": year}, values
    )
    return achievement, kind, team, int(row.get("first_rank") or 1)


def _supervisor(ctx: DemoContext, code: str, row: dict[str, str], where: str, title: str) -> User:
    if row.get("supervisor"):
        user = ctx.user(row["supervisor"].lower(), where)
        if user not in ctx.teachers[code]:
            raise SeedError(f"{where}: supervisor {user.email} is not a teacher of {code}")
        return user
    return ctx.rng("supervisor", code, title).choice(ctx.teachers[code])


def _project(ctx: DemoContext, spec: dict, row: dict[str, str], year: int, where: str,
             numbers: _Numbers, funding: dict[str, Any]) -> dict[str, Any]:
    level = to_enum(Level, row["level"], where)
    start = date(year, 6, 1)
    end = date(year + DURATION.get(level, 1), 5, 31)
    if end <= ctx.as_of:
        status = ProjectStatus.CONCLUDED
    elif ctx.as_of - start < timedelta(days=180):  # before the mid-term check
        status = ProjectStatus.APPROVED
    else:
        status = ProjectStatus.IN_PROGRESS
    amount = funding.get(level.value)
    return {
        "level": level,
        "project_type": to_enum(ProjectType, row.get("project_type") or "innovation_training", where),
        "project_status": status,
        "project_number": numbers.next(year, level, str(spec["department_no"])),
        "start_date": start,
        "end_date": end,
        "funding": Decimal(str(amount)) if amount is not None else None,
    }


def _patent(row: dict[str, str], where: str) -> dict[str, Any]:
    status = to_enum(PatentStatus, row["patent_status"], where)
    values = {
        "patent_type": to_enum(PatentType, row["patent_type"], where),
        "patent_status": status,
        "application_number": row.get("application_number") or None,
        "application_date": to_date(row.get("application_date"), where),
        "grant_number": row.get("grant_number") or None,
        "grant_date": to_date(row.get("grant_date"), where),
    }
    if status == PatentStatus.GRANTED and not (values["grant_number"] and values["grant_date"]):
        raise SeedError(f"{where}: a granted patent needs grant_number and grant_date")
    return values


def _verification(ctx: DemoContext, code: str, row: dict[str, str], base_day: date,
                  where: str) -> dict[str, Any]:
    """Verified (by the director, a few weeks after the event) unless the row says submitted / rejected.

    ``claimed`` (the name of *submitted* before the review loop) is read as *submitted*.
    """
    value = row.get("verification") or "verified"
    status = to_enum(VerificationStatus, "submitted" if value == "claimed" else value, where)
    submitted_at = at_ten_beijing(days_after(base_day, 5, ctx.as_of))
    if status in (VerificationStatus.DRAFT, VerificationStatus.SUBMITTED):
        return {"verification_status": status, "verified_by_id": None, "verified_at": None,
                "verification_note": None, "submitted_at": None if status == VerificationStatus.DRAFT
                else submitted_at}
    note = row.get("note") or None
    if status == VerificationStatus.REJECTED and not note:
        raise SeedError(f"{where}: a rejected achievement needs a note giving the reason")
    return {
        "verification_status": status,
        "verified_by_id": ctx.directors[code].id,
        "verified_at": at_ten_beijing(days_after(base_day, 25, ctx.as_of)),
        "verification_note": note,
        "submitted_at": submitted_at,
    }


def _team_size(kind: AchievementKind, row: dict[str, str]) -> int:
    column = {AchievementKind.PUBLICATION: "authors", AchievementKind.PATENT: "inventors"}.get(kind, "team_size")
    return max(1, int(row.get(column) or 1))


def _team(ctx: DemoContext, code: str, kind: AchievementKind, row: dict[str, str], year: int, title: str,
          where: str) -> list[Student]:
    named = [ctx.student(no, where) for no in (row.get("students") or "").split()]
    size = max(_team_size(kind, row), len(named))
    years = ctx.eligible_cohorts(code, year)
    if not years:
        if named:
            raise SeedError(f"{where}: no demo cohort was studying in {year}, so it cannot name students")
        return []
    rng = ctx.rng("team", code, kind.value, title, year)
    if row.get("cohort"):
        try:
            entry_year = int(row["cohort"])
        except ValueError:
            raise SeedError(f"{where}: cohort must be an entry year, got {row['cohort']!r}") from None
        if entry_year not in years:
            raise SeedError(f"{where}: the {entry_year} cohort was not in its 2nd–4th year in {year}")
        if named and any(s.cohort.entry_year != entry_year for s in named):
            raise SeedError(f"{where}: the named students are not all of the {entry_year} cohort")
    else:
        entry_year = named[0].cohort.entry_year if named else rng.choice(years)
    pool = [s for s in ctx.active_students[(code, entry_year)] if s not in named]
    return named + rng.sample(pool, size - len(named))


def _role(kind: AchievementKind, index: int, size: int) -> ParticipantRole:
    if kind == AchievementKind.PUBLICATION:
        return ParticipantRole.AUTHOR
    if kind == AchievementKind.PATENT:
        return ParticipantRole.INVENTOR
    if index == 0 and (kind == AchievementKind.PROJECT or size > 1):
        return ParticipantRole.LEADER
    return ParticipantRole.MEMBER
