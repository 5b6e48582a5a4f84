"""A small driver for claim scenarios over HTTP: what the desk, the assessors and document capture do, as API calls.

Every action is a REST call through the ``api`` fixture; time moves only with the manual clock followed by one
scheduler tick (what the background worker does), never with sleeps.
"""
from __future__ import annotations

from typing import Any

from tests.processcheck import RestDesk


class ClaimsOverHttp(RestDesk):
    """Opens claims, works their tasks as named back-office users and lets time pass."""

    case_type = "claim"

    def claims(self) -> list[str]:
        response = self.api.get(f"{self.CASES}?case_type=claim")
        assert response.status_code == 200, response.json
        return [c["reference"] for c in response.json["items"]]

    def tasks(self, reference: str) -> list[Any]:
        """The case's open work items as (name, queue, assignee), sorted."""
        return sorted((i["name"], i["queue"], i["assignee"]) for i in self.work_items(case=reference))

    def work(self, reference: str, name: str, username: str, **form: Any) -> dict[str, Any]:
        """Claim the task, then complete it with ``form``; both must succeed."""
        claimed = self.claim(reference, name, username)
        assert claimed.status_code == 200, claimed.json
        assert (claimed.json["state"], claimed.json["assignee"]) == ("claimed", username)
        done = self.submit(reference, name, username, **form)
        assert done.status_code == 200, done.json
        assert (done.json["state"], done.json["assignee"]) == ("completed", username)
        return dict(done.json)
