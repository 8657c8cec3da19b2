"""Demo step for ``flask seed demo``: evaluation models of the software-engineering program, with runs.

Copies two built-in templates into the SE program (as its director would) and runs them on the SE cohorts
that have achievements, so the dashboards and run pages show real figures out of the box. Idempotent:
an existing copy or run is kept.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel, EvaluationRun
from eduinnov.indicators.yaml_io import get_template
from eduinnov.programs.models import Cohort, Program

TEMPLATES = ("four_dimensions", "ahp_fuzzy")
ENTRY_YEARS = (2022, 2023)


def load(seed_dir: Path) -> None:
    """Create the demo models and runs if the SE program and its director exist."""
    program = db.session.scalar(select(Program).where(Program.code == "SE"))
    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    if program is None or director is None:
        return
    for key in TEMPLATES:
        template = get_template(key)
        if template is None:
            continue
        model = db.session.scalar(select(EvaluationModel).where(
            EvaluationModel.program_id == program.id, EvaluationModel.template_key == key))
        if model is None:
            model = services.import_model(template.spec, program, director, template_key=key)
        for year in ENTRY_YEARS:
            cohort = db.session.scalar(select(Cohort).where(Cohort.program_id == program.id,
                                                            Cohort.entry_year == year))
            if cohort is None:
                continue
            exists = db.session.scalar(select(EvaluationRun.id).where(
                EvaluationRun.model_id == model.id, EvaluationRun.target_cohort_id == cohort.id).limit(1))
            if exists is None:
                services.run_evaluation(model, services.Target(cohort=cohort), director)
