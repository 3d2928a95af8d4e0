"""The task page (/tasks/<id>): who may open it, claim, unclaim and complete, and what the form says.

Driven in-process as a signed-in browser would (session cookie, CSRF token from the page); the tickets
come through the REST API as in the flow tests.
"""
from __future__ import annotations

import json
import re

import pytest

from app.services import web_sessions
from app.store import new_uow
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, intake
from tests.page_client import PageClient

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)


def _schema(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="form-schema">(.*?)</script>', html, re.S)
    assert found, html
    return json.loads(found.group(1))


def _labels(schema: dict) -> list[str]:
    return [component.get("label") for component in schema["components"]]


@pytest.fixture
def ticket(api) -> tuple[str, str]:
    """A new support request waiting for the desk: (instance id, classify task id)."""
    instance_id = api.start(PROCESS, intake(symptom="<b>打印机</b>无法打印"), user="requester",
                            business_key="SD-TEST-0001")
    return instance_id, api.only_task(instance_id, "classify_request")["id"]


def test_desk_sees_the_classify_form_in_chinese_without_english_halves(app, ticket):
    _, task_id = ticket
    page = PageClient(app, "desk", "zh")
    response = page.get(f"/tasks/{task_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    schema = _schema(html)
    assert _labels(schema) == ["请求类型", "类别", "首次接触已解决", "现场解答"]
    assert [option["label"] for option in schema["components"][1]["values"]] == ["硬件", "软件", "网络", "其他"]
    assert "(" not in json.dumps(schema, ensure_ascii=False)
    assert "<h1>分类与首次处理</h1>" in html
    assert "SD-TEST-0001" in html
    assert "&lt;b&gt;打印机&lt;/b&gt;无法打印" in html  # the symptom is text, not markup
    assert 'id="claim"' in html


def test_english_reader_gets_the_form_and_task_name_in_english(app, ticket):
    _, task_id = ticket
    html = PageClient(app, "desk", "en").get(f"/tasks/{task_id}").get_data(as_text=True)
    schema = _schema(html)
    assert _labels(schema) == ["Request type", "Category", "Resolved at first contact", "Answer given"]
    assert schema["components"][1]["description"] == "Decides which tier-1 group gets the ticket"
    assert [option["label"] for option in schema["components"][0]["values"]] == [
        "Incident", "Service request", "Consultation"]
    assert "<h1>Classify request</h1>" in html
    assert "Service desk" in html  # the queue's name, through the catalog


def test_requester_is_refused_a_staff_task_page_and_its_actions(app, ticket):
    _, task_id = ticket
    page = PageClient(app, "requester", "en")
    response = page.get(f"/tasks/{task_id}")
    assert response.status_code == 403
    assert "not allowed" in response.get_data(as_text=True)
    assert page.post_form(f"/tasks/{task_id}/claim").status_code == 403
    refused = page.post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY})
    assert refused.status_code == 403 and "error" in refused.get_json()


def test_claim_then_unclaim_moves_the_task_and_says_so(app, api, ticket):
    _, task_id = ticket
    page = PageClient(app, "desk", "en")
    response = page.post_form(f"/tasks/{task_id}/claim")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task_id}")
    assert api.get(f"/task/{task_id}").get_json()["assignee"] == "desk"
    html = page.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "You have claimed this task." in html and 'id="unclaim"' in html and 'id="claim"' not in html
    page.post_form(f"/tasks/{task_id}/unclaim")
    assert api.get(f"/task/{task_id}").get_json()["assignee"] is None


def test_a_second_claim_is_refused_politely_and_changes_nothing(app, api, ticket):
    _, task_id = ticket
    PageClient(app, "desk", "en").post_form(f"/tasks/{task_id}/claim")
    other = PageClient(app, "admin", "en")  # also in service_desk
    response = other.post_form(f"/tasks/{task_id}/claim")
    assert response.status_code == 302
    html = other.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "claimed this task first" in html and "服务台小王" in html
    assert 'id="claim"' not in html and 'id="form-submit"' not in html  # read-only for them now
    assert api.get(f"/task/{task_id}").get_json()["assignee"] == "desk"


def test_someone_outside_the_candidate_groups_may_not_claim(app, ticket):
    _, task_id = ticket
    page = PageClient(app, "tier2", "en")
    assert 'id="claim"' not in page.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert page.post_form(f"/tasks/{task_id}/claim").status_code == 403


def test_completing_a_task_claimed_by_someone_else_is_refused_with_a_message(app, ticket):
    _, task_id = ticket
    PageClient(app, "desk", "en").post_form(f"/tasks/{task_id}/claim")
    response = PageClient(app, "admin", "en").post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY})
    assert response.status_code == 403
    assert "someone else has claimed it" in response.get_json()["error"]


def test_server_errors_come_back_per_field_in_the_readers_language(app, api, ticket):
    instance_id, task_id = ticket
    page = PageClient(app, "desk", "zh")
    response = page.post_json(f"/tasks/{task_id}/complete",
                              {"values": {"request_type": "", "category": "printer", "first_contact_answer": "x" * 2001}})
    assert response.status_code == 400
    answer = response.get_json()
    assert answer["fields"] == {"request_type": "此项必填。", "category": "请从给出的选项中选择。",
                                "first_contact_answer": "最多 2000 个字符。"}
    assert api.only_task(instance_id, "classify_request")["id"] == task_id  # nothing was completed
    english = PageClient(app, "desk", "en").post_json(f"/tasks/{task_id}/complete",
                                                      {"values": {**CLASSIFY, "category": "printer"}})
    assert english.get_json()["fields"] == {"category": "Choose one of the offered options."}


def test_the_rest_api_keeps_its_message_for_the_same_refusal(api, ticket):
    _, task_id = ticket
    response = api.complete(task_id, "desk", {**CLASSIFY, "category": "printer"})
    assert response.status_code == 400
    assert response.get_json()["message"] == ("field 'category': must be one of: hardware, software, network, other")


def test_completing_answers_with_the_next_task_of_the_same_ticket(app, api, ticket):
    instance_id, task_id = ticket
    page = PageClient(app, "admin", "en")  # admin is in every group, so tier 1's task is theirs to do too
    response = page.post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    tier1 = api.only_task(instance_id, "tier1_diagnose")
    assert answer["next"] == {"url": f"/tasks/{tier1['id']}", "name": "Tier-1 diagnosis"}
    assert answer["message"] == "Done: Classify request."
    assert answer["inbox"] == "/inbox" and answer["ticket"] == f"/tickets/{instance_id}"


def test_without_more_work_on_the_ticket_the_next_task_is_the_top_of_the_inbox(app, api, ticket):
    _, task_id = ticket
    other = api.start(PROCESS, intake(), user="requester", business_key="SD-TEST-0002")
    waiting = api.only_task(other, "classify_request")
    answer = PageClient(app, "desk", "en").post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY}).get_json()
    assert answer["next"]["url"] == f"/tasks/{waiting['id']}"


def test_a_task_completed_meanwhile_is_a_clear_conflict(app, api, ticket):
    _, task_id = ticket
    page = PageClient(app, "desk", "en")
    assert api.complete(task_id, "admin", CLASSIFY).status_code == 204
    response = page.post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY})
    assert response.status_code == 409
    assert "completed or withdrawn meanwhile" in response.get_json()["error"]


def test_complete_without_csrf_token_is_refused_with_json(app, api, ticket):
    instance_id, task_id = ticket
    response = PageClient(app, "desk", "en").post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY},
                                                       token=False)
    assert response.status_code == 400
    assert "was not sent by this site" in response.get_json()["error"]
    assert api.only_task(instance_id, "classify_request")["id"] == task_id


def test_claim_without_csrf_token_is_refused(app, api, ticket):
    _, task_id = ticket
    assert PageClient(app, "desk", "en").post_form(f"/tasks/{task_id}/claim", token=False).status_code == 400
    assert api.get(f"/task/{task_id}").get_json()["assignee"] is None


def test_an_expired_session_gets_401_json_with_a_sign_in_link(app, api, ticket):
    instance_id, task_id = ticket
    page = PageClient(app, "desk", "en")
    with app.app_context():
        web_sessions.end_all(new_uow(), "desk")  # the server-side session ends (expiry, sign-out elsewhere)
    response = page.post_json(f"/tasks/{task_id}/complete", {"values": CLASSIFY})
    assert response.status_code == 401
    assert response.get_json()["signIn"].startswith("/login")
    assert api.only_task(instance_id, "classify_request")["id"] == task_id


def test_unreadable_body_is_refused(app, ticket):
    _, task_id = ticket
    response = PageClient(app, "desk", "en").post_json(f"/tasks/{task_id}/complete", ["not", "an", "object"])
    assert response.status_code == 400 and "could not be read" in response.get_json()["error"]


def test_an_unknown_field_is_refused_as_a_tampered_form(app, ticket):
    _, task_id = ticket
    response = PageClient(app, "desk", "en").post_json(f"/tasks/{task_id}/complete",
                                                       {"values": {**CLASSIFY, "priority": "urgent"}})
    assert response.status_code == 400
    assert "The form was not accepted" in response.get_json()["error"]
