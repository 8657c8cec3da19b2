"""Data snapshots (fingerprinted report inputs) and the accreditation standards structuring the report."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import BilingualMixin, LabelledEnum, TimestampMixin, enum_type, utcnow
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

__all__ = ["ChapterContent", "ReportChapter", "ReportSnapshot", "ReportStandard"]


class ReportSnapshot(TimestampMixin, db.Model):
    """The data a report's figures were computed from, frozen as canonical JSON with its SHA-256.

    A PDF prints the fingerprint; the app can show, for a fingerprint, the snapshot it belongs to.
    """

    __tablename__ = "report_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @staticmethod
    def canonical_json(payload: dict[str, Any]) -> str:
        """The payload as canonical JSON (sorted keys, no spaces, UTF-8 text): the hashed form."""
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)

    @classmethod
    def fingerprint_of(cls, payload: dict[str, Any]) -> str:
        """SHA-256 (hex) of the canonical JSON of ``payload``."""
        return hashlib.sha256(cls.canonical_json(payload).encode("utf-8")).hexdigest()

    def matches_payload(self) -> bool:
        """Whether the stored payload still hashes to the stored fingerprint."""
        return self.fingerprint == self.fingerprint_of(self.payload)

    def __repr__(self) -> str:
        return f"<ReportSnapshot {self.kind} {self.fingerprint[:12]}>"


class ChapterContent(LabelledEnum):
    """What fills a chapter of the self-evaluation report (the data the app holds for it)."""

    OVERVIEW = "overview", _l("Program overview")
    STUDENTS = "students", _l("Students: cohort, achievements, innovation-ability evaluation")
    OBJECTIVES = "objectives", _l("Program educational objectives: framework and its reviews")
    REQUIREMENTS = "requirements", _l("Graduation requirements: OBE tree and achievement degrees")
    IMPROVEMENT = "improvement", _l("Continuous improvement records")
    CURRICULUM = "curriculum", _l("Curriculum: credit structure, support matrix, modules")
    FACULTY = "faculty", _l("Faculty: teachers, joint supervisors, partners")
    SUPPORT = "support", _l("Support conditions: practice bases and agreements")
    PROSE = "prose", _l("Prose only (a placeholder to be written)")
    APPENDIX_EVALUATION = "appendix_evaluation", _l("Appendix: evaluation model (index tree)")
    APPENDIX_EVIDENCE = "appendix_evidence", _l("Appendix: verified achievements and evidence")


class ReportStandard(BilingualMixin, TimestampMixin, VersionedMixin, db.Model):
    """An accreditation standard whose chapter list structures a program's self-evaluation report."""

    __tablename__ = "report_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    # Category → minimum share of total credits (e.g. {"math_science": 0.15}); None: no minima to check.
    credit_minima: Mapped[dict[str, float] | None] = mapped_column(JSON)

    chapters: Mapped[list[ReportChapter]] = relationship(
        back_populates="standard", cascade="all, delete-orphan", order_by="ReportChapter.position"
    )

    def __repr__(self) -> str:
        return f"<ReportStandard {self.code}>"


class ReportChapter(BilingualMixin, VersionedMixin, db.Model):
    """One chapter of a standard, in order: its number as printed, its title and what fills it."""

    __tablename__ = "report_chapters"
    __table_args__ = (UniqueConstraint("standard_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("report_standards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(16))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[ChapterContent] = mapped_column(enum_type(ChapterContent), default=ChapterContent.PROSE)

    standard: Mapped[ReportStandard] = relationship(back_populates="chapters")

    def __repr__(self) -> str:
        return f"<ReportChapter {self.standard_id} {self.position} {self.content.value}>"
