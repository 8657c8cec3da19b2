"""`flask report ...`: background report workers (and, later, reports from the command line)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from eduinnov.reports import jobs


@click.group("report")
def cli():
    """Reports: background workers."""


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
