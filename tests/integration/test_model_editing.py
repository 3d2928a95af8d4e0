"""Saving a model from the in-browser editors: a new version through the deployment, and its effect.

A changed decision or form deploys new versions of the processes that use it, so
tickets started afterwards follow the change while tickets already running
finish on the version they started with (the database matters here: both
backends). Refused edits list every problem and deploy nothing.
"""
from __future__ import annotations

import json

import pytest

from app.errors import DeploymentError, Forbidden, NotFound
from app.services import model_editing
from app.services.users import Principal
from app.store import new_uow
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, TIER1_RESOLVED, intake, step

OWNER = Principal("owner", frozenset({"process_owner"}))
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def classify(api, instance_id: str, category: str) -> None:
    step(api, instance_id, "classify_request", ["service_desk"], "desk", {**CLASSIFY, "category": category})


def definition_version(api, instance_id: str) -> int:
    definition_id = api.get(f"/process-instance/{instance_id}").get_json()["definitionId"]
    return api.get(f"/process-definition/{definition_id}").get_json()["version"]


def test_changed_dispatch_decision_applies_to_tickets_started_afterwards(app, api):
    before = api.start(PROCESS, intake(), business_key="SR-EDIT-OLD")
    with app.app_context():
        opened = model_editing.source(new_uow(write=False), OWNER, "dmn", "tier1_dispatch")
        assert (opened.version, opened.file_name) == (1, "tier1_dispatch.dmn")
        changed = opened.content.replace('<text>"tier1_network"</text>', '<text>"tier1"</text>')
        assert changed != opened.content
        outcome = model_editing.save(new_uow(), OWNER, "dmn", "tier1_dispatch", changed)
        assert (outcome.version, outcome.created) == (2, True)
        assert outcome.rebound == [(PROCESS, 2)]
        again = model_editing.save(new_uow(), OWNER, "dmn", "tier1_dispatch", changed)
        assert (again.version, again.created, again.rebound) == (2, False, [])
    after = api.start(PROCESS, intake(), business_key="SR-EDIT-NEW")

    classify(api, before, "network")
    classify(api, after, "network")
    assert api.only_task(before, "tier1_diagnose")["candidateGroups"] == ["tier1_network"]
    assert api.only_task(after, "tier1_diagnose")["candidateGroups"] == ["tier1"]
    assert (definition_version(api, before), definition_version(api, after)) == (1, 2)


def test_changed_form_applies_to_the_next_task_of_new_tickets(app, api):
    before = api.start(PROCESS, intake(), business_key="SR-FORM-OLD")
    with app.app_context():
        opened = model_editing.source(new_uow(write=False), OWNER, "form", "tier1_diagnose")
        schema = json.loads(opened.content)
        schema["components"].insert(0, {"id": "field_asset_tag", "key": "asset_tag", "label": "资产编号",
                                        "type": "textfield", "validate": {"required": True}})
        outcome = model_editing.save(new_uow(), OWNER, "form", "tier1_diagnose", json.dumps(schema))
        assert (opened.version, outcome.version, outcome.rebound) == (1, 2, [(PROCESS, 2)])
    after = api.start(PROCESS, intake(), business_key="SR-FORM-NEW")
    for instance_id in (before, after):
        classify(api, instance_id, "hardware")

    refused = api.complete(api.only_task(after, "tier1_diagnose")["id"], "tier1", TIER1_RESOLVED)
    assert refused.status_code == 400 and "asset_tag" in refused.get_json()["message"], refused.get_json()
    step(api, after, "tier1_diagnose", ["tier1_hardware"], "tier1", {**TIER1_RESOLVED, "asset_tag": "PC-0042"})
    step(api, before, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)


@SQLITE_ONLY
def test_an_invalid_process_edit_lists_every_problem_and_deploys_nothing(app):
    with app.app_context():
        opened = model_editing.source(new_uow(write=False), OWNER, "bpmn", PROCESS)
        broken = (opened.content.replace('camunda:candidateGroups="tier2"', 'camunda:candidateGroups="tier9"')
                  .replace('camunda:topic="record_dispatch"', 'camunda:topic="record_dispatsh"'))
        assert broken.count("tier9") == 1 and broken.count("record_dispatsh") == 1
        with pytest.raises(DeploymentError) as refused:
            model_editing.save(new_uow(), OWNER, "bpmn", PROCESS, broken)
        problems = model_editing.problem_list(refused.value)
        assert {(p["element_id"], p["message"]) for p in problems} == {
            ("tier2_resolve", "group 'tier9' is not deployed"),
            ("record_dispatch", "no handler named 'record_dispatsh' in handlers/")}
        assert all(isinstance(p["line"], int) and p["line"] > 1 for p in problems)
        assert model_editing.source(new_uow(write=False), OWNER, "bpmn", PROCESS).version == opened.version


@SQLITE_ONLY
def test_the_edited_model_must_keep_its_key_and_only_owners_edit(app):
    with app.app_context():
        opened = model_editing.source(new_uow(write=False), OWNER, "dmn", "tier1_dispatch")
        renamed = opened.content.replace('decision id="tier1_dispatch"', 'decision id="tier1_dispatch_copy"')
        with pytest.raises(DeploymentError, match="decision id must stay 'tier1_dispatch'"):
            model_editing.save(new_uow(), OWNER, "dmn", "tier1_dispatch", renamed)
        with pytest.raises(DeploymentError, match="not valid JSON|JSON"):
            model_editing.save(new_uow(), OWNER, "form", "tier1_diagnose", "{not json")
        desk = Principal("desk", frozenset({"service_desk"}))
        with pytest.raises(Forbidden):
            model_editing.source(new_uow(write=False), desk, "bpmn", PROCESS)
        with pytest.raises(Forbidden):
            model_editing.save(new_uow(), desk, "dmn", "tier1_dispatch", opened.content)
        with pytest.raises(NotFound):
            model_editing.source(new_uow(write=False), OWNER, "form", "no_such_form")


@SQLITE_ONLY
def test_pick_lists_name_the_real_groups_topics_forms_and_decisions(app):
    with app.app_context():
        picks = model_editing.pick_lists(new_uow(write=False), OWNER)
    ids = {kind: [item["id"] for item in items] for kind, items in picks.items()}
    assert {"tier1_network", "process_owner", "service_desk"} <= set(ids["groups"])
    assert {"close_ticket", "notify_response_sla_breach"} <= set(ids["topics"])
    assert {"tier1_diagnose", "support_request_intake"} <= set(ids["forms"])
    assert {"tier1_dispatch", "ticket_priority"} <= set(ids["decisions"])
    assert {"support_request_received", "complaint_received"} <= set(ids["messages"])
    assert all(values == sorted(values) for values in ids.values())
