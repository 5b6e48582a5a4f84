"""The wording and the small read models behind the everyday screens: messages as sentences, what a waiting case
waits for, the timeline's order and folding, one phone format, pickers instead of codes, the worklist's key
facts, who works a queue and what they hold, and the case page's change marker (SQLite and PostgreSQL)."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from engine.services import auth, changes, members, notes, work
from tests.ui.conftest import PASSWORD, UiClient, open_claim
from webapp.ui import fmt, forms, rows


def test_a_message_is_one_sentence_with_one_full_stop() -> None:
    refused = "the file is not a supported document. Please send a PDF, or a photo or scan as JPEG, PNG, TIFF or HEIC."
    text = fmt.said(f"The document was not accepted: {refused}", "Choose another file")
    assert text == ("The document was not accepted: the file is not a supported document. Please send a PDF, or a "
                    "photo or scan as JPEG, PNG, TIFF or HEIC. Choose another file.")
    assert ".." not in text and fmt.sentence("sign in first") == "Sign in first."
    assert fmt.sentence("Really?") == "Really?" and fmt.sentence("") == ""


def test_waiting_for_says_what_is_awaited() -> None:
    missing = ["id_document", "payslip", "payslip", "proof_of_address"]
    assert fmt.waiting_text(["documents_received"], missing, "documents_received") == \
        "Waiting for the customer’s documents: ID document, 2 payslips, proof of address."
    assert fmt.waiting_text(["documents_received"], [], "documents_received") == \
        "Waiting for the customer’s documents."
    assert fmt.waiting_text(["payment_confirmed"], missing, "documents_received") == \
        "Waiting for the message “payment confirmed”."
    assert fmt.waiting_text([], missing, "documents_received") == ""
    assert fmt.counted("proof_of_address", 2) == "2 proofs of address"
    assert fmt.counted("tax_return", 3) == "3 tax returns"


def _entry(eid: int, kind: str, actor: str, at: str = "2026-11-02T09:00:00+00:00", **payload: Any) -> dict[str, Any]:
    return {"type": "event", "id": eid, "kind": kind, "actor": actor, "at": at, "payload": payload}


def test_the_timeline_puts_people_above_the_steps_they_set_going_and_folds_the_steps() -> None:
    later = "2026-11-03T10:00:00+00:00"
    entries = [  # newest first, as the engine returns them: the steps were written after the decision
        _entry(9, "case_closed", "system", later, outcome="paid"),
        _entry(8, "step_completed", "system", later, name="Pay claim", type="ServiceTask"),
        _entry(7, "step_completed", "agent", later, name="Route", type="ExclusiveGateway"),  # routing: hidden
        _entry(6, "step_completed", "agent", later, name="Assess claim", type="UserTask"),  # old attribution
        _entry(5, "work_item_completed", "agent", later, title="Assess claim", data={"decision": "approve"}),
        _entry(2, "step_completed", "system", name="Triage claim"),
        _entry(1, "case_opened", "upstream", channel="api"),
    ]
    groups = fmt.timeline_groups(entries)
    shape = [("folded" if g["folded"] else g["entries"][0]["kind"], [e["id"] for e in g["entries"]]) for g in groups]
    assert shape == [("work_item_completed", [5]), ("case_closed", [9]), ("folded", [8, 6]),
                     ("case_opened", [1]), ("folded", [2])]
    assert fmt.timeline_detail(entries[4]) == "Assess claim: approve"
    assert fmt.actor_label(entries[3]) == "System" and fmt.actor_label(entries[4]) == "agent"
    assert fmt.folded_summary(groups[2]["entries"]) == "Pay claim, Assess claim"


def test_every_phone_number_in_one_format_and_no_two_phone_labels() -> None:
    assert fmt.phone("+31 6 5555 0101") == fmt.phone("+31655550101") == "+31 6 55550101"
    assert fmt.phone("0612345678") == "0612345678"  # no country code: shown as given, never guessed
    customer = {"email": "sofia@example.com", "phone": "+39 347 123 4567",
                "identifiers": [("email", "sofia@example.com"), ("phone", "+393471234567"),
                                ("phone", "+390612345678"), ("policy_number", "POL-4711037")]}
    assert fmt.identifier_rows(customer) == [("Other phone", "+39 06 1234 5678"), ("Policy number", "POL-4711037")]


CLAIM_START = {
    "type": "object", "required": ["currency"],
    "properties": {
        "incident_date": {"type": "string", "format": "date", "description": "The day it happened (YYYY-MM-DD)."},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "ui:widget": "currency",
                     "description": "An ISO 4217 code.", "ui:help": "The currency of the amount claimed."},
        "country": {"type": "string", "pattern": "^[A-Z]{2}$", "ui:widget": "country"},
        "documents_provided": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "payslips": {"type": "array", "items": {"type": "string"}, "ui:widget": "document_types"},
    },
}


def test_codes_are_picked_by_their_names_and_come_back_as_codes(app: Any) -> None:
    with app.app_context():
        shown = {f.name: f for f in forms.fields(CLAIM_START)}
        currency, country = shown["currency"], shown["country"]
        assert currency.control == "select" and "Euro (EUR)" in currency.labels
        assert currency.options[currency.labels.index("Euro (EUR)")] == "EUR"
        assert "DEM" not in currency.options  # no longer legal tender anywhere
        assert currency.help == "The currency of the amount claimed."
        assert country.options[country.labels.index("Netherlands (NL)")] == "NL" and len(country.options) == 249
        docs = shown["documents_provided"]
        assert docs.control == "checkboxes" and ("id_document", "ID document") in zip(docs.options, docs.labels, strict=True)
        assert shown["payslips"].control == "counts"  # the same type may come twice: how many of each
        assert shown["incident_date"].help == "The day it happened."
        data = forms.parse(CLAIM_START, MultiDict([("currency", "EUR"), ("country", "NL"),
                                                   ("documents_provided", "claim_form"),
                                                   ("documents_provided", "invoice"), ("payslips.payslip", "2"),
                                                   ("payslips.id_document", "1"), ("payslips.tax_return", "x")]))
        assert data == {"currency": "EUR", "country": "NL", "documents_provided": ["claim_form", "invoice"],
                        "payslips": ["id_document", "payslip", "payslip"]}


def test_the_summary_format_takes_plain_field_names_only() -> None:
    data = {"incident_type": "home_improvement", "claimed_amount": 12500.0, "currency": "EUR"}
    assert rows.summary("{incident_type} · {claimed_amount:,.0f} {currency}", data) == "Home improvement · 12,500 EUR"
    assert rows.summary("{currency.__class__}", data) == ""  # no attribute access from a format string
    assert rows.summary("{missing} · {currency}", data) == ""
    assert rows.summary("{incident_type:,.0f}", data) == ""  # a wrong format leaves the facts out
    assert rows.first_sentence("Check the claim. Then decide.") == "Check the claim."


def test_queue_members_say_what_each_holds(ctx: Any, people: dict[str, str]) -> None:
    auth.ensure_user(ctx, "agent2", ["backoffice"], password=PASSWORD, team="Claims triage")
    agent = auth.principal_for(ctx, "agent")
    for name in ("Jonas Keller", "Lea Fischer"):
        reference = open_claim(ctx, name=name, phone=None)
        [item] = [i for i in work.list_work_items(ctx, work.WorkFilter(case_reference=reference))]
        work.claim(ctx, item["id"], agent)
    found = {m["username"]: (m["held_here"], m["held_total"]) for m in members.queue_members(ctx, "claims_triage")}
    assert found == {"agent": (2, 2), "agent2": (0, 0)}
    assert members.queue_members(ctx, "claims_managers")[0]["username"] == "manager"
    assert members.queue_members(ctx, "nobody_works_this") == []


def test_the_change_marker_moves_with_every_change_and_costs_one_small_answer(ui: UiClient, ctx: Any) -> None:
    reference = open_claim(ctx)
    ui.login("agent")
    before = ui.get(f"/cases/{reference}/version")
    assert before.status_code == 200 and before.json == {"version": changes.case_version(ctx, reference)}
    assert ui.get(f"/cases/{reference}/version").json == before.json  # nothing happened: same marker
    notes.add_note(ctx, auth.principal_for(ctx, "agent"), reference, "Called the garage.")
    assert ui.get(f"/cases/{reference}/version").json["version"] > before.json["version"]
    assert ui.get("/cases/CLM-1999-000000/version").status_code == 404
