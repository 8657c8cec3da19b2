"""Report standards with their chapter lists, course categories for the credit structure

New NOT NULL column courses.category has server default "other", so populated databases keep every course.

Revision ID: 36607e8b60a5
Revises: 4e14a2ea2778
Create Date: 2026-12-05 07:49:48.168173

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '36607e8b60a5'
down_revision = '4e14a2ea2778'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('credit_minima', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_standards')),
    sa.UniqueConstraint('code', name=op.f('uq_report_standards_code'))
    )
    op.create_table('report_chapters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('row_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('content', sa.Enum('overview', 'students', 'objectives', 'requirements', 'improvement', 'curriculum', 'faculty', 'support', 'prose', 'appendix_evaluation', 'appendix_evidence', name='chaptercontent', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['standard_id'], ['report_standards.id'], name=op.f('fk_report_chapters_standard_id_report_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_chapters')),
    sa.UniqueConstraint('standard_id', 'position', name=op.f('uq_report_chapters_standard_id_position'))
    )
    with op.batch_alter_table('report_chapters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_chapters_standard_id'), ['standard_id'], unique=False)

    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.Enum('math_science', 'engineering', 'practice', 'humanities', 'other', name='coursecategory', native_enum=False, create_constraint=True, length=32), server_default='other', nullable=False))

    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_standard_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_programs_report_standard_id'), ['report_standard_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_programs_report_standard_id_report_standards'), 'report_standards', ['report_standard_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_programs_report_standard_id_report_standards'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_programs_report_standard_id'))
        batch_op.drop_column('report_standard_id')

    with op.batch_alter_table('courses', schema=None) as batch_op:
        # The enum's CHECK constraint first: SQLite's table copy would otherwise keep it on the dropped column.
        batch_op.drop_constraint(op.f('ck_courses_coursecategory'), type_='check')
        batch_op.drop_column('category')

    with op.batch_alter_table('report_chapters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_chapters_standard_id'))

    op.drop_table('report_chapters')
    op.drop_table('report_standards')
