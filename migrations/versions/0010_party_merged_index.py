"""parties.merged_into_id indexed: the case and customer pages ask which customers were merged into this one

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:00:00

Without it that question read every customer (a sequential scan of 750,000 rows, 65-85 ms at a million cases).
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.create_index('ix_parties_merged_into_id', ['merged_into_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_index('ix_parties_merged_into_id')
