"""process deployments: which version of a process takes new cases, and who deployed it

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('deployed_by', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_versions', schema=None) as batch_op:
        batch_op.drop_column('deployed_by')
        batch_op.drop_column('deployed_seq')
