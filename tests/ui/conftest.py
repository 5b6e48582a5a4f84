"""UI fixtures: the real claim process, people with passwords and teams (as the demo sets them up), and a
browser-like client that signs in and sends the CSRF token with every form."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from engine.bpmn.loader import read_process_dir
from engine.context import Context
from engine.services import auth, cases
from engine.services.parties import Customer
from tests.processcheck import CLAIM_DIR

PASSWORD = "correct horse battery"
# username -> (role, team); the teams' queues as in the demo
PEOPLE = {
    "agent": ("backoffice", "Claims triage"),
    "manager": ("backoffice", "Claims managers"),
    "desk": ("frontoffice", None),
    "designer": ("designer", None),
    "admin": ("admin", None),
}
TEAM_QUEUES = {"Claims triage": ["claims_triage"], "Claims managers": ["claims_managers"]}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(CLAIM_DIR)]


@pytest.fixture
def people(ctx: Context) -> dict[str, str]:
    """The users above with one password; returns username -> role."""
    for team, queues in TEAM_QUEUES.items():
        auth.set_team_queues(ctx, team, queues)
    for username, (role, team) in PEOPLE.items():
        auth.ensure_user(ctx, username, [role], password=PASSWORD, team=team)
    return {name: role for name, (role, _team) in PEOPLE.items()}


def claim_data(amount: float = 12500, incident_type: str = "motor", documents: bool = True) -> dict[str, Any]:
    required = {"motor": "repair_estimate", "property": "invoice", "travel": "receipt", "health": "medical_invoice"}
    return {"policy_number": "POL-4711037", "incident_date": "2026-10-30", "incident_type": incident_type,
            "description": "Rear-ended at a traffic light; bumper damaged.", "claimed_amount": amount,
            "currency": "EUR", "documents_provided": ["claim_form", required[incident_type]] if documents else []}


def open_claim(ctx: Context, name: str = "Jonas Keller", phone: str = "+31 6 5555 0101", **data: Any) -> str:
    """Open a claim through the service layer (as the API would); returns its reference."""
    email = name.split()[0].lower() + "@example.com"
    cmd = cases.OpenCase("claim", Customer(name=name, email=email, phone=phone), "phone", claim_data(**data))
    view, _created = cases.open_case(ctx, cmd, "upstream")
    return str(view["reference"])


@dataclass
class UiClient:
    """The Flask test client as a browser: cookies kept, the page's CSRF token sent with every form."""

    client: Any

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.csrf(page)})

    def csrf(self, page: Any = None) -> str:
        page = page if page is not None else self.client.get("/login")
        found = CSRF_INPUT.search(page.get_data(as_text=True))
        if found:
            return found.group(1)
        with self.client.session_transaction() as session:
            return str(session["csrf_token"])

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        data = dict(data or {})
        if csrf:
            with self.client.session_transaction() as session:
                data.setdefault("csrf_token", session.get("csrf_token", ""))
        return self.client.post(url, data=data, **kw)


@pytest.fixture
def ui(app: Any, people: dict[str, str]) -> UiClient:
    return UiClient(app.test_client())


@pytest.fixture
def browser_ui(app: Any, people: dict[str, str]) -> Any:
    """A second, independent browser (another person at another desk)."""
    return lambda: UiClient(app.test_client())
