"""Named reads of the OBE domain: offerings, scores, surveys, improvement records."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from eduinnov.auth.access import restrict_to_programs
from eduinnov.auth.models import MembershipRole, ProgramMembership, User
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.frameworks import queries as framework_queries
from eduinnov.frameworks.models import (
    Course,
    CourseObjective,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    ObjectiveIndicatorLink,
)
from eduinnov.obe.models import (
    AssessmentItem,
    CourseOffering,
    ImprovementRecord,
    Score,
    SurveyResult,
)
from eduinnov.programs.models import Cohort, Student


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_offerings_stmt(user: User, *, q: str | None = None, cohort_id: int | None = None,
                        term: str | None = None) -> Select:
    """A select of the offerings the user may see, filtered by text, cohort and term, newest term first.

    Parameters
    ----------
    user : User
        Lists are limited to the user's programs.
    q : str, optional
        Matches course code or name (Chinese or English).
    cohort_id, term : optional filters.

    Returns
    -------
    Select
    """
    stmt = select(CourseOffering).join(CourseOffering.course).join(CourseOffering.cohort)
    stmt = restrict_to_programs(user, stmt, Cohort.program_id)
    if q:
        like = f"%{_escape_like(q.strip())}%"
        stmt = stmt.where(or_(Course.code.ilike(like, escape="\\"), Course.name_zh.ilike(like, escape="\\"),
                              Course.name_en.ilike(like, escape="\\")))
    if cohort_id:
        stmt = stmt.where(CourseOffering.cohort_id == cohort_id)
    if term:
        stmt = stmt.where(CourseOffering.term == term)
    return stmt.order_by(CourseOffering.term.desc(), Course.code, CourseOffering.class_name)


def list_cohorts_for(user: User) -> list[Cohort]:
    """Cohorts the user may see, by program and entry year."""
    stmt = restrict_to_programs(user, select(Cohort), Cohort.program_id)
    return list(db.session.scalars(stmt.order_by(Cohort.program_id, Cohort.entry_year.desc())))


def list_terms_for(user: User) -> list[str]:
    """Distinct terms of the offerings the user may see, newest first."""
    stmt = select(CourseOffering.term).join(CourseOffering.cohort).distinct()
    stmt = restrict_to_programs(user, stmt, Cohort.program_id)
    return sorted(db.session.scalars(stmt), reverse=True)


def list_offerings_of_cohort(cohort: Cohort) -> list[CourseOffering]:
    """All offerings taught to a cohort, by course code and term."""
    stmt = (select(CourseOffering).join(CourseOffering.course).where(CourseOffering.cohort_id == cohort.id)
            .order_by(Course.code, CourseOffering.term, CourseOffering.class_name))
    return list(db.session.scalars(stmt))


def list_courses_for_offerings(program_id: int) -> list[Course]:
    """Courses of a program's framework versions that are not archived (for a new offering)."""
    stmt = (select(Course).join(Course.framework)
            .where(FrameworkVersion.program_id == program_id, FrameworkVersion.status != Lifecycle.ARCHIVED)
            .order_by(FrameworkVersion.version.desc(), Course.code))
    return list(db.session.scalars(stmt))


def list_teachers_of(program_id: int) -> list[User]:
    """Teachers and directors who are members of a program, by name."""
    stmt = (select(User).join(ProgramMembership)
            .where(ProgramMembership.program_id == program_id,
                   ProgramMembership.role.in_([MembershipRole.TEACHER, MembershipRole.DIRECTOR]))
            .order_by(User.name))
    return list(db.session.scalars(stmt))


def get_framework_for_cohort(cohort: Cohort) -> FrameworkVersion | None:
    """The framework version a cohort was taught under (see :func:`get_frameworks_for_cohorts`)."""
    return get_frameworks_for_cohorts([cohort])[cohort.id]


def get_frameworks_for_cohorts(cohorts: Iterable[Cohort]) -> dict[int, FrameworkVersion | None]:
    """Cohort id → the framework version each cohort was taught under, in at most two queries.

    The version whose courses the cohort's offerings use (the most common one; a tie: the version of the
    earliest offering), else the program's version for the cohort's entry year, else its active version,
    else its newest.
    """
    cohorts = list(cohorts)
    out: dict[int, FrameworkVersion | None] = {c.id: None for c in cohorts}
    if not cohorts:
        return out
    # The versions each cohort's offerings use: (offerings, earliest offering) per (cohort, version).
    best: dict[int, tuple[tuple[int, int], FrameworkVersion]] = {}
    for cohort_id, version, count, first in db.session.execute(
            select(CourseOffering.cohort_id, FrameworkVersion, func.count(CourseOffering.id),
                   func.min(CourseOffering.id))
            .join(Course, Course.framework_id == FrameworkVersion.id)
            .join(CourseOffering, CourseOffering.course_id == Course.id)
            .where(CourseOffering.cohort_id.in_(list(out)))
            .group_by(CourseOffering.cohort_id, FrameworkVersion.id)):
        rank = (-count, first)
        if cohort_id not in best or rank < best[cohort_id][0]:
            best[cohort_id] = (rank, version)
    for cohort_id, (_rank, version) in best.items():
        out[cohort_id] = version
    rest = [c for c in cohorts if c.id not in best]
    if not rest:
        return out
    versions: dict[int, list[FrameworkVersion]] = {}
    for version in db.session.scalars(
            select(FrameworkVersion).where(FrameworkVersion.program_id.in_({c.program_id for c in rest}))
            .order_by(FrameworkVersion.created_at.desc(), FrameworkVersion.id.desc())):
        versions.setdefault(version.program_id, []).append(version)
    for cohort in rest:
        mine = versions.get(cohort.program_id, [])
        out[cohort.id] = next(
            (v for v in mine if v.entry_year == cohort.entry_year and v.status != Lifecycle.DRAFT),
            next((v for v in mine if v.status == Lifecycle.ACTIVE), mine[0] if mine else None))
    return out


def list_scores_of_offering(offering: CourseOffering) -> list[tuple[int, int, float | None]]:
    """(student id, item id, value) of every score of an offering."""
    stmt = (select(Score.student_id, Score.item_id, Score.value).join(Score.item)
            .where(AssessmentItem.offering_id == offering.id))
    return [tuple(row) for row in db.session.execute(stmt)]


def count_scores_of_offering(offering: CourseOffering) -> int:
    """How many score cells an offering has."""
    stmt = select(func.count(Score.id)).join(Score.item).where(AssessmentItem.offering_id == offering.id)
    return int(db.session.scalar(stmt) or 0)


def list_students_of_offering(offering: CourseOffering) -> list[Student]:
    """Students with at least one score row in an offering, by student number."""
    stmt = (select(Student).where(Student.id.in_(
        select(Score.student_id).join(Score.item).where(AssessmentItem.offering_id == offering.id)
    )).order_by(Student.student_no))
    return list(db.session.scalars(stmt))


def list_student_scores(offering: CourseOffering, student: Student) -> dict[int, float | None]:
    """Item id → value for one student in one offering (items without a row are absent)."""
    stmt = (select(Score.item_id, Score.value).join(Score.item)
            .where(AssessmentItem.offering_id == offering.id, Score.student_id == student.id))
    return dict(db.session.execute(stmt).all())


def list_offerings_of_student(student: Student) -> list[CourseOffering]:
    """Offerings in which a student has scores."""
    stmt = (select(CourseOffering).where(CourseOffering.id.in_(
        select(AssessmentItem.offering_id).join(Score, Score.item_id == AssessmentItem.id)
        .where(Score.student_id == student.id)
    )).join(CourseOffering.course).order_by(CourseOffering.term, Course.code))
    return list(db.session.scalars(stmt))


def list_surveys_of_cohort(cohort: Cohort) -> list[SurveyResult]:
    """Survey results of a cohort, by indicator point and source."""
    stmt = (select(SurveyResult).join(SurveyResult.indicator_point).where(SurveyResult.cohort_id == cohort.id)
            .order_by(IndicatorPoint.requirement_id, IndicatorPoint.position, SurveyResult.source))
    return list(db.session.scalars(stmt))


def list_improvements_of_requirement(requirement: GraduationRequirement, *,
                                     across_versions: bool = True) -> list[ImprovementRecord]:
    """The improvement history of a requirement (its own records and its points'), newest cycle first.

    With ``across_versions`` the records of the earlier versions' requirements it continues come too
    (see :class:`~eduinnov.frameworks.models.RequirementSuccession`): they stay attached to their own
    version and show here as the earlier cycles of the same requirement.
    """
    requirements = [requirement]
    if across_versions:
        requirements += framework_queries.list_requirement_ancestors(requirement)
    return _improvements_under(requirements)


def _improvements_under(requirements: list[GraduationRequirement]) -> list[ImprovementRecord]:
    ids = [r.id for r in requirements]
    point_ids = select(IndicatorPoint.id).where(IndicatorPoint.requirement_id.in_(ids or [-1]))
    stmt = select(ImprovementRecord).where(or_(
        ImprovementRecord.requirement_id.in_(ids or [-1]),
        ImprovementRecord.indicator_point_id.in_(point_ids),
    )).order_by(ImprovementRecord.cycle_year.desc(), ImprovementRecord.created_at.desc(), ImprovementRecord.id.desc())
    return list(db.session.scalars(stmt))


def list_improvements_across_versions(framework: FrameworkVersion) -> list[ImprovementRecord]:
    """Every improvement record of a framework version and of the earlier versions' requirements its
    requirements continue, newest cycle first (each record keeps its own version)."""
    requirements: list[GraduationRequirement] = []
    for requirement in framework.requirements:
        requirements += framework_queries.list_requirement_ancestors(requirement)
    earlier = _improvements_under(requirements)
    own = list_improvements_of_framework(framework)
    seen = {r.id for r in own}
    merged = own + [r for r in earlier if r.id not in seen]
    return sorted(merged, key=lambda r: (-r.cycle_year, -(r.created_at.timestamp() if r.created_at else 0), -r.id))


def list_improvements_of_course(course: Course) -> list[ImprovementRecord]:
    """Improvement records that target one of a course's objectives, newest cycle first."""
    stmt = (select(ImprovementRecord).join(ImprovementRecord.objective)
            .where(CourseObjective.course_id == course.id)
            .order_by(ImprovementRecord.cycle_year.desc(), ImprovementRecord.created_at.desc()))
    return list(db.session.scalars(stmt))


def list_improvements_of_framework(framework: FrameworkVersion) -> list[ImprovementRecord]:
    """Every improvement record of a framework version, newest cycle first."""
    stmt = (select(ImprovementRecord).where(ImprovementRecord.framework_id == framework.id)
            .order_by(ImprovementRecord.cycle_year.desc(), ImprovementRecord.created_at.desc()))
    return list(db.session.scalars(stmt))


def list_cohorts_of_program(program_id: int) -> list[Cohort]:
    """A program's cohorts, oldest first."""
    return list(db.session.scalars(select(Cohort).where(Cohort.program_id == program_id)
                                   .options(joinedload(Cohort.program)).order_by(Cohort.entry_year)))


def candidate_objectives(requirement: GraduationRequirement) -> list[CourseObjective]:
    """Course objectives that bear on a requirement: linked to its points, or of courses supporting them."""
    point_ids = [p.id for p in requirement.indicator_points]
    if not point_ids:
        return []
    linked = select(ObjectiveIndicatorLink.objective_id).where(ObjectiveIndicatorLink.indicator_point_id.in_(point_ids))
    course_ids = select(CourseSupport.course_id).where(CourseSupport.indicator_point_id.in_(point_ids))
    stmt = (select(CourseObjective).join(CourseObjective.course).options(contains_eager(CourseObjective.course))
            .where(CourseObjective.id.in_(linked) | CourseObjective.course_id.in_(course_ids))
            .order_by(Course.code, CourseObjective.number))
    return list(db.session.scalars(stmt))
