"""process deployments: which version of a process takes new cases, who deployed it; modeler drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import engine.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deployed_by', sa.String(length=120), nullable=True))
    op.create_table('process_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_type', sa.String(length=40), nullable=False),
    sa.Column('files', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_type')
    )


def downgrade() -> None:
    op.drop_table('process_drafts')
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_column('deployed_by')
        batch_op.drop_column('deployed_seq')
