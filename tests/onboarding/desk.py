"""A driver for onboarding scenarios over the REST API: apply, work the queues, send documents, let time pass."""
from __future__ import annotations

from typing import Any

from engine.clock import ManualClock
from engine.context import Context
from engine.services import auth, scheduler
from engine.settings import PROJECT_ROOT

ONBOARDING_DIR = PROJECT_ROOT / "processes" / "onboarding"
BOTH_DOCUMENTS = ["id_document", "proof_of_address"]


def individual(**overrides: Any) -> dict[str, Any]:
    """A private customer from a low-risk country opening a current account, documents attached."""
    return {"customer_type": "individual", "full_name": "Ann Example", "country": "NL", "product": "current_account",
            "date_of_birth": "1990-04-12", "documents_provided": list(BOTH_DOCUMENTS), **overrides}


def business(**overrides: Any) -> dict[str, Any]:
    """A German company opening a business account, documents attached."""
    return {"customer_type": "business", "full_name": "Example Bakery", "country": "DE",
            "product": "business_account", "company_number": "HRB12345",
            "documents_provided": [*BOTH_DOCUMENTS, "company_registration"], **overrides}


class OnboardingDesk:
    """What the people around an application do, as HTTP calls; each named person has their own token."""

    def __init__(self, api: Any, ctx: Context, clock: ManualClock) -> None:
        self.api = api
        self.ctx = ctx
        self.clock = clock
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = auth.create_token(self.ctx, username, "backoffice")
        return self.tokens[username]

    def apply(self, data: dict[str, Any], customer: str = "Ann Example") -> str:
        response = self.try_apply(data, customer)
        assert response.status_code == 201, response.json
        return str(response.json["reference"])

    def try_apply(self, data: dict[str, Any], customer: str = "Ann Example") -> Any:
        body = {"case_type": "onboarding", "channel": "web", "data": data,
                "customer": {"name": customer, "email": f"{customer.split()[0].lower()}@example.com"}}
        return self.api.post("/api/v1/cases", role="integration", json=body)

    def case(self, reference: str) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/cases/{reference}", role="frontoffice")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def tasks(self, reference: str) -> list[tuple[str, str]]:
        return [(t["name"], t["queue"]) for t in self.case(reference)["open_tasks"]]

    def queue(self, queue: str) -> list[dict[str, Any]]:
        return list(self.api.get(f"/api/v1/work-items?queue={queue}", role="backoffice").json["items"])

    def item(self, reference: str, name: str) -> int:
        items = self.api.get(f"/api/v1/work-items?case={reference}", role="backoffice").json["items"]
        found = [i["id"] for i in items if i["name"] == name]
        assert found, f"{reference} has no open task {name}: {[i['name'] for i in items]}"
        return int(found[0])

    def claim(self, reference: str, name: str, username: str) -> Any:
        return self.api.post(f"/api/v1/work-items/{self.item(reference, name)}/claim", role=self.token(username))

    def try_complete(self, reference: str, name: str, username: str, **form: Any) -> Any:
        """Claim (if possible) and complete; returns the completion response, whatever its status."""
        item = self.item(reference, name)
        claimed = self.api.post(f"/api/v1/work-items/{item}/claim", role=self.token(username))
        if claimed.status_code != 200:
            return claimed
        return self.api.post(f"/api/v1/work-items/{item}/complete", role=self.token(username), json={"data": form})

    def complete(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        response = self.try_complete(reference, name, username, **form)
        assert response.status_code == 200, response.json
        return dict(response.json)

    def send_documents(self, reference: str, *documents: str) -> Any:
        data = {"documents": list(documents)} if documents else {}
        return self.api.post(f"/api/v1/cases/{reference}/messages/documents_received", role="integration",
                             json={"data": data})

    def wait(self, **delta: float) -> int:
        """Let time pass and run the scheduler as the background worker would; returns instances woken."""
        self.clock.advance(**delta)
        fired, _jobs = scheduler.tick(self.ctx)
        return fired

    def timeline(self, reference: str) -> list[dict[str, Any]]:
        """Oldest first."""
        response = self.api.get(f"/api/v1/cases/{reference}/timeline", role="frontoffice")
        return list(reversed(response.json["items"]))

    def kinds(self, reference: str) -> list[str]:
        return [e["kind"] for e in self.timeline(reference)]

    def events(self, reference: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.timeline(reference) if e["kind"] == kind]

    def notices(self, reference: str) -> list[str]:
        """The texts sent to the customer, oldest first."""
        return [p["text"] for p in self.events(reference, "customer_notified")]
