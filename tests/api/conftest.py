"""API fixtures: the Flask app on a test context and one token per role."""
from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.context import Context
from engine.models import ROLES
from engine.services import auth
from webapp import create_app


@pytest.fixture
def app(ctx: Context) -> Flask:
    return create_app(context=ctx)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def tokens(ctx: Context) -> dict[str, str]:
    return {role: auth.create_token(ctx, f"{role}-user", role) for role in ROLES}


class Api:
    """A tiny client that sends a role's token with every call."""

    def __init__(self, client: FlaskClient, tokens: dict[str, str]) -> None:
        self.client = client
        self.tokens = tokens

    def call(self, method: str, url: str, role: str = "integration", **kwargs: Any) -> Any:
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.tokens[role]}"}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, role: str = "integration", **kw: Any) -> Any:
        return self.call("GET", url, role, **kw)

    def post(self, url: str, role: str = "integration", **kw: Any) -> Any:
        return self.call("POST", url, role, **kw)


@pytest.fixture
def api(client: FlaskClient, tokens: dict[str, str]) -> Api:
    return Api(client, tokens)


def new_case_body(amount: int = 100, email: str = "ann@example.com", **extra: Any) -> dict[str, Any]:
    return {"case_type": "basic", "customer": {"name": "Ann Example", "email": email, "phone": "+31 6 1234 5678"},
            "channel": "web", "data": {"amount": amount}, **extra}
