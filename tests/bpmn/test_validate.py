"""``validate_paths``: every broken copy reports the right file and line; the test processes are clean."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from engine.bpmn.scripting import ServiceRegistry
from engine.bpmn.validate import Problem, validate_paths
from engine.handlers import default_services

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
TEST_PROCESSES = sorted(p.parent.name for p in PROCESSES.glob("*/process.json"))


def copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(PROCESSES / name, tmp_path / name))


def edit(path: Path, old: str, new: str) -> int:
    """Replace text once in a file; return the (1-based) line where the new text starts."""
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new))
    return text[: text.index(old)].count("\n") + 1


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_problem_prints_as_file_line_message():
    problem = Problem("processes/claim/claim.bpmn", 12, "user task 'assess' is in no lane")
    assert str(problem) == "processes/claim/claim.bpmn:12: user task 'assess' is in no lane"
    with pytest.raises(AttributeError):
        problem.line = 3  # frozen


@pytest.mark.parametrize("name", TEST_PROCESSES)
def test_every_test_process_is_clean(name):
    assert validate_paths([PROCESSES / name]) == []


def test_a_directory_of_process_folders_is_validated_folder_by_folder(tmp_path):
    assert len(TEST_PROCESSES) >= 9
    assert validate_paths([PROCESSES]) == []
    copy(tmp_path, "decision")
    broken = copy(tmp_path, "parallel")
    (broken / "forms" / "check_fraud.schema.json").unlink()
    problem = only(validate_paths([tmp_path]))
    assert problem.file == str(broken / "parallel.bpmn")


def test_a_single_file_validates_itself_and_what_it_references(tmp_path):
    folder = copy(tmp_path, "decision")
    (folder / "forms" / "assess.schema.json").unlink()
    problem = only(validate_paths([folder / "decision.bpmn"]))  # its form is missing
    assert problem.message == "user task 'assess' has no form schema 'forms/assess.schema.json'"
    assert problem.file == str(folder / "decision.bpmn")
    assert problem.line == line_of(folder / "decision.bpmn", '<bpmn:userTask id="assess"')
    assert validate_paths([folder / "route.dmn"]) == []  # the decision table itself is clean


def test_a_clean_file_beside_broken_ones_is_clean(tmp_path):
    folder = copy(tmp_path, "decision")
    (folder / "other.bpmn").write_text("<not-bpmn")
    (folder / "junk.dmn").write_text("<definitions")
    assert validate_paths([folder / "route.dmn"]) == []
    assert validate_paths([folder / "decision.bpmn"]) == []
    assert len(validate_paths([folder])) == 2


def test_a_referenced_file_is_checked_with_the_file(tmp_path):
    folder = copy(tmp_path, "decision")
    line = edit(folder / "route.dmn", '<text>"theft"</text>', '<text>"theft</text>')
    problem = only(validate_paths([folder / "decision.bpmn"]))
    assert (problem.file, problem.line) == (str(folder / "route.dmn"), line)
    assert "'\"theft'" in problem.message and "rule R_theft" in problem.message


def test_paths_that_hold_no_process(tmp_path):
    missing = only(validate_paths([tmp_path / "nope"]))
    assert (missing.file, missing.line, missing.message) == (str(tmp_path / "nope"), 0, "no such file or directory")
    assert "no process folder" in only(validate_paths([tmp_path])).message


def test_xml_that_is_not_well_formed(tmp_path):
    folder = copy(tmp_path, "decision")
    line = edit(folder / "decision.bpmn", '<bpmn:lane id="Lane_handlers" name="Claims handlers">',
                '<bpmn:lane id="Lane_handlers" name="Claims <handlers>">')
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "decision.bpmn"), line)
    assert problem.message.startswith("not well-formed XML")


def test_xml_that_breaks_the_bpmn_schema(tmp_path):
    folder = copy(tmp_path, "parallel")
    line = edit(folder / "parallel.bpmn", '<bpmn:userTask id="check_fraud" name="Check for fraud">',
                '<bpmn:userTask id="check_fraud" name="Check for fraud" colour="red">')
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "parallel.bpmn"), line)
    assert "colour" in problem.message and "bpmn:userTask" in problem.message


def test_a_broken_decision_table(tmp_path):
    folder = copy(tmp_path, "decision")
    line = edit(folder / "route.dmn", '<text>"fast"</text>', '<text>"fast</text>')
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "route.dmn"), line)
    assert "Malformed Output Expression" in problem.message


def test_a_decision_table_that_is_not_xml(tmp_path):
    folder = copy(tmp_path, "decision")
    (folder / "route.dmn").write_bytes(b"\x00\xff not xml")
    problems = validate_paths([folder])
    assert any(p.file == str(folder / "route.dmn") and "not well-formed" in p.message for p in problems)
    assert any("calls decision 'route_claim'" in p.message for p in problems)


@pytest.mark.parametrize("content, line, message", [
    (None, 0, "missing process manifest process.json"),
    ('{"case_type": "decision",\n "process_id": decision}', 2, "invalid JSON"),
    ('["decision"]', 1, "the manifest must be a JSON object"),
    ('{"case_type": "decision",\n "name": "x",\n "process_id": "claims"}', 3,
     "process_id 'claims' is not a bpmn:process of this folder (found: decision)"),
    ('{"case_type": "decision", "process_id": "decision",\n "start_schema": "forms/begin.json"}', 2,
     "start_schema 'forms/begin.json' does not exist"),
])
def test_manifest_problems(tmp_path, content, line, message):
    folder = copy(tmp_path, "decision")
    manifest = folder / "process.json"
    manifest.unlink() if content is None else manifest.write_text(content)
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(manifest), line)
    assert message in problem.message


def test_a_user_task_outside_every_lane(tmp_path):
    folder = copy(tmp_path, "decision")
    edit(folder / "decision.bpmn", "<bpmn:flowNodeRef>assess</bpmn:flowNodeRef>", "")
    problem = only(validate_paths([folder]))
    assert problem.line == line_of(folder / "decision.bpmn", '<bpmn:userTask id="assess"')
    assert problem.message == "user task 'assess' is in no lane (its lane name is its work queue)"


def test_a_user_task_inside_a_called_process_needs_its_form_too(tmp_path):
    folder = copy(tmp_path, "callactivity")
    (folder / "forms" / "inspect.schema.json").unlink()
    problem = only(validate_paths([folder]))
    assert problem.file == str(folder / "inspection.bpmn")
    assert problem.line == line_of(folder / "inspection.bpmn", '<bpmn:userTask id="inspect"')
    assert problem.message == "user task 'inspect' has no form schema 'forms/inspect.schema.json'"


def test_a_named_form_file_must_exist(tmp_path):
    folder = copy(tmp_path, "decision")
    line = edit(folder / "decision.bpmn", '<spiffworkflow:property name="stage" value="assessment"/>',
                '<spiffworkflow:property name="formJsonSchemaFilename" value="assessment.json"/>')
    problem = only(validate_paths([folder]))
    assert problem.line == line_of(folder / "decision.bpmn", '<bpmn:userTask id="assess"') and problem.line < line
    assert problem.message == "user task 'assess' has no form schema 'forms/assessment.json'"
    (folder / "forms" / "assessment.json").write_text('{"type": "object"}')
    assert validate_paths([folder]) == []


@pytest.mark.parametrize("content, line, message", [
    ('{"type": "object",\n "properties": {"a": {"type": "strin"}}}', 1, "not a valid JSON schema"),
    ('{"type": "object",\n "properties": {,}}', 2, "invalid JSON"),
    ('[1, 2]', 1, "a schema must be a JSON object"),
])
def test_a_form_schema_that_is_not_a_schema(tmp_path, content, line, message):
    folder = copy(tmp_path, "decision")
    (folder / "forms" / "assess.schema.json").write_text(content)
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "forms" / "assess.schema.json"), line)
    assert message in problem.message


def test_a_plain_task_is_a_valid_manual_step(tmp_path):
    folder = copy(tmp_path, "scripts")
    edit(folder / "scripts.bpmn", '<bpmn:userTask id="write_note" name="Write note">',
         '<bpmn:task id="write_note" name="Write note">')
    edit(folder / "scripts.bpmn", "</bpmn:userTask>", "</bpmn:task>")
    assert validate_paths([folder]) == []  # it becomes a work item (see test_runtime_manual)


def test_service_operators_must_be_registered(tmp_path):
    folder = copy(tmp_path, "services")
    bpmn = folder / "services.bpmn"
    assert validate_paths([folder], services=default_services()) == []
    registry = ServiceRegistry()
    registry.register("payments.schedule", lambda call: None)
    problem = only(validate_paths([folder], services=registry))
    assert problem.line == line_of(bpmn, '<spiffworkflow:serviceTaskOperator id="customer.notify"')
    assert problem.message.startswith("service task 'notify' calls 'customer.notify', which is not a registered")
    assert len(validate_paths([folder], services=ServiceRegistry())) == 2


@pytest.mark.parametrize("old, new, message", [
    ("<bpmn:script>all_clear = documents_ok and not fraud_suspected</bpmn:script>",
     "<bpmn:script>all_clear = __import__('os')</bpmn:script>",
     "script of 'summarize': line 1: the name '__import__' is not allowed in scripts"),
    ("<bpmn:conditionExpression>all_clear</bpmn:conditionExpression>",
     "<bpmn:conditionExpression>().__class__.__bases__</bpmn:conditionExpression>",
     "condition of 'f_cleared': line 1: access to '__bases__' is not allowed in scripts"),
    ("<bpmn:conditionExpression>all_clear</bpmn:conditionExpression>",
     "<bpmn:conditionExpression>  </bpmn:conditionExpression>", "condition of 'f_cleared' is empty"),
    ("<bpmn:script>all_clear = documents_ok and not fraud_suspected</bpmn:script>",
     "<bpmn:script>import os</bpmn:script>", "script of 'summarize': line 1: imports are not allowed"),
    ("<bpmn:script>all_clear = documents_ok and not fraud_suspected</bpmn:script>",
     "<bpmn:script>all_clear = (</bpmn:script>", "script of 'summarize': syntax error on line 1"),
])
def test_scripts_and_conditions_must_pass_the_script_check(tmp_path, old, new, message):
    folder = copy(tmp_path, "parallel")
    line = edit(folder / "parallel.bpmn", old, new)
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "parallel.bpmn"), line)
    assert problem.message.startswith(message)


def test_pre_and_post_scripts_are_checked(tmp_path):
    folder = copy(tmp_path, "scripts")
    line = edit(folder / "scripts.bpmn", '<spiffworkflow:postScript>note_length = len(note)',
                '<spiffworkflow:postScript>from os import system')
    problem = only(validate_paths([folder]))
    assert problem.line == line
    assert problem.message == "postScript of 'write_note': line 1: imports are not allowed in scripts"


@pytest.mark.parametrize("expression, message", [
    ("P2D", 'P2D is read as a variable name; write the duration as a string: "P2D"'),
    ('"P2X"', "'P2X' is not a valid ISO 8601 timeDuration"),
    ('"2 days"', "'2 days' is not a valid ISO 8601 timeDuration"),
    ("now().__class__", "access to '__class__' is not allowed"),
])
def test_timer_expressions_are_checked(tmp_path, expression, message):
    folder = copy(tmp_path, "deadline")
    line = edit(folder / "deadline.bpmn", '<bpmn:timeDuration>"P2D"</bpmn:timeDuration>',
                f"<bpmn:timeDuration>{expression}</bpmn:timeDuration>")
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "deadline.bpmn"), line)
    assert problem.message.startswith("timer of 'reminder'") and message in problem.message


def test_a_date_timer_literal_is_checked(tmp_path):
    folder = copy(tmp_path, "timers")
    line = edit(folder / "timers.bpmn", "<bpmn:timeDate>go_live_at</bpmn:timeDate>",
                '<bpmn:timeDate>"first of december"</bpmn:timeDate>')
    problem = only(validate_paths([folder]))
    assert problem.line == line and "not a valid ISO 8601 timeDate" in problem.message
    edit(folder / "timers.bpmn", '"first of december"', '"2026-12-01T00:00:00+00:00"')
    assert validate_paths([folder]) == []


@pytest.mark.parametrize("old, new, message", [
    ('value="A claims handler is assessing your {claim_type} claim of {amount} EUR."',
     'value="A claims handler is assessing your {claim_type claim."', "statusText of 'assess': malformed placeholder"),
    ('value="P{sla_days}D"', 'value="{sla_days} days"', "dueIn of 'assess': '{sla_days} days' is not an ISO 8601"),
    ('value="P{sla_days}D"', 'value="P"', "dueIn of 'assess': 'P' is not an ISO 8601 duration"),
    ('value="P{sla_days}D"', 'value="P{ sla_days }D"', "dueIn of 'assess': malformed placeholder"),
    ('<spiffworkflow:property name="stage" value="assessment"/>',
     '<spiffworkflow:property name="priority" value="high"/>', "priority of 'assess': 'high' is not an integer"),
    ('<spiffworkflow:property name="stage" value="assessment"/>',
     '<spiffworkflow:property name="separateFrom" value="review"/>',
     "separateFrom of 'assess': 'review' is not a user task of this process"),
])
def test_property_templates_are_checked(tmp_path, old, new, message):
    folder = copy(tmp_path, "decision")
    line = edit(folder / "decision.bpmn", old, new)
    problem = only(validate_paths([folder]))
    assert (problem.file, problem.line) == (str(folder / "decision.bpmn"), line)
    assert problem.message.startswith(message)


def test_templates_with_placeholders_and_formats_are_accepted(tmp_path):
    folder = copy(tmp_path, "decision")
    edit(folder / "decision.bpmn", '<spiffworkflow:property name="stage" value="assessment"/>',
         '<spiffworkflow:property name="priority" value="{urgency}"/>')
    edit(folder / "decision.bpmn", 'value="P{sla_days}D"', 'value="PT{hours}H"')
    assert validate_paths([folder]) == []


def test_references_to_missing_processes_and_decisions(tmp_path):
    folder = copy(tmp_path, "callactivity")
    line = edit(folder / "repair.bpmn", 'calledElement="inspection"', 'calledElement="inspections"')
    problem = only(validate_paths([folder]))
    assert problem.line == line and "calls process 'inspections', which no .bpmn file" in problem.message

    folder = copy(tmp_path, "decision")
    line = edit(folder / "decision.bpmn", ">route_claim<", ">route_claims<")
    problem = only(validate_paths([folder]))
    assert problem.line == line and "calls decision 'route_claims', which no .dmn file" in problem.message


def test_a_message_variable_on_the_message_is_refused(tmp_path):
    folder = copy(tmp_path, "messages")
    line = edit(folder / "messages.bpmn", '<bpmn:message id="Msg_withdrawn" name="request_withdrawn"/>',
                '<bpmn:message id="Msg_withdrawn" name="request_withdrawn"><bpmn:extensionElements>'
                '<spiffworkflow:messageVariable>why</spiffworkflow:messageVariable>'
                '</bpmn:extensionElements></bpmn:message>')
    problem = only(validate_paths([folder]))
    assert problem.line == line and "belongs in the bpmn:messageEventDefinition" in problem.message


def test_all_problems_of_a_folder_are_reported_at_once(tmp_path):
    folder = copy(tmp_path, "decision")
    bpmn = folder / "decision.bpmn"
    edit(bpmn, "<bpmn:flowNodeRef>assess</bpmn:flowNodeRef>", "")
    edit(bpmn, 'value="P{sla_days}D"', 'value="soon"')
    edit(bpmn, '<bpmn:conditionExpression>route == "fast"', '<bpmn:conditionExpression>route.__len__()')
    (folder / "forms" / "assess.schema.json").unlink()
    (folder / "process.json").write_text(json.dumps({"case_type": "decision", "process_id": "nope"}))
    problems = validate_paths([folder])
    assert len(problems) == 5, "\n".join(map(str, problems))
    assert {Path(p.file).name for p in problems} == {"decision.bpmn", "process.json"}
    assert all(p.line > 0 for p in problems)


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00", b"<a/>", b"<?xml version='1.0'?><x:y/>",
                                     b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'])
def test_odd_files_never_crash_the_validator(tmp_path, content):
    folder = copy(tmp_path, "decision")
    (folder / "decision.bpmn").write_bytes(content)
    problems = validate_paths([folder])
    assert problems and all(isinstance(p, Problem) for p in problems)
    assert any(Path(p.file).name in ("decision.bpmn", "process.json") for p in problems)


def test_scripts_may_not_call_builtins_the_engine_withholds(tmp_path):
    folder = copy(tmp_path, "scripts")
    bpmn = folder / "scripts.bpmn"
    script = next(line for line in bpmn.read_text().splitlines() if "<bpmn:script>" in line)
    line = edit(bpmn, script, script.replace("<bpmn:script>", "<bpmn:script>print(locals())\n"))
    problem = only(validate_paths([folder]))
    assert problem.line == line
    assert "calls 'print', 'locals', which scripts cannot use" in problem.message


def test_a_data_field_named_like_a_builtin_is_not_a_problem(tmp_path):
    folder = copy(tmp_path, "scripts")
    bpmn = folder / "scripts.bpmn"
    script = next(line for line in bpmn.read_text().splitlines() if "<bpmn:script>" in line)
    edit(bpmn, script, script.replace("<bpmn:script>", "<bpmn:script>kind = type if 'type' in dir else 'x'\n"))
    assert all("cannot use" not in p.message or "'dir'" in p.message for p in validate_paths([folder]))


def test_a_sequence_flow_from_nowhere_is_named(tmp_path):
    folder = copy(tmp_path, "basic")
    bpmn = folder / "basic.bpmn"
    flow = next(line for line in bpmn.read_text().splitlines() if "<bpmn:sequenceFlow" in line and "sourceRef" in line)
    source = flow.split('sourceRef="')[1].split('"')[0]
    line = edit(bpmn, flow, flow.replace(f'sourceRef="{source}"', 'sourceRef="no_such_element"'))
    problems = [p for p in validate_paths([folder]) if p.line == line]
    assert any("sourceRef of bpmn:sequenceFlow" in p.message and "'no_such_element'" in p.message for p in problems)


def test_element_kinds_the_runtime_cannot_run_are_named(tmp_path):
    folder = copy(tmp_path, "basic")
    bpmn = folder / "basic.bpmn"
    text = bpmn.read_text()
    end = text.index("</bpmn:process>")
    bpmn.write_text(text[:end] + '<bpmn:complexGateway id="odd_gateway" />\n    ' + text[end:])
    line = line_of(bpmn, "odd_gateway")
    problem = next(p for p in validate_paths([folder]) if "odd_gateway" in p.message)
    assert problem.line == line and "bpmn:complexGateway, which Caseworks cannot run" in problem.message
