"""one trusted record: merged customers, one document per bytes per case, idempotency keys per client

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_parties_merged_into', 'parties', ['merged_into_id'], ['id'])
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=100), nullable=True))
    # Existing rows: the first document of each (case or inbox, bytes) takes the key; later copies (made by the
    # old check-then-insert race) keep NULL and stay as they are, so nothing is deleted.
    op.execute("UPDATE documents SET dedupe_key = COALESCE(CAST(case_id AS VARCHAR(20)), 'inbox') || ':' || sha256 "
               "WHERE id IN (SELECT MIN(id) FROM documents GROUP BY case_id, sha256)")
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('uq_documents_dedupe_key', ['dedupe_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_dedupe_key')
        batch_op.drop_column('dedupe_key')
    with op.batch_alter_table('parties', schema=None) as batch_op:
        batch_op.drop_constraint('fk_parties_merged_into', type_='foreignkey')
        batch_op.drop_column('merged_into_id')
