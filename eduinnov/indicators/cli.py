"""`flask evaluate`: run an evaluation model from the command line and store the run."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.indicators import queries, services
from eduinnov.indicators.models import EvaluationUnit
from eduinnov.programs.models import Cohort, Program


def _actor(email: str | None) -> User:
    if email:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
        return user
    user = db.session.scalar(select(User).where(User.role == Role.ADMIN, User.is_active_account.is_(True))
                             .order_by(User.id))
    if user is None:
        raise click.ClickException("no administrator account to run as; pass --as EMAIL")
    return user


@click.command("evaluate")
@click.option("--model", "model_name", required=True, help="Model name (or id); the active version unless --version.")
@click.option("--cohort", "cohort_id", type=int, help="Cohort id (student models).")
@click.option("--program", "program_id", type=int, help="Program id (cohort and partner models).")
@click.option("--version", type=int, help="Model version (default: the active one, else the newest draft).")
@click.option("--as", "email", help="E-mail of the acting user (default: the first administrator).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored run as JSON.")
@click.option("--sensitivity", "draws", type=int, default=0, help="Also run N Monte Carlo draws (±15 %, seed 1).")
@with_appcontext
def cli(model_name, cohort_id, program_id, version, email, as_json, draws):
    """Run an evaluation model on a cohort (or program) and store the run with its snapshot."""
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort_id and cohort is None:
        raise click.ClickException(f"no cohort with id {cohort_id}")
    program = db.session.get(Program, program_id) if program_id else None
    if program_id and program is None:
        raise click.ClickException(f"no program with id {program_id}")
    scope = cohort.program_id if cohort else (program.id if program else None)
    model = queries.find_model(model_name, program_id=scope, version=version)
    if model is None:
        raise click.ClickException(f"no model {model_name!r}" + (f" version {version}" if version else "")
                                   + " in this program or institution-wide")
    if model.unit == EvaluationUnit.COHORT and program is None and cohort is not None:
        program = cohort.program  # a cohort model evaluates the cohorts of the cohort's program
    target = services.Target(cohort=cohort if model.unit == EvaluationUnit.STUDENT else None, program=program)
    user = _actor(email)
    try:
        run = services.run_evaluation(model, target, user)
        report = services.run_sensitivity(run, draws=draws) if draws else None
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    if as_json:
        out = {"run_id": run.id, "model": run.model_name, "version": run.model_version, "unit": run.unit.value,
               "target": run.target_label, "fingerprint": run.fingerprint, "summary": run.summary,
               "weights": run.weights, "results": run.results}
        if report is not None:
            out["sensitivity"] = report
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"Run {run.id}: {run.model_name} v{run.model_version} on {run.target_label}")
    click.echo(f"fingerprint {run.fingerprint}")
    for w in run.summary.get("warnings", []):
        click.echo(f"warning: {w}")
    width = max([len(r["label"]) for r in run.results] + [6])
    click.echo(f"{'rank':>4}  {'object':<{width}}  {'score':>7}  grade")
    for r in services.ranked_results(run):
        click.echo(f"{r['rank']:>4}  {r['label']:<{width}}  {r['score']:7.4f}  {r['grade']} / {r['grade_zh']}")
    s = run.summary
    click.echo(f"mean {s['mean']:.4f}  median {s['median']:.4f}  n {s['n']}")
    if report is not None:
        click.echo(f"sensitivity ({report['draws']} draws, ±{report['spread']:.0%}): "
                   f"{report['stable_grade_share']:.0%} of objects keep their grade in at least 90 % of draws")
