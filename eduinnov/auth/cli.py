"""`flask users ...`: account administration from the command line."""

import click
from flask.cli import with_appcontext

from eduinnov.auth import services
from eduinnov.auth.models import Role
from eduinnov.extensions import db


@click.group("users")
def cli():
    """Manage user accounts."""


@cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.password_option()
@with_appcontext
def create(email, name, role, password):
    """Create an account."""
    user = services.create_user(email=email, name=name, role=Role(role), password=password)
    db.session.commit()
    click.echo(f"created {user.email} ({user.role.value})")
