"""Configuration and schema: homes are independent installations; migrations match the models."""
from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from engine.bootstrap import build
from engine.db import connect, upgrade
from engine.errors import DatabaseNotMigrated
from engine.models import Base
from engine.services import cases
from engine.services.parties import Customer
from engine.settings import Settings
from tests.conftest import PG_ADMIN_URL


def test_settings_from_environment():
    s = Settings.from_env({"CASEWORKS_HOME": "/srv/cw", "CASEWORKS_DATABASE_URL": "postgresql+psycopg://x/y",
                           "CASEWORKS_WORKER": "off", "CASEWORKS_SCHEDULER_INTERVAL": "0.5"})
    assert s.home == Path("/srv/cw") and s.effective_database_url == "postgresql+psycopg://x/y"
    assert not s.worker_enabled and s.scheduler_interval == 0.5 and not s.is_sqlite
    default = Settings.from_env({})
    assert default.home == Path("var") and default.is_sqlite
    assert default.effective_database_url.endswith("var/caseworks.db")
    assert default.blob_dir == Path("var/blobs")


def test_two_homes_are_two_installations(tmp_path, clock, definitions):
    first = build(Settings(home=tmp_path / "a"), clock=clock, definitions=definitions)
    second = build(Settings(home=tmp_path / "b"), clock=clock, definitions=definitions)
    view, _ = cases.open_case(first, cases.OpenCase("basic", Customer("Ann"), "web", {"amount": 1}), "test")
    assert (tmp_path / "a" / "caseworks.db").exists() and (tmp_path / "b" / "caseworks.db").exists()
    assert cases.list_cases(second, cases.CaseFilter())["items"] == []
    assert [c["reference"] for c in cases.list_cases(first, cases.CaseFilter())["items"]] == [view["reference"]]
    first.db.dispose()
    second.db.dispose()


def _modelled(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    if type_ in ("column", "index") and name in ("txid", "ix_events_txid"):
        return False  # PostgreSQL only: the event relay's transaction id (engine/services/outbox.py)
    return not (type_ == "table" and name.startswith("search_entries"))  # full-text index: engine/search.py


def _schema_diff(url: str) -> list:
    db = connect(Settings(database_url=url))
    try:
        with db.write_engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": _modelled})
            return compare_metadata(context, Base.metadata)
    finally:
        db.dispose()


def test_sqlite_migrations_match_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    db = connect(Settings(home=tmp_path, database_url=url))
    upgrade(db)
    db.dispose()
    assert _schema_diff(url) == []


@pytest.mark.postgres
def test_postgres_migrations_match_models(pg_database):
    assert _schema_diff(pg_database) == []


@pytest.mark.postgres
def test_postgres_is_never_migrated_implicitly(pg_database, tmp_path):
    name = "caseworks_unmigrated_probe"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = pg_database.rsplit("/", 1)[0] + f"/{name}"
        with pytest.raises(DatabaseNotMigrated, match="caseworks db upgrade"):
            build(Settings(home=tmp_path, database_url=url))
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
