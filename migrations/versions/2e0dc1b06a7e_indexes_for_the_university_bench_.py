"""Indexes for the university bench: achievement list order and verification queue

The achievement list sorts by year then id (newest first): with (year, id) the first page is read from the
index instead of sorting every visible row. The verification queue and its counts select a few per cent of
the rows by status (then program): (verification_status, program_id).

Revision ID: 2e0dc1b06a7e
Revises: 36607e8b60a5
Create Date: 2026-12-05 08:04:48.865495

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2e0dc1b06a7e'
down_revision = '36607e8b60a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index('ix_achievements_status_program', ['verification_status', 'program_id'], unique=False)
        batch_op.create_index('ix_achievements_year_id', ['year', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_year_id')
        batch_op.drop_index('ix_achievements_status_program')
