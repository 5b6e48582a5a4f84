"""The onboarding process on the root fixtures (SQLite and PostgreSQL): only the process definitions differ."""
from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.loader import read_process_dir
from engine.clock import ManualClock
from engine.context import Context
from tests.onboarding.desk import OnboardingDesk
from tests.processcheck import ONBOARDING_DIR


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(ONBOARDING_DIR)]


@pytest.fixture
def desk(api: Any, ctx: Context, clock: ManualClock) -> OnboardingDesk:
    return OnboardingDesk(api, ctx, clock)
