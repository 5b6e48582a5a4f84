"""search_entries.tsv gets finer planner statistics (PostgreSQL): a word that matches nobody is not searched by
walking every entry newest first

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:10:00

With the default statistics (100) PostgreSQL keeps about 1,000 common words of the search text and estimates any
other word, or a prefix like 'zzyzx:*', at 0.1% of the entries: 2,000 rows at a million cases. The desk's
"newest first" search then walks the case index backwards expecting to meet its page soon, and for a word that
matches nobody reads all 1.5 million entries (0.85 s). At 2,000 it keeps about 20,000 words: a rare word is
estimated rare and read from the full-text index (1 ms), a common surname is still walked newest first (4 ms).
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ALTER COLUMN tsv SET STATISTICS 2000")
        op.execute("ANALYZE search_entries")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ALTER COLUMN tsv SET STATISTICS -1")
