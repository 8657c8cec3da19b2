"""Demo step for ``flask seed demo``: evaluation models of the demo programs, with runs.

Copies built-in templates into each demo program (as its director would) and runs them on every cohort
they fit — the student models on each cohort, the cohort model on the program — so the dashboards and run
pages show real figures out of the box. Each of these runs gives a spread of grades on the demo data (the
seed tests check it). Idempotent: an existing copy or run is kept.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from eduinnov.auth.models import User
from eduinnov.extensions import db
from eduinnov.indicators import services
from eduinnov.indicators.models import EvaluationModel, EvaluationRun, EvaluationUnit
from eduinnov.indicators.yaml_io import get_template
from eduinnov.programs.models import Cohort, Program

PROGRAMS = ("SE", "NUR")
# Run order matters for the dashboard, which shows a cohort's newest student run: four_dimensions last.
TEMPLATES = ("outcomes_3332", "ahp_fuzzy", "four_dimensions")


def load(seed_dir: Path) -> None:
    """Create the demo models and runs for the demo programs whose director exists."""
    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    if director is None:
        return
    for code in PROGRAMS:
        program = db.session.scalar(select(Program).where(Program.code == code))
        if program is None:
            continue
        for key in TEMPLATES:
            template = get_template(key)
            if template is None:
                continue
            model = db.session.scalar(select(EvaluationModel).where(
                EvaluationModel.program_id == program.id, EvaluationModel.template_key == key))
            if model is None:
                spec = {**template.spec, "name": template.localized("name", "zh"),
                        "description": template.localized("description", "zh")}
                model = services.import_model(spec, program, director, template_key=key)
            _run_everywhere(model, program, director)


def _run_everywhere(model: EvaluationModel, program: Program, director: User) -> None:
    if model.unit == EvaluationUnit.STUDENT:
        cohorts = db.session.scalars(select(Cohort).where(Cohort.program_id == program.id)
                                     .order_by(Cohort.entry_year)).all()
        for cohort in cohorts:
            exists = db.session.scalar(select(EvaluationRun.id).where(
                EvaluationRun.model_id == model.id, EvaluationRun.target_cohort_id == cohort.id).limit(1))
            if exists is None:
                services.run_evaluation(model, services.Target(cohort=cohort), director)
    elif model.unit == EvaluationUnit.COHORT:
        exists = db.session.scalar(select(EvaluationRun.id).where(
            EvaluationRun.model_id == model.id, EvaluationRun.target_program_id == program.id).limit(1))
        if exists is None:
            services.run_evaluation(model, services.Target(program=program), director)
