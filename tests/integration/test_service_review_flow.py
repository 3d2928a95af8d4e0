"""Flow 4, service review (DOMAIN.md): each way a review starts, and each path to its report.

Every path of ``processes/service_review.bpmn``: opened by the semiannual timer (at 09:00 on 1 January
and 1 July, not a second before), asked for by sales around a contract change (additional) or by the
project manager at the customer's request (ad hoc); the checklist refuses an input neither provided nor
explained; the minutes reach every member of each department taking part by real mail; the contract or
plan is revised where the meeting agreed, and not otherwise. Each step is a separate request, so the
instance is saved and loaded again between steps.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import clock
from app.db import UnitOfWork
from app.domain import ReviewMinutes, ServiceReview
from app.errors import Forbidden
from app.models import Notification, ProcessInstance, StartTimer
from app.services import service_reviews
from app.services.users import Principal
from app.store import database
from app.domain.reviews import REVIEW_INPUTS
from scheduler import tick
from tests.integration.notify_helpers import relay_pass, smtp  # noqa: F401 - fixture
from tests.conftest import typed
from tests.integration.test_support_request_flow import activity_ids

PROCESS = "service_review"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PM = ["project_manager"]
ADDITIONAL = {"review_kind": "additional", "contract_phase": "before", "contract_change_ref": "HT-2027-003",
              "change_summary": "服务范围增加两个分支机构的桌面运维"}
AD_HOC = {"review_kind": "ad_hoc", "customer_contact": "客户信息部李经理",
          "customer_request": "近两个月网络故障较多，要求召开专题评审", "planned_on": "2027-03-10"}
STAKEHOLDERS = {"stakeholder_groups": ["tier2", "sales"], "customer_participants": "客户信息部李经理",
                "supplier_participants": "网络设备厂商王工", "planned_on": "2027-01-08"}
INPUTS_READY = {**{f"input_{item}": "provided" for item in REVIEW_INPUTS},
                "input_scope_changes": "not_applicable", "input_scope_changes_note": "本期没有范围变更"}
MEETING = {"held_on": "2027-01-08", "venue": "三楼会议室"}
ACTIONS = "补充夜间值班人员；服务部周；2027-01-31\n更新网络设备备件清单；二线赵工；2027-02-15"


def minutes(revision: bool) -> dict[str, Any]:
    values = {"attendees": "项目经理陈、销售吴、二线赵工、客户李经理", "decisions": "夜间响应时间纳入合同附件",
              "actions": ACTIONS, "revision_agreed": "yes" if revision else "no"}
    return {**values, "revision_scope": "合同附件二：夜间响应时间改为 1 小时"} if revision else values


REVISED = {"revised_documents": ["service_contract"], "revision_summary": "合同附件二已修订并经双方确认",
           "revision_ref": "HT-2027-003-A1"}
REPORT = {"report_summary": "服务整体达标；夜间响应需加强，已修订合同附件。", "next_review_focus": "夜间响应达标率"}


def complete(api, task_id: str, user: str, values: dict[str, Any]):
    """Complete a task over REST; lists (checklists) go as Camunda Json values."""
    variables = {name: {"value": json.dumps(value, ensure_ascii=False), "type": "Json"} if isinstance(value, list)
                 else typed({name: value})[name] for name, value in values.items()}
    return api.post(f"/task/{task_id}/complete", user=user, json={"variables": variables})


def step(api, instance_id: str, activity_id: str, groups: list[str], user: str, values: dict[str, Any]) -> None:
    """Assert the one open task and its candidate groups, and complete it as ``user``."""
    task = api.only_task(instance_id, activity_id)
    assert task["candidateGroups"] == groups, task
    response = complete(api, task["id"], user, values)
    assert response.status_code == 204, response.get_json()


def assert_refused(api, instance_id: str, activity_id: str, user: str, values: dict, *fragments: str) -> None:
    """Submitting ``values`` is a 400 naming each fragment, and the task and variables stay as they were."""
    task = api.only_task(instance_id, activity_id)
    before = api.variables(instance_id)
    response = complete(api, task["id"], user, values)
    assert response.status_code == 400, response.get_json()
    for fragment in fragments:
        assert fragment in response.get_json()["message"], response.get_json()
    assert api.only_task(instance_id, activity_id)["id"] == task["id"] and api.variables(instance_id) == before


def request(app, user: str, groups: set[str], values: dict[str, Any]) -> str:
    """Ask for a review as the request page does (the service the page calls); the new instance's id."""
    with app.app_context():
        started = service_reviews.request_review(UnitOfWork(database(app)), Principal(user, frozenset(groups)),
                                                 dict(values))
        return started.id


def review_row(app, instance_id: str) -> tuple[ServiceReview, list[ReviewMinutes]]:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        row = uow.session.get(ServiceReview, instance_id)
        minutes_rows = list(uow.session.scalars(select(ReviewMinutes)
                                                .where(ReviewMinutes.review_instance_id == instance_id)))
        uow.session.expunge_all()
        return row, minutes_rows


def prepare_and_meet(api, instance_id: str, revision: bool) -> None:
    """Stakeholders, inputs, meeting and minutes: the project manager's steps up to the minutes being sent."""
    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    step(api, instance_id, "hold_review_meeting", PM, "pm", MEETING)
    step(api, instance_id, "record_review_minutes", PM, "pm", minutes(revision))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_semiannual_review_opens_at_nine_on_the_first_of_january_and_not_before(app, api):
    due = datetime(2027, 1, 1, 9, tzinfo=SHANGHAI)
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        [timer] = uow.session.scalars(select(StartTimer).where(StartTimer.process_key == PROCESS))
    assert (timer.activity_id, timer.due_at) == ("semiannual_review_due", due)
    with clock.frozen(due - timedelta(seconds=1)) as advance:
        tick(app)
        assert _instances(app) == []
        advance(timedelta(seconds=1))
        tick(app)
        [instance_id] = _instances(app)
        tick(app)
        assert _instances(app) == [instance_id]  # one occurrence, one review
        with app.app_context(), UnitOfWork(database(app), write=False) as uow:
            assert uow.session.get(StartTimer, timer.id).due_at == datetime(2027, 7, 1, 9, tzinfo=SHANGHAI)
        row, _ = review_row(app, instance_id)
        assert (row.kind, row.state, row.requested_by, row.reason) == ("semiannual", "opened", None, None)
        assert _told(app, "project_manager", "Semiannual service review due") == 1
        prepare_and_meet(api, instance_id, revision=False)
        step(api, instance_id, "write_review_report", PM, "pm", REPORT)
    assert api.history_state(instance_id) == "COMPLETED"
    assert "revise_contract_plan" not in activity_ids(api, instance_id)
    row, [minutes_row] = review_row(app, instance_id)
    assert (row.state, row.revision_agreed, row.revision_summary) == ("reported", False, None)
    assert row.held_on == date(2027, 1, 8) and row.report_summary == REPORT["report_summary"]


def _instances(app) -> list[str]:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(ProcessInstance.id).where(ProcessInstance.definition_key == PROCESS)))


def _told(app, group: str, subject: str) -> int:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        return uow.session.scalar(select(func.count(Notification.id)).where(Notification.group_id == group,
                                                                            Notification.subject == subject))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_an_additional_review_with_a_revision_mails_the_minutes_to_each_department(app, api, smtp):  # noqa: F811
    inbox, settings = smtp
    instance_id = request(app, "sales", {"sales"}, ADDITIONAL)
    row, _ = review_row(app, instance_id)
    assert (row.kind, row.contract_phase, row.contract_change_ref, row.requested_by) == \
        ("additional", "before", "HT-2027-003", "sales")
    assert row.reason == ADDITIONAL["change_summary"]

    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    row, _ = review_row(app, instance_id)
    assert row.state == "prepared" and row.planned_on == date(2027, 1, 8)
    assert row.stakeholders == {"groups": ["tier2", "sales"], "customer": "客户信息部李经理",
                                "suppliers": "网络设备厂商王工"}
    assert row.inputs["scope_changes"] == {"state": "not_applicable", "note": "本期没有范围变更"}
    assert row.inputs["service_contract"] == {"state": "provided", "note": None}
    step(api, instance_id, "hold_review_meeting", PM, "pm", MEETING)
    relay_pass(app, settings)
    inbox.messages.clear()  # what came before the minutes (the project manager's notice)
    step(api, instance_id, "record_review_minutes", PM, "pm", minutes(revision=True))

    row, [minutes_row] = review_row(app, instance_id)
    assert (row.state, row.revision_agreed, row.held_on) == ("minuted", True, date(2027, 1, 8))
    assert minutes_row.actions == [
        {"action": "补充夜间值班人员", "owner": "服务部周", "due": "2027-01-31"},
        {"action": "更新网络设备备件清单", "owner": "二线赵工", "due": "2027-02-15"}]
    assert (minutes_row.recorded_by, minutes_row.distributed_to) == ("pm", ["tier2", "sales"])
    assert minutes_row.distributed_at is not None

    # members: tier2 (tier2, admin), sales (sales, admin): admin gets one mail per department
    assert relay_pass(app, settings) == 4
    for address in ("tier2@example.com", "sales@example.com"):
        [mail] = inbox.to(address)
        assert mail["Subject"] == "2027-01-08 服务评审会议纪要"
        body = mail.get_content()
        assert "夜间响应时间纳入合同附件" in body and "补充夜间值班人员 (服务部周, 2027-01-31)" in body
    assert len(inbox.to("admin@example.com")) == 2 and inbox.to("pm@example.com") == []

    step(api, instance_id, "revise_contract_plan", ["sales", "project_manager"], "sales", REVISED)
    step(api, instance_id, "write_review_report", PM, "pm", REPORT)
    assert api.history_state(instance_id) == "COMPLETED"
    row, _ = review_row(app, instance_id)
    assert (row.state, row.revision_summary) == ("reported", REVISED["revision_summary"])
    assert row.reported_at is not None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_ad_hoc_review_at_the_customers_request_needs_no_revision(app, api):
    instance_id = request(app, "pm", {"project_manager"}, AD_HOC)
    row, _ = review_row(app, instance_id)
    assert (row.kind, row.contract_phase, row.contract_change_ref) == ("ad_hoc", None, None)
    assert row.reason == "客户信息部李经理: 近两个月网络故障较多，要求召开专题评审"
    assert row.planned_on == date(2027, 3, 10)
    assert _told(app, "project_manager", "Service review requested") == 1
    prepare_and_meet(api, instance_id, revision=False)
    assert api.only_task(instance_id, "write_review_report")  # no revision step on the way
    step(api, instance_id, "write_review_report", PM, "pm", REPORT)
    assert "revise_contract_plan" not in activity_ids(api, instance_id)
    assert review_row(app, instance_id)[0].state == "reported"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_only_the_groups_of_each_kind_may_ask_for_it(app):
    with pytest.raises(Forbidden):
        request(app, "requester", {"requester"}, AD_HOC)
    with pytest.raises(Forbidden):
        request(app, "sales", {"sales"}, AD_HOC)  # sales ask for additional reviews only
    with pytest.raises(Forbidden):
        request(app, "desk", {"service_desk"}, ADDITIONAL)
    assert request(app, "desk", {"service_desk"}, AD_HOC)
    assert _instances(app) and len(_instances(app)) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_checklist_refuses_an_input_neither_provided_nor_explained(app, api):
    instance_id = request(app, "sales", {"sales"}, {**ADDITIONAL, "contract_phase": "after"})
    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    missing = {key: value for key, value in INPUTS_READY.items() if key != "input_schedule"}
    assert_refused(api, instance_id, "gather_review_inputs", "pm", missing, "input_schedule", "required")
    unexplained = {**INPUTS_READY, "input_project_plan": "not_applicable"}
    assert_refused(api, instance_id, "gather_review_inputs", "pm", unexplained, "input_project_plan_note")
    assert_refused(api, instance_id, "gather_review_inputs", "pm", {**INPUTS_READY, "input_schedule": "maybe"},
                   "input_schedule")
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    assert review_row(app, instance_id)[0].state == "prepared"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_minutes_need_actions_with_owner_and_date_and_a_revision_needs_its_scope(app, api):
    instance_id = request(app, "pm", {"project_manager"}, AD_HOC)
    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    step(api, instance_id, "hold_review_meeting", PM, "pm", MEETING)
    assert_refused(api, instance_id, "record_review_minutes", "pm",
                   {**minutes(False), "actions": "补充夜间值班人员，尽快"}, "actions")
    assert_refused(api, instance_id, "record_review_minutes", "pm",
                   {**minutes(False), "actions": "补充夜间值班人员；服务部周；2027-13-01"}, "actions")
    no_scope = {key: value for key, value in minutes(True).items() if key != "revision_scope"}
    assert_refused(api, instance_id, "record_review_minutes", "pm", no_scope, "revision_scope")
    task = api.only_task(instance_id, "record_review_minutes")
    assert complete(api, task["id"], "tier2", minutes(False)).status_code == 403  # the project manager's step
    step(api, instance_id, "record_review_minutes", PM, "pm", minutes(True))
    assert complete(api, api.only_task(instance_id, "revise_contract_plan")["id"], "tier2", REVISED).status_code == 403
    step(api, instance_id, "revise_contract_plan", ["sales", "project_manager"], "pm", REVISED)
    step(api, instance_id, "write_review_report", PM, "pm", REPORT)
    assert api.history_state(instance_id) == "COMPLETED"
