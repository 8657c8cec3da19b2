"""Indexes: students' declarations waiting for a teacher's review; title and DOI search on PostgreSQL

- The home page and the review queue count what students declared and no teacher has reviewed yet
  (``verification_status = 'submitted' AND declared_by_student``). Without an index that meant reading every
  submitted row of the university (≈ 20,000 at university scale, 10–18 ms on PostgreSQL); a partial index on
  program_id holding only those rows answers the count from the index alone.
- The achievement list's search matches titles and DOIs containing a text (LIKE / ILIKE '%text%'): on
  PostgreSQL, trigram (pg_trgm) GIN indexes on title and doi find a text of three or more characters without
  reading every row (a title only a few achievements have: ≈ 250 ms → under 1 ms at university scale).
  Other databases do without.
No data changes.

Revision ID: 1393e499ff04
Revises: 20b689d6db49
Create Date: 2026-12-05 14:18:01.230498

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1393e499ff04'
down_revision = '20b689d6db49'
branch_labels = None
depends_on = None

DECLARED_WAITING = "verification_status = 'submitted' AND declared_by_student IS {}"
TRIGRAM = {"ix_achievements_title_trgm": "title", "ix_achievements_doi_trgm": "doi"}


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index('ix_achievements_declared_waiting', ['program_id'], unique=False,
                              postgresql_where=sa.text(DECLARED_WAITING.format("true")),
                              sqlite_where=sa.text(DECLARED_WAITING.format("1")))
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (revision 20b689d6db49 made it already; kept idempotent).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in TRIGRAM.items():
            op.execute(f"CREATE INDEX {name} ON achievements USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM:
            op.execute(f"DROP INDEX {name}")
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_declared_waiting')
