"""Process folders built in tests: a two-step process with forms, whose script can be broken and fixed."""
from __future__ import annotations

import json

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" '
        'targetNamespace="http://bpmn.io/schema/bpmn">\n')

FORM = {"type": "object", "required": ["approved"], "properties": {"approved": {"type": "boolean"}}}


def two_step_bpmn(key: str = "twostep", script: str = "label = 'approved' if approved else 'declined'",
                  second: str = "confirm") -> str:
    return HEAD + f'''  <bpmn:process id="{key}" name="Two steps" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_review" name="Reviewers">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{second}</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_system" name="System">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>decide</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="Review request">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="statusText" value="We are reviewing your request"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="decide" name="Decide">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="{second}" name="Confirm decision">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.schema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="statusText" value="Decided: {{label}}"/>
        <spiffworkflow:property name="outcome" value="decided"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f4</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="decide"/>
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="{second}"/>
    <bpmn:sequenceFlow id="f4" sourceRef="{second}" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
'''


def two_step_files(key: str = "twostep", **kwargs: str) -> dict[str, bytes]:
    manifest = {"case_type": key, "name": "Two steps", "process_id": key, "reference_prefix": "TWO"}
    return {"process.json": json.dumps(manifest).encode(),
            f"{key}.bpmn": two_step_bpmn(key, **kwargs).encode(),
            "forms/review.schema.json": json.dumps(FORM).encode()}
