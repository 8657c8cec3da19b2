"""`flask report ...`: background report workers and the evidence pack from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from eduinnov.jobs import services as jobs


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


def _pack_options(func):
    options = [
        click.option("--program", "program_code", required=True, help="Program code, e.g. SE."),
        click.option("--cohort", "cohort_ref", required=True, type=int,
                     help="Cohort id (or the cohort's entry year within the program)."),
        click.option("--run", "run_id", type=int, default=None,
                     help="Evaluation run id (default: the latest run on this cohort; 0 for none)."),
        click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
                     help="Language of the pack (default: the site's default language)."),
        click.option("--out", "out", required=True,
                     type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Where to write the file."),
        click.option("--as", "email", default=None, help="E-mail of the user named in the snapshot (optional)."),
        click.option("--named-ranking-reason", "named_reason", default=None,
                     help="Include a named ranking of students, for this reason (recorded and audited)."),
        click.option("--snapshot", "fingerprint", default=None,
                     help="Lay out this stored pack snapshot again (its fingerprint) instead of taking a new one, "
                          "e.g. the .docx of a PDF made earlier."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _prepare(program_code: str, cohort_ref: int, run_id: int | None, lang: str | None, email: str | None,
             named_reason: str | None, fingerprint: str | None = None):
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
    if fingerprint:
        snapshot = services.find_snapshot_by_fingerprint(fingerprint)
        if snapshot is None or snapshot.program_id != program.id or snapshot.cohort_id != cohort.id:
            raise click.ClickException(f"no pack snapshot {fingerprint} of {program.code} cohort {cohort_ref}")
        try:
            prepared = services.prepare_stored_pack(snapshot)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
        return prepared, f"{program.code} {cohort.display_name}, stored snapshot, {prepared.lang}"
    lang = lang or default_language()
    try:
        run = None if run_id == 0 else services.resolve_pack_run(cohort, run_id)
        prepared = services.prepare_evidence_pack(program, cohort, run, lang=lang, user=user,
                                                  named_ranking_reason=named_reason)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    run_text = f"run {run.id}" if run is not None else "no evaluation run"
    return prepared, f"{program.code} {cohort.display_name}, {run_text}, {lang}"


def _write(out: Path, data: bytes, prepared, what: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data) / 1024:.0f} KiB): {what}")
    click.echo(f"snapshot fingerprint {prepared.snapshot.fingerprint}")


@cli.command("pdf")
@_pack_options
@click.option("--processes", type=int, default=None, help="Worker processes for rendering (default: 2).")
@with_appcontext
def pdf(program_code: str, cohort_ref: int, run_id: int | None, lang: str | None, out: Path,
        email: str | None, named_reason: str | None, fingerprint: str | None, processes: int | None):
    """Write the self-evaluation report (evidence pack) of a cohort to a PDF file (synchronously)."""
    from eduinnov.reports import services

    prepared, what = _prepare(program_code, cohort_ref, run_id, lang, email, named_reason, fingerprint)
    _write(out, services.render_evidence_pack(prepared, processes=processes), prepared, what)


@cli.command("docx")
@_pack_options
@with_appcontext
def docx(program_code: str, cohort_ref: int, run_id: int | None, lang: str | None, out: Path,
         email: str | None, named_reason: str | None, fingerprint: str | None):
    """Write the self-evaluation report of a cohort as an editable Word (.docx) file."""
    from eduinnov.reports import services

    prepared, what = _prepare(program_code, cohort_ref, run_id, lang, email, named_reason, fingerprint)
    _write(out, services.render_evidence_pack_docx(prepared), prepared, what)
