"""Load the whole demo data set from the seed/ folder into the current session (no commit)."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from eduinnov.achievements.models import Achievement, AchievementParticipant, EvidenceFile
from eduinnov.auth.models import User
from eduinnov.config import ROOT
from eduinnov.extensions import db
from eduinnov.frameworks.models import (
    Course,
    CourseSupport,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Participation,
    PartnerOrganisation,
    Supervision,
)
from eduinnov.indicators.models import ManualScore
from eduinnov.programs.models import Cohort, Program, Student
from eduinnov.schools.models import School
from eduinnov.seed.achievements import load_achievements
from eduinnov.seed.context import DemoContext, read_yaml
from eduinnov.seed.evidence import load_evidence
from eduinnov.seed.frameworks import load_framework
from eduinnov.seed.iur import load_iur
from eduinnov.seed.people import load_accounts, load_programs
from eduinnov.seed.ratings import load_ratings
from eduinnov.seed.upsert import Upserter

DEFAULT_SEED_DIR = ROOT / "seed"

# Optional steps run after the core data, in the same transaction: each module, if it exists, exposes
# ``load(seed_dir: pathlib.Path) -> None``.
EXTRA_STEPS = ["eduinnov.obe.demo", "eduinnov.indicators.demo"]

SUMMARY_MODELS = (
    ("schools", School), ("programs", Program), ("cohorts", Cohort), ("students", Student), ("accounts", User),
    ("framework versions", FrameworkVersion), ("graduation requirements", GraduationRequirement),
    ("indicator points", IndicatorPoint), ("courses", Course), ("support matrix cells", CourseSupport),
    ("IUR partners", PartnerOrganisation), ("participations", Participation), ("supervisions", Supervision),
    ("achievements", Achievement), ("achievement participants", AchievementParticipant),
    ("evidence files", EvidenceFile), ("manual scores", ManualScore),
)


@dataclass
class DemoResult:
    """What a load did: rows created / updated per model, table counts afterwards, the demo accounts."""

    created: dict[str, int]
    updated: dict[str, int]
    counts: dict[str, int]
    accounts: list[tuple[str, str, str]]
    password: str
    extra_steps: list[str] = field(default_factory=list)


def load_demo(seed_dir: Path = DEFAULT_SEED_DIR) -> DemoResult:
    """Create or update every demo row from the files in ``seed_dir``; flushes, never commits.

    Parameters
    ----------
    seed_dir
        The data folder (``demo.yaml``, ``names/``, one sub-folder per program code in lower case).

    Returns
    -------
    DemoResult
        Counts for the command's summary.

    Raises
    ------
    eduinnov.seed.context.SeedError
        When the data files are missing or contradict themselves (the caller rolls back).
    """
    ctx = DemoContext(seed_dir=seed_dir, config=read_yaml(seed_dir / "demo.yaml"), up=Upserter(db.session))
    load_programs(ctx)
    load_accounts(ctx)
    for code in ctx.programs:
        load_framework(ctx, code)
        load_iur(ctx, code)
    load_achievements(ctx)
    load_ratings(ctx)
    load_evidence(ctx)
    _load_report_standards(ctx)
    ran = run_extra_steps(seed_dir)
    db.session.flush()
    counts = {label: db.session.scalar(select(func.count()).select_from(model)) or 0
              for label, model in SUMMARY_MODELS}
    accounts = [(u.email, u.role.value, u.name) for u in ctx.users.values()]
    return DemoResult(dict(ctx.up.created), dict(ctx.up.updated), counts, accounts, ctx.password, ran)


def _load_report_standards(ctx: DemoContext) -> None:
    """The built-in accreditation standards; the nursing program follows the nursing one."""
    from eduinnov.reports.models import ReportStandard
    from eduinnov.reports.standards import ensure_default_standards

    ensure_default_standards()
    nursing = db.session.scalar(select(ReportStandard).where(ReportStandard.code == "nursing"))
    program = ctx.programs.get("NUR")
    if nursing is not None and program is not None and program.report_standard_id is None:
        program.report_standard_id = nursing.id


def run_extra_steps(seed_dir: Path) -> list[str]:
    """Call ``load(seed_dir)`` of each module of EXTRA_STEPS that exists; the names of those run."""
    ran = []
    for name in EXTRA_STEPS:
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # the parent package itself is missing
            spec = None
        if spec is None:
            continue
        importlib.import_module(name).load(seed_dir)
        ran.append(name)
    return ran
