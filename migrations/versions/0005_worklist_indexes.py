"""worklist indexes: one partial index per view and sort on open work items; finished process state compacted

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:00:00

Each worklist view (a queue, an assignee, or every queue) sorted by due date or by priority is one index range
that stops at the page size (engine/services/work_pages.py). The two older indexes they replace are dropped:
every index is paid for on each write of a work item.
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

OPEN = sa.text("state IN ('ready', 'claimed')")
SORTS = {"due": ["due_at", sa.text("priority DESC"), "id"], "priority": [sa.text("priority DESC"), "due_at", "id"]}
LEADS = {"queue": ["queue"], "assignee": ["assignee_id"], "all": []}
UNASSIGNED = sa.text("state IN ('ready', 'claimed') AND assignee_id IS NULL")


# engine.services.instances.COMPACTED_STATE, spelled out: a migration must not change when the code does.
COMPACTED_STATE = '{"compacted": true, "see": "cases.data and events"}'


def upgrade() -> None:
    # Finished processes keep only a marker of their serialized state (the case row and its events hold what the
    # case page and an audit read); this compacts the ones closed before.
    op.execute(sa.text("UPDATE process_instances SET state = :s WHERE completed").bindparams(s=COMPACTED_STATE))
    if op.get_bind().dialect.name == "postgresql":  # search ranks the newest matches of a common word (search.py)
        op.execute("CREATE INDEX ix_search_entries_case ON search_entries (case_id)")
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_queue_state_due')
        batch_op.drop_index('ix_work_items_assignee_state')
    for lead_name, lead in LEADS.items():
        for sort_name, tail in SORTS.items():
            op.create_index(f"ix_work_items_open_{lead_name}_{sort_name}", "work_items", [*lead, *tail],
                            postgresql_where=OPEN, sqlite_where=OPEN)
            if lead_name != "assignee":
                op.create_index(f"ix_work_items_unassigned_{lead_name}_{sort_name}", "work_items", [*lead, *tail],
                                postgresql_where=UNASSIGNED, sqlite_where=UNASSIGNED)


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_search_entries_case")
    for lead_name in LEADS:
        for sort_name in SORTS:
            op.drop_index(f"ix_work_items_open_{lead_name}_{sort_name}", table_name="work_items")
            if lead_name != "assignee":
                op.drop_index(f"ix_work_items_unassigned_{lead_name}_{sort_name}", table_name="work_items")
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_index('ix_work_items_assignee_state', ['assignee_id', 'state'], unique=False)
        batch_op.create_index('ix_work_items_queue_state_due', ['queue', 'state', 'due_at'], unique=False)
