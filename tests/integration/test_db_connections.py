"""The connection pool on PostgreSQL: a server that drops its connections (restart, terminated backends) costs
nobody a failed request, and reads never write."""
from __future__ import annotations

import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from engine.context import Context
from engine.models import User
from engine.services import auth
from tests.conftest import PG_ADMIN_URL


def _terminate_backends(url: str) -> int:
    """Every connection to the database ended by the server, and gone (pg_terminate_backend only signals)."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        ended = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall()
        deadline = time.monotonic() + 10
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                           (name,)).fetchone() != (0,) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(ended)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_requests_after_the_server_dropped_every_connection_succeed(backend: str, pg_database: str, ctx: Context,
                                                                   client: Any, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    for _ in range(3):  # several pooled connections in use
        assert client.get("/api/v1/work-items", headers=headers).status_code == 200
    assert _terminate_backends(pg_database) >= 1
    # every pooled connection is now dead: the next requests (reads and a write) are answered all the same
    assert client.get("/api/v1/work-items", headers=headers).status_code == 200
    assert client.post("/api/v1/cases", headers=headers, json={"case_type": "nope", "data": {}}).status_code == 422
    auth.ensure_user(ctx, "after-restart", ["frontoffice"])
    with ctx.read() as session:
        assert session.scalar(select(User.username).where(User.username == "after-restart")) == "after-restart"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_read_session_refuses_to_write(backend: str, ctx: Context) -> None:
    with pytest.raises(RuntimeError, match="never writes"):
        with ctx.read() as session:
            session.add(User(username="sneaky", display_name="x", roles=["admin"], created_at=ctx.clock.now(),
                             session_generation=0))
            session.flush()
    with ctx.read() as session:
        assert session.scalar(select(User.id).where(User.username == "sneaky")) is None
        assert session.execute(text("SELECT 1")).scalar_one() == 1
