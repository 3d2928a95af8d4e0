"""The portal, server side: a person's own requests (paged, newest first, status in words) and the steps a
process asks of them by name, never anyone else's ticket or a staff task."""
from __future__ import annotations

import re

import pytest

from tests.helpers import deploy
from tests.integration.test_support_request_flow import SOLVED, intake, step, walk_to_callback, walk_to_tier1
from tests.integration.test_ticket_pages import add_requester, sign_in, text_of

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

#: A ticket that asks its reporter to confirm the fix, then to rate it: the requester's own tasks.
CONFIRM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_confirm" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="confirm_fix" name="confirm fix" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="confirm_resolution" name="Confirm the fix" camunda:candidateUsers="${reported_by}">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="rate_service" name="Rate the service" camunda:assignee="${reported_by}">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="confirm_resolution" />
    <bpmn:sequenceFlow id="f2" sourceRef="confirm_resolution" targetRef="rate_service" />
    <bpmn:sequenceFlow id="f3" sourceRef="rate_service" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
#: A task offered to the whole requester group: no one's personal step, so it belongs in no portal.
GROUP_TASK = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_group" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="survey_all" name="survey all" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="answer_survey" name="Answer the survey" camunda:candidateGroups="requester">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer_survey" />
    <bpmn:sequenceFlow id="f2" sourceRef="answer_survey" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def confirm_process(api):
    assert deploy(api, ("confirm_fix.bpmn", CONFIRM), ("survey_all.bpmn", GROUP_TASK)).status_code == 200


def rows(response) -> list[str]:
    """The text of each row of "my requests"."""
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r'<tr class="request[^"]*">(.*?)</tr>', html, re.S)]


def test_empty_portal_reads_well_and_offers_to_report(client):
    sign_in(client, "requester")
    page = client.get("/portal")
    assert page.status_code == 200
    text = text_of(page)
    assert "我要报障" in text and 'href="/portal/report"' in page.get_data(as_text=True)
    assert "您还没有提交过请求。" in text
    assert "目前没有需要您处理的事项" in text
    sign_in(client, "requester", "en")
    text = text_of(client.get("/portal"))
    assert "Report a problem" in text and "You have not reported any problem yet." in text


def test_my_requests_lists_only_mine_newest_first_with_status_and_step(app, client, api):
    open_id = walk_to_tier1(api, "SR-OPEN", symptom="打印机卡纸")
    resolved_id = walk_to_callback(api, "tier1", "SR-RESOLVED")
    closed_id = walk_to_callback(api, "tier1", "SR-CLOSED")
    step(api, closed_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    add_requester(app)
    api.start("it_support_request", intake(symptom="李四的显示器黑屏"), user="lisi", business_key="SR-LISI")
    sign_in(client, "requester")
    page = client.get("/portal")
    listed = rows(page)
    assert [row.split()[0] for row in listed] == ["SR-CLOSED", "SR-RESOLVED", "SR-OPEN"]
    assert "已关闭" in listed[0] and "—" in listed[0]
    assert "已解决" in listed[1] and "回访与评分" in listed[1]
    assert "处理中" in listed[2] and "一线诊断" in listed[2] and "打印机卡纸" in listed[2]
    assert "SR-LISI" not in page.get_data(as_text=True) and "李四的显示器黑屏" not in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert "<th>编号</th><th>事项</th>" in html  # headings that fit the requester's complaints (TS-…) too
    for instance_id in (open_id, resolved_id, closed_id):
        assert f'href="/tickets/{instance_id}"' in html


def test_staff_see_only_their_own_requests_in_the_portal(client, api):
    walk_to_tier1(api, "SR-REQUESTER")
    api.start("it_support_request", intake(symptom="服务台自己的电脑"), user="desk", business_key="SR-DESK")
    sign_in(client, "desk")
    listed = rows(client.get("/portal"))
    assert [row.split()[0] for row in listed] == ["SR-DESK"]


def test_my_requests_are_paged(client, api):
    for number in range(23):
        api.start("it_support_request", intake(symptom=f"第 {number} 个问题"), user="requester",
                  business_key=f"SR-{number:02d}")
    sign_in(client, "requester")
    first = client.get("/portal")
    assert len(rows(first)) == 20 and rows(first)[0].startswith("SR-22")
    assert "第 1 页，共 2 页" in text_of(first) and 'href="/portal?page=2"' in first.get_data(as_text=True)
    second = client.get("/portal?page=2")
    assert [row.split()[0] for row in rows(second)] == ["SR-02", "SR-01", "SR-00"]
    assert rows(client.get("/portal?page=99")) == rows(second)  # past the end: the last page
    assert rows(client.get("/portal?page=abc")) == rows(first)  # not a number: the first page
    assert rows(client.get("/portal?page=-3")) == rows(first)


def test_waiting_for_you_lists_steps_asked_of_me_by_name_only(app, client, api, confirm_process):
    mine = api.start("confirm_fix", {"reported_by": "requester", "symptom": "VPN 断线"}, user="requester",
                     business_key="SR-CONFIRM")
    add_requester(app)
    api.start("confirm_fix", {"reported_by": "lisi", "symptom": "李四的问题"}, user="lisi", business_key="SR-L")
    api.start("survey_all", {}, user="admin", business_key="SURVEY")
    walk_to_tier1(api, "SR-STAFF")  # its open step belongs to tier 1
    sign_in(client, "requester")
    page = client.get("/portal")
    html = page.get_data(as_text=True)
    task_id = api.tasks(mine)[0]["id"]
    assert f'href="/tasks/{task_id}"' in html
    waiting = re.findall(r'<li class="card waiting-step">(.*?)</li>', html, re.S)
    assert len(waiting) == 1 and "Confirm the fix" in waiting[0] and "SR-CONFIRM" in waiting[0]
    for elsewhere in ("李四的问题", "Answer the survey", "一线诊断</a>"):
        assert elsewhere not in html
    confirm_row = next(row for row in rows(page) if row.startswith("SR-CONFIRM"))
    assert "等待您处理" in confirm_row

    assert api.complete(task_id, "requester", {}).status_code == 204
    html = client.get("/portal").get_data(as_text=True)
    rate_id = api.tasks(mine)[0]["id"]  # assigned to the reporter by name
    assert f'href="/tasks/{rate_id}"' in html and "Rate the service" in html


def test_portal_step_not_shown_once_someone_else_holds_it(app, client, api, confirm_process):
    """A step offered to me and to a colleague leaves my list once the colleague has claimed it."""
    add_requester(app)
    instance_id = api.start("confirm_fix", {"reported_by": "requester,lisi"}, user="requester", business_key="SR-2")
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="lisi", json={"userId": "lisi"}).status_code == 204
    sign_in(client, "requester")
    assert f"/tasks/{task_id}" not in client.get("/portal").get_data(as_text=True)


def test_ticket_view_says_whom_a_step_waits_for(client, api, confirm_process):
    instance_id = api.start("confirm_fix", {"reported_by": "requester", "symptom": "VPN 断线了"}, user="requester",
                            business_key="SR-ASK")
    task_id = api.tasks(instance_id)[0]["id"]
    sign_in(client, "desk")
    assert "Confirm the fix 等待 张三 (requester) 处理" in text_of(client.get(f"/tickets/{instance_id}"))
    sign_in(client, "requester")
    page = client.get(f"/tickets/{instance_id}")
    assert "Confirm the fix 等待您处理" in text_of(page)
    assert f'href="/tasks/{task_id}"' in page.get_data(as_text=True)
    assert 'class="badge ticket-state state-waiting"' in page.get_data(as_text=True)
