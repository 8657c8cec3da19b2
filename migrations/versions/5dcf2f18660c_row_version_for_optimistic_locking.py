"""row_version for optimistic locking

A ``row_version`` counter on every editable table (SQLAlchemy ``version_id_col``, see
``eduinnov.core.versioning``). Existing rows start at 1 (server default), so populated databases upgrade
keeping every row.

Revision ID: 5dcf2f18660c
Revises: 3748bd2b0e6e
Create Date: 2026-12-05 05:04:07.827207

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5dcf2f18660c'
down_revision = '3748bd2b0e6e'
branch_labels = None
depends_on = None

VERSIONED_TABLES = (
    "achievement_participants",
    "achievements",
    "agreements",
    "assessment_items",
    "cohorts",
    "course_objectives",
    "course_offerings",
    "course_supports",
    "courses",
    "evaluation_models",
    "framework_versions",
    "graduation_requirements",
    "improvement_records",
    "indicator_nodes",
    "indicator_points",
    "item_objective_mappings",
    "joint_supervisors",
    "manual_scores",
    "modules",
    "objective_indicator_links",
    "objective_type_weights",
    "participations",
    "partner_organisations",
    "practice_bases",
    "program_memberships",
    "programs",
    "scores",
    "students",
    "supervisions",
    "survey_results",
    "swot_records",
    "users",
)


def upgrade():
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    for table in reversed(VERSIONED_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('row_version')
