"""Duplicates (evidence hash index), JCR / CAS quartiles, patent transfers, roster invitations

Revision ID: 7a1f86061090
Revises: 73dfd4c09a4f
Create Date: 2026-12-05 04:53:47.217010

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7a1f86061090'
down_revision = '73dfd4c09a4f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('patent_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('transfer', 'licence', 'equity', name='transferkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('counterparty', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_patent_transfers_amount_nonnegative')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_patent_transfers_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_patent_transfers_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patent_transfers'))
    )
    with op.batch_alter_table('patent_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patent_transfers_achievement_id'), ['achievement_id'], unique=False)

    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jcr_quartile', sa.Enum('Q1', 'Q2', 'Q3', 'Q4', name='jcrquartile', native_enum=False, create_constraint=True, length=8), nullable=True))
        batch_op.add_column(sa.Column('cas_zone', sa.Enum('zone_1', 'zone_2', 'zone_3', 'zone_4', name='caszone', native_enum=False, create_constraint=True, length=16), nullable=True))

    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_sha256'), ['sha256'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_sha256'))

    with op.batch_alter_table('achievements', schema=None) as batch_op:
        # The enums' CHECK constraints first: SQLite's table copy would otherwise keep them on dropped columns.
        batch_op.drop_constraint(op.f('ck_achievements_caszone'), type_='check')
        batch_op.drop_constraint(op.f('ck_achievements_jcrquartile'), type_='check')
        batch_op.drop_column('cas_zone')
        batch_op.drop_column('jcr_quartile')

    with op.batch_alter_table('patent_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patent_transfers_achievement_id'))

    op.drop_table('patent_transfers')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))

    op.drop_table('invitations')
