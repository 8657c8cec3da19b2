"""`flask obe ...`: achievement degrees from the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from eduinnov.extensions import db
from eduinnov.programs.models import Cohort


@click.group("obe")
def cli():
    """OBE achievement degrees."""


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _verdict(value: bool | None) -> str:
    return {True: "achieved", False: "NOT achieved", None: "no data"}[value]


@cli.command("compute")
@click.option("--cohort", "cohort_id", type=int, help="Cohort id.")
@click.option("--all", "every", is_flag=True, help="Recompute and store the figures of every cohort instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def compute_command(cohort_id: int | None, every: bool, as_json: bool):
    """Print a cohort's requirement and indicator-point achievement degrees (both rules), or store all."""
    from sqlalchemy import select

    from eduinnov.obe import queries, reports, results

    if every:
        n = 0
        for cohort in db.session.scalars(select(Cohort).order_by(Cohort.id)):
            framework = queries.get_framework_for_cohort(cohort)
            if framework is not None:
                results.refresh(cohort, framework)
                n += 1
        db.session.commit()
        click.echo(f"Stored the achievement degrees of {n} cohort(s).")
        return
    if cohort_id is None:
        raise click.UsageError("give --cohort ID or --all")
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise click.ClickException(f"no cohort with id {cohort_id}")
    report = reports.cohort_report(cohort)
    if report.framework is None:
        raise click.ClickException(f"cohort {cohort_id} has no framework version")
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Cohort {cohort.display_name} · framework {report.framework.version} · "
               f"threshold {report.threshold:g} · program rule {report.rule.value}")
    click.echo("Weighted sum: support weights normalised over courses with scores; minimum: lowest course.")
    click.echo(f"{'':8}{'weighted sum':>14}{'':14}{'minimum':>10}{'':14}  flag")
    for r in report.requirements:
        flag = "RULE CHANGES VERDICT" if r.rule_changes_verdict else ""
        click.echo(f"GR{r.requirement.number:<6}{_fmt(r.weighted_sum):>14}  {_verdict(r.achieved_weighted_sum):<12}"
                   f"{_fmt(r.minimum):>10}  {_verdict(r.achieved_minimum):<12}  {flag}")
        for p in r.points:
            click.echo(f"  {p.point.code:<6}{_fmt(p.weighted_sum):>14}  {_verdict(p.achieved_weighted_sum):<12}"
                       f"{_fmt(p.minimum):>10}  {_verdict(p.achieved_minimum):<12}")
    if report.rule_sensitive:
        click.echo("Verdict depends on the rule: " + ", ".join(f"GR{r.requirement.number}"
                                                             for r in report.rule_sensitive))
