"""`flask evaluate`: run an evaluation model from the command line and store the run."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError
from eduinnov.core.lifecycle import Lifecycle
from eduinnov.extensions import db
from eduinnov.indicators import queries, services
from eduinnov.indicators import reports as run_reports
from eduinnov.indicators.models import EvaluationModel, EvaluationUnit
from eduinnov.indicators.yaml_io import get_template, list_templates
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


def _template_model(key: str, cohort: Cohort | None, program: Program | None, user: User) -> EvaluationModel:
    """The program's copy of a built-in template (active, else newest draft), copied in the first time."""
    template = get_template(key)
    if template is None:
        raise click.ClickException(f"no built-in template {key!r}; see flask evaluate --list-templates")
    institution = template.unit_enum == EvaluationUnit.PROGRAM
    scope = None if institution else (cohort.program if cohort else program)
    if scope is None and not institution:
        raise click.ClickException(f"template {key!r} evaluates {template.unit}s: pass --cohort or --program")
    stmt = select(EvaluationModel).where(
        EvaluationModel.template_key == key, EvaluationModel.status != Lifecycle.ARCHIVED,
        EvaluationModel.program_id.is_(None) if scope is None else EvaluationModel.program_id == scope.id)
    model = (db.session.scalar(stmt.where(EvaluationModel.status == Lifecycle.ACTIVE))
             or db.session.scalar(stmt.order_by(EvaluationModel.version.desc())))
    if model is None:
        model = services.import_model(template.spec, scope, user, template_key=key)
    return model


def _list_templates() -> None:
    for tpl in list_templates():
        click.echo(f"{tpl.key:<22} {tpl.unit:<8} {tpl.name}")


@click.command("evaluate")
@click.option("--model", "model_name", help="Model name (or id); the active version unless --version.")
@click.option("--template", "template_key", help="Built-in template key: run it directly (copied into the program "
              "as a draft model the first time).")
@click.option("--list-templates", "list_only", is_flag=True, help="Print each built-in template's key and unit.")
@click.option("--cohort", "cohort_id", type=int, help="Cohort id (student models).")
@click.option("--program", "program_id", type=int, help="Program id (cohort and partner models).")
@click.option("--version", type=int, help="Model version (default: the active one, else the newest draft).")
@click.option("--as", "email", help="E-mail of the acting user (default: the first administrator).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored run as JSON (with its health check).")
@click.option("--sensitivity", "draws", type=int, default=0, help="Also run N Monte Carlo draws (±15 %, seed 1).")
@with_appcontext
def cli(model_name, template_key, list_only, cohort_id, program_id, version, email, as_json, draws):
    """Run an evaluation model (or a built-in template) on a cohort or program and store the run."""
    if list_only:
        _list_templates()
        return
    if bool(model_name) == bool(template_key):
        raise click.ClickException("pass either --model NAME or --template KEY (--list-templates shows the keys)")
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort_id and cohort is None:
        raise click.ClickException(f"no cohort with id {cohort_id}")
    program = db.session.get(Program, program_id) if program_id else None
    if program_id and program is None:
        raise click.ClickException(f"no program with id {program_id}")
    user = _actor(email)
    if template_key:
        try:
            model = _template_model(template_key, cohort, program, user)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from exc
    else:
        scope = cohort.program_id if cohort else (program.id if program else None)
        model = queries.find_model(model_name, program_id=scope, version=version)
        if model is None:
            raise click.ClickException(f"no model {model_name!r}" + (f" version {version}" if version else "")
                                       + " in this program or institution-wide")
    if model.unit == EvaluationUnit.COHORT and program is None and cohort is not None:
        program = cohort.program  # a cohort model evaluates the cohorts of the cohort's program
    if model.unit == EvaluationUnit.PROGRAM:
        program = None  # an institution-wide model compares every program
    target = services.Target(cohort=cohort if model.unit == EvaluationUnit.STUDENT else None, program=program)
    try:
        run = services.run_evaluation(model, target, user)
        report = run_reports.run_sensitivity(run, draws=draws) if draws else None
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    ranks = run_reports.display_ranks(run)
    health = run.summary.get("health")
    if as_json:
        out = {"run_id": run.id, "model": run.model_name, "version": run.model_version, "unit": run.unit.value,
               "target": run.target_label, "fingerprint": run.fingerprint, "template": model.template_key,
               "health": {"passed": health["passed"], "checks": health["checks"], "reasons": health["reasons"],
                          "excluded": health.get("excluded", [])} if health else None,
               "grade_rule": run.summary.get("grade_rule"), "summary": run.summary, "weights": run.weights,
               "results": [{**r, "rank": k} for r, k in zip(run.results, ranks, strict=True)]}
        if report is not None:
            out["sensitivity"] = report
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"Run {run.id}: {run.model_name} v{run.model_version} on {run.target_label}")
    click.echo(f"fingerprint {run.fingerprint}")
    for w in run.summary.get("warnings", []):
        click.echo(f"warning: {w}")
    if health is not None:
        click.echo("health check: " + ("passed" if health["passed"] else "FAILED (not published until a director "
                                                                          "reviews it)"))
        for check in health["checks"]:
            if check["status"] != "pass":
                click.echo(f"  {check['status']}: {check['key']}: {check['reason']}")
    width = max([len(r["label"]) for r in run.results] + [6])
    click.echo(f"{'rank':>4}  {'object':<{width}}  {'score':>7}  grade")
    for r in run_reports.ranked_results(run):
        click.echo(f"{r['rank']:>4}  {r['label']:<{width}}  {r['score']:7.4f}  {r['grade']} / {r['grade_zh']}")
    s = run.summary
    click.echo(f"mean {s['mean']:.4f}  median {s['median']:.4f}  n {s['n']}")
    scale = run.model_snapshot["grade_scale"]
    click.echo("grades: " + ", ".join(f"{g['name_en']} {c}" for g, c in zip(scale, s["grade_counts"], strict=True))
               + f" (rule: {s.get('grade_rule', 'band')})")
    if report is not None:
        click.echo(f"sensitivity ({report['draws']} draws, ±{report['spread']:.0%}): "
                   f"{report['stable_grade_share']:.0%} of objects keep their grade in at least 90 % of draws")
