"""`flask import KIND FILE --program CODE [--dry-run]`: the import pages' preview and import, from a shell."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.auth.models import Role, User
from eduinnov.core.errors import DomainError
from eduinnov.extensions import db
from eduinnov.imports import services
from eduinnov.imports.schemas import ImportKind
from eduinnov.programs.queries import get_program_by_code

EXIT_REFUSED = 1
MAX_LISTED = 200


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


def print_preview(preview: services.Preview, *, verbose: bool = True) -> None:
    """Print a preview as the page shows it: how the file was read, counts, errors, warnings, rows."""
    how = preview.fmt + (f", {preview.encoding}" if preview.encoding else "")
    click.echo(f"{preview.filename} ({how or '?'}) → {preview.kind.value}")
    counts = preview.counts
    click.echo(_("%(c)d to create, %(u)d to update, %(s)d to skip", c=counts[services.CREATE],
                 u=counts[services.UPDATE], s=counts[services.SKIP]))
    if preview.new_cohorts:
        click.echo(_("New cohorts: %(years)s", years=", ".join(map(str, preview.new_cohorts))))
    for issue in preview.errors[:MAX_LISTED]:
        click.echo(f"ERROR {issue}", err=True)
    if len(preview.errors) > MAX_LISTED:
        click.echo(_("… and %(n)d more errors", n=len(preview.errors) - MAX_LISTED), err=True)
    for issue in preview.warnings:
        click.echo(f"WARNING {issue}", err=True)
    for author in preview.unmatched[:MAX_LISTED]:
        click.echo(_("UNMATCHED row %(row)d author %(pos)d: %(name)s (left out)", row=author.row, pos=author.position,
                     name=author.name))
    if verbose:
        for row in preview.rows[:MAX_LISTED]:
            detail = row.reason or "; ".join(row.changes)
            click.echo(f"  {row.row:>6}  {row.action:<6}  {row.label}" + (f"  — {detail}" if detail else ""))
        if len(preview.rows) > MAX_LISTED:
            click.echo(f"  … {len(preview.rows) - MAX_LISTED} more rows")


@click.command("import")
@click.argument("kind", type=click.Choice([k.value for k in ImportKind]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--program", "code", required=True, help="Program code, e.g. SE.")
@click.option("--dry-run", is_flag=True, help="Only print the preview; write nothing.")
@click.option("--as", "email", help="E-mail of the acting user (default: the first administrator).")
@click.option("--quiet", is_flag=True, help="Print counts, errors and warnings, not every row.")
@click.option("--confirm-duplicates", is_flag=True,
              help="Import rows whose title is near-identical to a recorded achievement (they are different).")
@with_appcontext
def cli(kind, file: Path, code, dry_run, email, quiet, confirm_duplicates):
    """Import students, achievements, publications, partners, participations or scores from FILE."""
    program = get_program_by_code(code)
    if program is None:
        raise click.ClickException(f"no program with code {code}")
    user = _actor(email)
    data = file.read_bytes()
    try:
        if dry_run:
            preview = services.preview_import(kind, program, user, data, file.name)
            print_preview(preview, verbose=not quiet)
            db.session.rollback()
            if not preview.ok:
                click.echo(_("Refused: %(n)d error(s).", n=len(preview.errors)), err=True)
                raise SystemExit(EXIT_REFUSED)
            click.echo(_("Dry run: nothing was written."))
            return
        preview = services.run_import(kind, program, user, data, file.name, confirm_duplicates=confirm_duplicates)
        db.session.commit()
    except services.ImportRefused as exc:
        db.session.rollback()
        print_preview(exc.preview, verbose=not quiet)
        click.echo(_("Refused: %(reason)s", reason=str(exc)), err=True)
        raise SystemExit(EXIT_REFUSED) from None
    except DomainError as exc:
        db.session.rollback()
        click.echo(_("Refused: %(reason)s", reason=str(exc)), err=True)
        raise SystemExit(EXIT_REFUSED) from None
    except BaseException:
        db.session.rollback()
        raise
    print_preview(preview, verbose=not quiet)
    counts = preview.counts
    click.echo(_("Imported: %(c)d created, %(u)d updated, %(s)d skipped.", c=counts[services.CREATE],
                 u=counts[services.UPDATE], s=counts[services.SKIP]))
