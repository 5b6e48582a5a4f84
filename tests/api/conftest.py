"""Helpers for the API tests (the app, client, tokens and api fixtures live in tests/conftest.py)."""
from __future__ import annotations

from typing import Any


def new_case_body(amount: int = 100, email: str = "ann@example.com", **extra: Any) -> dict[str, Any]:
    return {"case_type": "basic", "customer": {"name": "Ann Example", "email": email, "phone": "+31 6 1234 5678"},
            "channel": "web", "data": {"amount": amount}, **extra}
