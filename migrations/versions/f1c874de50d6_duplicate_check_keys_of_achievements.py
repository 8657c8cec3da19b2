"""Duplicate-check keys of achievements (stored normal forms of the title and identifiers, indexed); the queue's order index

The verification queue, the item page and the forms look for look-alikes of a few items by these keys
(eduinnov/achievements/keys.py) instead of loading and normalising every achievement of the program:
``title_key`` (NFKC, case-folded, letters and digits), ``title_numbers`` (the numbers in it: the block
titles are compared within), ``identifier_key`` (the DOI of a publication, the project number of a
project, the application number of a patent) and ``grant_key`` (a patent's grant number). Every existing
row is filled here, in batches, with the same Python normalisation the app applies on every write.

The verification queue (oldest first) reads its first page from a partial index of the waiting rows on
``coalesce(submitted_at, created_at), id`` instead of sorting every waiting row; its count is an index-only
scan of the same index.

Revision ID: f1c874de50d6
Revises: 970a854661a1
Create Date: 2026-12-05 11:10:09.423241

"""
from alembic import op
import sqlalchemy as sa

from eduinnov.achievements.keys import stored_keys


# revision identifiers, used by Alembic.
revision = 'f1c874de50d6'
down_revision = '970a854661a1'
branch_labels = None
depends_on = None

BATCH = 5000
# What eduinnov.achievements.queries.awaiting_verification selects, as the model's partial index writes it.
AWAITING = ("verification_status = 'reviewed' OR "
            "(verification_status = 'submitted' AND declared_by_student IS false)")


def _backfill():
    """Fill the four key columns of every achievement (keyset batches: bounded memory on large tables)."""
    conn = op.get_bind()
    table = sa.table('achievements', *(sa.column(name) for name in (
        'id', 'kind', 'title', 'doi', 'application_number', 'grant_number', 'project_number',
        'title_key', 'title_numbers', 'identifier_key', 'grant_key')))
    update = (sa.update(table).where(table.c.id == sa.bindparam('row_id'))
              .values(title_key=sa.bindparam('k_title_key'), title_numbers=sa.bindparam('k_title_numbers'),
                      identifier_key=sa.bindparam('k_identifier_key'), grant_key=sa.bindparam('k_grant_key')))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.kind, table.c.title, table.c.doi, table.c.application_number,
                      table.c.grant_number, table.c.project_number)
            .where(table.c.id > last).order_by(table.c.id).limit(BATCH)).mappings().all()
        if not rows:
            return
        conn.execute(update, [{'row_id': row['id'], **{f'k_{name}': value for name, value in
                                                         stored_keys(row['kind'], row).items()}}
                              for row in rows])
        last = rows[-1]['id']


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('title_numbers', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('identifier_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('grant_key', sa.Text(), nullable=True))
    _backfill()
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.alter_column('title_key', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('title_numbers', existing_type=sa.Text(), nullable=False)
        batch_op.create_index('ix_achievements_program_grant_key', ['program_id', 'grant_key'], unique=False)
        batch_op.create_index('ix_achievements_program_identifier_key', ['program_id', 'identifier_key'],
                              unique=False)
        batch_op.create_index('ix_achievements_program_kind_title_numbers', ['program_id', 'kind', 'title_numbers'],
                              unique=False)
    # Outside the batch: an expression index (SQLite's batch mode cannot reflect one).
    op.create_index('ix_achievements_awaiting_order', 'achievements',
                    [sa.text('coalesce(submitted_at, created_at)'), 'id', 'program_id'], unique=False,
                    postgresql_where=sa.text(AWAITING), sqlite_where=sa.text(AWAITING))


def downgrade():
    op.drop_index('ix_achievements_awaiting_order', table_name='achievements')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_program_kind_title_numbers')
        batch_op.drop_index('ix_achievements_program_identifier_key')
        batch_op.drop_index('ix_achievements_program_grant_key')
        batch_op.drop_column('grant_key')
        batch_op.drop_column('identifier_key')
        batch_op.drop_column('title_numbers')
        batch_op.drop_column('title_key')
