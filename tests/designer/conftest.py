"""Fixtures for the designer tests: an app whose processes folder is empty (everything arrives by deployment)."""
from __future__ import annotations

import io
from typing import Any

import pytest

from engine.bootstrap import build
from engine.bpmn.package import build_package
from engine.services import auth
from tests.conftest import Api
from webapp import create_app


@pytest.fixture
def definitions() -> list:
    return []


@pytest.fixture
def designer_api(ctx) -> Api:  # type: ignore[no-untyped-def]
    tokens = {role: auth.create_token(ctx, f"{role}-user", role)
              for role in ("admin", "designer", "backoffice", "integration")}
    return Api(create_app(context=ctx).test_client(), tokens)


def upload(api: Api, files: dict[str, bytes] | bytes, role: str = "designer", name: str = "process.zip") -> Any:
    raw = files if isinstance(files, bytes) else build_package(files)
    return api.post("/api/v1/process-versions", role, data={"file": (io.BytesIO(raw), name)},
                    content_type="multipart/form-data")


def open_case(api: Api, case_type: str = "twostep", role: str = "integration", **data: Any) -> Any:
    return api.post("/api/v1/cases", role, json={"case_type": case_type, "customer": {"name": "Ann Example"},
                                                 "channel": "api", "data": data})


def work(api: Api, reference: str, name: str, **form: Any) -> Any:
    case = api.get(f"/api/v1/cases/{reference}").json
    item = next(t for t in case["open_tasks"] if t["name"] == name)
    assert api.post(f"/api/v1/work-items/{item['id']}/claim").status_code == 200
    return api.post(f"/api/v1/work-items/{item['id']}/complete", json={"data": form})


@pytest.fixture
def second_ctx(settings, clock):  # type: ignore[no-untyped-def]
    """Another process on the same database (as a second web or worker process would be)."""
    context = build(settings, clock=clock, definitions=[])
    yield context
    context.db.dispose()
