"""Achievements of every kind in one table, their students, evidence files and verification state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.achievements.keys import KEY_COLUMNS, KEY_INPUTS, stored_keys
from eduinnov.core.models import LabelledEnum, TimestampMixin, enum_type
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.auth.models import User
    from eduinnov.programs.models import Program, Student


class AchievementKind(LabelledEnum):
    PROJECT = "project", _l("Innovation and entrepreneurship training project")
    PUBLICATION = "publication", _l("Publication")
    PATENT = "patent", _l("Patent")
    AWARD = "award", _l("Competition award")


def kind_label(kind: AchievementKind) -> str:
    """Short plural labels for charts and tables."""
    return {
        AchievementKind.PROJECT: _("Training projects"),
        AchievementKind.PUBLICATION: _("Publications"),
        AchievementKind.PATENT: _("Patents"),
        AchievementKind.AWARD: _("Competition awards"),
    }[kind]


class Level(LabelledEnum):
    """Level of a training project or a competition (national / provincial / university)."""

    INTERNATIONAL = "international", _l("International")
    NATIONAL = "national", _l("National")
    PROVINCIAL = "provincial", _l("Provincial")
    UNIVERSITY = "university", _l("University")


class ProjectType(LabelledEnum):
    INNOVATION_TRAINING = "innovation_training", _l("Innovation training")
    ENTREPRENEURSHIP_TRAINING = "entrepreneurship_training", _l("Entrepreneurship training")
    ENTREPRENEURSHIP_PRACTICE = "entrepreneurship_practice", _l("Entrepreneurship practice")


class ProjectStatus(LabelledEnum):
    APPROVED = "approved", _l("Approved")
    IN_PROGRESS = "in_progress", _l("In progress")
    CONCLUDED = "concluded", _l("Concluded")


class Indexing(LabelledEnum):
    SCI = "SCI", "SCI"
    SSCI = "SSCI", "SSCI"
    EI = "EI", "EI"
    CSSCI = "CSSCI", "CSSCI"
    PKU_CORE = "PKU_CORE", _l("PKU core journal")
    CSCD = "CSCD", "CSCD"
    OTHER = "OTHER", _l("Other")


class PatentType(LabelledEnum):
    INVENTION = "invention", _l("Invention")
    UTILITY_MODEL = "utility_model", _l("Utility model")
    DESIGN = "design", _l("Design")


class PatentStatus(LabelledEnum):
    APPLIED = "applied", _l("Applied")
    GRANTED = "granted", _l("Granted")


class JcrQuartile(LabelledEnum):
    """The journal's quartile in the JCR (Clarivate) category, Q1 = top 25 %."""

    Q1 = "Q1", "Q1"
    Q2 = "Q2", "Q2"
    Q3 = "Q3", "Q3"
    Q4 = "Q4", "Q4"


class CasZone(LabelledEnum):
    """The journal's zone in the Chinese Academy of Sciences journal ranking (中科院分区), 1 = top."""

    ZONE_1 = "zone_1", _l("CAS zone 1")
    ZONE_2 = "zone_2", _l("CAS zone 2")
    ZONE_3 = "zone_3", _l("CAS zone 3")
    ZONE_4 = "zone_4", _l("CAS zone 4")


class TransferKind(LabelledEnum):
    """How a patent was put to use (成果转化)."""

    TRANSFER = "transfer", _l("Transfer of ownership")
    LICENCE = "licence", _l("Licence")
    EQUITY = "equity", _l("Contribution as equity")


class PrizeRank(LabelledEnum):
    GRAND = "grand", _l("Grand prize")
    FIRST = "first", _l("First prize")
    SECOND = "second", _l("Second prize")
    THIRD = "third", _l("Third prize")
    HONOURABLE = "honourable", _l("Honourable mention")


class VerificationStatus(LabelledEnum):
    """The review loop: draft -> submitted -> (reviewed, for students' declarations) -> verified / rejected.

    A rejected achievement is edited by its owner and submitted again.
    """

    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    REVIEWED = "reviewed", _l("Reviewed by a teacher")
    VERIFIED = "verified", _l("Verified")
    REJECTED = "rejected", _l("Rejected")

# States in which an achievement waits for someone (a teacher's review or a director's decision).
PENDING_STATES = (VerificationStatus.SUBMITTED, VerificationStatus.REVIEWED)
# Waiting for a director: reviewed declarations and submitted staff records (the predicate of a partial
# index; ``queries.awaiting_verification`` writes the same condition, as each database spells booleans).
AWAITING_SQL = ("verification_status = 'reviewed' OR "
                "(verification_status = 'submitted' AND declared_by_student IS {false})")
# Waiting for a teacher's review: students' declarations (``queries.review_queue_stmt`` writes the same).
DECLARED_WAITING_SQL = "verification_status = 'submitted' AND declared_by_student IS {true}"


class ClaimStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for a decision")
    ACCEPTED = "accepted", _l("Accepted")
    REFUSED = "refused", _l("Refused")


class ParticipantRole(LabelledEnum):
    LEADER = "leader", _l("Leader")
    MEMBER = "member", _l("Member")
    AUTHOR = "author", _l("Author")
    INVENTOR = "inventor", _l("Inventor")


# The predicate of the queue's partial index (as its revision f1c874de50d6 wrote it, on both databases).
_AWAITING = AWAITING_SQL.format(false="false")


class Achievement(TimestampMixin, VersionedMixin, db.Model):
    """One achievement of one or more students; columns of other kinds stay NULL."""

    __tablename__ = "achievements"
    __audited__ = True
    # Derived from other columns (keys.stored_keys): never shown in the history.
    __audit_skip__ = KEY_COLUMNS
    __table_args__ = (
        # By program and status, then kind and year: the lists' filters, and the school page's verified counts by
        # kind and year read from the index alone (it replaced (program_id, kind, verification_status)).
        Index("ix_achievements_program_status_kind_year", "program_id", "verification_status", "kind", "year"),
        # The list's order (newest year first): the first page without a full sort of every visible row.
        Index("ix_achievements_year_id", "year", "id"),
        # The same order within one program (a director's list, the list filtered by program); it also
        # serves every lookup by program alone.
        Index("ix_achievements_program_year_id", "program_id", "year", "id"),
        # The verification queue and its counts (a few per cent of the rows wait): by status, then program.
        Index("ix_achievements_status_program", "verification_status", "program_id"),
        # The verification queue in its order (queries.pending_verification_stmt): only the rows waiting for a
        # director (the predicate is queries.awaiting_verification, as written there), so the first page is
        # read from the index and the count is an index-only scan.
        Index("ix_achievements_awaiting_order", text("coalesce(submitted_at, created_at)"), "id", "program_id",
              postgresql_where=text(_AWAITING), sqlite_where=text(_AWAITING)),
        # Duplicate look-ups (achievements.duplicates): by identifier, and titles of a block.
        Index("ix_achievements_program_identifier_key", "program_id", "identifier_key"),
        Index("ix_achievements_program_grant_key", "program_id", "grant_key"),
        Index("ix_achievements_program_kind_title_numbers", "program_id", "kind", "title_numbers"),
        # What waits for a director's decision (queries.awaiting_verification), by program: the "waiting"
        # badge counts from this small index alone, without reading the table.
        Index("ix_achievements_awaiting_program", "program_id",
              postgresql_where=text(AWAITING_SQL.format(false="false")),
              sqlite_where=text(AWAITING_SQL.format(false="0"))),
        # Students' declarations waiting for a teacher's review (queries.review_queue_stmt), by program: the
        # home page's and the review queue's counts read this small index instead of every submitted row.
        Index("ix_achievements_declared_waiting", "program_id",
              postgresql_where=text(DECLARED_WAITING_SQL.format(true="true")),
              sqlite_where=text(DECLARED_WAITING_SQL.format(true="1"))),
        CheckConstraint("year BETWEEN 1950 AND 2100", name="year_range"),
        CheckConstraint("funding IS NULL OR funding >= 0", name="funding_nonnegative"),
        CheckConstraint("kind <> 'project' OR level IS NOT NULL", name="project_has_level"),
        CheckConstraint("kind <> 'award' OR level IS NOT NULL", name="award_has_level"),
        CheckConstraint("kind <> 'patent' OR patent_type IS NOT NULL", name="patent_has_type"),
        CheckConstraint(
            "verification_status NOT IN ('verified', 'rejected') "
            "OR (verified_by_id IS NOT NULL AND verified_at IS NOT NULL)",
            name="decision_recorded",
        ),
        CheckConstraint(
            "verification_status <> 'rejected' OR verification_note IS NOT NULL", name="rejection_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[AchievementKind] = mapped_column(enum_type(AchievementKind))
    title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Indexed: "my items by status" on the home page (recorded by me or supervised by me).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    # Projects and awards
    level: Mapped[Level | None] = mapped_column(enum_type(Level))
    # Projects
    project_type: Mapped[ProjectType | None] = mapped_column(enum_type(ProjectType))
    project_status: Mapped[ProjectStatus | None] = mapped_column(enum_type(ProjectStatus))
    project_number: Mapped[str | None] = mapped_column(String(64))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    funding: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # Publications
    venue: Mapped[str | None] = mapped_column(String(300))
    doi: Mapped[str | None] = mapped_column(String(200), index=True)
    indexing: Mapped[Indexing | None] = mapped_column(enum_type(Indexing))
    jcr_quartile: Mapped[JcrQuartile | None] = mapped_column(enum_type(JcrQuartile, 8))
    cas_zone: Mapped[CasZone | None] = mapped_column(enum_type(CasZone, 16))
    # Patents
    patent_type: Mapped[PatentType | None] = mapped_column(enum_type(PatentType))
    patent_status: Mapped[PatentStatus | None] = mapped_column(enum_type(PatentStatus))
    application_number: Mapped[str | None] = mapped_column(String(32), index=True)
    application_date: Mapped[date | None] = mapped_column(Date)
    grant_number: Mapped[str | None] = mapped_column(String(32))
    grant_date: Mapped[date | None] = mapped_column(Date)
    # Awards
    competition: Mapped[str | None] = mapped_column(String(300))
    prize_rank: Mapped[PrizeRank | None] = mapped_column(enum_type(PrizeRank))
    award_date: Mapped[date | None] = mapped_column(Date)

    # The review loop (see VerificationStatus). A student's own declaration is reviewed by a teacher of
    # the program before a director decides.
    verification_status: Mapped[VerificationStatus] = mapped_column(
        enum_type(VerificationStatus), default=VerificationStatus.SUBMITTED
    )
    declared_by_student: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_note: Mapped[str | None] = mapped_column(Text)

    # Comparison keys of the duplicate checks (keys.stored_keys), kept in step with title, kind and the
    # identifiers on every write: the mapper events below for the ORM, the Core writers call stored_keys.
    title_key: Mapped[str] = mapped_column(Text)
    title_numbers: Mapped[str] = mapped_column(Text)
    identifier_key: Mapped[str | None] = mapped_column(Text)
    grant_key: Mapped[str | None] = mapped_column(Text)

    program: Mapped[Program] = relationship()
    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    participants: Mapped[list[AchievementParticipant]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="AchievementParticipant.rank"
    )
    evidence_files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="EvidenceFile.created_at"
    )
    claims: Mapped[list[AchievementClaim]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan", order_by="AchievementClaim.created_at"
    )
    transfers: Mapped[list[PatentTransfer]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan",
        order_by="(PatentTransfer.event_date, PatentTransfer.id)",
    )

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def is_pending(self) -> bool:
        """Submitted and waiting for a teacher's review or a director's decision."""
        return self.verification_status in PENDING_STATES

    @property
    def is_decided(self) -> bool:
        return self.verification_status in (VerificationStatus.VERIFIED, VerificationStatus.REJECTED)

    @property
    def needs_review(self) -> bool:
        """A student's declaration waiting for a teacher's review (before any director decides)."""
        return self.declared_by_student and self.verification_status == VerificationStatus.SUBMITTED

    @property
    def awaits_verification(self) -> bool:
        """Waiting for a director: reviewed declarations, and submitted items recorded by staff."""
        status = self.verification_status
        return status == VerificationStatus.REVIEWED or (
            status == VerificationStatus.SUBMITTED and not self.declared_by_student
        )

    def __repr__(self) -> str:
        return f"<Achievement {self.id} {self.kind.value} {self.title[:30]!r}>"


def _set_keys(achievement: Achievement) -> None:
    keys = stored_keys(achievement.kind, {name: getattr(achievement, name) for name in KEY_INPUTS})
    for column, value in keys.items():
        if getattr(achievement, column) != value:
            setattr(achievement, column, value)


@event.listens_for(Achievement, "before_insert")
def _keys_on_insert(_mapper, _connection, achievement: Achievement) -> None:
    """Derive the duplicate-check keys of a new row (see ``keys.stored_keys``)."""
    _set_keys(achievement)


@event.listens_for(Achievement, "before_update")
def _keys_on_update(_mapper, _connection, achievement: Achievement) -> None:
    """Derive them again when the title, the kind or an identifier changes (no load otherwise)."""
    attrs = inspect(achievement).attrs
    if any(attrs[name].history.has_changes() for name in ("kind", *KEY_INPUTS)):
        _set_keys(achievement)


# The list's search (queries.list_achievements_stmt) matches titles and DOIs containing a text, with LIKE /
# ILIKE: on PostgreSQL, trigram (pg_trgm) GIN indexes find a text of three or more characters without reading
# every row; other databases do without (the search reads the table, as before).
for _column in (Achievement.title, Achievement.doi):
    Index(f"ix_achievements_{_column.key}_trgm", _column, postgresql_using="gin",
          postgresql_ops={_column.key: "gin_trgm_ops"}).ddl_if(dialect="postgresql")
# The operator class comes with pg_trgm (trusted: a database owner may add it); also made before students.
event.listen(Achievement.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"))


class AchievementParticipant(VersionedMixin, db.Model):
    """A student named on an achievement, with role and author / member rank (1 = first)."""

    __tablename__ = "achievement_participants"
    __table_args__ = (
        UniqueConstraint("achievement_id", "student_id"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(enum_type(ParticipantRole), default=ParticipantRole.MEMBER)
    rank: Mapped[int] = mapped_column(Integer, default=1)
    is_corresponding: Mapped[bool] = mapped_column(Boolean, default=False)

    achievement: Mapped[Achievement] = relationship(back_populates="participants")
    student: Mapped[Student] = relationship()

    @property
    def program_id(self) -> int:
        return self.achievement.program_id


class EvidenceFile(TimestampMixin, db.Model):
    """An uploaded evidence file, stored under a generated name outside the static folder."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    mime_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    achievement: Mapped[Achievement] = relationship(back_populates="evidence_files")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def program_id(self) -> int:
        return self.achievement.program_id

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")


class AchievementClaim(TimestampMixin, db.Model):
    """A student's claim to be a co-author / co-member of an achievement already recorded by someone else.

    A teacher of the program (a director, once the achievement is verified) accepts it, which names the
    student on the achievement, or refuses it with a reason.
    """

    __tablename__ = "achievement_claims"
    __audited__ = True
    __table_args__ = (UniqueConstraint("achievement_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    role: Mapped[ParticipantRole] = mapped_column(enum_type(ParticipantRole))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ClaimStatus] = mapped_column(enum_type(ClaimStatus), default=ClaimStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)

    achievement: Mapped[Achievement] = relationship(back_populates="claims")
    student: Mapped[Student] = relationship()
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def program_id(self) -> int:
        return self.achievement.program_id

    @property
    def is_pending(self) -> bool:
        return self.status == ClaimStatus.PENDING


class PatentTransfer(TimestampMixin, db.Model):
    """A transfer, licence or equity contribution of a patent (成果转化): when, how, to whom, for how much."""

    __tablename__ = "patent_transfers"
    __audited__ = True
    __table_args__ = (CheckConstraint("amount IS NULL OR amount >= 0", name="amount_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    event_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[TransferKind] = mapped_column(enum_type(TransferKind))
    counterparty: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    achievement: Mapped[Achievement] = relationship(back_populates="transfers")

    @property
    def program_id(self) -> int:
        return self.achievement.program_id
