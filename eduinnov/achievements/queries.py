"""Named reads of the achievements domain: filtered lists, the verification queue, audit history."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from eduinnov.achievements.duplicates import Duplicate, duplicates_by_achievement, history_ids
from eduinnov.achievements.models import (
    PENDING_STATES,
    Achievement,
    AchievementClaim,
    AchievementKind,
    AchievementParticipant,
    ClaimStatus,
    EvidenceFile,
    Level,
    VerificationStatus,
)
from eduinnov.auth.access import program_ids, restrict_to_programs
from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
from eduinnov.core.audit import AuditLog
from eduinnov.core.models import bilingual_name, display_language
from eduinnov.core.pagination import Page, paginate, paginate_list
from eduinnov.extensions import db
from eduinnov.programs.models import Cohort, Program, Student

# Columns that change on every save and say nothing to a reader of the history.
_HIDDEN_HISTORY_FIELDS = {"updated_at", "created_at", "id"}


@dataclass(frozen=True)
class AchievementFilters:
    """What the list page filters on; every field is optional."""

    program_id: int | None = None
    kind: AchievementKind | None = None
    status: VerificationStatus | None = None
    level: Level | None = None
    year_from: int | None = None
    year_to: int | None = None
    cohort_id: int | None = None
    q: str | None = None
    pending: bool = False          # submitted or reviewed (waiting for someone)
    mine_user_id: int | None = None  # recorded or supervised by this user
    evidence: bool | None = None   # with (True) or without (False) any evidence file


@dataclass(frozen=True)
class QueueSummary:
    """What waits for a director: how many, the oldest submission, how many with / without evidence."""

    count: int
    oldest: datetime | None
    with_evidence: int
    without_evidence: int


@dataclass(frozen=True)
class HistoryEntry:
    """One audit-log row of an achievement, ready for display."""

    at: datetime
    user_name: str | None
    action: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# Letters without case (Chinese characters, kana, Hangul), decimal digits, punctuation, spaces.
_CASELESS_CATEGORIES = {"Lo", "Nd", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Zs"}


def is_caseless(text: str) -> bool:
    """True when no character of ``text`` has a case: only letters without case (Chinese characters, kana,
    Hangul), decimal digits, punctuation and spaces (ASCII or full-width).

    No character lower-cases into such a character, so ``lower(column) LIKE '%text%'`` matches exactly the
    rows ``column LIKE '%text%'`` does (checked over every code point in the tests).
    """
    return all(unicodedata.category(ch) in _CASELESS_CATEGORIES for ch in text)


def contains_text(column: ColumnElement, text: str) -> ColumnElement[bool]:
    """``column`` contains ``text``, ignoring case: ``lower(column) LIKE lower('%text%')``.

    Written as ILIKE (on PostgreSQL exactly that comparison; SQLAlchemy spells it with ``lower()`` elsewhere),
    or as plain LIKE when ``text`` has no case at all (:func:`is_caseless`: the same rows, without lower-casing
    every value, several times cheaper on Chinese titles).
    """
    pattern = f"%{_escape_like(text.lower())}%"
    if is_caseless(text):
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _with_people(stmt: Select) -> Select:
    # Supervisor and program come in the same query (one row each); students with their participations in
    # a second one.
    return stmt.options(
        selectinload(Achievement.participants).joinedload(AchievementParticipant.student),
        joinedload(Achievement.supervisor),
        joinedload(Achievement.program),
    )


def _visible(user: User, stmt: Select) -> Select:
    """Limit to what ``user`` may see: students only achievements they are named on."""
    if user.role == Role.STUDENT:
        if user.student_id is None:
            return stmt.where(false())
        named = select(AchievementParticipant.id).where(
            AchievementParticipant.achievement_id == Achievement.id,
            AchievementParticipant.student_id == user.student_id,
        )
        return stmt.where(named.exists())
    return restrict_to_programs(user, stmt, Achievement.program_id)


def list_achievements_stmt(user: User, filters: AchievementFilters | None = None) -> Select:
    """The achievements ``user`` may see, filtered, newest year first (a statement to paginate).

    Parameters
    ----------
    user : User
        Admins see all programs, directors and teachers their programs, students only achievements
        they are named on.
    filters : AchievementFilters, optional
        Program, kind, verification status, level, year range, cohort of a named student, and a
        search text matched against title, DOI, and the names and numbers of the students.

    Returns
    -------
    Select
        A ``select(Achievement)`` with participants, students and supervisor loaded eagerly.
    """
    f = filters or AchievementFilters()
    stmt = _visible(user, select(Achievement))
    if f.program_id:
        stmt = stmt.where(Achievement.program_id == f.program_id)
    if f.kind:
        stmt = stmt.where(Achievement.kind == f.kind)
    if f.status:
        stmt = stmt.where(Achievement.verification_status == f.status)
    if f.pending:
        stmt = stmt.where(Achievement.verification_status.in_(PENDING_STATES))
    if f.mine_user_id:
        stmt = stmt.where(or_(Achievement.created_by_id == f.mine_user_id,
                              Achievement.supervisor_id == f.mine_user_id))
    if f.evidence is not None:
        stmt = stmt.where(_has_evidence() if f.evidence else ~_has_evidence())
    if f.level:
        stmt = stmt.where(Achievement.level == f.level)
    if f.year_from:
        stmt = stmt.where(Achievement.year >= f.year_from)
    if f.year_to:
        stmt = stmt.where(Achievement.year <= f.year_to)
    if f.cohort_id:
        in_cohort = (
            select(AchievementParticipant.id)
            .join(Student, Student.id == AchievementParticipant.student_id)
            .where(AchievementParticipant.achievement_id == Achievement.id, Student.cohort_id == f.cohort_id)
        )
        stmt = stmt.where(in_cohort.exists())
    text = (f.q or "").strip()
    if text:
        stmt = stmt.where(or_(contains_text(Achievement.title, text), contains_text(Achievement.doi, text),
                              _named_students(text)))
    return _with_people(stmt.order_by(Achievement.year.desc(), Achievement.id.desc()))


# The search reads the achievements of the students it matches first, as a list of ids, when there are at most
# this many (a specific name or number); beyond that (a common fragment such as "2022") as a sub-query.
SEARCH_NAMED_AT_MOST = 1000


def _named_students(text: str) -> ColumnElement[bool]:
    """Achievements naming a student whose name or number contains ``text`` (ignoring case).

    The matching students' achievements are read first (one query; on PostgreSQL from the students' trigram
    indexes). A short list of ids lets the database combine the three parts of the search through indexes
    (title and DOI trigram indexes OR'ed with the primary key: a title searched for that few achievements
    have is found without reading the table); a long list stays a sub-query, found once as a hashed set, the
    list's own order then stopping at the first page.
    """
    pattern = f"%{_escape_like(text.lower())}%"
    by_student = (
        select(AchievementParticipant.achievement_id)
        .join(Student, Student.id == AchievementParticipant.student_id)
        .where(or_(func.lower(Student.name).like(pattern, escape="\\"),
                   func.lower(Student.student_no).like(pattern, escape="\\")))
    )
    ids = list(db.session.scalars(by_student.distinct().limit(SEARCH_NAMED_AT_MOST + 1)))
    if len(ids) > SEARCH_NAMED_AT_MOST:
        return Achievement.id.in_(by_student)
    return Achievement.id.in_(ids) if ids else false()


def _has_evidence() -> ColumnElement[bool]:
    return select(EvidenceFile.id).where(EvidenceFile.achievement_id == Achievement.id).exists()


def awaiting_verification() -> ColumnElement[bool]:
    """Achievements a director may decide: reviewed declarations and submitted staff records."""
    return or_(
        Achievement.verification_status == VerificationStatus.REVIEWED,
        and_(Achievement.verification_status == VerificationStatus.SUBMITTED,
             Achievement.declared_by_student.is_(False)),
    )


def _directed(user: User, stmt: Select) -> Select:
    if user.role == Role.ADMIN:
        return stmt
    return stmt.where(Achievement.program_id.in_(program_ids(user, role=MembershipRole.DIRECTOR) or [-1]))


def _pending_stmt(user: User, filters: AchievementFilters | None) -> Select:
    """The verification queue's rows and order, without loader options."""
    stmt = _directed(user, select(Achievement).where(awaiting_verification()))
    f = filters or AchievementFilters()
    if f.program_id:
        stmt = stmt.where(Achievement.program_id == f.program_id)
    if f.kind:
        stmt = stmt.where(Achievement.kind == f.kind)
    if f.evidence is not None:
        stmt = stmt.where(_has_evidence() if f.evidence else ~_has_evidence())
    text = (f.q or "").strip()
    if text:
        stmt = stmt.where(func.lower(Achievement.title).like(f"%{_escape_like(text.lower())}%", escape="\\"))
    order = func.coalesce(Achievement.submitted_at, Achievement.created_at)
    return stmt.order_by(order, Achievement.id)


def pending_verification_stmt(user: User, filters: AchievementFilters | None = None) -> Select:
    """Achievements waiting for a decision by ``user`` (programs they direct; all for admins), oldest first.

    ``filters`` narrows by program, kind, evidence (with / without), cohort and search text as for the list.
    """
    # What the queue shows (not the supervisor: one query fewer per page).
    return _pending_stmt(user, filters).options(
        selectinload(Achievement.participants).selectinload(AchievementParticipant.student),
        selectinload(Achievement.program), selectinload(Achievement.evidence_files),
        selectinload(Achievement.created_by),
    )


def pending_verification_page(user: User, filters: AchievementFilters | None, page: int | str | None,
                              *, only_duplicates: bool = False) -> tuple[Page, dict[int, list[Duplicate]]]:
    """One page of ``user``'s verification queue and the possible duplicates of each item on it.

    Duplicates are looked up for the whole page at once (:func:`duplicates.duplicates_by_achievement`).
    ``only_duplicates`` keeps the items with at least one possible duplicate: the whole filtered queue is
    then compared before paging (titles are compared in Python, not in SQL).
    """
    # What the page shows, in two statements after the count: the page's rows joined to their declaring user
    # and their participants with their students (PostgreSQL limits the rows first, then joins about two
    # participants each), then the evidence files (not joined too: rows × participants × files). The program
    # is not loaded: the view has read the user's programs already and each row finds its own in the session.
    stmt = _pending_stmt(user, filters).options(
        joinedload(Achievement.created_by),
        joinedload(Achievement.participants).joinedload(AchievementParticipant.student, innerjoin=True),
        selectinload(Achievement.evidence_files),
    )
    if not only_duplicates:
        shown = paginate(stmt, page)
        return shown, duplicates_by_achievement(shown.items)
    items = list(db.session.scalars(stmt).unique())
    found = duplicates_by_achievement(items)
    kept = [a for a in items if found[a.id]]
    return paginate_list(kept, page), {a.id: found[a.id] for a in kept}


def list_pending_verification(user: User, filters: AchievementFilters | None = None) -> list[Achievement]:
    """Achievements waiting for a decision by ``user`` (see :func:`pending_verification_stmt`)."""
    return list(db.session.scalars(pending_verification_stmt(user, filters)).unique())


def count_pending_verification(user: User, at_most: int | None = None) -> int:
    """How many achievements wait for a decision by ``user`` (no more than ``at_most``, when given).

    Only program ids are read, from the partial index of the waiting rows (``ix_achievements_awaiting_program``);
    ``at_most`` stops counting there (a badge showing "999+" need not count 70,000 rows on every page).
    """
    waiting = _directed(user, select(Achievement.program_id).where(awaiting_verification()))
    if at_most is not None:
        waiting = waiting.limit(at_most)
    return db.session.scalar(select(func.count()).select_from(waiting.subquery())) or 0


def queue_summary(user: User) -> QueueSummary:
    """Count, oldest submission and evidence split of what waits for ``user``'s verification.

    Three small reads instead of one pass over every waiting row: the count from the partial index of the
    waiting rows, the oldest as the first entry of the queue's order index, and the items with evidence as a
    semi-join from the (few) evidence files.
    """
    waiting_since = func.coalesce(Achievement.submitted_at, Achievement.created_at)
    count = count_pending_verification(user)
    oldest = db.session.scalar(_directed(user, select(waiting_since).where(awaiting_verification()))
                               .order_by(waiting_since).limit(1))
    with_files = _directed(user, select(Achievement.id).where(
        awaiting_verification(), Achievement.id.in_(select(EvidenceFile.achievement_id))))
    with_evidence = db.session.scalar(select(func.count()).select_from(with_files.subquery())) or 0
    return QueueSummary(count=count, oldest=oldest, with_evidence=with_evidence,
                        without_evidence=count - with_evidence)


def next_pending_id(user: User) -> int | None:
    """The oldest achievement left in ``user``'s verification queue (for "verify and next")."""
    stmt = pending_verification_stmt(user).options().with_only_columns(Achievement.id).limit(1)
    return db.session.scalars(stmt).first()


def review_queue_stmt(user: User) -> Select:
    """Students' declarations waiting for a teacher's review, in ``user``'s programs, oldest first.

    Declarations naming ``user`` as supervisor come first; admins see every program.
    """
    stmt = select(Achievement).where(Achievement.declared_by_student.is_(True),
                                     Achievement.verification_status == VerificationStatus.SUBMITTED)
    if user.role != Role.ADMIN:
        stmt = stmt.where(Achievement.program_id.in_(program_ids(user) or [-1]))
    mine_first = (Achievement.supervisor_id == user.id).desc()
    order = func.coalesce(Achievement.submitted_at, Achievement.created_at)
    return _with_people(stmt.order_by(mine_first, order, Achievement.id)).options(
        selectinload(Achievement.evidence_files), selectinload(Achievement.created_by)
    )


def count_review_queue(user: User) -> int:
    """How many students' declarations wait for ``user``'s review (see :func:`review_queue_stmt`)."""
    stmt = review_queue_stmt(user).order_by(None).options()
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def list_claimable(user: User, text: str, limit: int = 20) -> list[Achievement]:
    """Achievements of the student ``user``'s program she might claim: matching ``text`` (title, DOI,
    application, grant or project number), submitted or later, not naming her yet."""
    text = (text or "").strip().lower()
    if user.student is None or len(text) < 2:
        return []
    pattern = f"%{_escape_like(text)}%"
    named = select(AchievementParticipant.id).where(AchievementParticipant.achievement_id == Achievement.id,
                                                    AchievementParticipant.student_id == user.student_id)
    stmt = (
        select(Achievement)
        .where(Achievement.program_id == user.student.cohort.program_id,
               Achievement.verification_status != VerificationStatus.DRAFT, ~named.exists(),
               or_(*(func.lower(col).like(pattern, escape="\\") for col in (
                   Achievement.title, Achievement.doi, Achievement.application_number, Achievement.grant_number,
                   Achievement.project_number))))
        .order_by(Achievement.year.desc(), Achievement.id.desc()).limit(limit)
    )
    return list(db.session.scalars(_with_people(stmt)))


def pending_claims_stmt(user: User) -> Select:
    """Membership claims waiting for ``user``: in programs they teach in (directors: also verified items)."""
    stmt = (select(AchievementClaim).join(Achievement)
            .where(AchievementClaim.status == ClaimStatus.PENDING)
            .order_by(AchievementClaim.created_at, AchievementClaim.id))
    if user.role == Role.ADMIN:
        return stmt
    directed = program_ids(user, role=MembershipRole.DIRECTOR)
    return stmt.where(or_(
        and_(Achievement.program_id.in_(directed or [-1])),
        and_(Achievement.program_id.in_(program_ids(user) or [-1]),
             Achievement.verification_status != VerificationStatus.VERIFIED),
    ))


def list_pending_claims(user: User) -> list[AchievementClaim]:
    """The membership claims ``user`` may decide (see :func:`pending_claims_stmt`)."""
    return list(db.session.scalars(pending_claims_stmt(user)))


def count_pending_claims(user: User) -> int:
    """How many membership claims ``user`` may decide (the home page's figure; not loading them)."""
    stmt = pending_claims_stmt(user).order_by(None).with_only_columns(AchievementClaim.id)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def count_by_status(user: User, *, mine: bool = False) -> dict[VerificationStatus, int]:
    """How many achievements ``user`` may see are in each state (``mine``: recorded or supervised by them)."""
    stmt = _visible(user, select(Achievement.verification_status, func.count(Achievement.id)))
    if mine:
        stmt = stmt.where(or_(Achievement.created_by_id == user.id, Achievement.supervisor_id == user.id))
    counts = dict.fromkeys(VerificationStatus, 0)
    for status, n in db.session.execute(stmt.group_by(Achievement.verification_status)):
        counts[VerificationStatus(status)] = n
    return counts


def list_rejected_for(user: User, limit: int = 5) -> list[Achievement]:
    """Achievements recorded or supervised by ``user`` that were rejected back to them, newest first."""
    stmt = _visible(user, select(Achievement)).where(
        Achievement.verification_status == VerificationStatus.REJECTED,
        or_(Achievement.created_by_id == user.id, Achievement.supervisor_id == user.id),
    ).order_by(Achievement.verified_at.desc(), Achievement.id.desc()).limit(limit)
    return list(db.session.scalars(stmt.options(selectinload(Achievement.verified_by))))


def get_audit_history(achievement: Achievement) -> list[HistoryEntry]:
    """The audit log of one achievement, newest first, with the acting user's name and changed fields.

    Items merged into it bring their own history (``duplicates.history_ids``).

    Parameters
    ----------
    achievement : Achievement

    Returns
    -------
    list[HistoryEntry]
        For updates, ``changes`` lists ``(field, old, new)``; for a creation, the fields that were set.
    """
    stmt = (
        select(AuditLog, User.name)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.entity_type == Achievement.__tablename__,
               AuditLog.entity_id.in_(history_ids(achievement.id)))
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    )
    entries = []
    for row, user_name in db.session.execute(stmt):
        changes: list[tuple[str, Any, Any]] = []
        for name, value in sorted((row.changes or {}).items()):
            if name in _HIDDEN_HISTORY_FIELDS:
                continue
            if row.action == "update" and isinstance(value, list) and len(value) == 2:
                changes.append((name, value[0], value[1]))
            elif value not in (None, ""):
                changes.append((name, None, value))
        entries.append(HistoryEntry(at=row.created_at, user_name=user_name, action=row.action, changes=changes))
    return entries


# --- choices for forms and filters ---

def list_programs_for_logging(user: User) -> list[Program]:
    """Programs in which ``user`` may record achievements (memberships; every program for admins)."""
    stmt = select(Program).order_by(Program.code)
    if user.role != Role.ADMIN:
        if user.role == Role.STUDENT:
            return []
        stmt = stmt.where(Program.id.in_(program_ids(user) or [-1]))
    return list(db.session.scalars(stmt))


def list_visible_programs(user: User) -> list[Program]:
    """Programs whose achievements ``user`` may list (for the filter)."""
    if user.role == Role.STUDENT:
        return []
    return list(db.session.scalars(restrict_to_programs(user, select(Program), Program.id).order_by(Program.code)))


def list_filter_choices(user: User) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The list filter's options, from one query of columns (no program or cohort loaded):
    ``(id, "code name")`` of the programs whose achievements ``user`` may list, by code (as
    :func:`list_visible_programs`), and ``(id, name)`` of their cohorts, in the order of
    :func:`list_visible_cohorts` (by program code, newest entry year first)."""
    if user.role == Role.STUDENT:
        return [], []
    stmt = (select(Program.id, Program.code, Program.name_zh, Program.name_en,
                   Cohort.id, Cohort.label, Cohort.entry_year)
            .outerjoin(Cohort, Cohort.program_id == Program.id)
            .order_by(Program.code, Cohort.entry_year.desc()))
    lang = display_language()
    programs: list[tuple[int, str]] = []
    cohorts: list[tuple[int, str]] = []
    for pid, code, zh, en, cid, label, year in db.session.execute(restrict_to_programs(user, stmt, Program.id)):
        if not programs or programs[-1][0] != pid:
            programs.append((pid, f"{code} {bilingual_name(zh, en, lang)}"))
        if cid is not None:
            cohorts.append((cid, Cohort.format_name(label, code, year)))
    return programs, cohorts


def has_programs_for_logging(user: User, visible: list | None = None) -> bool:
    """Whether :func:`list_programs_for_logging` would give any program (without loading them).

    ``visible``: the programs ``user`` may list, when already read (an admin sees and records in every one).
    """
    if user.role == Role.ADMIN:
        if visible is not None:
            return bool(visible)
        return db.session.scalar(select(select(Program.id).exists())) or False
    return user.role != Role.STUDENT and bool(program_ids(user))


def list_visible_cohorts(user: User) -> list[Cohort]:
    """Cohorts of the programs ``user`` may see (for the filter)."""
    if user.role == Role.STUDENT:
        return []
    stmt = restrict_to_programs(user, select(Cohort).join(Program), Cohort.program_id)
    # The label shows the program's code: load it with the cohort (not one query per program).
    stmt = stmt.options(contains_eager(Cohort.program))
    return list(db.session.scalars(stmt.order_by(Program.code, Cohort.entry_year.desc())))


def list_program_students(program_id: int) -> list[Student]:
    """Students of a program, by student number (for the participant picker)."""
    stmt = select(Student).join(Cohort).where(Cohort.program_id == program_id).order_by(Student.student_no)
    return list(db.session.scalars(stmt))


def list_program_teachers(program_id: int) -> list[User]:
    """Members (teachers and directors) of a program, by name: the possible supervisors."""
    stmt = (
        select(User).join(ProgramMembership, ProgramMembership.user_id == User.id)
        .where(ProgramMembership.program_id == program_id, User.is_active_account.is_(True))
        .order_by(User.name)
    )
    return list(db.session.scalars(stmt))


def get_program_students_by_number(program_id: int, numbers: list[str]) -> dict[str, Student]:
    """Students of a program with the given student numbers, keyed by number."""
    if not numbers:
        return {}
    stmt = (
        select(Student).join(Cohort)
        .where(Cohort.program_id == program_id, Student.student_no.in_(numbers))
    )
    return {s.student_no: s for s in db.session.scalars(stmt)}



def user_names(ids: set[int]) -> dict[int, str]:
    """Names of the users with these ids (for showing who is meant in the history)."""
    if not ids:
        return {}
    return {uid: name for uid, name in db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
