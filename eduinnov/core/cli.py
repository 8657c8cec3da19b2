"""`flask backup` / `flask restore`: a verified copy of the SQLite database and the uploaded files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from eduinnov.core.backup import BackupError, create_backup, restore_backup, sqlite_path


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write (default: instance/backups/eduinnov-YYYYmmdd-HHMMSS.tar.gz).")
@with_appcontext
def backup(out: Path | None):
    """Back up the SQLite database and the uploaded files into one checksummed archive."""
    if out is None:
        out = Path(current_app.instance_path) / "backups" / f"eduinnov-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
    try:
        from eduinnov.extensions import db

        db.session.remove()  # no transaction of ours open while SQLite copies
        manifest = create_backup(_database_url(), Path(current_app.config["UPLOAD_DIR"]), out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    files = len(manifest.files) - 1
    click.echo(f"Backup written to {out}: the database (revision {manifest.revision}) and {files} uploaded "
               f"file(s), with SHA-256 checksums in its manifest.json.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(archive: Path, yes: bool):
    """Replace the SQLite database and the uploaded files with a verified backup (stop the app first)."""
    try:
        db_file = sqlite_path(_database_url())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(f"This replaces the database {db_file} and the uploaded files with the backup's. "
                      "Stop the app first. Go on?", abort=True)
    from eduinnov.extensions import db

    db.session.remove()
    db.engine.dispose()  # our pooled connections must not hold the old database open
    try:
        manifest = restore_backup(archive, _database_url(), Path(current_app.config["UPLOAD_DIR"]))
    except BackupError as exc:
        raise click.ClickException(f"{exc} The database and the uploaded files were not changed.") from None
    click.echo(f"Restored the backup of {manifest.created_at} ({len(manifest.files) - 1} uploaded file(s)); "
               "every checksum matched.")
    head = _head_revision()
    if manifest.revision != head:
        click.echo(f"The backup is at revision {manifest.revision}, this code at {head}: run `flask db upgrade`.")


commands = (backup, restore)
