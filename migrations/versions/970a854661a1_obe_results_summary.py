"""OBE results summary; achievements indexed by program, status, kind and year

The cohort page, the requirement drill-down and the cohort dashboard need a few KB of a cohort's stored
figures (requirements, points, course cells); the whole document is a few hundred KB, mostly per-student
values. ``obe_results.summary`` holds the small part, filled here from every stored document.

The school page counts each program's verified achievements by kind and year: with the index
(program_id, verification_status, kind, year), which replaces (program_id, kind, verification_status) and
serves the same filters, the counts are read from the index alone (no more indexes to write on import).

Revision ID: 970a854661a1
Revises: 2e0dc1b06a7e
Create Date: 2026-12-05 11:31:02.000000

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '970a854661a1'
down_revision = '2e0dc1b06a7e'
branch_labels = None
depends_on = None

#: The per-offering and per-student parts of a stored document (``eduinnov.obe.results._PACKED``).
PACKED = ("offerings", "students")


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_program_kind')
        batch_op.create_index('ix_achievements_program_status_kind_year',
                              ['program_id', 'verification_status', 'kind', 'year'], unique=False)

    with op.batch_alter_table('obe_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.JSON(), nullable=True))
    conn = op.get_bind()
    update = sa.text("UPDATE obe_results SET summary = :summary WHERE id = :id").bindparams(
        sa.bindparam("summary", type_=sa.JSON()))
    for ident, data in conn.execute(sa.text("SELECT id, data FROM obe_results")).all():
        data = json.loads(data) if isinstance(data, str) else data
        conn.execute(update, {"id": ident, "summary": {k: v for k, v in data.items() if k not in PACKED}})


def downgrade():
    with op.batch_alter_table('obe_results', schema=None) as batch_op:
        batch_op.drop_column('summary')

    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_program_status_kind_year')
        batch_op.create_index('ix_achievements_program_kind', ['program_id', 'kind', 'verification_status'],
                              unique=False)
