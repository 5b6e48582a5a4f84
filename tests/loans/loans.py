"""A small driver for loan scenarios over the REST API: apply, work, message and wait, as the systems and
people around a loan application do."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.clock import ManualClock
from engine.context import Context
from engine.services import auth, scheduler

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOAN_DIR = PROJECT_ROOT / "processes" / "loan"
ALL_DOCUMENTS = {"employed": ["id_document", "payslip", "payslip", "bank_statement"],
                 "self_employed": ["id_document", "tax_return", "bank_statement"]}


def application(amount: float = 12000, term_months: int = 48, *, employment_type: str = "employed",
                documents: list[str] | None = None, **overrides: Any) -> dict[str, Any]:
    """Start data of a loan application; all required documents unless ``documents`` says otherwise."""
    data: dict[str, Any] = {"amount": amount, "term_months": term_months, "purpose": "other",
                            "monthly_income": 3000, "monthly_debts": 100, "employment_type": employment_type,
                            "documents_provided": ALL_DOCUMENTS[employment_type] if documents is None else documents}
    return {**data, **overrides}


def annuity(amount: float, annual_rate: float, months: int) -> float:
    """The textbook annuity payment, rounded half-up to cents: an independent check of the BPMN script."""
    r = annual_rate / 1200
    payment = amount * r * (1 + r) ** months / ((1 + r) ** months - 1)
    return int(payment * 100 + 0.5) / 100


class LoanDesk:
    """What the people and systems around a loan application do, as REST calls (each asserts success)."""

    def __init__(self, api: Any, ctx: Context, clock: ManualClock) -> None:
        self.api = api
        self.ctx = ctx
        self.clock = clock
        self.tokens: dict[str, str] = {}

    def person(self, username: str) -> str:
        """An API token of a back-office user of that name (created once)."""
        if username not in self.tokens:
            self.tokens[username] = auth.create_token(self.ctx, username, "backoffice")
        return self.tokens[username]

    def apply(self, data: dict[str, Any], customer: str = "Ann Example") -> dict[str, Any]:
        response = self.api.post("/api/v1/cases", json={
            "case_type": "loan", "channel": "web", "data": data,
            "customer": {"name": customer, "email": f"{customer.split()[0].lower()}@example.com"}})
        assert response.status_code == 201, response.json
        return dict(response.json)

    def case(self, reference: str) -> dict[str, Any]:
        response = self.api.get(f"/api/v1/cases/{reference}", role="frontoffice")
        assert response.status_code == 200, response.json
        return dict(response.json)

    def tasks(self, reference: str) -> list[tuple[str, str]]:
        return [(t["name"], t["queue"]) for t in self.case(reference)["open_tasks"]]

    def item(self, reference: str, name: str) -> int:
        ids = [t["id"] for t in self.case(reference)["open_tasks"] if t["name"] == name]
        assert ids, f"{reference} has no open task {name}: {self.tasks(reference)}"
        return int(ids[0])

    def claim(self, reference: str, name: str, username: str) -> Any:
        return self.api.post(f"/api/v1/work-items/{self.item(reference, name)}/claim", role=self.person(username))

    def submit(self, reference: str, name: str, username: str, **form: Any) -> Any:
        """Complete an (already claimed or unclaimed) task; returns the raw response."""
        return self.api.post(f"/api/v1/work-items/{self.item(reference, name)}/complete",
                             role=self.person(username), json={"data": form})

    def complete(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        """Claim and complete a task as a person does on the worklist."""
        claimed = self.claim(reference, name, username)
        assert claimed.status_code == 200, claimed.json
        done = self.submit(reference, name, username, **form)
        assert done.status_code == 200, done.json
        return dict(done.json)

    def message(self, reference: str, name: str, data: dict[str, Any] | None = None) -> Any:
        return self.api.post(f"/api/v1/cases/{reference}/messages/{name}", json={"data": data or {}})

    def wait(self, **delta: float) -> int:
        """Let time pass and run the scheduler as the background worker would; returns instances woken."""
        self.clock.advance(**delta)
        fired, _jobs = scheduler.tick(self.ctx)
        return fired

    def timeline(self, reference: str) -> list[dict[str, Any]]:
        """Oldest first."""
        response = self.api.get(f"/api/v1/cases/{reference}/timeline", role="frontoffice")
        assert response.status_code == 200, response.json
        return list(reversed(response.json["items"]))

    def kinds(self, reference: str) -> list[str]:
        return [e["kind"] for e in self.timeline(reference) if e["kind"] != "step_completed"]

    def events(self, reference: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.timeline(reference) if e["kind"] == kind]

    def queue(self, queue: str) -> list[str]:
        """References of the cases with open work in a queue."""
        response = self.api.get(f"/api/v1/work-items?queue={queue}", role="backoffice")
        assert response.status_code == 200, response.json
        return [i["case_reference"] for i in response.json["items"]]
