"""Shared fixtures: a manual clock, engine contexts on SQLite and on the real PostgreSQL, API clients."""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.clock import ManualClock
from engine.context import Context
from engine.db import connect, upgrade
from engine.models import ROLES
from engine.services import auth
from engine.settings import Settings
from webapp import create_app

ROOT = Path(__file__).resolve().parent.parent
TEST_PROCESSES = ROOT / "tests" / "processes"
PG_ADMIN_URL = os.environ.get("CASEWORKS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def migrated_pg_database(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database with every migration applied (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        db = connect(Settings(database_url=url))
        upgrade(db)
        db.dispose()
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def require_pg() -> None:
    """Skip when PostgreSQL is not reachable; with CI=true that is a failure: the PostgreSQL tests must run."""
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} and CI=true: the PostgreSQL tests must run")
        pytest.skip("PostgreSQL is not reachable (set CI=true to make this a failure)")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards. Required when CI=true."""
    require_pg()
    with migrated_pg_database("caseworks_test") as url:
        yield url


def _truncate_all(url: str) -> None:
    db = connect(Settings(database_url=url))
    with db.write_engine.begin() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'")]
        conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(TEST_PROCESSES / "basic")]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database with every migration applied, made once per test process: each test gets a
    copy (a file copy takes milliseconds; running the migrations took about half a second per test)."""
    home = tmp_path_factory.mktemp("sqlite-template")
    db = connect(Settings(home=home))
    upgrade(db)
    db.dispose()
    template = home / "caseworks.db"
    assert not Path(f"{template}-wal").exists() or Path(f"{template}-wal").stat().st_size == 0
    return template


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    if backend == "postgres":
        url = request.getfixturevalue("pg_database")
        _truncate_all(url)
        return Settings(home=tmp_path / "home", database_url=url)
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(request.getfixturevalue("sqlite_template"), home / "caseworks.db")
    return Settings(home=home)


@pytest.fixture
def ctx(settings: Settings, clock: ManualClock, definitions: list) -> Iterator[Context]:
    context = build(settings, clock=clock, definitions=definitions)
    yield context
    context.db.dispose()


@pytest.fixture
def app(ctx: Context) -> Any:
    app = create_app(context=ctx)
    app.config["CASEWORKS_VALIDATE_RESPONSES"] = True  # every answer is checked against its schema (500 if not)
    return app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def tokens(ctx: Context) -> dict[str, str]:
    """One API token per role, for users named '<role>-user'."""
    return {role: auth.create_token(ctx, f"{role}-user", role) for role in ROLES}


class Api:
    """A tiny REST client over the Flask test client that sends a role's token with every call."""

    def __init__(self, client: Any, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, method: str, url: str, role: str = "integration", **kwargs: Any) -> Any:
        token = self.tokens[role] if role in self.tokens else role
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token}"}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, role: str = "integration", **kw: Any) -> Any:
        return self.call("GET", url, role, **kw)

    def post(self, url: str, role: str = "integration", **kw: Any) -> Any:
        return self.call("POST", url, role, **kw)


@pytest.fixture
def api(client: Any, tokens: dict[str, str]) -> Api:
    return Api(client, tokens)
