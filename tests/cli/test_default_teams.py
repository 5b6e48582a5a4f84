"""`caseworks db upgrade` leaves an installation where someone works document intake and duplicate customers."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select

from engine.db import connect
from engine.models import Team
from engine.settings import Settings
from tests.cli.test_cli import run


def test_db_upgrade_creates_the_document_intake_team(tmp_path: Path) -> None:
    env = {**os.environ, "CASEWORKS_HOME": str(tmp_path / "home")}
    run(env, "db", "upgrade")
    run(env, "db", "upgrade")  # again: nothing doubles
    db = connect(Settings(home=Path(env["CASEWORKS_HOME"])))
    try:
        with db.read_sessions() as session:
            teams = {t.name: t.queues for t in session.scalars(select(Team))}
    finally:
        db.dispose()
    assert teams == {"Document intake": ["customer_records", "document_intake"]}
