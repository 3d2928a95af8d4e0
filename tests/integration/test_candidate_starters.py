"""Who may start a process: ``camunda:candidateStarterGroups`` / ``candidateStarterUsers`` on ``<bpmn:process>``.

Every start a person makes asks the model (REST start and submit-form, POST /message and /signal, the
pages); a refused start is a 403 in Camunda's error shape naming the process and its starters, and leaves
nothing behind. Starts by the service itself (timer start events, a handler's message) are never refused.
``GET /process-definition?startableBy=`` lists what a user may start.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import UnitOfWork
from app.models import ProcessInstance
from app.store import database
from scheduler import tick
from tests.helpers import deploy, register_handler, unregister_handler
from tests.integration.test_support_request_flow import SOLVED, step, walk_to_callback
from tests.integration.signed_in import sign_in
from tests.page_client import PageClient

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
          'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_{key}" targetNamespace="t">\n')
SEND_TOPIC = "test_starters_send"


def guarded(key: str, starters: str = 'camunda:candidateStarterGroups="sales" camunda:candidateStarterUsers="tier2"',
            start: str = "", before: str = "", middle: str = "") -> tuple[str, bytes]:
    """``key.bpmn``: start (its definition ``start``) → ``middle`` or a user task for the desk → end."""
    middle = middle or '<bpmn:userTask id="work" camunda:candidateGroups="service_desk" />'
    inner_id = middle.split('id="', 1)[1].split('"', 1)[0]
    xml = (HEADER.format(key=key) + before + f'<bpmn:process id="{key}" isExecutable="true" {starters}>\n'
           f'<bpmn:startEvent id="start">{start}</bpmn:startEvent>\n{middle}\n<bpmn:endEvent id="end" />\n'
           f'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="{inner_id}" />\n'
           f'<bpmn:sequenceFlow id="f2" sourceRef="{inner_id}" targetRef="end" />\n'
           '</bpmn:process>\n</bpmn:definitions>\n')
    return f"{key}.bpmn", xml.encode()


def deployed(api, *files) -> None:
    response = deploy(api, *files)
    assert response.status_code == 200, response.get_json()


def started(app, key: str) -> int:
    with UnitOfWork(database(app), write=False) as uow:
        return uow.session.scalar(select(func.count(ProcessInstance.id))
                                  .where(ProcessInstance.definition_key == key)) or 0


def assert_refused(response, user: str, key: str) -> None:
    """Camunda's AuthorizationException, naming who asked, the process and who may start it."""
    assert response.status_code == 403, response.get_json()
    body = response.get_json()
    assert body["type"] == "AuthorizationException"
    assert f"'{user}'" in body["message"] and f"'{key}'" in body["message"]
    assert "sales" in body["message"] and "tier2" in body["message"]


# ------------------------------------------------------------------ REST starts
def test_rest_starts_by_key_id_and_submit_form_follow_the_model(app, api):
    deployed(api, guarded("guarded_start"))
    definition_id = api.get("/process-definition/key/guarded_start").get_json()["id"]
    paths = ["/process-definition/key/guarded_start/start", "/process-definition/key/guarded_start/submit-form",
             f"/process-definition/{definition_id}/start", f"/process-definition/{definition_id}/submit-form"]
    for path in paths:
        assert_refused(api.post(path, user="desk", json={"businessKey": "REFUSED"}), "desk", "guarded_start")
        assert_refused(api.post(path, user="requester", json={}), "requester", "guarded_start")
    assert started(app, "guarded_start") == 0
    assert api.get("/process-instance?businessKey=REFUSED").get_json() == []
    for user in ("sales", "tier2", "admin"):  # a group, a named user, an administrator
        for path in paths:
            response = api.post(path, user=user, json={})
            assert response.status_code == 200, (user, path, response.get_json())
    assert started(app, "guarded_start") == 12


def test_a_model_naming_no_starters_is_startable_by_anyone_signed_in(app, api):
    deployed(api, guarded("open_start", starters=""))
    for user in ("requester", "desk", "sales"):
        assert api.post("/process-definition/key/open_start/start", user=user, json={}).status_code == 200
    assert api.post("/process-definition/key/open_start/start", user=None, json={}).status_code == 401
    assert started(app, "open_start") == 3


def test_starters_of_the_latest_version_decide_and_a_new_version_may_open_it(app, api):
    deployed(api, guarded("versioned_start"))
    assert api.post("/process-definition/key/versioned_start/start", user="desk", json={}).status_code == 403
    deployed(api, guarded("versioned_start", starters='camunda:candidateStarterGroups="service_desk"'))
    assert api.post("/process-definition/key/versioned_start/start", user="desk", json={}).status_code == 200
    assert api.post("/process-definition/key/versioned_start/start", user="sales", json={}).status_code == 403


# ------------------------------------------------------------------ messages and signals
MESSAGE = '<bpmn:message id="m" name="starters_ping" />\n'
SIGNAL = '<bpmn:signal id="s" name="starters_wave" />\n'


def test_a_message_start_by_a_person_follows_the_model(app, api):
    deployed(api, guarded("message_start", start='<bpmn:messageEventDefinition messageRef="m" />', before=MESSAGE))
    body = {"messageName": "starters_ping", "businessKey": "MSG-1", "resultEnabled": True}
    assert_refused(api.post("/message", user="desk", json=body), "desk", "message_start")
    assert_refused(api.post("/message", user="desk", json={**body, "all": True}), "desk", "message_start")
    assert started(app, "message_start") == 0
    for user in ("sales", "tier2", "admin"):
        response = api.post("/message", user=user, json=body)
        assert response.status_code == 200 and response.get_json()[0]["resultType"] == "ProcessDefinition"
    assert started(app, "message_start") == 3


def test_a_signal_start_by_a_person_follows_the_model(app, api):
    deployed(api, guarded("signal_start", start='<bpmn:signalEventDefinition signalRef="s" />', before=SIGNAL))
    assert_refused(api.post("/signal", user="desk", json={"name": "starters_wave"}), "desk", "signal_start")
    assert started(app, "signal_start") == 0
    assert api.post("/signal", user="sales", json={"name": "starters_wave"}).status_code == 204
    assert started(app, "signal_start") == 1


def test_a_handlers_message_starts_what_the_person_who_made_the_step_could_not(app, api):
    """The model sends the message, not the person: the desk's step starts a process only sales may start."""
    register_handler(SEND_TOPIC, lambda ctx: ctx.send_message("starters_ping", origin="handler"))
    try:
        deployed(api, guarded("message_start", start='<bpmn:messageEventDefinition messageRef="m" />',
                              before=MESSAGE),
                 guarded("sends_ping", starters="", middle=f'<bpmn:serviceTask id="send" camunda:type="external" '
                                                           f'camunda:topic="{SEND_TOPIC}" />'))
        assert api.post("/process-definition/key/sends_ping/start", user="desk", json={}).status_code == 200
    finally:
        unregister_handler(SEND_TOPIC)
    [instance] = api.get("/process-instance?processDefinitionKey=message_start").get_json()
    variables = api.get(f"/process-instance/{instance['id']}/variables").get_json()
    assert variables["origin"]["value"] == "handler"


def test_a_callback_complaint_starts_complaint_handling_for_any_desk_member(app, api):
    """Flow 1's callback starts Flow 2 by message whoever makes the callback (the shipped models)."""
    ticket = walk_to_callback(api, "tier1", "SD-STARTERS-1")
    before = started(app, "complaint_handling")
    step(api, ticket, "callback_rating", ["service_desk"], "desk", {**SOLVED, "complaint": "态度冷淡"})
    assert started(app, "complaint_handling") == before + 1


def test_a_timer_start_is_never_refused(app, api):
    timer = '<bpmn:timerEventDefinition><bpmn:timeCycle>R1/PT10S</bpmn:timeCycle></bpmn:timerEventDefinition>'
    with clock.frozen(datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)) as advance:
        deployed(api, guarded("timer_start", start=timer))
        advance(timedelta(seconds=10))
        tick(app)
    assert started(app, "timer_start") == 1


# ------------------------------------------------------------------ startableBy
def keys(api, query: str, user: str = "admin") -> set[str]:
    response = api.get(f"/process-definition?latestVersion=true&{query}", user=user)
    assert response.status_code == 200, response.get_json()
    return {d["key"] for d in response.get_json()}


def test_startable_by_lists_what_a_user_may_start(app, api):
    deployed(api, guarded("guarded_start"), guarded("open_start", starters=""))
    everything = keys(api, "")
    assert keys(api, "startableBy=admin") == everything
    sales = keys(api, "startableBy=sales")
    assert {"guarded_start", "open_start", "service_review"} <= sales
    assert not {"satisfaction_survey", "kb_article", "it_support_request"} & sales
    assert keys(api, "startableBy=tier2") >= {"guarded_start", "kb_article"}
    requester = keys(api, "startableBy=requester")
    assert {"it_support_request", "complaint_handling", "open_start"} <= requester
    assert not {"guarded_start", "service_review", "weekly_survey", "kb_article"} & requester
    assert keys(api, "startableBy=nobody_at_all") == set()
    count = api.get("/process-definition/count?latestVersion=true&startableBy=requester").get_json()["count"]
    assert count == len(requester)


# ------------------------------------------------------------------ deployment
def test_an_unknown_starter_group_is_refused_naming_the_process(app, api):
    response = deploy(api, guarded("typo_start", starters='camunda:candidateStarterGroups="sales,salse"'))
    assert response.status_code == 400
    body = response.get_json()
    assert "group 'salse' is not deployed" in body["message"] and "element 'typo_start'" in body["message"]
    assert "'sales'" not in body["message"]
    response = deploy(api, guarded("juel_start", starters='camunda:candidateStarterGroups="${groups}"'))
    assert response.status_code == 400 and "JUEL expression" in response.get_json()["message"]
    assert api.get("/process-definition?key=typo_start").get_json() == []


# ------------------------------------------------------------------ pages
def test_the_portal_offers_and_takes_reports_and_complaints_from_their_starters_only(app):
    engineer = PageClient(app, "tier2", "en")
    assert engineer.get("/portal/report").status_code == 403
    assert engineer.get("/portal/complaint").status_code == 403
    assert engineer.post_json("/portal/report", {"values": {"symptom": "x"}}).status_code == 403
    assert engineer.post_json("/portal/complaint", {"values": {"complaint": "x"}}).status_code == 403
    home = engineer.get("/portal").get_data(as_text=True)
    assert "report-cta" not in home and "complaint-cta" not in home
    assert started(app, "it_support_request") == started(app, "complaint_handling") == 0
    for user in ("requester", "desk"):
        page = PageClient(app, user, "en")
        assert page.get("/portal/report").status_code == 200 and page.get("/portal/complaint").status_code == 200
        home = page.get("/portal").get_data(as_text=True)
        assert "report-cta" in home and "complaint-cta" in home


@pytest.mark.parametrize("user, path", [("tier1", "/reviews/new"), ("tier1", "/surveys/satisfaction/new"),
                                        ("pm", "/surveys/satisfaction/new")])
def test_start_pages_refuse_who_the_model_does_not_name(app, user, path):
    assert PageClient(app, user, "en").get(path).status_code == 403


def test_the_service_department_may_ask_for_an_ad_hoc_review(app):
    page = PageClient(app, "servicedept", "en")
    assert page.get("/reviews/new").status_code == 200
    assert "review-cta" in page.get("/reviews").get_data(as_text=True)


def test_a_knowledge_article_is_written_by_engineers_and_the_desk_only(app, api):
    ticket = walk_to_callback(api, "tier1", "SD-STARTERS-KB")
    step(api, ticket, "callback_rating", ["service_desk"], "desk", SOLVED)
    assert PageClient(app, "pm").post_form(f"/kb/from-ticket/{ticket}").status_code == 403
    assert started(app, "kb_article") == 0
    assert PageClient(app, "tier2").post_form(f"/kb/from-ticket/{ticket}").status_code == 302
    assert started(app, "kb_article") == 1


def test_the_ticket_page_offers_a_complaint_to_who_may_file_one(app, api):
    ticket = walk_to_callback(api, "tier1", "SD-STARTERS-TS")
    offer = "File a complaint about this ticket"
    assert offer not in PageClient(app, "tier2", "en").get(f"/tickets/{ticket}").get_data(as_text=True)
    assert offer in PageClient(app, "requester", "en").get(f"/tickets/{ticket}").get_data(as_text=True)


def test_the_editors_validation_lists_an_unknown_starter_group_at_the_process(app):
    client = app.test_client()
    assert sign_in(client, "owner").status_code == 302
    name, data = guarded("typo_start", starters='camunda:candidateStarterGroups="salse"')
    response = client.post("/models/validate", json={"files": [{"name": name, "content": data.decode()}]})
    assert response.status_code == 200, response.get_data(as_text=True)
    [problem] = response.get_json()["problems"]
    assert (problem["severity"], problem["element"]) == ("error", "typo_start")
    assert "group 'salse' is not deployed" in problem["message"]
    misplaced = data.replace(b'<bpmn:userTask id="work"', b'<bpmn:userTask id="work" camunda:candidateStarterUsers="x"')
    misplaced = misplaced.replace(b'camunda:candidateStarterGroups="salse"', b"")
    response = client.post("/models/validate", json={"files": [{"name": name, "content": misplaced.decode()}]})
    [problem] = response.get_json()["problems"]
    assert problem["element"] == "work" and "belongs on the process" in problem["message"]
