"""What the demo loaders share: the data folder, file readers, the rows loaded so far."""

from __future__ import annotations

import csv
import enum
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from eduinnov.auth.models import User
from eduinnov.programs.models import Cohort, Program, Student
from eduinnov.schools.models import School
from eduinnov.seed.upsert import Upserter

E = TypeVar("E", bound=enum.Enum)


class SeedError(Exception):
    """The demo data files are missing something or contradict themselves; nothing is written."""


def read_yaml(path: Path) -> dict[str, Any]:
    """The mapping stored in a YAML file."""
    if not path.is_file():
        raise SeedError(f"missing data file {path}")
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise SeedError(f"{path}: expected a mapping at the top level")
    return data


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header line, cells stripped, empty cells as ''."""
    if not path.is_file():
        raise SeedError(f"missing data file {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def to_enum(enum_cls: type[E], value: Any, where: str) -> E:
    """``enum_cls(value)`` with an error naming the file and the allowed values."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise SeedError(f"{where}: {value!r} is not one of {allowed}") from None


def to_date(value: Any, where: str) -> date | None:
    """A date from YAML (already a date) or CSV text (YYYY-MM-DD); empty means None."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SeedError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def at_ten_beijing(day: date) -> datetime:
    """10:00 Beijing time on ``day`` as an aware UTC datetime (deterministic timestamps)."""
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def days_after(day: date, days: int, cap: date) -> date:
    """``day + days``, but never later than ``cap``."""
    return min(day + timedelta(days=days), cap)


@dataclass
class DemoContext:
    """The state of one `flask seed demo` run, passed from loader to loader."""

    seed_dir: Path
    config: dict[str, Any]
    up: Upserter
    programs: dict[str, Program] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    cohorts: dict[tuple[str, int], Cohort] = field(default_factory=dict)
    # Students of each cohort ordered by student number, withdrawn ones left out.
    active_students: dict[tuple[str, int], list[Student]] = field(default_factory=dict)
    students_by_no: dict[str, Student] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    teachers: dict[str, list[User]] = field(default_factory=dict)
    directors: dict[str, User] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        return to_date(self.config.get("as_of"), "demo.yaml as_of") or date.today()

    @property
    def password(self) -> str:
        return str(self.config.get("password") or "eduinnov-demo")

    def rng(self, *parts: Any) -> random.Random:
        """A random generator fixed by the demo seed and ``parts`` (independent of load order)."""
        return random.Random(":".join([str(self.config.get("random_seed", 0)), *map(str, parts)]))

    def program_dir(self, code: str) -> Path:
        return self.seed_dir / code.lower()

    def user(self, email: str, where: str) -> User:
        try:
            return self.users[email]
        except KeyError:
            raise SeedError(f"{where}: no demo account {email!r} in demo.yaml") from None

    def student(self, student_no: str, where: str) -> Student:
        try:
            return self.students_by_no[student_no]
        except KeyError:
            raise SeedError(f"{where}: no demo student numbered {student_no!r}") from None

    def select_students(self, code: str, spec: dict[str, Any], where: str) -> list[Student]:
        """Students named by ``students`` (numbers) or by ``cohort`` with ``offset`` and ``count``."""
        if spec.get("students"):
            return [self.student(str(no), where) for no in spec["students"]]
        key = (code, int(spec.get("cohort", 0)))
        if key not in self.active_students:
            raise SeedError(f"{where}: program {code} has no cohort {key[1]}")
        pool = self.active_students[key]
        offset, count = int(spec.get("offset", 0)), int(spec.get("count", 1))
        if offset + count > len(pool):
            raise SeedError(f"{where}: cohort {key[1]} has only {len(pool)} students, asked for "
                            f"{count} from position {offset}")
        return pool[offset:offset + count]

    def eligible_cohorts(self, code: str, year: int) -> list[int]:
        """Entry years of the cohorts whose students could plausibly be named on a ``year`` result.

        From their second year of study to the year they graduate (a four-year program).
        """
        return sorted(y for (c, y) in self.active_students if c == code and y + 1 <= year <= y + 4)

