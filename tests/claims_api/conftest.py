"""The claim scenarios over the REST API: the root fixtures (backend, ctx, clock, api) with the real claim process."""
from __future__ import annotations

import pytest

from engine.bpmn.loader import read_process_dir
from engine.clock import ManualClock
from engine.context import Context
from tests.claims_api.driver import ClaimsOverHttp
from tests.conftest import Api
from tests.processcheck import CLAIM_DIR


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(CLAIM_DIR)]


@pytest.fixture
def desk(api: Api, ctx: Context, clock: ManualClock) -> ClaimsOverHttp:
    """The claim driver over HTTP (a new fixture: the root fixtures are used as they are)."""
    return ClaimsOverHttp(api, ctx, clock)
