"""Stored OBE results never go stale: every input change deletes what it feeds and the commit stores the new.

A session listener notes, at each flush, the cohorts, offerings, items and framework versions whose rows
were added, changed or deleted (scores come with a :class:`~eduinnov.obe.models.ScoreImport`); it deletes
the stored results they feed in the same flush and, before the transaction commits, recomputes and
stores those cohorts' figures (:func:`eduinnov.obe.results.refresh`). A rolled-back transaction leaves
everything as it was.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, inspect, or_, select
from sqlalchemy.orm import Session

from eduinnov.extensions import db
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
    AchievementResult,
    AssessmentItem,
    CourseOffering,
    ItemObjectiveMapping,
    ObjectiveTypeWeight,
    Score,
    ScoreImport,
    SurveyResult,
)
from eduinnov.obe.results import refresh
from eduinnov.programs.models import Cohort, Student

_BY_OFFERING = (AssessmentItem, ObjectiveTypeWeight, ScoreImport)
_PENDING = "obe_results_pending"
_KEYS = ("cohorts", "offerings", "items", "objectives", "courses", "requirements", "frameworks")


def _old(obj: Any, attr: str) -> list[Any]:
    """The attribute's current and previous values (a row moved to another cohort touches both)."""
    hist = inspect(obj).attrs[attr].history
    return [v for v in (getattr(obj, attr, None), *hist.deleted) if v is not None]


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context: Any) -> None:
    """Note which cohorts, offerings, items and frameworks the flush touched (ids are set by now)."""
    touched = session.info.setdefault(_PENDING, {k: set() for k in _KEYS})
    dirty = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in (*session.new, *dirty, *session.deleted):
        if isinstance(obj, (Cohort, Student, SurveyResult, CourseOffering)):
            if isinstance(obj, Cohort):
                touched["cohorts"].add(obj.id)
            else:
                touched["cohorts"].update(_old(obj, "cohort_id"))
            if isinstance(obj, CourseOffering):
                touched["offerings"].add(obj.id)
        elif isinstance(obj, _BY_OFFERING):
            touched["offerings"].update(_old(obj, "offering_id"))
        elif isinstance(obj, (ItemObjectiveMapping, Score)):
            touched["items"].update(_old(obj, "item_id"))
        elif isinstance(obj, FrameworkVersion):
            touched["frameworks"].add(obj.id)
        elif isinstance(obj, (GraduationRequirement, Course)):
            touched["frameworks"].update(_old(obj, "framework_id"))
        elif isinstance(obj, IndicatorPoint):
            touched["requirements"].update(_old(obj, "requirement_id"))
        elif isinstance(obj, (CourseObjective, CourseSupport)):
            touched["courses"].update(_old(obj, "course_id"))
        elif isinstance(obj, ObjectiveIndicatorLink):
            touched["objectives"].update(_old(obj, "objective_id"))


@event.listens_for(Session, "after_flush_postexec")
def _invalidate(session: Session, _flush_context: Any) -> None:
    """Delete the stored rows fed by what the flush touched; remember their cohorts for recomputing."""
    touched = session.info.get(_PENDING)
    if not touched or not any(touched.values()):
        return
    cohorts = set(touched["cohorts"])
    frameworks = set(touched["frameworks"])
    if touched["items"]:
        touched["offerings"].update(session.execute(select(AssessmentItem.offering_id).where(
            AssessmentItem.id.in_(touched["items"]))).scalars())
    if touched["offerings"]:
        cohorts.update(session.execute(select(CourseOffering.cohort_id).where(
            CourseOffering.id.in_(touched["offerings"]))).scalars())
    if touched["objectives"]:
        touched["courses"].update(session.execute(select(CourseObjective.course_id).where(
            CourseObjective.id.in_(touched["objectives"]))).scalars())
    if touched["requirements"]:
        frameworks.update(session.execute(select(GraduationRequirement.framework_id).where(
            GraduationRequirement.id.in_(touched["requirements"]))).scalars())
    if touched["courses"]:
        frameworks.update(session.execute(select(Course.framework_id).where(
            Course.id.in_(touched["courses"]))).scalars())
    where = []
    if cohorts:
        where.append(AchievementResult.cohort_id.in_(cohorts))
    if frameworks:
        where.append(AchievementResult.framework_id.in_(frameworks))
    recompute = session.info.setdefault("obe_results_recompute", set())
    recompute.update(cohorts)
    if where:
        stale = or_(*where)
        recompute.update(session.execute(select(AchievementResult.cohort_id).where(stale)).scalars())
        session.execute(delete(AchievementResult).where(stale))
    for key in touched:
        touched[key] = set()


def _current_session() -> Session | None:
    try:
        return db.session()
    except RuntimeError:  # outside an application context
        return None


@event.listens_for(Session, "before_commit")
def _recompute_before_commit(session: Session) -> None:
    """Store the new figures of every cohort whose inputs changed, in the transaction that changed them."""
    if session.info.get("obe_results_busy"):
        return
    # before_commit comes before the commit's own flush: flush now so every change has been noted.
    session.flush()
    pending = session.info.pop("obe_results_recompute", None)
    if not pending or session is not _current_session():
        return  # another session (no app context): its stale rows are deleted, a read recomputes them
    from eduinnov.obe import queries

    session.info["obe_results_busy"] = True
    try:
        for cohort in session.scalars(select(Cohort).where(Cohort.id.in_(pending))):
            framework = queries.get_framework_for_cohort(cohort)
            if framework is not None:
                refresh(cohort, framework)
        session.flush()
        session.info.pop("obe_results_recompute", None)
    finally:
        session.info.pop("obe_results_busy", None)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: nothing it noted happened
        session.info.pop("obe_results_recompute", None)
        session.info.pop(_PENDING, None)
