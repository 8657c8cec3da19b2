"""Factories: plain functions with defaults, exposed as fixtures (``make_x`` and a ready ``x``)."""

from __future__ import annotations

import itertools

import pytest

from eduinnov import create_app
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Level,
    ParticipantRole,
)
from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
from eduinnov.config import TestConfig
from eduinnov.extensions import db
from eduinnov.frameworks.models import FrameworkStatus, FrameworkVersion
from eduinnov.programs.models import Cohort, Program, Student
from eduinnov.schools.models import School, SchoolDean

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_program(code: str | None = None, **kw) -> Program:
    n = next(_seq)
    program = Program(code=code or f"P{n:03d}", name_zh=kw.pop("name_zh", f"专业{n}"),
                      name_en=kw.pop("name_en", f"Program {n}"), **kw)
    db.session.add(program)
    db.session.commit()
    return program


def make_school(code: str | None = None, programs=(), deans=(), **kw) -> School:
    """A school holding ``programs`` (moved into it), with ``deans`` (users) as its deans."""
    n = next(_seq)
    school = School(code=code or f"S{n:03d}", name_zh=kw.pop("name_zh", f"学院{n}"),
                    name_en=kw.pop("name_en", f"School {n}"), **kw)
    db.session.add(school)
    for program in programs:
        program.school = school
    for user in deans:
        school.deans.append(SchoolDean(user=user))
    db.session.commit()
    return school


def make_cohort(program: Program | None = None, entry_year: int = 2022, **kw) -> Cohort:
    cohort = Cohort(program=program or make_program(), entry_year=entry_year, **kw)
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_student(cohort: Cohort | None = None, **kw) -> Student:
    n = next(_seq)
    student = Student(cohort=cohort or make_cohort(), student_no=kw.pop("student_no", f"2022{n:06d}"),
                      name=kw.pop("name", f"学生{n}"), **kw)
    db.session.add(student)
    db.session.commit()
    return student


def make_user(role: Role = Role.TEACHER, programs=(), *, email: str | None = None,
              membership: MembershipRole | None = None, student: Student | None = None, **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"{role.value}{n}@test.edu", name=kw.pop("name", f"{role.value} {n}"),
                role=role, student=student, **kw)
    user.set_password(PASSWORD)
    if membership is None:
        membership = MembershipRole.DIRECTOR if role == Role.DIRECTOR else MembershipRole.TEACHER
    for program in programs:
        user.memberships.append(ProgramMembership(program=program, role=membership))
    db.session.add(user)
    db.session.commit()
    return user


def make_framework(program: Program | None = None, version: str = "2024",
                   status: FrameworkStatus = FrameworkStatus.DRAFT, **kw) -> FrameworkVersion:
    fw = FrameworkVersion(program=program or make_program(), version=version,
                          title=kw.pop("title", f"培养方案 {version}"), status=status, **kw)
    db.session.add(fw)
    db.session.commit()
    return fw


def make_achievement(program: Program | None = None, students=(), kind: AchievementKind = AchievementKind.PROJECT,
                     **kw) -> Achievement:
    program = program or make_program()
    defaults = {"title": f"成果 {next(_seq)}", "year": 2023}
    if kind in (AchievementKind.PROJECT, AchievementKind.AWARD):
        defaults["level"] = Level.UNIVERSITY
    if kind == AchievementKind.PROJECT:  # what the form requires, so a factory item can be edited as it is
        from eduinnov.achievements.models import ProjectStatus, ProjectType
        defaults["project_type"] = ProjectType.INNOVATION_TRAINING
        defaults["project_status"] = ProjectStatus.APPROVED
    if kind == AchievementKind.PATENT:
        from eduinnov.achievements.models import PatentType
        defaults["patent_type"] = PatentType.INVENTION
    defaults.update(kw)
    achievement = Achievement(program=program, kind=kind, **defaults)
    for rank, student in enumerate(students, start=1):
        achievement.participants.append(
            AchievementParticipant(student=student, rank=rank,
                                   role=ParticipantRole.LEADER if rank == 1 else ParticipantRole.MEMBER)
        )
    db.session.add(achievement)
    db.session.commit()
    return achievement


@pytest.fixture
def program():
    return make_program("SE", name_zh="软件工程", name_en="Software Engineering")


@pytest.fixture
def other_program():
    return make_program("NUR", name_zh="护理学", name_en="Nursing")


@pytest.fixture
def cohort(program):
    return make_cohort(program, 2022)


@pytest.fixture
def student(cohort):
    return make_student(cohort)


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


@pytest.fixture
def director(program):
    return make_user(Role.DIRECTOR, [program])


@pytest.fixture
def teacher(program):
    return make_user(Role.TEACHER, [program])


@pytest.fixture
def other_teacher(other_program):
    return make_user(Role.TEACHER, [other_program])


def app_for(url: str, **config):
    """An app on ``url`` (the test configuration otherwise), for migration and upgrade tests."""
    settings = TestConfig()
    settings.SQLALCHEMY_DATABASE_URI = url
    for key, value in config.items():
        setattr(settings, key, value)
    return create_app(settings)
