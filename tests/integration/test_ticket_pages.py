"""The ticket view and its diagram, server side: who may open what, and what each reader is shown.

Tickets are set up through the REST API as Flow 1 runs them; the pages are read
through a signed-in session (the real sign-in form, CSRF token included).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.services import users
from app.web.ticket_words import FACT_LABELS
from app.store import new_uow
from tests.helpers import deploy, register_handler, unregister_handler
from tests.integration.test_support_request_flow import (SOLVED, TIER1_ESCALATE, TIER2_RESOLVED, step,
                                                         walk_to_callback, walk_to_tier1)

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

MARKUP = '<img src=x onerror=alert(1)>'


def sign_in(client, user: str, language: str = "zh") -> None:
    """Sign in through the real form, as a browser would; the pages then speak ``language``."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": user, "password": "demo-pass", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def add_requester(app, user_id: str = "lisi", name: str = "李四") -> None:
    with app.app_context():
        users.create_user(new_uow(), user_id, "demo-pass", ["requester"], name)


def text_of(response) -> str:
    """The page's visible text, roughly: tags dropped, whitespace folded."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# ------------------------------------------------------------------ who may open what
@pytest.mark.parametrize("path", ["/tickets/{id}", "/tickets/{id}/diagram.bpmn", "/portal"])
def test_anonymous_reader_is_sent_to_sign_in(client, api, path):
    instance_id = walk_to_tier1(api, "SR-ANON")
    response = client.get(path.format(id=instance_id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_script_asking_for_the_diagram_gets_401_json(client, api):
    instance_id = walk_to_tier1(api, "SR-ANON-JS")
    response = client.get(f"/tickets/{instance_id}/diagram.bpmn", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert "error" in response.get_json()


@pytest.mark.parametrize("path", ["/tickets/{id}", "/tickets/{id}/diagram.bpmn"])
def test_requester_is_refused_another_persons_ticket(app, client, api, path):
    instance_id = walk_to_tier1(api, "SR-OTHER")  # reported by "requester"
    add_requester(app)
    sign_in(client, "lisi")
    response = client.get(path.format(id=instance_id))
    assert response.status_code == 403
    assert "打印机" not in response.get_data(as_text=True)
    assert "it_support_request" not in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["requester", "desk", "tier1", "pm"])
def test_reporter_and_staff_open_the_ticket_and_its_diagram(client, api, user):
    instance_id = walk_to_tier1(api, "SR-OPEN")
    sign_in(client, user)
    page = client.get(f"/tickets/{instance_id}")
    assert page.status_code == 200
    assert "SR-OPEN" in page.get_data(as_text=True)
    diagram = client.get(f"/tickets/{instance_id}/diagram.bpmn")
    assert diagram.status_code == 200
    assert diagram.mimetype == "application/xml"
    assert b'<bpmn:process id="it_support_request"' in diagram.data
    assert "private" in diagram.headers["Cache-Control"]


@pytest.mark.parametrize("language, name", [("zh", 'name="分类与首次处理"'), ("en", 'name="Classify request"')])
def test_diagram_names_are_in_the_reader_language_and_ids_stay(client, api, language, name):
    instance_id = walk_to_tier1(api, "SR-LANG")
    sign_in(client, "desk", language)
    diagram = client.get(f"/tickets/{instance_id}/diagram.bpmn").get_data(as_text=True)
    assert f'<bpmn:userTask id="classify_request" {name}' in diagram
    assert 'id="flow_needs_dispatch"' in diagram


def test_unknown_ticket_is_a_readable_404(client):
    sign_in(client, "desk")
    response = client.get("/tickets/no-such-ticket")
    assert response.status_code == 404
    assert "不存在" in response.get_data(as_text=True)


# ------------------------------------------------------------------ what the page shows
def test_ticket_view_shows_key_facts_with_readable_labels_in_both_languages(client, api):
    instance_id = walk_to_tier1(api, "SR-FACTS", vip=True, channel="portal")
    sign_in(client, "desk")
    zh = text_of(client.get(f"/tickets/{instance_id}"))
    for label, value in (("工单号", "SR-FACTS"), ("报障人", "张三"), ("联系方式", "13800000000"), ("部门", "财务部"),
                         ("受理渠道", "在线工单"), ("问题现象", "打印机无法打印"), ("请求类型", "故障"),
                         ("类别", "硬件"), ("优先级", "紧急"), ("处理组", "一线·硬件"), ("状态", "处理中")):
        assert re.search(f"{label} {value}", zh), (label, value)
    assert "VIP 用户 VIP" in zh
    assert "当前 一线诊断" in zh  # the open step
    sign_in(client, "desk", "en")
    en = text_of(client.get(f"/tickets/{instance_id}"))
    for label, value in (("Ticket number", "SR-FACTS"), ("Channel", "Web portal"), ("Request type", "Incident"),
                         ("Category", "Hardware"), ("Priority", "Urgent"), ("Assigned group", "Tier 1 · hardware")):
        assert f"{label} {value}" in en, (label, value)
    assert "Other details" in en and "Response due" in en  # every other variable follows, for staff
    assert "Response time limit 2 hours" in en  # an ISO duration (PT2H) in words


def test_history_says_who_did_what_when_with_which_data(client, api):
    instance_id = walk_to_callback(api, "tier2", "SR-HIST")
    sign_in(client, "desk")
    page = text_of(client.get(f"/tickets/{instance_id}"))
    assert "张三 (requester) 提交了报障" in page
    assert "服务台小王 (desk) 完成了 分类与首次处理" in page
    assert "一线李工 (tier 1) 完成了 一线诊断" in page
    assert "诊断结论 硬盘控制器报错，疑似主板故障" in page  # the data submitted with that step
    assert "系统自动完成了 升级至二线" in page  # automatic steps, for staff
    assert "处理工程师 二线赵工 (tier 2)" in page  # who requested completion
    assert "状态 已解决" in page
    sign_in(client, "desk", "en")
    page = text_of(client.get(f"/tickets/{instance_id}"))
    assert "服务台小王 (desk) completed Classify request" in page
    assert "Diagnosis 硬盘控制器报错" in page


def test_requester_reads_their_ticket_without_the_desks_internals(client, api):
    instance_id = walk_to_callback(api, "tier2", "SR-PRIVATE")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    sign_in(client, "requester")
    page = text_of(client.get(f"/tickets/{instance_id}"))
    assert "服务台小王 (desk) 完成了 分类与首次处理" in page
    assert "二线赵工 (tier 2) 完成了 二线处理" in page
    assert "解决方案 更换风扇" in page and "进展说明 已更换风扇，观察中" in page  # shared with the requester
    for internal in ("硬盘控制器报错", "主板南桥过热", "更换散热硅脂", "用户确认已恢复",  # diagnoses, callback note
                     "系统自动完成", "待处理", "VIP", "升级层级", "应响应时间"):
        assert internal not in page, internal
    assert "状态 已关闭" in page and "工单已关闭" in page


def test_markup_in_a_symptom_is_text_everywhere(client, api):
    instance_id = walk_to_tier1(api, "SR-XSS", symptom=MARKUP, already_tried="<script>alert(2)</script>")
    for user in ("requester", "desk"):
        sign_in(client, user)
        html = client.get(f"/tickets/{instance_id}").get_data(as_text=True)
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        portal = client.get("/portal").get_data(as_text=True)
        assert "<img src=x" not in portal


def test_diagram_state_marks_the_path_taken_and_the_current_step(client, api):
    instance_id = walk_to_tier1(api, "SR-PATH")
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
    sign_in(client, "desk")
    state = _diagram_state(client.get(f"/tickets/{instance_id}"))
    assert state["current"] == ["tier2_resolve"]  # the waiting boundary timer is not "current"
    assert {"classify_request", "tier1_diagnose", "escalate_to_tier2"} <= set(state["done"])
    assert {"flow_needs_dispatch", "flow_tier1_escalate", "flow_tier2_merge_to_resolve"} <= set(state["flows"])
    assert "flow_first_contact_resolved" not in state["flows"]
    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_RESOLVED)
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    state = _diagram_state(client.get(f"/tickets/{instance_id}"))
    assert state["current"] == []
    assert {"flow_tier2_resolved", "flow_callback_closed", "flow_close_to_end"} <= set(state["flows"])
    assert "flow_tier1_resolved" not in state["flows"]  # the merge was entered from tier 2, not tier 1


def _diagram_state(response) -> dict:
    import json
    block = re.search(r'<script type="application/json" id="diagram-state">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(block.group(1))


# ------------------------------------------------------------------ incidents: staff only
FAILING = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_failing" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="failing_ticket" name="failing ticket" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="notify_vendor" name="Notify vendor" camunda:type="external" camunda:topic="ticket_page_boom">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="notify_vendor" />
    <bpmn:sequenceFlow id="f2" sourceRef="notify_vendor" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def failing_ticket(api):
    def boom(ctx):
        raise RuntimeError("vendor mail server refused the connection at 10.0.0.7")

    register_handler("ticket_page_boom", boom)
    assert deploy(api, ("failing_ticket.bpmn", FAILING)).status_code == 200
    yield api.start("failing_ticket", {"symptom": "邮件无法发送"}, user="requester", business_key="SR-FAIL")
    unregister_handler("ticket_page_boom")


def test_incidents_are_shown_to_staff_only(client, failing_ticket):
    sign_in(client, "desk")
    staff = client.get(f"/tickets/{failing_ticket}")
    assert "vendor mail server refused" in text_of(staff)
    assert "异常" in text_of(staff) and "Notify vendor 执行出错" in text_of(staff)
    assert _diagram_state(staff)["incidents"] == ["notify_vendor"]
    sign_in(client, "requester")
    requester = client.get(f"/tickets/{failing_ticket}")
    assert requester.status_code == 200
    assert "vendor mail server" not in requester.get_data(as_text=True)
    assert "执行出错" not in text_of(requester)
    assert _diagram_state(requester)["incidents"] == []


def test_summary_and_timeline_alone_serve_other_pages_under_the_same_rules(app, api):
    """The task page shows a ticket's facts and history beside its form through these two calls."""
    from app.errors import Forbidden
    from app.services import ticket_view
    from app.services.users import Principal

    instance_id = walk_to_tier1(api, "SR-PARTS")
    add_requester(app)
    with app.app_context():
        summary = ticket_view.summary(new_uow(write=False), instance_id, Principal("tier1", frozenset({"tier1"})))
        assert summary.business_key == "SR-PARTS" and summary.state == "open"
        assert [step.activity_id for step in summary.open_steps] == ["tier1_diagnose"]
        reporter = Principal("requester", frozenset({"requester"}))
        entries = ticket_view.timeline(new_uow(write=False), instance_id, reporter)
        assert [entry.action for entry in entries] == ["instance_started", "task_completed"]
        with pytest.raises(Forbidden):
            ticket_view.timeline(new_uow(write=False), instance_id, Principal("lisi", frozenset({"requester"})))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_no_detail_of_a_ticket_is_labelled_with_a_raw_variable_name(client, api, language):
    """Every variable Flow 1 and its SLA clocks write has a label: a staff reader never sees ``response_warn_at``."""
    instance_id = walk_to_callback(api, "vendor", "SR-LABELS")
    sign_in(client, "desk", language)
    page = client.get(f"/tickets/{instance_id}").get_data(as_text=True)
    terms = [re.sub(r"<[^>]+>", "", term).strip() for term in re.findall(r"<dt[^>]*>(.*?)</dt>", page, re.S)]
    assert len(terms) > 30
    raw = sorted({term for term in terms if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", term)})
    assert raw == [], raw


def test_every_field_of_a_shipped_form_has_a_label_on_case_pages():
    """Case pages label a variable by ``FACT_LABELS``; a field a shipped form sets must not read as its key."""
    def keys(components):
        for component in components:
            if component.get("key"):
                yield component["key"]
            yield from keys(component.get("components", []))

    forms = sorted((Path(__file__).parents[2] / "forms").glob("*.form"))
    assert len(forms) > 10
    unlabelled = {form.name: missing for form in forms
                  if (missing := [key for key in keys(json.loads(form.read_text())["components"])
                                  if key not in FACT_LABELS])}
    assert unlabelled == {}
