"""`flask report ...`: background report workers and the evidence pack from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from eduinnov.reports import jobs


@click.group("report")
def cli():
    """Reports: background workers, evidence packs."""


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting now, then exit.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a fork per job.")
@with_appcontext
def worker(burst: bool, simple: bool):
    """Run an RQ worker for report jobs (needs EDUINNOV_REDIS_URL)."""
    from rq import SimpleWorker, Worker

    if not jobs.redis_url(current_app):
        raise click.UsageError(
            "EDUINNOV_REDIS_URL is not set: report jobs run inside the web processes, no worker is needed."
        )
    queue = jobs.rq_queue(current_app)
    worker_class = SimpleWorker if simple else Worker
    worker_class([queue], connection=queue.connection).work(burst=burst)


@cli.command("pdf")
@click.option("--program", "program_code", required=True, help="Program code, e.g. SE.")
@click.option("--cohort", "cohort_ref", required=True, type=int,
              help="Cohort id (or the cohort's entry year within the program).")
@click.option("--run", "run_id", type=int, default=None,
              help="Evaluation run id (default: the latest run on this cohort; 0 for none).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the pack (default: the site's default language).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF.")
@click.option("--as", "email", default=None, help="E-mail of the user named in the snapshot (optional).")
@click.option("--processes", type=int, default=None, help="Worker processes for rendering (default: 2).")
@with_appcontext
def pdf(program_code: str, cohort_ref: int, run_id: int | None, lang: str | None, out: Path,
        email: str | None, processes: int | None):
    """Write the certification-evidence pack of a cohort to a PDF file (synchronously)."""
    from sqlalchemy import select

    from eduinnov.auth.models import User
    from eduinnov.core.errors import DomainError
    from eduinnov.core.i18n import default_language
    from eduinnov.extensions import db
    from eduinnov.programs.models import Cohort
    from eduinnov.programs.queries import get_cohort, get_program_by_code
    from eduinnov.reports import services

    program = get_program_by_code(program_code)
    if program is None:
        raise click.ClickException(f"no program with code {program_code!r}")
    cohort = db.session.get(Cohort, cohort_ref)
    if cohort is None or cohort.program_id != program.id:
        cohort = get_cohort(program.id, cohort_ref)
    if cohort is None:
        raise click.ClickException(f"no cohort {cohort_ref} in program {program.code} (give its id or entry year)")
    user = None
    if email:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise click.ClickException(f"no user with e-mail {email}")
    lang = lang or default_language()
    try:
        run = None if run_id == 0 else services.resolve_pack_run(cohort, run_id)
        prepared = services.prepare_evidence_pack(program, cohort, run, lang=lang, user=user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    data = services.render_evidence_pack(prepared, processes=processes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    run_text = f"run {run.id}" if run is not None else "no evaluation run"
    click.echo(f"Wrote {out} ({len(data) / 1024:.0f} KiB): {program.code} {cohort.display_name}, {run_text}, {lang}")
    click.echo(f"snapshot fingerprint {prepared.snapshot.fingerprint}")
