"""A small driver for claim scenarios: open, work, message and wait, through the engine's service layer."""
from __future__ import annotations

from typing import Any

from engine.clock import ManualClock
from engine.context import Context
from engine.services import auth, cases, work
from engine.services.auth import Principal
from engine.services.parties import Customer
from tests.processcheck import Desk

REQUIRED = {"motor": "repair_estimate", "property": "invoice", "travel": "receipt", "health": "medical_invoice"}


def claim_data(incident_type: str = "motor", amount: float = 800, *, complete: bool = True,
               **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "policy_number": "POL-1234567", "incident_date": "2026-10-28", "incident_type": incident_type,
        "description": "Damage reported by the customer", "claimed_amount": amount, "currency": "EUR",
    }
    if complete:
        data["documents_provided"] = ["claim_form", REQUIRED[incident_type]]
    return {**data, **overrides}


class ClaimDesk(Desk):
    """What the people around a claim do, as calls to the engine services."""

    def __init__(self, ctx: Context, clock: ManualClock) -> None:
        super().__init__(ctx, clock)
        self.people: dict[str, Principal] = {}

    def person(self, username: str) -> Principal:
        if username not in self.people:
            auth.ensure_user(self.ctx, username, ["backoffice"])
            self.people[username] = auth.principal_for(self.ctx, username)
        return self.people[username]

    def open(self, data: dict[str, Any], customer: str = "Ann Example") -> str:
        view, created = cases.open_case(self.ctx, cases.OpenCase(
            "claim", Customer(customer, email=f"{customer.split()[0].lower()}@example.com"), "web", data), "web")
        assert created
        return str(view["reference"])

    def case(self, reference: str) -> dict[str, Any]:
        return cases.get_case(self.ctx, reference)

    def item(self, reference: str, name: str) -> int:
        ids = [t["id"] for t in self.case(reference)["open_tasks"] if t["name"] == name]
        assert ids, f"{reference} has no open task {name}: {self.tasks(reference)}"
        return int(ids[0])

    def claim(self, reference: str, name: str, username: str) -> dict[str, Any]:
        return work.claim(self.ctx, self.item(reference, name), self.person(username))

    def complete(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        item = self.item(reference, name)
        who = self.person(username)
        work.claim(self.ctx, item, who)
        return work.complete(self.ctx, item, form, who)

    def send_documents(self, reference: str, *documents: str) -> dict[str, Any]:
        payload = {"documents": list(documents)} if documents else {}
        return cases.send_message(self.ctx, reference, "documents_received", payload, "capture")

    def kinds(self, reference: str) -> list[str]:
        """Timeline event kinds, oldest first."""
        return [e["kind"] for e in reversed(cases.timeline(self.ctx, reference)) if e["type"] == "event"]

    def events(self, reference: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in reversed(cases.timeline(self.ctx, reference)) if e["kind"] == kind]

    def work_items(self, **filters: Any) -> list[dict[str, Any]]:
        return work.list_work_items(self.ctx, work.WorkFilter(**filters))
