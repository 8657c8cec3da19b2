"""`flask seed demo`: the demo data set, its idempotence, and the guards around it."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pytest
from sqlalchemy import func, select

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    Indexing,
    Level,
    PatentStatus,
    PatentType,
    VerificationStatus,
)
from eduinnov.auth.models import MembershipRole, Role, User
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.frameworks.models import (
    CourseObjective,
    FrameworkVersion,
    ModuleKind,
    ModuleLine,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    Supervision,
)
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus
from eduinnov.seed import loader as demo_module
from tests.seed import extra_step

PASSWORD = "eduinnov-demo"


@pytest.fixture
def no_extra_steps(monkeypatch):
    """Core data only: other engineers' optional steps are tested with their own code."""
    monkeypatch.setattr(demo_module, "EXTRA_STEPS", [])


def run_demo(runner, *args):
    return runner.invoke(args=["seed", "demo", *args])


@pytest.fixture
def seeded(runner, no_extra_steps, db):
    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    return result


def program(db, code) -> Program:
    return db.session.scalar(select(Program).where(Program.code == code))


def active_framework(db, code) -> FrameworkVersion:
    return db.session.scalar(select(FrameworkVersion).join(Program).where(
        Program.code == code, FrameworkVersion.status == Lifecycle.ACTIVE))


def achievements(db, code, kind, **filters) -> list[Achievement]:
    query = select(Achievement).join(Program).where(
        Program.code == code, Achievement.kind == kind,
        Achievement.verification_status != VerificationStatus.REJECTED)
    for name, value in filters.items():
        query = query.where(getattr(Achievement, name) == value)
    return list(db.session.scalars(query))


def test_output_summarises_counts_and_accounts(seeded):
    assert "Demo data loaded" in seeded.output
    assert re.search(r"students\s+4\d\d", seeded.output)
    for email in ("admin@demo.edu", "director@demo.edu", "teacher@demo.edu", "teacher2@demo.edu",
                  "student@demo.edu"):
        assert email in seeded.output
    assert PASSWORD in seeded.output


def test_se_obe_tree_and_support_matrix(seeded, db):
    framework = active_framework(db, "SE")
    requirements = framework.requirements
    assert [r.number for r in requirements] == list(range(1, 13))
    assert all(r.title and r.title_en for r in requirements)
    assert requirements[2].title == "设计/开发解决方案"
    assert requirements[11].title_en == "Lifelong learning"

    courses = framework.courses
    assert len(courses) >= 20
    assert len({c.code for c in courses}) == len(courses)
    for course in courses:
        assert 2 <= len(course.objectives) <= 4, course.code
        assert course.credits > 0 and 1 <= course.term <= 8 and course.module is not None

    cells = set()
    for requirement in requirements:
        assert 2 <= len(requirement.indicator_points) <= 4, requirement.number
        for point in requirement.indicator_points:
            assert point.code.startswith(f"{requirement.number}.")
            supporting = {s.course.code for s in point.supports}
            assert 2 <= len(supporting) <= 4, f"indicator point {point.code}: {supporting}"
            cells |= {(s.course_id, point.id) for s in point.supports}
            assert all(s.strength is not None for s in point.supports)

    # Objective links agree with the matrix: same (course, point) pairs, in both directions.
    links = {(o.course_id, link.indicator_point_id)
             for course in courses for o in course.objectives for link in o.indicator_links}
    assert links == cells


def test_nur_3332_module_tree(seeded, db):
    framework = active_framework(db, "NUR")
    modules = framework.modules
    kinds = Counter(m.kind for m in modules if m.parent_id is None)
    for kind in (ModuleKind.COURSE_LEARNING, ModuleKind.PROJECT_PRACTICE, ModuleKind.COMPREHENSIVE_PRACTICE,
                 ModuleKind.PLATFORM):
        assert kinds[kind] == 1, kind
    lines = {m.line for m in modules if m.kind == ModuleKind.LINE}
    assert lines == {ModuleLine.IN_CLASS, ModuleLine.OUT_OF_CLASS}
    platform = next(m for m in modules if m.kind == ModuleKind.PLATFORM and m.parent_id is None)
    assert platform.children and platform.line == ModuleLine.OUT_OF_CLASS
    course_learning = next(m for m in modules if m.kind == ModuleKind.COURSE_LEARNING)
    assert {c.name_zh for c in course_learning.courses} >= {"护理研究", "医学统计学", "医学文献检索"}


def test_cohorts_and_students(seeded, db):
    for code in ("SE", "NUR"):
        cohorts = program(db, code).cohorts
        assert [c.entry_year for c in cohorts] == [2021, 2022, 2023, 2024]
        for cohort in cohorts:
            assert 55 <= len(cohort.students) <= 65, (code, cohort.entry_year)
            statuses = Counter(s.status for s in cohort.students)
            expected = StudentStatus.GRADUATED if cohort.entry_year == 2021 else StudentStatus.ENROLLED
            assert statuses.most_common(1)[0][0] == expected
            assert all(re.fullmatch(rf"{cohort.entry_year}\d{{6}}", s.student_no) for s in cohort.students)
            assert all(1 < len(s.name) <= 4 for s in cohort.students)
    numbers = db.session.scalars(select(Student.student_no)).all()
    assert len(numbers) == len(set(numbers))
    assert "2021051001" in numbers


def test_nur_achievements_match_the_3332_report(seeded, db):
    assert len(achievements(db, "NUR", AchievementKind.PROJECT, level=Level.NATIONAL)) == 7
    assert len(achievements(db, "NUR", AchievementKind.PROJECT, level=Level.UNIVERSITY)) == 52
    assert achievements(db, "NUR", AchievementKind.PROJECT, level=Level.PROVINCIAL)
    papers = achievements(db, "NUR", AchievementKind.PUBLICATION)
    assert len(papers) >= 10
    assert {Indexing.PKU_CORE, Indexing.CSCD, Indexing.SCI} <= {p.indexing for p in papers}
    granted = achievements(db, "NUR", AchievementKind.PATENT, patent_status=PatentStatus.GRANTED)
    assert len(granted) == 2
    assert all(p.patent_type == PatentType.UTILITY_MODEL and p.grant_number and p.grant_date for p in granted)
    assert achievements(db, "NUR", AchievementKind.AWARD)
    nur = program(db, "NUR")
    hospitals = db.session.scalars(select(PartnerOrganisation).where(
        PartnerOrganisation.program_id == nur.id, PartnerOrganisation.kind == PartnerKind.HOSPITAL)).all()
    assert len(hospitals) >= 2 and all(h.practice_bases and h.joint_supervisors for h in hospitals)
    kinds = {part.kind for h in hospitals for part in h.participations}
    assert ParticipationKind.PLACEMENT in kinds


def test_se_achievements_and_iur(seeded, db):
    se = program(db, "SE")
    papers = achievements(db, "SE", AchievementKind.PUBLICATION)
    assert {Indexing.EI, Indexing.SCI, Indexing.CSCD} <= {p.indexing for p in papers}
    patents = achievements(db, "SE", AchievementKind.PATENT, patent_type=PatentType.INVENTION)
    assert {p.patent_status for p in patents} == {PatentStatus.APPLIED, PatentStatus.GRANTED}
    competitions = " ".join(a.competition for a in achievements(db, "SE", AchievementKind.AWARD))
    for name in ("ICPC", "服务外包", "蓝桥杯"):
        assert name in competitions

    partners = db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == se.id)).all()
    assert {PartnerKind.ENTERPRISE, PartnerKind.RESEARCH_INSTITUTE} <= {p.kind for p in partners}
    assert all(p.agreements for p in partners)
    assert sum(len(p.practice_bases) for p in partners) >= 2
    assert sum(len(p.joint_supervisors) for p in partners) >= 3
    kinds = Counter(part.kind for p in partners for part in p.participations)
    assert kinds[ParticipationKind.PLACEMENT] and kinds[ParticipationKind.JOINT_PROJECT]
    assert 1 <= kinds[ParticipationKind.EXCHANGE] <= 5
    # Participations and supervisions stay inside the program.
    for p in partners:
        assert all(part.student.program_id == se.id for part in p.participations)
        assert all(part.practice_base is None or part.practice_base.partner_id == p.id for part in p.participations)
    teams = db.session.scalars(select(Supervision)).all()
    assert any(s.teacher_id for s in teams) and any(s.joint_supervisor_id for s in teams)
    for s in teams:
        program_id = s.student.program_id
        if s.teacher:
            assert program_id in {m.program_id for m in s.teacher.memberships}
        else:
            assert s.joint_supervisor.partner.program_id == program_id


def test_verification_participants_and_years(seeded, db):
    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    rows = db.session.scalars(select(Achievement)).all()
    statuses = Counter(a.verification_status for a in rows)
    assert statuses[VerificationStatus.VERIFIED] > 0.8 * len(rows)
    assert statuses[VerificationStatus.SUBMITTED] >= 3
    assert 2 <= statuses[VerificationStatus.REJECTED] <= 6
    for a in rows:
        assert 2017 <= a.year <= 2025
        assert a.supervisor is not None and a.program_id in {m.program_id for m in a.supervisor.memberships}
        if a.verification_status == VerificationStatus.SUBMITTED:
            assert a.verified_by_id is None and a.verified_at is None
        else:
            assert a.verified_by_id == director.id and a.verified_at is not None
        if a.verification_status == VerificationStatus.REJECTED:
            assert a.verification_note
        ranks = [p.rank for p in a.participants]
        assert len(ranks) == len(set(ranks))
        for p in a.participants:
            entry = p.student.cohort.entry_year
            assert p.student.program_id == a.program_id
            assert entry + 1 <= a.year <= entry + 4, (a.title, entry)
        if not a.participants:
            assert a.year < 2022 and "已毕业" in a.description
    assert db.session.scalar(select(func.count()).select_from(AchievementParticipant)) > 150


def test_demo_accounts_roles_memberships_and_passwords(seeded, db):
    users = {u.email: u for u in db.session.scalars(select(User))}
    se, nur = program(db, "SE"), program(db, "NUR")

    def memberships(email):
        return {(m.program.code, m.role) for m in users[email].memberships}

    assert users["admin@demo.edu"].role == Role.ADMIN
    assert users["director@demo.edu"].role == Role.DIRECTOR
    assert memberships("director@demo.edu") == {("SE", MembershipRole.DIRECTOR), ("NUR", MembershipRole.DIRECTOR)}
    assert users["teacher@demo.edu"].role == Role.TEACHER
    assert memberships("teacher@demo.edu") == {("SE", MembershipRole.TEACHER)}
    assert users["teacher2@demo.edu"].role == Role.TEACHER
    assert memberships("teacher2@demo.edu") == {("NUR", MembershipRole.TEACHER)}
    student_user = users["student@demo.edu"]
    assert student_user.role == Role.STUDENT and not student_user.memberships
    assert student_user.student is not None and student_user.student.program_id == se.id
    assert student_user.name == student_user.student.name
    assert student_user.student.status == StudentStatus.ENROLLED
    # A few more teachers act as supervisors in each program.
    for prog in (se, nur):
        teachers = [u for u in users.values() if u.role == Role.TEACHER
                    and prog.id in {m.program_id for m in u.memberships}]
        assert len(teachers) >= 3
    # Hashing is slow on purpose: check each distinct stored hash once (fresh accounts share one).
    by_hash = {}
    for user in users.values():
        assert user.is_active
        by_hash.setdefault(user.password_hash, user)
    for user in by_hash.values():
        assert user.check_password(PASSWORD), user.email
    assert not users["student@demo.edu"].check_password("wrong password")


def test_student_account_sees_own_achievements(seeded, db):
    student = db.session.scalar(select(User).where(User.email == "student@demo.edu")).student
    named = db.session.scalars(select(AchievementParticipant).where(
        AchievementParticipant.student_id == student.id)).all()
    assert len(named) >= 3
    assert db.session.scalar(select(func.count()).select_from(Supervision).where(
        Supervision.student_id == student.id)) >= 2


def _table_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_second_run_changes_nothing(runner, db):
    """Idempotence of the whole command, with whatever optional extra steps exist."""
    first = run_demo(runner)
    assert first.exit_code == 0, first.output
    before = _table_counts(db)
    stamps = dict(db.session.execute(select(Achievement.id, Achievement.updated_at)).all())
    hashes = dict(db.session.execute(select(User.email, User.password_hash)).all())
    tokens = dict(db.session.execute(select(User.email, User.session_token)).all())
    db.session.expire_all()

    second = run_demo(runner)
    assert second.exit_code == 0, second.output
    assert "0 rows created, 0 updated" in second.output
    assert _table_counts(db) == before
    assert before["students"] >= 440 and before["achievements"] > 100
    assert dict(db.session.execute(select(Achievement.id, Achievement.updated_at)).all()) == stamps
    # Nobody is logged out by a re-run.
    assert dict(db.session.execute(select(User.email, User.password_hash)).all()) == hashes
    assert dict(db.session.execute(select(User.email, User.session_token)).all()) == tokens

    # No duplicates by natural key.
    keys = db.session.execute(select(Achievement.program_id, Achievement.kind, Achievement.title,
                                     Achievement.year)).all()
    assert len(keys) == len(set(keys))
    cohorts = db.session.execute(select(Cohort.program_id, Cohort.entry_year)).all()
    assert len(cohorts) == len(set(cohorts)) == 8


def test_rerun_repairs_edited_data(seeded, runner, db):
    """A demo database that was played with is put back: a changed password and a renamed course."""
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.edu"))
    admin.set_password("something else entirely")
    objective = db.session.scalars(select(CourseObjective)).first()
    original = objective.description
    objective.description = "edited"
    db.session.commit()

    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    assert "0 rows created, 2 updated" in result.output
    db.session.expire_all()
    assert db.session.get(User, admin.id).check_password(PASSWORD)
    assert db.session.get(CourseObjective, objective.id).description == original


@pytest.mark.parametrize("how", ["config", "environment"])
def test_refused_in_production_without_force(runner, app, db, monkeypatch, no_extra_steps, how):
    if how == "config":
        monkeypatch.setitem(app.config, "ENV_NAME", "production")
    else:
        monkeypatch.setenv("EDUINNOV_ENV", "production")
    result = run_demo(runner)
    assert result.exit_code != 0
    assert "--force" in result.output
    assert db.session.scalar(select(func.count()).select_from(Program)) == 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0

    forced = run_demo(runner, "--force")
    assert forced.exit_code == 0, forced.output
    assert db.session.scalar(select(func.count()).select_from(Program)) == 2


@pytest.fixture
def fake_step(monkeypatch):
    monkeypatch.setattr(demo_module, "EXTRA_STEPS",
                        ["tests.seed.extra_step", "tests.seed.no_such_step", "no_such_package.demo"])
    monkeypatch.setattr(extra_step, "calls", [])
    monkeypatch.setattr(extra_step, "fail", False)
    return extra_step


def test_extra_steps_that_exist_run_after_the_core_data(runner, db, fake_step):
    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    assert fake_step.calls == [demo_module.DEFAULT_SEED_DIR]
    assert "extra step: tests.seed.extra_step" in result.output
    assert "no_such" not in result.output
    assert program(db, "EXTRA") is not None and program(db, "SE") is not None


def test_failing_extra_step_leaves_nothing_behind(runner, db, fake_step):
    fake_step.fail = True
    result = run_demo(runner)
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError)
    db.session.expire_all()
    assert _table_counts(db)["programs"] == 0
    assert _table_counts(db)["users"] == 0


def _edited_seed_dir(tmp_path, relative, edit):
    target = tmp_path / "seed"
    shutil.copytree(demo_module.DEFAULT_SEED_DIR, target)
    path = target / relative
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return target


@pytest.mark.parametrize(("relative", "edit", "message"), [
    # A matrix cell that no objective of the course serves.
    ("se/support_matrix.csv", lambda s: s + "SE1001,12.2,L\n", "SE1001 supports 12.2 but none of its objectives"),
    # An objective linked to a point its course does not support in the matrix.
    ("se/support_matrix.csv", lambda s: s.replace("SE3003,5.2,H\n", ""), "objective of SE3003 supports 5.2"),
    ("se/support_matrix.csv", lambda s: s + "SE1001,13.1,H\n", "unknown indicator point '13.1'"),
    ("se/framework.yaml", lambda s: s.replace("module: 毕业设计\n", "module: 不存在的模块\n"), "unknown module"),
    ("nur/projects.csv", lambda s: s.replace("2017,national,", "2017,nationwide,", 1), "'nationwide' is not one of"),
    ("nur/papers.csv", lambda s: s.replace("rejected,会议摘要未正式发表全文，不计入论文成果。", "rejected,"),
     "rejected achievement needs a note"),
    ("se/iur.yaml", lambda s: s.replace("offset: 40, count: 3", "offset: 40, count: 30"), "has only"),
])
def test_inconsistent_data_is_refused_and_nothing_written(runner, db, tmp_path, no_extra_steps,
                                                          relative, edit, message):
    seed_dir = _edited_seed_dir(tmp_path, relative, edit)
    result = run_demo(runner, "--seed-dir", str(seed_dir))
    assert result.exit_code != 0
    assert message in result.output
    assert _table_counts(db)["programs"] == 0


def test_demo_schools_and_the_dean(seeded, db):
    from eduinnov.auth.access import Action, can
    from eduinnov.schools.models import School

    schools = {s.code: s for s in db.session.scalars(select(School))}
    assert set(schools) == {"CSE", "MED", "HUM"}  # no default school: every demo program has its school
    se, nur = program(db, "SE"), program(db, "NUR")
    assert (se.school.code, nur.school.code) == ("CSE", "MED")
    dean = db.session.scalar(select(User).where(User.email == "dean@demo.edu"))
    assert [d.school.code for d in dean.deanships] == ["CSE"] and not dean.memberships
    assert dean.check_password(PASSWORD)
    assert can(dean, Action.VIEW, se) and not can(dean, Action.EDIT, se) and not can(dean, Action.VIEW, nur)
