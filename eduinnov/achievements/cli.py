"""`flask evidence migrate --to database|local`: move every evidence file between the two stores."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from eduinnov.core.blobs import KINDS

cli = AppGroup("evidence", help="Evidence files: where they are stored.")


@cli.command("migrate")
@click.option("--to", "target", required=True, type=click.Choice(KINDS),
              help="The store to move every evidence file into.")
@click.option("--keep-source", is_flag=True, help="Keep the files in the old store too (default: remove them).")
def migrate(target: str, keep_source: bool):
    """Move every evidence file into the local folder or the database, all or nothing, checked by SHA-256.

    Then set EDUINNOV_EVIDENCE_STORE to the new store on every app server and worker, and restart them.
    """
    from eduinnov.achievements.evidence_move import MoveRefused, move_evidence

    try:
        result = move_evidence(target, keep_source=keep_source)
    except MoveRefused as exc:
        for line in exc.problems[:200]:
            click.echo(f"  {line}", err=True)
        if len(exc.problems) > 200:
            click.echo(f"  … and {len(exc.problems) - 200} more", err=True)
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(result.copied)} evidence files copied into the {target} store "
               f"({result.bytes_copied / 1024 / 1024:.1f} MB), each checked by SHA-256; "
               f"{len(result.already_there)} were there already.")
    if keep_source:
        click.echo("The old copies were kept.")
    else:
        click.echo(f"{result.removed_from_source} old copies removed.")
    if result.left_in_source:
        click.echo(f"{len(result.left_in_source)} files in the old store belong to no evidence row; left as they are.")
    if current_app.config.get("EVIDENCE_STORE") != target:
        click.echo(f"Now set EDUINNOV_EVIDENCE_STORE={target} on every app server and worker and restart them.")
