"""cases.policy_number: the case data's policy number, indexed, so the desk's search finds it by an index probe

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:20:00

Before, a policy-number search read ``cases.data`` of every case (a sequential scan at a million cases). The
column holds the number as identifiers are stored (separators dropped, upper case); cases opened before are
filled here.
"""
import json
import re

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _key(data: object) -> str | None:
    """engine.services.parties.policy_key, spelled out: a migration must not change when the code does."""
    if isinstance(data, str):
        data = json.loads(data)
    value = data.get("policy_number") if isinstance(data, dict) else None
    key = re.sub(r"[\s\-./]+", "", value.strip()).upper() if isinstance(value, str) else ""
    return key if key and len(key) <= 80 else None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_number', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_cases_policy_number', ['policy_number'], unique=False)
    bind = op.get_bind()
    cases = sa.table('cases', sa.column('id', sa.Integer), sa.column('data', sa.JSON),
                     sa.column('policy_number', sa.String))
    rows = bind.execute(sa.select(cases.c.id, cases.c.data)).all()
    updates = [{"_id": case_id, "key": key} for case_id, data in rows if (key := _key(data))]
    for start in range(0, len(updates), 1000):
        bind.execute(cases.update().where(cases.c.id == sa.bindparam("_id")).values(
            policy_number=sa.bindparam("key")), updates[start:start + 1000])


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_policy_number')
        batch_op.drop_column('policy_number')
