"""The demo shows every path of the record to a newcomer: real documents behind the checklists (read by real
capture), an inbox letter to route, and a customer pair that needs a duplicate decision."""
from __future__ import annotations

from typing import Any

import pytest

from engine.context import Context
from engine.services import auth, cases, documents, work
from tests.processcheck import combined_demo


@pytest.fixture(scope="module")
def combined() -> tuple[Context, dict[str, Any]]:
    return combined_demo()


def test_checklist_ticks_have_real_documents_behind_them(combined: tuple[Context, dict[str, Any]]) -> None:
    ctx, demo = combined
    assert demo["documents"] >= 30
    checked = 0
    for reference in demo["cases"]:
        view = cases.get_case(ctx, reference)
        captured = [d for d in documents.case_documents(ctx, reference) if d["status"] == "indexed"]
        for row in view["checklist"]["items"]:
            of_type = [d for d in captured if d["doc_type"] == row["doc_type"] and d["confident"]]
            assert len(of_type) == row["received"], (reference, row)  # one document per tick, no more
            checked += row["received"]
        assert not [f for f in view["flags"] if f["status"] == "open"], reference  # consistent with the case
    assert checked == demo["documents"]
    kinds = {d["doc_type"] for r in demo["cases"] for d in documents.case_documents(ctx, r)}
    assert {"payslip", "id_document", "claim_form", "bank_statement"} <= kinds


def test_an_inbox_letter_waits_for_the_intake_team(combined: tuple[Context, dict[str, Any]]) -> None:
    ctx, demo = combined
    intake = auth.principal_for(ctx, "intake")
    items = work.list_work_items(ctx, work.WorkFilter(queue="document_intake"), intake)
    assert [(i["kind"], i["document_id"]) for i in items] == [("route_document", demo["inbox_document"])]


def test_a_customer_pair_waits_for_a_duplicate_decision(combined: tuple[Context, dict[str, Any]]) -> None:
    ctx, demo = combined
    intake = auth.principal_for(ctx, "intake")
    [item] = work.list_work_items(ctx, work.WorkFilter(queue="customer_records"), intake)
    assert item["kind"] == "duplicate_party" and item["case_reference"] == demo["duplicate_case"]
    detail = work.get_work_item(ctx, item["id"], intake)
    first = cases.get_case(ctx, demo["by_type"]["claim"][0])["customer"]["name"]
    assert first in detail["form"]["description"] and "Alex Morgan" in detail["form"]["description"]
