"""`flask seed demo`: load the demo data kept in the repository's seed/ folder."""

import click


@click.group("seed")
def cli():
    """Load demo data."""
