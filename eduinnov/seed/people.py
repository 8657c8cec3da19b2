"""Demo programs, cohorts, students (generated names) and accounts with program memberships."""

from __future__ import annotations

import random
from pathlib import Path

from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
from eduinnov.programs.models import Cohort, DegreeLevel, Program, Student, StudentStatus
from eduinnov.schools.models import School, SchoolDean
from eduinnov.seed.context import DemoContext, SeedError, read_csv, to_enum


class NameGenerator:
    """Chinese names drawn from the surname (weighted) and given-name lists in ``seed/names/``."""

    def __init__(self, names_dir: Path) -> None:
        surnames = read_csv(names_dir / "surnames.csv")
        self.surnames = [row["surname"] for row in surnames]
        self.weights = [float(row["weight"] or 1) for row in surnames]
        self.given = [row["given_name"] for row in read_csv(names_dir / "given_names.csv")]
        if not self.surnames or not self.given:
            raise SeedError(f"{names_dir}: the surname and given-name lists must not be empty")

    def name(self, rng: random.Random) -> str:
        """One full name."""
        return rng.choices(self.surnames, self.weights)[0] + rng.choice(self.given)

    def distinct_names(self, rng: random.Random, count: int) -> list[str]:
        """``count`` names without repeats where the lists allow it (a class rarely has two 王伟)."""
        names: list[str] = []
        seen: set[str] = set()
        for _ in range(count):
            for _attempt in range(30):
                candidate = self.name(rng)
                if candidate not in seen:
                    break
            seen.add(candidate)
            names.append(candidate)
        return names


def load_programs(ctx: DemoContext) -> None:
    """Programs, their cohorts and students from ``demo.yaml``."""
    names = NameGenerator(ctx.seed_dir / "names")
    specs = ctx.config.get("programs") or []
    if not specs:
        raise SeedError("demo.yaml: no programs")
    school_of = _load_schools(ctx, {spec["code"] for spec in specs})
    for spec in specs:
        code = spec["code"]
        school = {"school_id": ctx.schools[school_of[code]].id} if code in school_of else {}
        ctx.programs[code] = ctx.up.upsert(Program, {"code": code}, {
            **school,
            "name_zh": spec["name_zh"],
            "name_en": spec.get("name_en"),
            "discipline": spec.get("discipline"),
            "degree_level": to_enum(DegreeLevel, spec.get("degree_level", "bachelor"), f"demo.yaml {code}"),
        })
    ctx.up.flush()
    for spec in specs:
        code = spec["code"]
        program = ctx.programs[code]
        for cohort_spec in spec.get("cohorts") or []:
            year = int(cohort_spec["entry_year"])
            ctx.cohorts[(code, year)] = ctx.up.upsert(
                Cohort, {"program_id": program.id, "entry_year": year}, {"label": f"{program.name_zh}{year}级"}
            )
    ctx.up.flush()
    for spec in specs:
        for cohort_spec in spec.get("cohorts") or []:
            _load_students(ctx, spec, cohort_spec, names)
    ctx.up.flush()


def _load_schools(ctx: DemoContext, program_codes: set[str]) -> dict[str, str]:
    """Schools from ``demo.yaml``; returns the school code of each program listed under a school."""
    school_of: dict[str, str] = {}
    for spec in ctx.config.get("schools") or []:
        code = spec["code"]
        ctx.schools[code] = ctx.up.upsert(School, {"code": code}, {
            "name_zh": spec["name_zh"], "name_en": spec.get("name_en")})
        for program in spec.get("programs") or []:
            if program not in program_codes:
                raise SeedError(f"demo.yaml school {code}: unknown program {program!r}")
            if program in school_of:
                raise SeedError(f"demo.yaml: program {program} is listed under two schools")
            school_of[program] = code
    ctx.up.flush()
    return school_of


def _load_students(ctx: DemoContext, spec: dict, cohort_spec: dict, names: NameGenerator) -> None:
    code, year = spec["code"], int(cohort_spec["entry_year"])
    where = f"demo.yaml {code} cohort {year}"
    cohort = ctx.cohorts[(code, year)]
    size = int(cohort_spec["size"])
    class_size = int(spec.get("class_size", 30))
    dept = str(spec["department_no"])
    default_status = to_enum(StudentStatus, cohort_spec.get("status", "enrolled"), where)

    rng = ctx.rng("students", code, year)
    full_names = names.distinct_names(rng, size)
    # Suspensions and withdrawals fall on anyone but the first student of each class (the demo
    # student account is linked to one of those).
    candidates = [i for i in range(size) if i % class_size != 0]
    n_suspended, n_withdrawn = int(cohort_spec.get("suspended", 0)), int(cohort_spec.get("withdrawn", 0))
    picked = rng.sample(candidates, n_suspended + n_withdrawn)
    status_of = {i: StudentStatus.SUSPENDED for i in picked[:n_suspended]}
    status_of.update({i: StudentStatus.WITHDRAWN for i in picked[n_suspended:]})

    active: list[Student] = []
    for i in range(size):
        student_no = f"{year}{dept}{i // class_size + 1}{i % class_size + 1:03d}"
        status = status_of.get(i, default_status)
        student = ctx.up.upsert(Student, {"student_no": student_no}, {
            "name": full_names[i],
            "cohort_id": cohort.id,
            "email": f"{student_no}@stu.demo.edu",
            "status": status,
        })
        ctx.students_by_no[student_no] = student
        if status != StudentStatus.WITHDRAWN:
            active.append(student)
    ctx.active_students[(code, year)] = active


def load_accounts(ctx: DemoContext) -> None:
    """Accounts from ``demo.yaml`` with the demo password, their memberships and student links."""
    checked: dict[str, bool] = {}
    for spec in ctx.config.get("accounts") or []:
        email = spec["email"].strip().lower()
        where = f"demo.yaml account {email}"
        role = to_enum(Role, spec["role"], where)
        student = ctx.student(str(spec["student_no"]), where) if spec.get("student_no") else None
        name = spec.get("name") or (student.name if student else email)
        user = ctx.up.upsert(User, {"email": email}, {
            "name": name,
            "role": role,
            "is_active_account": True,
            "student_id": student.id if student else None,
        })
        if _give_demo_password(user, ctx.password, checked) and user.id is not None:
            ctx.up.updated["User.password"] += 1
        ctx.users[email] = user
    ctx.up.flush()
    for spec in ctx.config.get("accounts") or []:
        user = ctx.users[spec["email"].strip().lower()]
        for code, membership in (spec.get("programs") or {}).items():
            if code not in ctx.programs:
                raise SeedError(f"demo.yaml account {user.email}: unknown program {code!r}")
            role = to_enum(MembershipRole, membership, f"demo.yaml account {user.email}")
            ctx.up.upsert(ProgramMembership, {"user_id": user.id, "program_id": ctx.programs[code].id},
                          {"role": role})
            if role == MembershipRole.DIRECTOR:
                ctx.directors.setdefault(code, user)
            else:
                ctx.teachers.setdefault(code, []).append(user)
        for code in spec.get("dean_of") or []:
            if code not in ctx.schools:
                raise SeedError(f"demo.yaml account {user.email}: unknown school {code!r}")
            ctx.up.upsert(SchoolDean, {"school_id": ctx.schools[code].id, "user_id": user.id})
    for code in ctx.programs:
        if code not in ctx.directors:
            raise SeedError(f"demo.yaml: program {code} has no director account (it verifies achievements)")
        if not ctx.teachers.get(code):
            raise SeedError(f"demo.yaml: program {code} has no teacher account")
    ctx.up.flush()


def _give_demo_password(user: User, password: str, checked: dict[str, bool]) -> bool:
    """Set the demo password unless the account already has it.

    A second run neither rewrites the hash nor logs anyone out. Hashing is deliberately slow (about
    0.1 s), so new accounts share one hash of the public demo password and each distinct stored hash is
    checked once. Returns whether the password was (re)set.
    """
    if user.password_hash:
        if user.password_hash not in checked:
            checked[user.password_hash] = user.check_password(password)
        if checked[user.password_hash]:
            return False
    good = next((h for h, ok in checked.items() if ok), None)
    if good is None:
        user.set_password(password)
        checked[user.password_hash] = True
    else:
        user.password_hash = good
        user.rotate_session_token()
    return True
