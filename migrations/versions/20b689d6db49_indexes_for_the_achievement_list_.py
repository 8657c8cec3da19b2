"""Indexes for the achievement list: one program's newest first, the waiting badge, the student search

- (program_id, year, id) replaces (program_id): a program's achievements newest first are read from the index
  (the list filtered by program, a director's list) and every lookup by program alone still has its index.
- The "waiting for verification" badge counts what waits for a director (reviewed declarations, submitted
  staff records): a partial index on program_id holding only those rows lets the count read the index alone.
- The home page counts "my items by status" (recorded or supervised by me): created_by_id gets the index
  supervisor_id already had.
- The search matches students by any part of their name or number (``lower(x) LIKE '%text%'``): on
  PostgreSQL, trigram (pg_trgm) GIN indexes on lower(name) and lower(student_no) find them without reading
  every student; other databases keep reading the table.

Revision ID: 20b689d6db49
Revises: f1c874de50d6
Create Date: 2026-12-05 11:11:12.004341

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '20b689d6db49'
down_revision = 'f1c874de50d6'
branch_labels = None
depends_on = None

AWAITING = "verification_status = 'reviewed' OR (verification_status = 'submitted' AND declared_by_student IS {})"
TRIGRAM = {"ix_students_name_trgm": "name", "ix_students_student_no_trgm": "student_no"}


def upgrade():
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_program_id')
        batch_op.create_index('ix_achievements_program_year_id', ['program_id', 'year', 'id'], unique=False)
        batch_op.create_index('ix_achievements_created_by_id', ['created_by_id'], unique=False)
        batch_op.create_index('ix_achievements_awaiting_program', ['program_id'], unique=False,
                              postgresql_where=sa.text(AWAITING.format("false")),
                              sqlite_where=sa.text(AWAITING.format("0")))
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension: the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in TRIGRAM.items():
            op.execute(f"CREATE INDEX {name} ON students USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM:
            op.execute(f"DROP INDEX {name}")
        # The extension stays: other objects of the database may use it.
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index('ix_achievements_awaiting_program')
        batch_op.drop_index('ix_achievements_program_year_id')
        batch_op.drop_index('ix_achievements_created_by_id')
        batch_op.create_index('ix_achievements_program_id', ['program_id'], unique=False)
