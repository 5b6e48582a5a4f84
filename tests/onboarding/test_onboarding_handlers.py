"""The onboarding service handlers on their own: watch-list screening (fuzzy names) and account opening."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from engine.bootstrap import build
from engine.bpmn.loader import read_process_dir
from engine.bpmn.scripting import ServiceCall, ServiceRegistry
from engine.clock import ManualClock
from engine.handlers import default_services
from engine.handlers.onboarding import (
    MATCH_THRESHOLD,
    NEAR_THRESHOLD,
    WATCHLIST_PATH,
    WatchList,
    account_number,
    iban_check_digits,
    iban_is_valid,
    name_tokens,
    register,
    similarity,
)
from engine.services import cases, scheduler
from engine.services.parties import Customer
from engine.settings import Settings
from tests.onboarding.desk import individual
from tests.processcheck import ONBOARDING_DIR

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def call(operation: str, reference: str | None = "ONB-2026-000001", **params: Any) -> ServiceCall:
    return ServiceCall(operation, params, {}, {"reference": reference} if reference else {}, NOW)


def run(registry: ServiceRegistry, operation: str, **params: Any) -> tuple[dict[str, Any], ServiceCall]:
    handler = registry.get(operation)
    assert handler is not None
    service_call = call(operation, **params)
    return handler(service_call), service_call


@pytest.fixture(scope="module")
def services() -> ServiceRegistry:
    return default_services()


@pytest.fixture(scope="module")
def watchlist() -> WatchList:
    return WatchList(WATCHLIST_PATH)


def test_the_shipped_watch_list_is_fictional_reference_data_of_both_lists(watchlist: WatchList) -> None:
    entries = watchlist.entries()
    assert 20 <= len(entries) <= 40
    assert {e.list for e in entries} == {"sanctions", "pep"}
    assert len({e.entry_id for e in entries}) == len(entries)
    assert all(len(e.country) == 2 and e.country.isupper() for e in entries)
    assert "fictional" in json.loads(WATCHLIST_PATH.read_text())["description"]


@pytest.mark.parametrize(("name", "listed"), [
    ("Viktor Krumov", "Viktor Krumov"),  # exact
    ("VIKTOR KRUMOV", "Viktor Krumov"),  # case
    ("Renee Ostergard", "Renée Østergård"),  # accents, and a letter decomposition leaves alone
    ("Elzbieta Wroblewska-Harn", "Elżbieta Wróblewska Harn"),  # accents and punctuation
    ("Krumov, Viktor", "Viktor Krumov"),  # reordered
    ("Harn Wroblewska Elzbieta", "Elżbieta Wróblewska Harn"),  # reordered, three words
    ("Viktor Krumow", "Viktor Krumov"),  # misspelled
    ("Grigor Velichko", "Grigor Velitchko"),  # transliterated differently
    ("Oksana Drawetska", "Oksana Dravetska"),
    ("Viktor Ivanovich Krumov", "Viktor Krumov"),  # a middle name the list does not have
    ("Tobias Harrow", "Tobias Wendelin Harrow"),  # the list has a middle name the applicant left out
    ("Northwind Maritime Holdings Ltd", "Northwind Maritime Holdings"),  # a legal form
    ("Dr. Bastian Oltrogge", "Bastian Oltrogge"),  # a title
])
def test_the_same_name_written_differently_is_a_hit(watchlist: WatchList, name: str, listed: str) -> None:
    assert similarity(name, listed) >= MATCH_THRESHOLD
    match = watchlist.best_match(name)
    assert match is not None and match.score >= MATCH_THRESHOLD
    assert listed in match.party.names()


@pytest.mark.parametrize("name", [
    "Ann Example", "Maria Jansen", "Emma Schmidt", "Jan de Vries", "Example Bakery", "Peter Novak", "Ivan Petrov",
    "Bastian Schweinsteiger", "Northwind Bakery", "Sofia Rossi",
])
def test_clearly_different_names_are_no_hit(watchlist: WatchList, name: str) -> None:
    match = watchlist.best_match(name)
    assert match is not None and match.score < NEAR_THRESHOLD, (name, match)


def test_a_shared_first_name_alone_comes_near_but_is_no_hit() -> None:
    score = similarity("Viktor Hugo", "Viktor Krumov")
    assert NEAR_THRESHOLD <= score < MATCH_THRESHOLD


def test_names_are_compared_without_case_accents_punctuation_or_noise_words() -> None:
    assert name_tokens("  Dr. RENÉE  Østergård-Smith, Jr ") == ["renee", "ostergard", "smith"]
    assert name_tokens("Straße GmbH") == ["strasse"]
    assert name_tokens("Łukasz Żółć") == ["lukasz", "zolc"]
    assert name_tokens("Ltd.") == [] and similarity("Ltd.", "Viktor Krumov") == 0.0


def test_screening_a_hit_returns_the_entry_and_records_an_event(services: ServiceRegistry) -> None:
    result, service_call = run(services, "screening.check", name="Krumov, Victor")
    assert (result["hit"], result["match"], result["list"], result["entry_id"], result["country"]) == (
        True, "Viktor Krumov", "sanctions", "WL-001", "BG")
    assert result["matched_name"] in ("Viktor Krumov", "Viktor Krumoff", "Victor Kroumov")
    assert result["threshold"] == MATCH_THRESHOLD and result["list_version"] == "2026-10-30"
    [(kind, payload)] = service_call.emitted
    assert kind == "screening_completed"
    assert (payload["hit"], payload["name"], payload["list"], payload["score"]) == (
        True, "Krumov, Victor", "sanctions", result["score"])


def test_screening_a_pep(services: ServiceRegistry) -> None:
    result, _ = run(services, "screening.check", name="Aurelia van Tongeren")
    assert (result["hit"], result["list"], result["match"]) == (True, "pep", "Aurelia Vantongeren")


def test_screening_a_clear_name_reports_no_entry(services: ServiceRegistry) -> None:
    result, service_call = run(services, "screening.check", name="Ann Example")
    assert result["hit"] is False and 0 < result["score"] < NEAR_THRESHOLD
    assert (result["match"], result["list"], result["entry_id"]) == (None, None, None)
    assert service_call.emitted[0][1]["hit"] is False


def test_screening_a_near_name_reports_the_entry_without_a_hit(services: ServiceRegistry) -> None:
    result, _ = run(services, "screening.check", name="Viktor Hugo")
    assert (result["hit"], result["match"]) == (False, "Viktor Krumov")


@pytest.mark.parametrize("name", [None, "", "  ", "Ltd", 42])
def test_screening_needs_a_name(services: ServiceRegistry, name: Any) -> None:
    with pytest.raises(ValueError, match="needs the name"):
        run(services, "screening.check", name=name)


def write_list(path: Path, *entries: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"version": "test", "entries": list(entries)}), encoding="utf-8")
    return path


def test_another_watch_list_can_be_plugged_in_and_is_reread_when_it_changes(tmp_path: Path) -> None:
    registry = ServiceRegistry()
    path = write_list(tmp_path / "list.json",
                      {"id": "T-1", "name": "Ann Example", "aliases": [], "list": "pep", "country": "NL"})
    register(registry, watchlist=path)
    assert run(registry, "screening.check", name="Anne Example")[0]["hit"] is True

    write_list(path, {"id": "T-2", "name": "Someone Else Entirely", "list": "sanctions", "country": "FR"})
    result, _ = run(registry, "screening.check", name="Anne Example")
    assert (result["hit"], result["score"] < NEAR_THRESHOLD) == (False, True)


def test_a_missing_or_empty_watch_list_fails_the_screening_instead_of_passing_it(tmp_path: Path) -> None:
    missing, empty = ServiceRegistry(), ServiceRegistry()
    register(missing, watchlist=tmp_path / "nowhere.json")
    register(empty, watchlist=write_list(tmp_path / "empty.json"))
    with pytest.raises(FileNotFoundError):
        run(missing, "screening.check", name="Ann Example")
    with pytest.raises(ValueError, match="no entries"):
        run(empty, "screening.check", name="Ann Example")


def test_the_account_number_is_a_valid_iban_like_number_stable_per_case(services: ServiceRegistry) -> None:
    account, service_call = run(services, "accounts.open", product="savings", holder="Ann Example", currency="EUR")
    number = account["account_number"]
    assert number == account_number("ONB-2026-000001") and iban_is_valid(number)
    assert number.startswith("XC") and number[4:8] == "CWKS" and len(number) == 18
    assert (account["product"], account["holder"], account["currency"]) == ("savings", "Ann Example", "EUR")
    assert account["opened_at"] == NOW.isoformat()
    assert service_call.emitted == [("account_opened", {"account_number": number, "product": "savings",
                                                        "currency": "EUR"})]
    again, _ = run(services, "accounts.open", product="savings", holder="Ann Example")
    assert again["account_number"] == number
    assert account_number("ONB-2026-000002") != number


def test_iban_check_digits_follow_iso_13616() -> None:
    assert iban_check_digits("GB", "WEST12345698765432") == "82"  # the standard's own example
    assert iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_is_valid("GB83 WEST 1234 5698 7654 32")
    number = account_number("ONB-2026-000042")
    assert not iban_is_valid(number[:-1] + str((int(number[-1]) + 1) % 10))  # one wrong digit is caught
    assert all(iban_is_valid(account_number(f"ONB-2026-{n:06d}")) for n in range(1, 200))


@pytest.mark.parametrize(("reference", "params", "message"), [
    (None, {"product": "savings"}, "reference"),
    ("ONB-2026-000001", {}, "product"),
])
def test_opening_an_account_needs_a_case_and_a_product(services: ServiceRegistry, reference: str | None,
                                                       params: dict[str, Any], message: str) -> None:
    handler = services.get("accounts.open")
    assert handler is not None
    with pytest.raises(ValueError, match=message):
        handler(call("accounts.open", reference, **params))


def test_a_case_whose_screening_fails_waits_as_an_incident_and_is_retried(tmp_path: Path) -> None:
    """A watch list that cannot be read must stop the application (never let it pass unscreened) and the
    background retry must pick it up once the list is back."""
    clock = ManualClock()
    registry = default_services()
    register(registry, watchlist=tmp_path / "list.json")
    ctx = build(Settings(home=tmp_path / "home"), clock=clock, services=registry,
                definitions=[read_process_dir(ONBOARDING_DIR)])
    try:
        view, _ = cases.open_case(ctx, cases.OpenCase("onboarding", Customer("Ann Example"), "web", individual()),
                                  "web")
        case = cases.get_case(ctx, view["reference"])
        assert case["status"] == "incident" and "screening.check" in case["incident"]
        assert "account_number" not in case["data"]

        write_list(tmp_path / "list.json", {"id": "T-1", "name": "Someone Else", "list": "pep", "country": "NL"})
        clock.advance(seconds=5)
        scheduler.tick(ctx)

        case = cases.get_case(ctx, view["reference"])
        assert (case["status"], case["outcome"], case["incident"]) == ("closed", "onboarded", None)
    finally:
        ctx.db.dispose()
