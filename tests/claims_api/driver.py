"""A small driver for claim scenarios over HTTP: what the desk, the assessors and document capture do, as API calls.

Every action is a REST call through the ``api`` fixture; time moves only with the manual clock followed by one
scheduler tick (what the background worker does), never with sleeps.
"""
from __future__ import annotations

from typing import Any

from engine.clock import ManualClock
from engine.context import Context
from engine.services import auth, scheduler
from tests.conftest import Api

CASES = "/api/v1/cases"
WORK_ITEMS = "/api/v1/work-items"


class ClaimsOverHttp:
    """Opens claims, works their tasks as named back-office users and lets time pass."""

    def __init__(self, api: Api, ctx: Context, clock: ManualClock) -> None:
        self.api = api
        self.ctx = ctx
        self.clock = clock
        self._tokens: dict[str, str] = {}

    # -- people --------------------------------------------------------------------------------------
    def token(self, username: str) -> str:
        """A back-office API token for ``username`` (the user is created on first use)."""
        if username not in self._tokens:
            self._tokens[username] = auth.create_token(self.ctx, username, "backoffice")
        return self._tokens[username]

    # -- cases ---------------------------------------------------------------------------------------
    def open_response(self, data: dict[str, Any], customer: str = "Ann Example", role: str = "integration") -> Any:
        first_name = (customer.split() or ["anonymous"])[0].lower()
        body = {"case_type": "claim", "channel": "web", "data": data,
                "customer": {"name": customer, "email": f"{first_name}@example.com"}}
        return self.api.post(CASES, role=role, json=body)

    def open(self, data: dict[str, Any], **kw: Any) -> str:
        response = self.open_response(data, **kw)
        assert response.status_code == 201, response.json
        return str(response.json["reference"])

    def case(self, reference: str) -> dict[str, Any]:
        response = self.api.get(f"{CASES}/{reference}", role="frontoffice")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def claims(self) -> list[str]:
        response = self.api.get(f"{CASES}?case_type=claim")
        assert response.status_code == 200, response.json
        return [c["reference"] for c in response.json["items"]]

    def timeline(self, reference: str) -> list[dict[str, Any]]:
        """Timeline entries, oldest first."""
        response = self.api.get(f"{CASES}/{reference}/timeline", role="frontoffice")
        assert response.status_code == 200, response.json
        return list(reversed(response.json["items"]))

    def kinds(self, reference: str) -> list[str]:
        return [e["kind"] for e in self.timeline(reference)]

    def events(self, reference: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.timeline(reference) if e["kind"] == kind]

    def send_documents(self, reference: str, *documents: str, role: str = "integration") -> Any:
        """Document capture tells the case that documents arrived (no list: everything that was asked for)."""
        body = {"data": {"documents": list(documents)}} if documents else {}
        return self.api.post(f"{CASES}/{reference}/messages/documents_received", role=role, json=body)

    # -- work ----------------------------------------------------------------------------------------
    def work_items(self, **query: str) -> list[dict[str, Any]]:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        response = self.api.get(f"{WORK_ITEMS}?{params}")
        assert response.status_code == 200, response.json
        return list(response.json["items"])

    def tasks(self, reference: str) -> list[tuple[str, str, str | None]]:
        """The case's open work items as (name, queue, assignee), sorted."""
        return sorted((i["name"], i["queue"], i["assignee"]) for i in self.work_items(case=reference))

    def item(self, reference: str, name: str) -> int:
        ids = [i["id"] for i in self.work_items(case=reference) if i["name"] == name]
        assert len(ids) == 1, f"{reference}: expected one open '{name}', have {self.tasks(reference)}"
        return int(ids[0])

    def claim(self, reference: str, name: str, username: str) -> Any:
        return self.api.post(f"{WORK_ITEMS}/{self.item(reference, name)}/claim", role=self.token(username))

    def complete(self, reference: str, name: str, username: str, **form: Any) -> Any:
        return self.api.post(f"{WORK_ITEMS}/{self.item(reference, name)}/complete", role=self.token(username),
                             json={"data": form})

    def work(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        """Claim the task, then complete it with ``form``; both must succeed."""
        claimed = self.claim(reference, name, username)
        assert claimed.status_code == 200, claimed.json
        assert (claimed.json["state"], claimed.json["assignee"]) == ("claimed", username)
        done = self.complete(reference, name, username, **form)
        assert done.status_code == 200, done.json
        assert (done.json["state"], done.json["assignee"]) == ("completed", username)
        return dict(done.json)

    # -- time ----------------------------------------------------------------------------------------
    def wait(self, **delta: float) -> int:
        """Let time pass, then one scheduler pass as the background worker runs it; returns cases woken."""
        self.clock.advance(**delta)
        fired, _jobs = scheduler.tick(self.ctx)
        return fired
