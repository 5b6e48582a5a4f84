"""Processes that wait for a payment correlated by order id (with and without a conversation opened first)."""
from __future__ import annotations

import json

from tests.designer.models import HEAD


def payment_files(key: str, *, announce: bool) -> dict[str, bytes]:
    """``announce``: the process first sends ``order_placed`` (which fixes the conversation's key); without it,
    the key comes from the case data when a message is addressed by correlation value."""
    send = '''    <bpmn:sendTask id="place_order" name="Place order" messageRef="Msg_placed">
      <bpmn:extensionElements><spiffworkflow:messagePayload>{"order_id": order_id}</spiffworkflow:messagePayload></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:sendTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="place_order"/>
    <bpmn:sequenceFlow id="f2" sourceRef="place_order" targetRef="await_payment"/>''' if announce else \
        '''    <bpmn:sequenceFlow id="f2" sourceRef="start" targetRef="await_payment"/>'''
    bpmn = HEAD + f'''  <bpmn:collaboration id="collab_{key}">
    <bpmn:participant id="p_{key}" processRef="{key}"/>
    <bpmn:correlationKey name="order" id="order"><bpmn:correlationPropertyRef>order_id</bpmn:correlationPropertyRef></bpmn:correlationKey>
  </bpmn:collaboration>
  <bpmn:message id="Msg_placed" name="order_placed"/>
  <bpmn:message id="Msg_paid" name="payment_received"/>
  <bpmn:correlationProperty id="order_id" name="Order id">
    <bpmn:correlationPropertyRetrievalExpression messageRef="Msg_placed"><bpmn:formalExpression>order_id</bpmn:formalExpression></bpmn:correlationPropertyRetrievalExpression>
    <bpmn:correlationPropertyRetrievalExpression messageRef="Msg_paid"><bpmn:formalExpression>order_id</bpmn:formalExpression></bpmn:correlationPropertyRetrievalExpression>
  </bpmn:correlationProperty>
  <bpmn:process id="{key}" name="Payment" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>{"f1" if announce else "f2"}</bpmn:outgoing></bpmn:startEvent>
{send}
    <bpmn:receiveTask id="await_payment" name="Await payment" messageRef="Msg_paid">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="statusText" value="Waiting for the payment of order {{order_id}}"/>
      </spiffworkflow:properties>
      <spiffworkflow:messageVariable>payment</spiffworkflow:messageVariable></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:receiveTask>
    <bpmn:endEvent id="end">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="outcome" value="paid"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="await_payment" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
'''
    manifest = {"case_type": key, "name": "Payment", "process_id": key, "reference_prefix": key[:3].upper()}
    return {"process.json": json.dumps(manifest).encode(), f"{key}.bpmn": bpmn.encode()}
