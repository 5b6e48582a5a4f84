"""A small driver for loan scenarios over the REST API: apply, work, message and wait, as the systems and
people around a loan application do."""
from __future__ import annotations

from typing import Any

from tests.processcheck import RestDesk

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


class LoanDesk(RestDesk):
    """What the people and systems around a loan application do, as REST calls (each asserts success)."""

    case_type = "loan"
    apply = RestDesk.open_view  # the new application as the API shows it

    def kinds(self, reference: str) -> list[str]:
        """Timeline event kinds, oldest first, without the completed steps."""
        return [kind for kind in super().kinds(reference) if kind != "step_completed"]

    def queue(self, queue: str) -> list[str]:
        """References of the cases with open work in a queue."""
        return [i["case_reference"] for i in self.work_items("backoffice", queue=queue)]
