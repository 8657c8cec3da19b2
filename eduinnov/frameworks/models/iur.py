"""Industry–university–research (IUR, 产学研) partnerships and student supervision teams."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eduinnov.core.models import BilingualMixin, LabelledEnum, TimestampMixin, enum_type
from eduinnov.core.versioning import VersionedMixin
from eduinnov.extensions import db

if TYPE_CHECKING:
    from eduinnov.auth.models import User
    from eduinnov.programs.models import Program, Student


class PartnerKind(LabelledEnum):
    ENTERPRISE = "enterprise", _l("Enterprise")
    RESEARCH_INSTITUTE = "research_institute", _l("Research institute")
    HOSPITAL = "hospital", _l("Hospital")
    GOVERNMENT = "government", _l("Government agency")
    FOREIGN_UNIVERSITY = "foreign_university", _l("Foreign university")
    OTHER = "other", _l("Other")


class AgreementStatus(LabelledEnum):
    DRAFT = "draft", _l("Under negotiation")
    ACTIVE = "active", _l("In force")
    EXPIRED = "expired", _l("Expired")
    TERMINATED = "terminated", _l("Terminated")


class ParticipationKind(LabelledEnum):
    PLACEMENT = "placement", _l("Placement / internship")
    JOINT_PROJECT = "joint_project", _l("Joint project")
    EXCHANGE = "exchange", _l("International exchange")


class SupervisorRole(LabelledEnum):
    PRIMARY = "primary", _l("Primary supervisor")
    CO_SUPERVISOR = "co_supervisor", _l("Co-supervisor")
    INDUSTRY = "industry", _l("Industry supervisor")


class PartnerOrganisation(BilingualMixin, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "partner_organisations"
    __audited__ = True
    __table_args__ = (UniqueConstraint("program_id", "name_zh"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[PartnerKind] = mapped_column(enum_type(PartnerKind))
    city: Mapped[str | None] = mapped_column(String(100))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str | None] = mapped_column(Text)

    program: Mapped[Program] = relationship()
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="Agreement.start_date"
    )
    practice_bases: Mapped[list[PracticeBase]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )
    joint_supervisors: Mapped[list[JointSupervisor]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )
    participations: Mapped[list[Participation]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )


class _PartnerChild:
    @property
    def program_id(self) -> int:
        return self.partner.program_id


class Agreement(_PartnerChild, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "agreements"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AgreementStatus] = mapped_column(enum_type(AgreementStatus), default=AgreementStatus.ACTIVE)

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="agreements")


class PracticeBase(_PartnerChild, TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "practice_bases"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    established_on: Mapped[date | None] = mapped_column(Date)

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="practice_bases")


class JointSupervisor(_PartnerChild, TimestampMixin, VersionedMixin, db.Model):
    """An external (校外) supervisor employed by a partner organisation."""

    __tablename__ = "joint_supervisors"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    expertise: Mapped[str | None] = mapped_column(String(200))

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="joint_supervisors")


class Participation(_PartnerChild, TimestampMixin, VersionedMixin, db.Model):
    """A student's placement, joint project or exchange with a partner."""

    __tablename__ = "participations"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner_organisations.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ParticipationKind] = mapped_column(enum_type(ParticipationKind))
    title: Mapped[str] = mapped_column(String(200))
    practice_base_id: Mapped[int | None] = mapped_column(ForeignKey("practice_bases.id", ondelete="SET NULL"))
    joint_supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("joint_supervisors.id", ondelete="SET NULL"))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    partner: Mapped[PartnerOrganisation] = relationship(back_populates="participations")
    student: Mapped[Student] = relationship()
    practice_base: Mapped[PracticeBase | None] = relationship()
    joint_supervisor: Mapped[JointSupervisor | None] = relationship()


class Supervision(TimestampMixin, VersionedMixin, db.Model):
    """One member of a student's supervisor team: a teacher account or a partner's joint supervisor."""

    __tablename__ = "supervisions"
    __table_args__ = (
        CheckConstraint(
            "(teacher_id IS NULL) <> (joint_supervisor_id IS NULL)", name="exactly_one_supervisor"
        ),
        UniqueConstraint("student_id", "teacher_id", "joint_supervisor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    joint_supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("joint_supervisors.id", ondelete="CASCADE"))
    role: Mapped[SupervisorRole] = mapped_column(enum_type(SupervisorRole), default=SupervisorRole.PRIMARY)
    discipline: Mapped[str | None] = mapped_column(String(120))

    student: Mapped[Student] = relationship()
    teacher: Mapped[User | None] = relationship()
    joint_supervisor: Mapped[JointSupervisor | None] = relationship()

    @property
    def program_id(self) -> int:
        return self.student.program_id

    @property
    def supervisor_name(self) -> str:
        return self.teacher.name if self.teacher else self.joint_supervisor.name
