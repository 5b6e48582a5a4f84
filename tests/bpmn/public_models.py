"""BPMN models of the kinds public test suites use (no lanes, no forms, plain and manual tasks), written for
these tests in the shape of SpiffWorkflow's own test files. Each is a complete process: ``(process id, xml,
messages an outside party sends when the process waits for them)``."""
from __future__ import annotations

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="http://example.org">\n')


def _process(pid: str, body: str, before: str = "") -> str:
    return f'{HEAD}{before}<bpmn:process id="{pid}" isExecutable="true">\n{body}\n</bpmn:process>\n</bpmn:definitions>\n'


def flow(fid: str, source: str, target: str, condition: str | None = None) -> str:
    cond = f'<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>' if condition else ""
    return f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'


MANUAL = _process("manual", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:task id="do_it" name="Do it"/>',
    '<bpmn:manualTask id="check" name="Check it"/>',
    '<bpmn:endEvent id="end"/>',
    flow("f1", "start", "do_it"), flow("f2", "do_it", "check"), flow("f3", "check", "end")]))

MULTI_INSTANCE = _process("multi", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:scriptTask id="init" name="List items"><bpmn:script>items = [1, 2, 3]</bpmn:script></bpmn:scriptTask>',
    '<bpmn:task id="handle" name="Handle item"><bpmn:multiInstanceLoopCharacteristics>'
    '<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:inputDataItem id="item" name="item"/>'
    '</bpmn:multiInstanceLoopCharacteristics></bpmn:task>',
    '<bpmn:scriptTask id="double" name="Double items"><bpmn:multiInstanceLoopCharacteristics isSequential="true">'
    '<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:loopDataOutputRef>doubled</bpmn:loopDataOutputRef>'
    '<bpmn:inputDataItem id="x" name="x"/><bpmn:outputDataItem id="y" name="y"/>'
    '</bpmn:multiInstanceLoopCharacteristics><bpmn:script>y = x * 2</bpmn:script></bpmn:scriptTask>',
    '<bpmn:endEvent id="end"/>',
    flow("f1", "start", "init"), flow("f2", "init", "handle"), flow("f3", "handle", "double"),
    flow("f4", "double", "end")]))

SIGNAL = _process("signal", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:parallelGateway id="split"/>',
    '<bpmn:task id="prepare" name="Prepare"/>',
    '<bpmn:intermediateThrowEvent id="send_go" name="Go"><bpmn:signalEventDefinition signalRef="go"/>'
    '</bpmn:intermediateThrowEvent>',
    '<bpmn:intermediateCatchEvent id="wait_go" name="Wait for go"><bpmn:signalEventDefinition signalRef="go"/>'
    '</bpmn:intermediateCatchEvent>',
    '<bpmn:parallelGateway id="join"/>',
    '<bpmn:endEvent id="end"/>',
    flow("f1", "start", "split"), flow("f2", "split", "prepare"), flow("f3", "prepare", "send_go"),
    flow("f4", "send_go", "join"), flow("f5", "split", "wait_go"), flow("f6", "wait_go", "join"),
    flow("f7", "join", "end")]), before='<bpmn:signal id="go" name="go"/>\n')

ESCALATION = _process("escalation", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:subProcess id="sub" name="Try"><bpmn:startEvent id="sub_start"/>'
    '<bpmn:task id="attempt" name="Attempt"/>'
    '<bpmn:endEvent id="sub_escalate"><bpmn:escalationEventDefinition escalationRef="too_hard"/></bpmn:endEvent>'
    + flow("s1", "sub_start", "attempt") + flow("s2", "attempt", "sub_escalate") + '</bpmn:subProcess>',
    '<bpmn:boundaryEvent id="caught" attachedToRef="sub"><bpmn:escalationEventDefinition escalationRef="too_hard"/>'
    '</bpmn:boundaryEvent>',
    '<bpmn:task id="senior" name="Senior handles it"/>',
    '<bpmn:endEvent id="end_normal"/>', '<bpmn:endEvent id="end_escalated"/>',
    flow("f1", "start", "sub"), flow("f2", "sub", "end_normal"), flow("f3", "caught", "senior"),
    flow("f4", "senior", "end_escalated")]),
    before='<bpmn:escalation id="too_hard" name="too_hard" escalationCode="too_hard"/>\n')

EVENT_SUBPROCESS = _process("eventsub", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:task id="work" name="Work"/>',
    '<bpmn:endEvent id="end"/>',
    '<bpmn:subProcess id="on_cancel" triggeredByEvent="true">'
    '<bpmn:startEvent id="cancel_start" isInterrupting="true"><bpmn:messageEventDefinition messageRef="cancel_msg"/>'
    '</bpmn:startEvent><bpmn:scriptTask id="note" name="Note"><bpmn:script>cancelled = True</bpmn:script>'
    '</bpmn:scriptTask><bpmn:endEvent id="cancel_end"/>'
    + flow("c1", "cancel_start", "note") + flow("c2", "note", "cancel_end") + '</bpmn:subProcess>',
    flow("f1", "start", "work"), flow("f2", "work", "end")]),
    before='<bpmn:message id="cancel_msg" name="cancel_request"/>\n')

MESSAGE_START = _process("msgstart", "\n".join([
    '<bpmn:startEvent id="start"><bpmn:messageEventDefinition messageRef="order_msg"/></bpmn:startEvent>',
    '<bpmn:scriptTask id="register" name="Register"><bpmn:script>registered = True</bpmn:script></bpmn:scriptTask>',
    '<bpmn:endEvent id="end"/>',
    flow("f1", "start", "register"), flow("f2", "register", "end")]),
    before='<bpmn:message id="order_msg" name="order_received"/>\n')

# A join that waits for a branch the exclusive gateway never takes: raw SpiffWorkflow waits for ever.
DEAD_JOIN = _process("deadjoin", "\n".join([
    '<bpmn:startEvent id="start"/>',
    '<bpmn:exclusiveGateway id="choose" default="f_a"/>',
    '<bpmn:task id="a" name="Branch A"/>', '<bpmn:task id="b" name="Branch B"/>',
    '<bpmn:parallelGateway id="join" name="Both done"/>', '<bpmn:endEvent id="end"/>',
    flow("f1", "start", "choose"), flow("f_a", "choose", "a"), flow("f_b", "choose", "b", "False"),
    flow("f2", "a", "join"), flow("f3", "b", "join"), flow("f4", "join", "end")]))

RUNNABLE = {  # process id -> (xml, messages sent when awaited)
    "manual": (MANUAL, []),
    "multi": (MULTI_INSTANCE, []),
    "signal": (SIGNAL, []),
    "escalation": (ESCALATION, []),
    "eventsub": (EVENT_SUBPROCESS, ["cancel_request"]),
    "msgstart": (MESSAGE_START, ["order_received"]),
}
