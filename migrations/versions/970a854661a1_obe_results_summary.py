"""OBE results summary: the stored document without its per-offering and per-student parts

The cohort page, the requirement drill-down and the cohort dashboard need a few KB of a cohort's stored
figures (requirements, points, course cells); the whole document is a few hundred KB, mostly per-student
values. ``obe_results.summary`` holds the small part, filled here from every stored document.

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
