"""`flask seed demo`: load the demo data kept in the repository's seed/ folder."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from eduinnov.extensions import db


@click.group("seed")
def cli():
    """Load demo data."""


@cli.command("demo")
@click.option("--force", is_flag=True, help="Load even when EDUINNOV_ENV=production.")
@click.option("--seed-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder with the demo data files (default: the repository's seed/ folder).")
@with_appcontext
def demo(force: bool, seed_dir: Path | None):
    """Create or refresh the demo programs, accounts and data (safe to run again)."""
    from eduinnov.core.web import discard_new_files
    from eduinnov.seed.context import SeedError
    from eduinnov.seed.loader import DEFAULT_SEED_DIR, load_demo

    in_production = (os.environ.get("EDUINNOV_ENV") == "production"
                     or current_app.config.get("ENV_NAME") == "production")
    if in_production and not force:
        raise click.ClickException(
            "refusing to load demo data (with a published password) into a production database; "
            "pass --force if you really mean it"
        )
    try:
        result = load_demo(seed_dir or DEFAULT_SEED_DIR)
        db.session.commit()
    except SeedError as exc:
        db.session.rollback()
        discard_new_files()
        raise click.ClickException(f"demo data not loaded: {exc}") from exc
    except Exception:
        db.session.rollback()
        discard_new_files()
        raise

    created, updated = sum(result.created.values()), sum(result.updated.values())
    click.echo(f"Demo data loaded: {created} rows created, {updated} updated.")
    width = max(len(label) for label in result.counts)
    for label, count in result.counts.items():
        click.echo(f"  {label:<{width}}  {count}")
    for name in result.extra_steps:
        click.echo(f"  extra step: {name}")
    click.echo(f"Demo accounts (password: {result.password}):")
    for email, role, name in result.accounts:
        click.echo(f"  {email:<22} {role:<9} {name}")
