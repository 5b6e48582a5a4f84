"""Scripts run with restricted globals; escapes are refused; data is never evaluated."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from engine.bpmn.scripting import UnsafeScript, check_script
from engine.errors import ProcessError

PROCESSES = Path(__file__).resolve().parents[1] / "processes"

ITEMS = [{"amount": 10, "label": "b"}, {"amount": 32.5, "label": "a"}]
CODE = "__import__('os').system('touch /tmp/pwned')"

UNSAFE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D_unsafe"
                  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="unsafe" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run" name="Run designer script">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_default">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f_cond</bpmn:outgoing><bpmn:outgoing>f_default</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f_cond" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end">
      <bpmn:incoming>f_cond</bpmn:incoming><bpmn:incoming>f_default</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run"/>
    <bpmn:sequenceFlow id="f2" sourceRef="run" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_default" sourceRef="gw" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def unsafe_process(folder: Path, script: str = "x = 1", condition: str = "False") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "process.json").write_text(json.dumps({"case_type": "unsafe", "process_id": "unsafe"}))
    (folder / "unsafe.bpmn").write_text(UNSAFE_BPMN.format(script=escape(script), condition=escape(condition)))
    return folder


@pytest.fixture
def no_shell(monkeypatch):
    """Record any attempt to reach the shell instead of running it."""
    attempts: list[str] = []
    monkeypatch.setattr(os, "system", lambda command: attempts.append(command) or 0)
    return attempts


def test_allowed_helpers_work(new_case, clock):
    snap = new_case("scripts").start(customer_name="Ann", incident_date="2026-10-01", items=ITEMS)
    assert snap.incident is None
    data = snap.data
    assert (data["received_on"], data["reply_by"]) == ("2026-11-02", "2026-11-16")
    assert data["days_since_incident"] == 32 and data["whole_days"] == 28
    assert (data["total"], data["vat"], data["largest"]) == (42.5, "8.925", 32.5)
    assert data["labels"] == ["a", "b"]
    assert data["opened_at"] == clock.now().isoformat()
    assert (data["created_in"], data["started"]) == (2026, "2026-01-01T00:00:00")
    assert snap.status_text == "We are writing to you about Ann; please reply by 16 November 2026."


def test_pre_and_post_scripts_of_a_user_task_run(new_case):
    case = new_case("scripts")
    case.start(customer_name="Ann", incident_date="2026-10-01", items=ITEMS)
    snap = case.complete("write_note", note="Your claim is approved.")
    assert snap.data["greeting"] == "Dear Ann" and snap.data["note_length"] == 23
    assert snap.data["letter"] == "Dear Ann, Your claim is approved."
    assert snap.completed and snap.outcome == "sent"


def test_values_that_look_like_code_are_stored_as_text_never_evaluated(new_case, no_shell):
    case = new_case("scripts")
    snap = case.start(customer_name=CODE, incident_date="2026-10-01", items=ITEMS)
    assert snap.data["customer_name"] == CODE
    assert snap.status_text == f"We are writing to you about {CODE}; please reply by 16 November 2026."

    note = "{customer_name} ().__class__.__bases__ " + CODE
    snap = case.complete("write_note", note=note)
    assert snap.data["note"] == note and snap.data["note_length"] == len(note)
    assert snap.data["letter"] == f"Dear {CODE}, {note}"
    assert snap.status_text == f"We sent you this note: {note}"  # substituted once, placeholders kept
    assert no_shell == []


@pytest.mark.parametrize("script, reason", [
    ("x = __import__('os')", "the name '__import__' is not allowed"),
    ("x = ().__class__.__bases__", "access to '__bases__' is not allowed"),
    ("import os", "imports are not allowed"),
    ("from os import system", "imports are not allowed"),
    ("x = open('/etc/passwd').read()", "name 'open' is not defined"),
    ("x = getattr(1, 'real')", "name 'getattr' is not defined"),
    ("x = eval('1 + 1')", "name 'eval' is not defined"),
    ("x = __builtins__", "the name '__builtins__' is not allowed"),
])
def test_unsafe_scripts_are_refused_as_incidents(new_case, tmp_path, no_shell, script, reason):
    case = new_case(unsafe_process(tmp_path / "unsafe", script=script))
    snap = case.start(amount=1)
    assert snap.incident is not None and reason in snap.incident
    assert "Run designer script" in snap.incident
    assert not snap.incident_retryable and not snap.completed and "x" not in snap.data

    snap = case.wake()  # a retry runs the refused script again and refuses it again
    assert reason in snap.incident and not snap.completed
    assert no_shell == []


def test_unsafe_conditions_are_refused(new_case, tmp_path):
    case = new_case(unsafe_process(tmp_path / "cond", condition="().__class__ is tuple"))
    snap = case.start()
    assert "access to '__class__' is not allowed" in snap.incident and not snap.completed


def test_a_safe_variant_of_the_same_process_completes(new_case, tmp_path):
    snap = new_case(unsafe_process(tmp_path / "safe", script="x = amount + 1", condition="x > 1")).start(amount=1)
    assert snap.incident is None and snap.completed and snap.data["x"] == 2


@pytest.mark.parametrize("source", [
    "__import__('os')", "().__class__", "x._private", "import os", "from os import path",
    "[c for c in ().__class__.__base__.__subclasses__()]", "def f(:",
])
def test_check_script_refuses(source):
    with pytest.raises(UnsafeScript):
        check_script(source)


@pytest.mark.parametrize("source", ["x = 1", "y = today_iso()", "total = sum(i['a'] for i in items)",
                                    "ok = amount > 1000 and claim_type == 'theft'"])
def test_check_script_allows(source):
    assert check_script(source) is None


def scripts_variant(tmp_path: Path, old: str, new: str) -> Path:
    folder = Path(shutil.copytree(PROCESSES / "scripts", tmp_path / "scripts"))
    bpmn = folder / "scripts.bpmn"
    text = bpmn.read_text()
    assert text.count(old) == 1
    bpmn.write_text(text.replace(old, new))
    return folder


def test_a_failing_post_script_is_a_process_error_and_the_task_stays_open(new_case, tmp_path):
    case = new_case(scripts_variant(tmp_path, "note_length = len(note)", "note_length = len(nothing)"))
    case.start(customer_name="Ann", incident_date="2026-10-01", items=ITEMS)
    task_id = case.task("write_note").task_id
    with pytest.raises(ProcessError) as failed:
        case.complete("write_note", note="hello")
    assert "Write note" in failed.value.message and "nothing" in failed.value.message
    assert [t.task_id for t in case.inspect().open_tasks] == [task_id]


def test_a_failing_pre_script_is_an_incident_and_wake_retries_it(new_case, tmp_path, clock):
    """The only outside change a script sees is the clock: this pre-script fails on 2 November only."""
    script = 'greeting = "Dear " + customer_name if today().day != 2 else customer_name + 1'
    case = new_case(scripts_variant(tmp_path, 'greeting = "Dear " + customer_name', escape(script)))
    snap = case.start(customer_name="Ann", incident_date="2026-10-01", items=ITEMS)
    assert snap.open_tasks == [] and "Write note" in snap.incident and not snap.incident_retryable
    assert case.wake().incident is not None and case.snapshot.open_tasks == []

    clock.advance(days=1)
    snap = case.wake()
    assert snap.incident is None and case.open_names() == ["write_note"]
    snap = case.complete("write_note", note="Hello")
    assert snap.completed and snap.data["letter"] == "Dear Ann, Hello"
