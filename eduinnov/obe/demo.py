"""OBE demo data: offerings, assessment plans and score sheets of the SE program (seed/obe/).

Called by the demo seeder after the core data (``eduinnov.seed.loader.EXTRA_STEPS``), inside its
transaction: it flushes, never commits. The sheets go through the real import
(``services.import_score_sheet``), so the demo exercises GBK, BOM and merged-header parsing too.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.core.errors import DomainError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks.models import Course, FrameworkVersion, GraduationRequirement
from eduinnov.obe import services
from eduinnov.obe.models import AssessmentType, CourseOffering, ImprovementRecord, ImprovementStatus
from eduinnov.programs.models import Cohort, Program


def load(seed_dir: Path) -> None:
    """Idempotently create the SE demo offerings, plans, scores, surveys and improvement records.

    Does nothing when ``seed_dir/obe/plan.yaml``, the SE program or its active framework is absent;
    offerings whose course or cohort does not exist are skipped; an offering that already has scores
    keeps them.
    """
    plan_file = Path(seed_dir) / "obe" / "plan.yaml"
    if not plan_file.exists():
        return
    spec = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    program = db.session.scalar(select(Program).where(Program.code == spec.get("program", "SE")))
    if program is None:
        return
    framework = db.session.scalar(select(FrameworkVersion).where(
        FrameworkVersion.program_id == program.id, FrameworkVersion.status == Lifecycle.ACTIVE))
    if framework is None:
        return
    courses = {c.code: c for c in framework.courses}
    cohorts = {c.entry_year: c for c in program.cohorts}
    director = _first_director(program)
    for entry in spec.get("offerings", []):
        course, cohort = courses.get(entry["course"]), cohorts.get(int(entry["cohort"]))
        if course is None or cohort is None or not course.objectives:
            continue
        _load_offering(seed_dir / "obe", course, cohort, entry, director)
    first = cohorts.get(min(cohorts)) if cohorts else None
    if spec.get("surveys") and first is not None:
        path = seed_dir / "obe" / spec["surveys"]
        if path.exists():
            try:
                services.import_surveys(first, path.read_bytes(), user=director)
            except DomainError:
                pass  # a framework edited since the demo file was made: leave surveys out
    for record in spec.get("improvements", []):
        _load_improvement(framework, courses, cohorts, record, director)
    db.session.flush()


def _first_director(program: Program) -> User | None:
    from eduinnov.auth.access import list_directors_of

    directors = list_directors_of(program.id)
    return directors[0] if directors else None


def _load_offering(folder: Path, course: Course, cohort: Cohort, entry: dict, director: User | None) -> None:
    teacher = db.session.scalar(select(User).where(User.email == entry.get("teacher"))) if entry.get("teacher") else None
    offering = db.session.scalar(select(CourseOffering).where(
        CourseOffering.course_id == course.id, CourseOffering.cohort_id == cohort.id,
        CourseOffering.term == entry["term"], CourseOffering.class_name == ""))
    if offering is None:
        offering = services.create_offering(course, cohort, entry["term"], user=director, teacher=teacher)
    objectives = {o.number: o.id for o in course.objectives}
    if not offering.items:
        for position, item in enumerate(entry["items"], start=1):
            ids = [objectives[n] for n in item["objectives"] if n in objectives]
            if ids:
                services.add_item(offering, name=item["name"], type=AssessmentType(item["type"]),
                                  full_marks=float(item["full"]), objective_ids=ids, position=position,
                                  user=director)
        weights = {objectives[int(n)]: {AssessmentType(t): float(w) for t, w in by_type.items()}
                   for n, by_type in entry.get("weights", {}).items() if int(n) in objectives}
        services.set_type_weights(offering, weights, user=director)
    if offering.imports:
        return
    sheet = folder / entry["sheet"]
    if sheet.exists():
        try:
            services.import_score_sheet(offering, sheet.read_bytes(), sheet.name, user=teacher or director)
        except services.ImportRefused:
            pass  # the seeded students or plan differ from the sheet: the page will say "no scores yet"


def _load_improvement(framework: FrameworkVersion, courses: dict[str, Course], cohorts: dict[int, Cohort],
                      record: dict, director: User | None) -> None:
    requirement = db.session.scalar(select(GraduationRequirement).where(
        GraduationRequirement.framework_id == framework.id, GraduationRequirement.number == record["requirement"]))
    if requirement is None:
        return
    code, _, number = str(record.get("target", "")).partition("/")
    course = courses.get(code)
    objective = next((o for o in course.objectives if str(o.number) == number), None) if course else None
    same_target = (ImprovementRecord.objective_id == objective.id if objective is not None
                   else ImprovementRecord.objective_id.is_(None))
    exists = db.session.scalar(select(ImprovementRecord.id).where(
        ImprovementRecord.requirement_id == requirement.id, ImprovementRecord.cycle_year == record["cycle_year"],
        same_target))
    if exists:
        return
    services.create_improvement(
        requirement, user=director, cycle_year=int(record["cycle_year"]), analysis=record["analysis"],
        measure=record["measure"], responsible=record["responsible"], objective=objective,
        cohort=cohorts.get(record.get("cohort")), achievement_value=record.get("value"),
        next_cycle_result=record.get("result"), status=ImprovementStatus(record.get("status", "planned")),
    )
