"""Fixtures for the claim scenarios: an engine on SQLite with the real claim process and a manual clock."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.clock import ManualClock
from engine.context import Context
from engine.settings import Settings
from tests.processcheck import CLAIM_DIR
from tests.scenarios.claims import ClaimDesk


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ctx(tmp_path: Path, clock: ManualClock) -> Iterator[Context]:
    context = build(Settings(home=tmp_path / "home"), clock=clock, definitions=[read_process_dir(CLAIM_DIR)])
    yield context
    context.db.dispose()


@pytest.fixture
def desk(ctx: Context, clock: ManualClock) -> ClaimDesk:
    return ClaimDesk(ctx, clock)
