"""Requirement successions across framework versions (history carries over); objective rule setting

Revision ID: 4e14a2ea2778
Revises: 0b73f4617829
Create Date: 2026-12-05 07:48:34.395905

Existing versions of a program are linked in the order they were created, by equal requirement number
(what copying a version does from now on), so records made under an earlier version show on the later
versions' pages at once; directors correct the links on the mapping page where numbers changed.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4e14a2ea2778'
down_revision = '0b73f4617829'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('requirement_successions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('predecessor_id', sa.Integer(), nullable=False),
    sa.Column('successor_id', sa.Integer(), nullable=False),
    sa.Column('row_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['predecessor_id'], ['graduation_requirements.id'], name=op.f('fk_requirement_successions_predecessor_id_graduation_requirements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['successor_id'], ['graduation_requirements.id'], name=op.f('fk_requirement_successions_successor_id_graduation_requirements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requirement_successions')),
    sa.UniqueConstraint('predecessor_id', 'successor_id', name=op.f('uq_requirement_successions_predecessor_id_successor_id'))
    )
    with op.batch_alter_table('requirement_successions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requirement_successions_predecessor_id'), ['predecessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requirement_successions_successor_id'), ['successor_id'], unique=False)

    with op.batch_alter_table('framework_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objective_rule', sa.Enum('mean', 'minimum', name='objectiverule', native_enum=False, create_constraint=True, length=32), server_default='mean', nullable=False))

    _link_existing_versions()


def _link_existing_versions():
    """Link each program's consecutive versions by equal requirement number (every row is kept)."""
    conn = op.get_bind()
    versions = sa.table('framework_versions', sa.column('id'), sa.column('program_id'), sa.column('created_at'))
    reqs = sa.table('graduation_requirements', sa.column('id'), sa.column('framework_id'), sa.column('number'))
    links = sa.table('requirement_successions', sa.column('predecessor_id'), sa.column('successor_id'))
    by_program = {}
    for row in conn.execute(sa.select(versions.c.id, versions.c.program_id)
                            .order_by(versions.c.program_id, versions.c.created_at, versions.c.id)):
        by_program.setdefault(row.program_id, []).append(row.id)
    numbers = {}
    for row in conn.execute(sa.select(reqs.c.id, reqs.c.framework_id, reqs.c.number)):
        numbers.setdefault(row.framework_id, {})[row.number] = row.id
    rows = []
    for ids in by_program.values():
        for older, newer in zip(ids, ids[1:], strict=False):
            old, new = numbers.get(older, {}), numbers.get(newer, {})
            rows.extend({'predecessor_id': old[n], 'successor_id': new[n]} for n in sorted(old.keys() & new.keys()))
    if rows:
        op.bulk_insert(links, rows)


def downgrade():
    with op.batch_alter_table('framework_versions', schema=None) as batch_op:
        # The enum's CHECK constraint first: SQLite's table copy would otherwise keep it on the dropped column.
        batch_op.drop_constraint(op.f('ck_framework_versions_objectiverule'), type_='check')
        batch_op.drop_column('objective_rule')

    with op.batch_alter_table('requirement_successions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requirement_successions_successor_id'))
        batch_op.drop_index(batch_op.f('ix_requirement_successions_predecessor_id'))

    op.drop_table('requirement_successions')
