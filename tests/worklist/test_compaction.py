"""A closed case keeps a compacted process state: the case, its page and its whole timeline still read the same,
a late message is refused as before, and the instance row shrinks (on SQLite and PostgreSQL)."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import Case, Event, ProcessInstance
from engine.services import worklist
from engine.services.instances import COMPACTED_STATE


def _close_a_case(api) -> str:
    ref = api.post("/api/v1/cases", json={"case_type": "basic", "customer": {"name": "Ann Lee"}, "channel": "web",
                                          "data": {"amount": 50}}).json["reference"]
    item_id = api.get(f"/api/v1/work-items?case={ref}").json["items"][0]["id"]
    api.post(f"/api/v1/work-items/{item_id}/claim")
    api.post(f"/api/v1/work-items/{item_id}/complete", json={"data": {"decision": "approve"}})
    assert api.post(f"/api/v1/cases/{ref}/messages/documents_received", json={"data": {}}).status_code == 202
    return ref


def test_a_closed_case_keeps_its_record_and_timeline_but_not_its_task_tree(api, ctx) -> None:
    open_ref = api.post("/api/v1/cases", json={"case_type": "basic", "customer": {"name": "Bo Li"},
                                               "channel": "web", "data": {"amount": 5}}).json["reference"]
    ref = _close_a_case(api)
    with ctx.read() as session:
        states = dict(session.execute(select(Case.reference, ProcessInstance.state)
                                      .join(ProcessInstance, ProcessInstance.case_id == Case.id)).all())
        kinds = list(session.scalars(select(Event.kind).join(Case, Case.id == Event.case_id)
                                     .where(Case.reference == ref).order_by(Event.id)))
    assert states[ref] == COMPACTED_STATE
    assert len(states[open_ref]) > 10 * len(COMPACTED_STATE)  # the running one keeps its whole state
    assert kinds[0] == "case_opened" and kinds[-1] == "case_closed"
    assert {"work_item_claimed", "work_item_completed", "message_received", "payment_scheduled"} <= set(kinds)
    case = api.get(f"/api/v1/cases/{ref}").json
    assert (case["status"], case["outcome"], case["data"]["amount"]) == ("closed", "paid", 50)
    diagram = worklist.case_diagram(ctx, ref)
    assert diagram["completed"] and diagram["current"] == [] and diagram["done"]
    late = api.post(f"/api/v1/cases/{ref}/messages/documents_received", json={"data": {}})
    assert late.status_code == 409 and late.json["error"]["code"] == "no_waiting_message"
    assert "closed" in late.json["error"]["message"]
