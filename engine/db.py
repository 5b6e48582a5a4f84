"""Database adapter: engines for SQLite (WAL, immediate write transactions) and PostgreSQL; migrations.

SQLite allows one writer; a deferred transaction that reads and then writes can fail with "database is
locked" when another writer got there first, and the busy timeout does not help that case. Write units
of work therefore begin with ``BEGIN IMMEDIATE`` on a dedicated engine, while read-only requests use a
second engine with plain deferred transactions so they never queue behind writers (WAL).
"""
from __future__ import annotations

import fcntl
import os
import select
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, exc, make_url
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import DatabaseNotMigrated
from engine.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


@dataclass
class Database:
    url: str
    write_engine: Engine
    read_engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]
    write_lock: Any = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine.pool is not self.write_engine.pool:
            self.read_engine.dispose()


def changed_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through ``Session.execute`` changed. Why a helper: the session types
    every result as a plain ``Result``, but for these statements it is a ``CursorResult``, which has the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                           pool_size=8, max_overflow=8)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    engine.dialect.statement_compiler = _SQLiteCompiler  # this engine's dialect only
    return engine


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler with table hints: ``select().with_hint(table, "INDEXED BY ix_...", "sqlite")`` renders as
    ``FROM table INDEXED BY ix_...`` (SQLAlchemy's SQLite dialect drops hints; its planner has no statistics for
    some of our views, see ``work_pages._hinted``)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


class WriterLock:
    """The one-writer lock of an SQLite home, shared by the threads and processes that use it.

    SQLite allows one writer; without this, waiting writers sleep in SQLite's busy handler, which polls with
    growing sleeps (1, 2, 5, 10 ms...) and cost a sixth of the server's time under load. A thread lock plus
    an ``flock`` on a file beside the database queue writers instead and wake them the moment it is free,
    across ``serve`` worker processes, ``caseworks worker`` and the CLI alike.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> "WriterLock":
        self._thread_lock.acquire()
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()



def _writer_lock(url: str) -> WriterLock | None:
    if not url.startswith("sqlite"):
        return None  # PostgreSQL has row locks and real concurrency
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an SQLite database must be a file (CASEWORKS_HOME or a sqlite:/// URL with a path)")
    return WriterLock(Path(database + ".writer"))


def connect(settings: Settings) -> Database:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.home.mkdir(parents=True, exist_ok=True)
        write = _sqlite_engine(url, immediate=True)
        read = _sqlite_engine(url, immediate=False)
    else:
        write = create_engine(url, pool_size=10, max_overflow=10)
        _check_on_checkout(write)
        # Reads run in autocommit: under READ COMMITTED each statement sees its own snapshot anyway, so a read
        # "transaction" only costs a BEGIN and a ROLLBACK round trip around every request's queries.
        read = write.execution_options(isolation_level="AUTOCOMMIT")
    read_sessions = sessionmaker(read, expire_on_commit=False, autoflush=False)
    event.listen(read_sessions, "before_flush", _refuse_writes)
    return Database(
        url=url,
        write_engine=write,
        read_engine=read,
        write_sessions=sessionmaker(write, expire_on_commit=False),
        read_sessions=read_sessions,
        write_lock=_writer_lock(url),
    )


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    raise RuntimeError("a read session never writes: use ctx.write()")


IDLE_PING_SECONDS = 30.0


def _check_on_checkout(engine: Engine) -> None:
    """Pessimistic disconnect handling without a round trip per checkout (``pool_pre_ping`` costs one on every
    request): a connection the server closed (restart, terminated backend, idle timeout) has its socket readable
    while idle, seen by a zero-timeout poll; one idle for longer than ``IDLE_PING_SECONDS`` (a silently dropped
    network path shows nothing) is pinged. A dead one is replaced before anyone uses it."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is None:
            return  # just connected
        try:
            idle_too_long = time.monotonic() - returned > IDLE_PING_SECONDS
            if idle_too_long or select.select([dbapi_conn.fileno()], [], [], 0)[0]:
                if not engine.dialect.do_ping(dbapi_conn):
                    raise exc.DisconnectionError("the database connection is gone")
        except exc.DisconnectionError:
            raise
        except Exception as err:  # noqa: BLE001  (any failure of a ping means: use another connection)
            raise exc.DisconnectionError(f"the database connection is gone ({err})") from err


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    """Bring the schema to the newest migration (``caseworks db upgrade``)."""
    config = alembic_config(db.url)
    with db.write_engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


def pending_migrations(db: Database) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(db.url))
    with db.read_engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    heads = set(script.get_heads())
    if current == heads:
        return []
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in current]


def ensure_schema(db: Database, *, auto_migrate: bool) -> None:
    """SQLite (embedded) migrates itself; a server database must be migrated on purpose."""
    if not pending_migrations(db):
        return
    if auto_migrate:
        upgrade(db)
        return
    raise DatabaseNotMigrated(
        "the database schema is not up to date; run `caseworks db upgrade` "
        "(with the same CASEWORKS_DATABASE_URL) and start again")
