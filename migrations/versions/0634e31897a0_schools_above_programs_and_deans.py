"""Schools (学院) above programs, and their deans

Every existing program is put into one default school (code DEFAULT, created only when programs
exist), so a populated database upgrades keeping every row; then ``programs.school_id`` becomes NOT NULL.
Stored OBE results get a small ``requirements`` copy of their requirement verdicts (filled from the
stored documents), so the school roll-ups read them without parsing whole documents.

Revision ID: 0634e31897a0
Revises: 7a1f86061090
Create Date: 2026-12-05 07:49:31.408691

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0634e31897a0'
down_revision = '7a1f86061090'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schools')),
    sa.UniqueConstraint('code', name=op.f('uq_schools_code'))
    )
    op.create_table('school_deans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_school_deans_school_id_schools'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_school_deans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_deans')),
    sa.UniqueConstraint('school_id', 'user_id', name=op.f('uq_school_deans_school_id_user_id'))
    )
    with op.batch_alter_table('school_deans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_deans_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_school_deans_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))

    conn = op.get_bind()
    if conn.execute(sa.text("SELECT COUNT(*) FROM programs")).scalar():
        now = datetime.now(UTC)
        conn.execute(sa.text("INSERT INTO schools (code, name_zh, name_en, created_at, updated_at, row_version) "
                             "VALUES ('DEFAULT', '默认学院', 'Default school', :now, :now, 1)"), {"now": now})
        conn.execute(sa.text("UPDATE programs SET school_id = (SELECT id FROM schools WHERE code = 'DEFAULT')"))

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_programs_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_programs_school_id_schools'), 'schools', ['school_id'], ['id'], ondelete='RESTRICT')

    with op.batch_alter_table('obe_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requirements', sa.JSON(), nullable=True))
    if conn.dialect.name == 'postgresql':
        conn.execute(sa.text("UPDATE obe_results SET requirements = data -> 'requirements'"))
    else:
        conn.execute(sa.text("UPDATE obe_results SET requirements = json_extract(data, '$.requirements')"))


def downgrade():
    with op.batch_alter_table('obe_results', schema=None) as batch_op:
        batch_op.drop_column('requirements')

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_programs_school_id_schools'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_programs_school_id'))
        batch_op.drop_column('school_id')

    with op.batch_alter_table('school_deans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_deans_user_id'))
        batch_op.drop_index(batch_op.f('ix_school_deans_school_id'))

    op.drop_table('school_deans')
    op.drop_table('schools')
