"""A driver for onboarding scenarios over the REST API: apply, work the queues, send documents, let time pass."""
from __future__ import annotations

from typing import Any

from tests.processcheck import RestDesk

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


class OnboardingDesk(RestDesk):
    """What the people around an application do, as HTTP calls; each named person has their own token."""

    case_type = "onboarding"
    apply = RestDesk.open  # the new application's reference
    try_apply = RestDesk.open_response

    def queue(self, queue: str) -> list[dict[str, Any]]:
        return self.work_items("backoffice", queue=queue)

    def notices(self, reference: str) -> list[str]:
        """The texts sent to the customer, oldest first."""
        return [p["text"] for p in self.events(reference, "customer_notified")]
