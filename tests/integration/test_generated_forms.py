"""Tasks with ``camunda:formField``s get a form-js form generated from the rules the server checks."""
from __future__ import annotations

import json
import re

import pytest

from tests.helpers import deploy
from tests.page_client import PageClient

PROCESS = "equipment_loan"
BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_loan" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS}" name="设备借用" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="record_loan" name="登记借用" camunda:candidateGroups="service_desk">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="borrower" label="借用人" type="string">
          <camunda:validation><camunda:constraint name="required" /><camunda:constraint name="minlength" config="2" />
            <camunda:constraint name="maxlength" config="20" /></camunda:validation>
        </camunda:formField>
        <camunda:formField id="quantity" label="数量" type="long" defaultValue="1">
          <camunda:validation><camunda:constraint name="min" config="1" /><camunda:constraint name="max" config="5" />
          </camunda:validation>
        </camunda:formField>
        <camunda:formField id="returned" label="已归还" type="boolean" />
        <camunda:formField id="due" label="归还日期" type="date" />
        <camunda:formField id="kind" label="设备类型" type="enum">
          <camunda:value id="laptop" name="笔记本" /><camunda:value id="projector" name="投影仪" />
        </camunda:formField>
        <camunda:formField id="asset_tag" label="资产编号" type="string" defaultValue="A-1">
          <camunda:validation><camunda:constraint name="readonly" /></camunda:validation>
        </camunda:formField>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="record_loan" />
    <bpmn:sequenceFlow id="f2" sourceRef="record_loan" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def loan_task(api) -> str:
    assert deploy(api, (f"{PROCESS}.bpmn", BPMN.encode())).status_code == 200
    instance_id = api.start(PROCESS, {"borrower": "李四"}, user="desk")
    return api.only_task(instance_id, "record_loan")["id"]


def _page(app, task_id: str, language: str = "zh") -> tuple[dict, dict]:
    html = PageClient(app, "desk", language).get(f"/tasks/{task_id}").get_data(as_text=True)
    schema = json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))
    data = json.loads(re.search(r'id="form-data">(.*?)</script>', html, re.S).group(1))
    return schema, data


def test_form_fields_become_a_form_js_schema_with_their_rules(app, loan_task):
    schema, data = _page(app, loan_task)
    assert schema["schemaVersion"] == 16 and schema["type"] == "default"
    assert schema["components"] == [
        {"id": "field_borrower", "key": "borrower", "label": "借用人", "type": "textfield",
         "validate": {"required": True, "minLength": 2, "maxLength": 20}},
        {"id": "field_quantity", "key": "quantity", "label": "数量", "type": "number", "decimalDigits": 0,
         "defaultValue": 1, "validate": {"min": 1, "max": 5}},
        {"id": "field_returned", "key": "returned", "label": "已归还", "type": "checkbox"},
        {"id": "field_due", "key": "due", "label": "归还日期", "type": "datetime", "subtype": "date",
         "dateLabel": "归还日期"},
        {"id": "field_kind", "key": "kind", "label": "设备类型", "type": "select",
         "values": [{"label": "笔记本", "value": "laptop"}, {"label": "投影仪", "value": "projector"}]},
        {"id": "field_asset_tag", "key": "asset_tag", "label": "资产编号", "type": "textfield", "readonly": True,
         "defaultValue": "A-1"},
    ]
    assert data == {"borrower": "李四"}  # prefilled from the instance's variables


def test_generated_form_is_checked_by_the_same_rules_on_the_server(app, api, loan_task):
    page = PageClient(app, "desk", "en")
    response = page.post_json(f"/tasks/{loan_task}/complete", {"values": {
        "borrower": "李", "quantity": "lots", "returned": "maybe", "due": "tomorrow", "kind": "car"}})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {
        "borrower": "Enter at least 2 characters.", "quantity": "Enter a number.",
        "returned": "Choose yes or no.", "due": "Enter a valid date or time.", "kind": "Choose one of the offered options."}
    too_many = page.post_json(f"/tasks/{loan_task}/complete", {"values": {"borrower": "李四", "quantity": 9}})
    assert too_many.get_json()["fields"] == {"quantity": "Enter 5 or less."}
    done = page.post_json(f"/tasks/{loan_task}/complete", {"values": {
        "borrower": "李四", "quantity": 2, "returned": False, "due": "2026-12-24", "kind": "laptop",
        "asset_tag": "ignored: readonly"}})
    assert done.status_code == 200, done.get_json()
