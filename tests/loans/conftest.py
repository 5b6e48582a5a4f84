"""Loan scenarios run on the root fixtures (``backend``: SQLite and PostgreSQL, ``ctx``, ``clock``, ``api``);
only the process definitions differ: the real loan process."""
from __future__ import annotations

from typing import Any

import pytest

from engine.bpmn.loader import read_process_dir
from tests.loans.loans import LoanDesk
from tests.processcheck import LOAN_DIR


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(LOAN_DIR)]


@pytest.fixture
def desk(api: Any, ctx: Any, clock: Any) -> LoanDesk:
    return LoanDesk(api, ctx, clock)
