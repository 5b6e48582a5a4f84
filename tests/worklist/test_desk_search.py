"""The desk's one search box at volume: an exact identifier is the answer; a name finds the customers who carry
it before cases that merely mention it; full-text search ranks within a bounded pool of the newest matches."""
from __future__ import annotations

import pytest

from engine.bpmn.loader import read_process_dir
from engine.services import cases, notes, repair
from engine.services.auth import Principal
from engine.services.parties import Customer
from tests.processcheck import CLAIM_DIR
from tests.ui.conftest import claim_data

DESK = Principal(1, "desk", ("frontoffice",))


@pytest.fixture
def definitions() -> list:
    return [read_process_dir(CLAIM_DIR)]


def _open(ctx, name: str, phone: str, description: str = "Bumper damaged at a traffic light.") -> str:
    data = {**claim_data(), "description": description}
    view, _ = cases.open_case(ctx, cases.OpenCase("claim", Customer(name=name, phone=phone), "phone", data), "desk")
    return view["reference"]


def test_a_name_finds_its_carriers_first_and_mentions_after(ctx) -> None:
    _open(ctx, "Lea Fischer", "+31 6 1000 0001", "Witness: our neighbour Noor Jansen saw the collision.")
    _open(ctx, "Emma Jansen", "+31 6 1000 0002")
    _open(ctx, "Noah Jansen", "+31 6 1000 0003")
    found = notes.find_customers(ctx, DESK, "jansen")
    assert [c["name"] for c in found] == ["Noah Jansen", "Emma Jansen", "Lea Fischer"]  # carriers newest first
    assert [c["matched_by"] for c in found] == ["name", "name", "search"]
    assert [c["name"] for c in notes.find_customers(ctx, DESK, "Emma Jans")] == ["Emma Jansen"]


def test_an_exact_identifier_is_the_answer(ctx) -> None:
    _open(ctx, "Emma Jansen", "+31 6 1000 0002")
    _open(ctx, "Lea Fischer", "+31 6 1000 0001", "Call back on +31 6 1000 0002 (her daughter).")
    found = notes.find_customers(ctx, DESK, "+31 6 1000 0002")
    assert [(c["name"], c["matched_by"]) for c in found] == [("Emma Jansen", "phone")]


def test_a_common_name_fills_the_page_from_names_alone(ctx) -> None:
    for n in range(30):
        _open(ctx, f"Customer{n} Jansen", f"+31 6 2000 {n:04d}")
    found = notes.find_customers(ctx, DESK, "Jansen", limit=20)
    assert len(found) == 20 and {c["matched_by"] for c in found} == {"name"}
    assert found[0]["name"] == "Customer29 Jansen"  # the newest first


def test_a_policy_number_in_any_common_spelling_finds_the_customers_on_that_policy(ctx) -> None:
    """Policy numbers live in case data (what the customer declared): the search reads them from the indexed
    cases.policy_number, written whenever the case data is, so other spellings and later corrections count."""
    ref = _open(ctx, "Emma Jansen", "+31 6 1000 0002")
    data = {**claim_data(), "policy_number": "POL-4711038"}
    cases.open_case(ctx, cases.OpenCase("claim", Customer(name="Lea Fischer", phone="+31 6 1000 0001"), "phone",
                                        data), "desk")
    for spelling in ("POL-4711037", "pol4711037", "POL 4711037"):
        found = notes.find_customers(ctx, DESK, spelling)
        assert [(c["name"], c["matched_by"]) for c in found] == [("Emma Jansen", "policy number")], spelling
    assert [c["name"] for c in notes.find_customers(ctx, DESK, "POL-4711038")] == ["Lea Fischer"]
    repair.correct_data(ctx, ref, {"policy_number": "POL-4711039"}, "typo on the phone", "supervisor")
    assert [c["name"] for c in notes.find_customers(ctx, DESK, "POL-4711039")] == ["Emma Jansen"]
    assert notes.find_customers(ctx, DESK, "POL-4711037") == []
