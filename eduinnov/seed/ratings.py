"""Demo ratings entered by hand (manual scores): supervisors' ratings of students, panel ratings of cohorts.

The data are in ``seed/ratings.yaml`` (optional: without it nothing is rated). Student ratings are drawn
with the demo's fixed seed, so they have a realistic spread and lean slightly towards the students with
verified achievements; each is keyed by (program, key, student) and each cohort rating by
(program, key, cohort), so loading again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from eduinnov.achievements.models import Achievement, AchievementParticipant, VerificationStatus
from eduinnov.extensions import db
from eduinnov.indicators.models import ManualScore
from eduinnov.seed.context import DemoContext, SeedError, at_ten_beijing, read_yaml

FILE = "ratings.yaml"


def load_ratings(ctx: DemoContext) -> None:
    """Student and cohort ratings of every demo program, as listed in ``seed/ratings.yaml``."""
    path = ctx.seed_dir / FILE
    if not path.is_file():
        return
    data = read_yaml(path)
    entered_at = at_ten_beijing(ctx.as_of - timedelta(days=14))
    if data.get("student_ratings"):
        _student_ratings(ctx, data["student_ratings"], entered_at)
    if data.get("cohort_ratings"):
        _cohort_ratings(ctx, data["cohort_ratings"], entered_at)
    ctx.up.flush()


def _number(spec: dict[str, Any], name: str, where: str, default: float | None = None) -> float:
    value = spec.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SeedError(f"{where}: {name} must be a number, got {value!r}") from None


def _achievement_counts() -> Counter[int]:
    rows = db.session.execute(
        select(AchievementParticipant.student_id).join(Achievement)
        .where(Achievement.verification_status == VerificationStatus.VERIFIED))
    return Counter(student_id for (student_id,) in rows)


def _student_ratings(ctx: DemoContext, spec: dict[str, Any], entered_at) -> None:
    where = f"{FILE} student_ratings"
    keys = spec.get("keys") or []
    if not keys:
        raise SeedError(f"{where}: list the rating keys")
    counts = _achievement_counts()
    per_achievement = _number(spec, "per_achievement", where, 0)
    max_bonus = _number(spec, "max_bonus", where, 1)
    shared = _number(spec, "shared", where, 0.6)
    if not 0 <= shared <= 1:
        raise SeedError(f"{where}: shared must lie between 0 and 1")
    for code, program in ctx.programs.items():
        director = ctx.directors[code]
        for entry_year, cohort_spec in (spec.get("cohorts") or {}).items():
            students = ctx.active_students.get((code, int(entry_year)))
            if students is None:
                continue
            cohort_spec = cohort_spec or {}
            mean = _number(cohort_spec, "mean", where, _number(spec, "mean", where))
            sd = _number(cohort_spec, "sd", where, _number(spec, "sd", where))
            share = _number(cohort_spec, "rated_share", where, 1)
            # One supervisor rates a student on every key: the ratings share the student's standing
            # (weight `shared`) and differ by key.
            rng = ctx.rng("rating", code, entry_year)
            standing = {s.id: rng.gauss(0, 1) for s in students}
            for key in keys:
                rng = ctx.rng("rating", code, entry_year, key)
                for student in students:
                    own, rated = rng.gauss(0, 1), rng.random() < share
                    if not rated:
                        continue
                    draw = mean + sd * (shared ** 0.5 * standing[student.id] + (1 - shared) ** 0.5 * own)
                    bonus = min(max_bonus, per_achievement * counts[student.id])
                    value = min(5.0, max(1.0, round((draw + bonus) * 2) / 2))
                    ctx.up.upsert(ManualScore,
                                  {"program_id": program.id, "metric_key": key, "student_id": student.id},
                                  {"cohort_id": None, "value": value, "note": spec.get("note"),
                                   "entered_by_id": director.id, "entered_at": entered_at})


def _cohort_ratings(ctx: DemoContext, spec: dict[str, Any], entered_at) -> None:
    for code, keys in (spec.get("programs") or {}).items():
        if code not in ctx.programs:
            raise SeedError(f"{FILE} cohort_ratings: unknown program {code!r}")
        program, director = ctx.programs[code], ctx.directors[code]
        for key, by_year in keys.items():
            for entry_year, value in by_year.items():
                cohort = ctx.cohorts.get((code, int(entry_year)))
                if cohort is None:
                    raise SeedError(f"{FILE} cohort_ratings: {code} has no {entry_year} cohort")
                rating = _number({"value": value}, "value", f"{FILE} {code} {key} {entry_year}")
                if not 1 <= rating <= 5:
                    raise SeedError(f"{FILE} {code} {key} {entry_year}: a rating lies between 1 and 5")
                ctx.up.upsert(ManualScore, {"program_id": program.id, "metric_key": key, "cohort_id": cohort.id},
                              {"student_id": None, "value": rating, "note": spec.get("note"),
                               "entered_by_id": director.id, "entered_at": entered_at})
