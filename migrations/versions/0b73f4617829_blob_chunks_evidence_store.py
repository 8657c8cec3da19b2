"""Blob chunks: the database evidence store (EDUINNOV_EVIDENCE_STORE=database)

Revision ID: 0b73f4617829
Revises: 0634e31897a0
Create Date: 2026-12-05 07:53:32.062441

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0b73f4617829'
down_revision = '0634e31897a0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blob_chunks',
    sa.Column('namespace', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('namespace', 'key', 'seq', name=op.f('pk_blob_chunks'))
    )
    if op.get_bind().dialect.name == "postgresql":
        # Evidence (PDF, images, Office zips) is compressed already: keep TOAST from trying again.
        op.execute("ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL")


def downgrade():
    op.drop_table('blob_chunks')
