"""Flow 1, the support request (DOMAIN.md), driven through /engine-rest from intake to its end.

One test per path of ``processes/it_support_request.bpmn``: answered at first contact; resolved by
tier 1, tier 2 or the vendor and closed at callback; sent back to the engineer who resolved it when
the callback finds it unsolved or records a complaint. Every step asserts the single open task, its
candidate groups and that the right person completes it; every path ends COMPLETED with the
variables the reports read. Around them: the priority table, refused escalations and ratings, and
people outside the candidate groups.
"""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

PROCESS = "it_support_request"

CLASSIFY = {"request_type": "incident", "category": "hardware", "resolved_at_first_contact": False}
TIER1_RESOLVED = {"tier1_outcome": "resolved", "diagnosis": "打印机驱动损坏", "attempted_steps": "重启打印机与电脑",
                  "cause": "驱动升级失败", "solution": "重装驱动", "steps": "卸载旧驱动，安装新驱动"}
TIER1_ESCALATE = {"tier1_outcome": "escalate", "diagnosis": "硬盘控制器报错，疑似主板故障",
                  "attempted_steps": "重新插拔硬盘线，更换电源"}
TIER2_RESOLVED = {"tier2_outcome": "resolved", "tier2_diagnosis": "主板南桥过热",
                  "tier2_attempted_steps": "更换散热硅脂", "cause": "散热不良", "solution": "更换风扇",
                  "progress_note": "已更换风扇，观察中"}
TIER2_ESCALATE = {"tier2_outcome": "escalate_vendor", "tier2_diagnosis": "主板固件缺陷",
                  "tier2_attempted_steps": "刷新固件到最新版本", "vendor_name": "联想",
                  "vendor_escalation_info": "型号 X1，序列号 ABC123，固件 1.2.3 下反复蓝屏",
                  "progress_note": "已提交厂商处理"}
VENDOR_RESOLVED = {"vendor_name": "联想", "vendor_case_no": "LN-2026-0042", "vendor_progress": "厂商远程诊断",
                   "vendor_resolution": "厂商提供补丁固件 1.2.4", "change_ref": "CHG-2026-001"}
SOLVED = {"callback_solved": "yes", "rating_attitude": 5, "rating_speed": 4, "rating_effect": 3,
          "callback_note": "用户确认已恢复"}
NOT_SOLVED = {"callback_solved": "no", "callback_note": "打印仍然失败"}
RATINGS = {"rating_attitude": 5, "rating_speed": 4, "rating_effect": 3}

#: Who works a ticket at each tier: the user task, its candidate groups (hardware ticket), the
#: user who completes it and values that resolve it there.
RESOLVER = {
    "tier1": ("tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED),
    "tier2": ("tier2_resolve", ["tier2"], "tier2", TIER2_RESOLVED),
    "vendor": ("track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED),
}
RESOLVER_GROUP = {"tier1": "tier1_hardware", "tier2": "tier2", "vendor": "vendor_liaison"}


def intake(**overrides: Any) -> dict[str, Any]:
    """Valid intake variables (the start form); a normal-priority hardware problem unless overridden."""
    values = {"requester": "张三", "contact": "13800000000", "department": "财务部", "channel": "hotline",
              "symptom": "打印机无法打印", "occurred_at": "2026-11-24T09:00:00+08:00",
              "impact_scope": "本人", "already_tried": "重启打印机", "impact": "low", "urgency": "low",
              "vip": False, "business_stopped": False}
    values.update(overrides)
    return values


def step(api, instance_id: str, activity_id: str, groups: list[str], user: str, values: dict[str, Any]) -> dict:
    """Assert the one open task and its candidate groups, complete it as ``user``; return the task."""
    task = api.only_task(instance_id, activity_id)
    assert task["candidateGroups"] == groups, task
    response = api.complete(task["id"], user, values)
    assert response.status_code == 204, response.get_json()
    return task


def walk_to_tier1(api, business_key: str, category: str = "hardware", **overrides: Any) -> str:
    """Start a request and have the desk classify and dispatch it; the tier-1 task is then open."""
    instance_id = api.start(PROCESS, intake(**overrides), user="requester", business_key=business_key)
    step(api, instance_id, "classify_request", ["service_desk"], "desk", {**CLASSIFY, "category": category})
    return instance_id


def walk_to_callback(api, tier: str, business_key: str) -> str:
    """Take a hardware ticket to the callback, resolved at ``tier`` (escalating on the way as needed)."""
    instance_id = walk_to_tier1(api, business_key)
    if tier == "tier1":
        step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_RESOLVED)
    else:
        step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
        if tier == "tier2":
            step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_RESOLVED)
        else:
            step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_ESCALATE)
            step(api, instance_id, "track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED)
    api.only_task(instance_id, "callback_rating")
    return instance_id


def activities(api, instance_id: str) -> list[dict]:
    response = api.get(f"/history/activity-instance?processInstanceId={instance_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def activity_ids(api, instance_id: str) -> list[str]:
    return [a["activityId"] for a in activities(api, instance_id)]


def workers(api, instance_id: str) -> list[tuple[str, str]]:
    """(user task, who completed it) in the order they were worked."""
    return [(a["activityId"], a["assignee"]) for a in activities(api, instance_id) if a["activityType"] == "userTask"]


def handler_results(api, instance_id: str, topic: str) -> list[dict]:
    """Results of every completed handler call of ``topic``, from the audit trail."""
    response = api.get(f"/history/audit/{instance_id}")
    assert response.status_code == 200, response.get_json()
    return [a["data"]["result"] for a in response.get_json()
            if a["action"] == "handler_completed" and a["data"].get("topic") == topic]


def assert_refused(api, instance_id: str, activity_id: str, user: str, values: dict, *fragments: str) -> None:
    """Submitting ``values`` is a 400 naming each fragment, and the task and variables stay as they were."""
    task = api.only_task(instance_id, activity_id)
    before = api.variables(instance_id)
    response = api.complete(task["id"], user, values)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["type"] == "InvalidRequestException"
    for fragment in fragments:
        assert fragment in response.get_json()["message"], response.get_json()
    assert api.only_task(instance_id, activity_id)["id"] == task["id"]
    assert api.variables(instance_id) == before


def as_list(value: Any) -> list:
    """A list variable; REST sends Json-typed values as JSON text."""
    return json.loads(value) if isinstance(value, str) else value


def assert_closed(api, instance_id: str) -> dict[str, Any]:
    """No task left, instance COMPLETED, ticket closed; returns the final variables."""
    assert api.tasks(instance_id) == []
    assert api.history_state(instance_id) == "COMPLETED"
    final = api.variables_after_end(instance_id)
    assert final["ticket_status"] == "closed"
    return final


# --------------------------------------------------------------------------- (a) first contact
def test_desk_resolves_at_first_contact(api):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-A")
    step(api, instance_id, "classify_request", ["service_desk"], "desk",
         {**CLASSIFY, "request_type": "consultation", "category": "software",
          "resolved_at_first_contact": True, "first_contact_answer": "在打印对话框中选择默认打印机"})

    final = assert_closed(api, instance_id)
    assert final["first_contact_resolution"] is True
    assert final["closed_by_callback"] is False
    assert final["kb_article_requested"] is False
    assert final["reopen_count"] == 0 and final["escalation_level"] == 0
    assert (final["priority"], final["response_sla"]) == ("normal", "PT8H")
    assert final["first_contact_answer"] == "在打印对话框中选择默认打印机"
    assert "tier1_group" not in final and "resolver_tier" not in final
    ids = activity_ids(api, instance_id)
    assert ids[-2:] == ["close_at_first_contact", "closed_at_first_contact"]
    for never in ("dispatch_to_tier1", "tier1_diagnose", "response_sla_timer", "callback_rating"):
        assert never not in ids, ids
    assert workers(api, instance_id) == [("classify_request", "desk")]
    assert handler_results(api, instance_id, "close_ticket") == [
        {"ticket_status": "closed", "closed_by_callback": False, "first_contact_resolution": True,
         "kb_article_requested": False}]


# --------------------------------------------------------------------------- (b) tier 1 resolves
@pytest.mark.parametrize("category, group, kb_candidate", [
    ("hardware", "tier1_hardware", True),
    ("software", "tier1_software", False),
    ("network", "tier1_network", False),
    ("other", "tier1", False),
])
def test_tier1_resolves_then_callback_closes(api, category, group, kb_candidate):
    instance_id = walk_to_tier1(api, f"SR-B-{category}", category=category)
    assert api.variables(instance_id)["tier1_group"] == group
    # the response SLA timer waits on the tier-1 task while the engineer works
    timer = [a for a in activities(api, instance_id) if a["activityId"] == "response_sla_timer"]
    assert [(a["activityType"], a["endTime"]) for a in timer] == [("boundaryEvent", None)]

    step(api, instance_id, "tier1_diagnose", [group], "tier1", {**TIER1_RESOLVED, "kb_candidate": kb_candidate})
    timer = [a for a in activities(api, instance_id) if a["activityId"] == "response_sla_timer"]
    assert [(a["endTime"] is not None, a["canceled"]) for a in timer] == [(True, True)]
    current = api.variables(instance_id)
    assert (current["ticket_status"], current["resolver_tier"], current["resolver_group"]) == \
        ("resolved", "tier1", group)

    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)

    final = assert_closed(api, instance_id)
    assert {k: final[k] for k in RATINGS} == RATINGS
    assert final["callback_solved"] == "yes" and final["closed_by_callback"] is True
    assert final["first_contact_resolution"] is False
    assert (final["resolver_tier"], final["resolver_group"], final["tier1_group"]) == ("tier1", group, group)
    assert final["kb_article_requested"] is kb_candidate
    assert final["reopen_count"] == 0 and final["escalation_level"] == 0
    assert "returned_reason" not in final
    assert final["cause"] == "驱动升级失败" and final["solution"] == "重装驱动"
    assert workers(api, instance_id) == [("classify_request", "desk"), ("tier1_diagnose", "tier1"),
                                         ("callback_rating", "desk")]
    ids = activity_ids(api, instance_id)
    assert ids[-2:] == ["close_ticket", "ticket_closed"]
    assert "tier2_resolve" not in ids and "return_to_engineer" not in ids


# --------------------------------------------------------------------------- (c) tier 2 resolves
def test_tier1_escalates_with_diagnosis_and_tier2_resolves(api):
    instance_id = walk_to_tier1(api, "SR-C")
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)

    current = api.variables(instance_id)
    assert (current["ticket_status"], current["escalation_level"]) == ("escalated", 1)
    assert current["diagnosis"] == TIER1_ESCALATE["diagnosis"]
    assert current["attempted_steps"] == TIER1_ESCALATE["attempted_steps"]
    assert handler_results(api, instance_id, "escalate_to_tier2") == [
        {"ticket_status": "escalated", "escalation_level": 1}]

    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_RESOLVED)
    current = api.variables(instance_id)
    assert (current["ticket_status"], current["resolver_tier"], current["resolver_group"]) == \
        ("resolved", "tier2", "tier2")

    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)

    final = assert_closed(api, instance_id)
    assert {k: final[k] for k in RATINGS} == RATINGS
    assert (final["resolver_tier"], final["resolver_group"], final["escalation_level"]) == ("tier2", "tier2", 1)
    assert final["diagnosis"] == TIER1_ESCALATE["diagnosis"]
    assert final["tier2_diagnosis"] == TIER2_RESOLVED["tier2_diagnosis"]
    assert final["kb_article_requested"] is False and final["reopen_count"] == 0
    assert workers(api, instance_id) == [("classify_request", "desk"), ("tier1_diagnose", "tier1"),
                                         ("tier2_resolve", "tier2"), ("callback_rating", "desk")]
    assert "track_vendor_case" not in activity_ids(api, instance_id)


# --------------------------------------------------------------------------- (d) vendor resolves
def test_tier2_escalates_to_vendor_who_resolves(api):
    instance_id = walk_to_tier1(api, "SR-D")
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_ESCALATE)

    current = api.variables(instance_id)
    assert (current["ticket_status"], current["escalation_level"]) == ("escalated", 2)
    assert current["vendor_escalation_info"] == TIER2_ESCALATE["vendor_escalation_info"]
    [escalated] = handler_results(api, instance_id, "escalate_to_vendor")
    assert (escalated["ticket_status"], escalated["escalation_level"]) == ("escalated", 2)
    assert [pause["reason"] for pause in escalated["sla_pauses"]] == ["vendor"]  # the resolution clock waits

    step(api, instance_id, "track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED)
    current = api.variables(instance_id)
    assert (current["ticket_status"], current["resolver_tier"], current["resolver_group"]) == \
        ("resolved", "vendor", "vendor_liaison")

    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)

    final = assert_closed(api, instance_id)
    assert {k: final[k] for k in RATINGS} == RATINGS
    assert (final["resolver_tier"], final["resolver_group"], final["escalation_level"]) == \
        ("vendor", "vendor_liaison", 2)
    assert (final["vendor_case_no"], final["change_ref"]) == ("LN-2026-0042", "CHG-2026-001")
    assert final["kb_article_requested"] is False and final["reopen_count"] == 0
    assert workers(api, instance_id) == [("classify_request", "desk"), ("tier1_diagnose", "tier1"),
                                         ("tier2_resolve", "tier2"), ("track_vendor_case", "vendor"),
                                         ("callback_rating", "desk")]


# --------------------------------------------------------------------------- (e) not solved
@pytest.mark.parametrize("tier", ["tier1", "tier2", "vendor"])
def test_not_solved_at_callback_returns_to_the_resolver(api, tier):
    activity_id, groups, user, resolved = RESOLVER[tier]
    instance_id = walk_to_callback(api, tier, f"SR-E-{tier}")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", NOT_SOLVED)  # no ratings: not asked

    api.only_task(instance_id, activity_id)  # back with the engineer who resolved it, nowhere else
    current = api.variables(instance_id)
    assert (current["ticket_status"], current["reopen_count"]) == ("reopened", 1)
    assert not RATINGS.keys() & current.keys()
    assert "回访未解决" in current["returned_reason"] and "打印仍然失败" in current["returned_reason"]
    assert "投诉" not in current["returned_reason"]
    returned = handler_results(api, instance_id, "return_to_engineer")
    assert len(returned) == 1  # the engineer's group was notified with the reason
    assert returned[0]["reopen_count"] == 1 and returned[0]["returned_reason"] == current["returned_reason"]

    step(api, instance_id, activity_id, groups, user, resolved)
    assert api.variables(instance_id)["resolver_tier"] == tier
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)

    final = assert_closed(api, instance_id)
    assert final["reopen_count"] == 1 and final["resolver_tier"] == tier
    assert final["resolver_group"] == RESOLVER_GROUP[tier]
    assert "回访未解决" in final["returned_reason"]
    assert {k: final[k] for k in RATINGS} == RATINGS and final["closed_by_callback"] is True
    assert len(handler_results(api, instance_id, "return_to_engineer")) == 1
    worked = [a for a, _ in workers(api, instance_id)]
    assert worked.count(activity_id) == 2 and worked.count("callback_rating") == 2
    assert worked[-3:] == ["callback_rating", activity_id, "callback_rating"]


# --------------------------------------------------------------------------- (f) complaint
@pytest.mark.parametrize("tier", ["tier1", "tier2"])
def test_complaint_at_callback_returns_to_the_resolver_with_it(api, tier):
    activity_id, groups, user, resolved = RESOLVER[tier]
    complaint = "工程师上门迟到两小时，且态度冷淡"
    instance_id = walk_to_callback(api, tier, f"SR-F-{tier}")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk",
         {"callback_solved": "yes", "rating_attitude": 1, "rating_speed": 2, "rating_effect": 4,
          "complaint": complaint})

    api.only_task(instance_id, activity_id)
    current = api.variables(instance_id)
    assert (current["ticket_status"], current["reopen_count"]) == ("reopened", 1)
    assert complaint in current["returned_reason"]
    assert "回访未解决" not in current["returned_reason"]  # it was solved; the complaint sent it back
    assert current["complaint"] == ""  # moved to the history, so the next callback starts clean
    assert as_list(current["complaints"]) == [complaint]
    assert len(handler_results(api, instance_id, "return_to_engineer")) == 1

    step(api, instance_id, activity_id, groups, user, resolved)
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)

    final = assert_closed(api, instance_id)
    assert final["reopen_count"] == 1 and final["resolver_tier"] == tier
    assert complaint in final["returned_reason"]
    assert as_list(final["complaints"]) == [complaint] and final["complaint"] == ""
    assert {k: final[k] for k in RATINGS} == RATINGS  # the last callback's ratings count


# --------------------------------------------------------------------------- priority
@pytest.mark.parametrize("overrides, priority, sla, number", [
    ({"vip": True, "impact": "low", "urgency": "low"}, "urgent", "PT2H", 100),
    ({"business_stopped": True, "impact": "low", "urgency": "low"}, "urgent", "PT2H", 100),
    ({"impact": "high", "urgency": "high"}, "urgent", "PT2H", 100),
    ({"impact": "medium", "urgency": "medium"}, "important", "PT4H", 75),
    ({"impact": "low", "urgency": "low"}, "normal", "PT8H", 50),
], ids=["vip", "business-stopped", "high-high", "medium-medium", "low-low"])
def test_priority_decision_sets_sla_and_task_priority(api, overrides, priority, sla, number):
    instance_id = api.start(PROCESS, intake(**overrides), user="requester", business_key="SR-P")
    current = api.variables(instance_id)
    assert (current["priority"], current["response_sla"]) == (priority, sla)
    assert api.only_task(instance_id, "classify_request")["priority"] == number

    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    task = api.only_task(instance_id, "tier1_diagnose")
    assert task["priority"] == number, task
    assert api.get(f"/task/{task['id']}").get_json()["priority"] == number


def test_urgent_tickets_lead_the_tier1_queue(api):
    normal = walk_to_tier1(api, "SR-Q-normal")
    important = walk_to_tier1(api, "SR-Q-important", impact="medium", urgency="medium")
    vip = walk_to_tier1(api, "SR-Q-vip", vip=True)
    queue = api.get("/task?candidateGroup=tier1_hardware", user="tier1").get_json()
    assert [t["processInstanceId"] for t in queue] == [vip, important, normal]
    assert [t["priority"] for t in queue] == [100, 75, 50]


# --------------------------------------------------------------------------- refused input
@pytest.mark.parametrize("change, field", [
    ({"diagnosis": None}, "diagnosis"),
    ({"diagnosis": "   "}, "diagnosis"),
    ({"attempted_steps": None}, "attempted_steps"),
    ({"attempted_steps": ""}, "attempted_steps"),
    ({"attempted_steps": "试过"}, "attempted_steps"),  # shorter than 5 characters
])
def test_escalation_without_diagnosis_or_steps_is_refused(api, change, field):
    instance_id = walk_to_tier1(api, "SR-R")
    values = {k: v for k, v in {**TIER1_ESCALATE, **change}.items() if v is not None}
    assert_refused(api, instance_id, "tier1_diagnose", "tier1", values, f"'{field}'")
    assert handler_results(api, instance_id, "escalate_to_tier2") == []
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)  # fixed: accepted
    api.only_task(instance_id, "tier2_resolve")


@pytest.mark.parametrize("field, value", [
    ("rating_attitude", 6), ("rating_speed", 6), ("rating_effect", 6), ("rating_effect", 0),
])
def test_rating_out_of_range_is_refused(api, field, value):
    instance_id = walk_to_callback(api, "tier1", "SR-S")
    assert_refused(api, instance_id, "callback_rating", "desk", {**SOLVED, field: value}, f"'{field}'")
    assert api.history_state(instance_id) == "ACTIVE"


def test_ratings_sent_with_not_solved_are_dropped(api):
    instance_id = walk_to_callback(api, "tier1", "SR-V")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", {**RATINGS, **NOT_SOLVED})

    api.only_task(instance_id, "tier1_diagnose")
    assert not RATINGS.keys() & api.variables(instance_id).keys()
    audit = api.get(f"/history/audit/{instance_id}").get_json()
    stored = [a["data"]["variables"] for a in audit
              if a["action"] == "task_completed" and a["activityId"] == "callback_rating"]
    assert stored == [NOT_SOLVED]


def test_solved_without_ratings_is_refused_naming_each_rating(api):
    instance_id = walk_to_callback(api, "tier1", "SR-W")
    assert_refused(api, instance_id, "callback_rating", "desk",
                   {"callback_solved": "yes", "callback_note": "用户确认已恢复"},
                   *(f"field '{field}': required" for field in RATINGS))
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)  # rated: accepted
    assert_closed(api, instance_id)


@pytest.mark.parametrize("change, field", [
    ({"vendor_name": None}, "vendor_name"),
    ({"vendor_name": "  "}, "vendor_name"),
    ({"vendor_escalation_info": None}, "vendor_escalation_info"),
    ({"vendor_escalation_info": "见上"}, "vendor_escalation_info"),  # shorter than 5 characters
])
def test_vendor_escalation_without_vendor_details_is_refused(api, change, field):
    instance_id = walk_to_tier1(api, "SR-X")
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
    values = {k: v for k, v in {**TIER2_ESCALATE, **change}.items() if v is not None}
    assert_refused(api, instance_id, "tier2_resolve", "tier2", values, f"'{field}'")
    assert handler_results(api, instance_id, "escalate_to_vendor") == []
    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_ESCALATE)  # fixed: accepted
    api.only_task(instance_id, "track_vendor_case")


def test_vendor_details_sent_when_tier2_resolves_are_dropped(api):
    instance_id = walk_to_tier1(api, "SR-Y")
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", {**TIER2_RESOLVED, "vendor_name": "联想"})

    api.only_task(instance_id, "callback_rating")
    assert "vendor_name" not in api.variables(instance_id)


def test_people_outside_the_candidate_groups_are_forbidden(api):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-T")

    def refused(activity_id: str, user: str, values: dict[str, Any]) -> None:
        task = api.only_task(instance_id, activity_id)
        response = api.complete(task["id"], user, values)
        assert response.status_code == 403, (user, response.get_json())
        assert response.get_json()["type"] == "AuthorizationException"
        claim = api.post(f"/task/{task['id']}/claim", user=user, json={})
        assert claim.status_code == 403, (user, claim.get_json())
        assert api.only_task(instance_id, activity_id)["id"] == task["id"]

    refused("classify_request", "requester", CLASSIFY)
    refused("classify_request", "tier1", CLASSIFY)
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    refused("tier1_diagnose", "tier2", TIER1_ESCALATE)
    refused("tier1_diagnose", "desk", TIER1_ESCALATE)
    step(api, instance_id, "tier1_diagnose", ["tier1_hardware"], "tier1", TIER1_ESCALATE)
    refused("tier2_resolve", "tier1", TIER2_ESCALATE)
    step(api, instance_id, "tier2_resolve", ["tier2"], "tier2", TIER2_ESCALATE)
    refused("track_vendor_case", "tier2", VENDOR_RESOLVED)
    step(api, instance_id, "track_vendor_case", ["vendor_liaison"], "vendor", VENDOR_RESOLVED)
    refused("callback_rating", "requester", SOLVED)
    refused("callback_rating", "vendor", SOLVED)
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", SOLVED)
    assert_closed(api, instance_id)


def test_tier1_task_in_another_skill_group_is_not_offered(api):
    instance_id = walk_to_tier1(api, "SR-U", category="network")
    task = api.only_task(instance_id, "tier1_diagnose")
    assert task["candidateGroups"] == ["tier1_network"]
    offered = {t["id"] for t in api.get("/task?candidateGroup=tier1_hardware", user="tier1").get_json()}
    assert task["id"] not in offered
    assert task["id"] in {t["id"] for t in api.get("/task?candidateUser=tier1", user="tier1").get_json()}
    assert task["id"] not in {t["id"] for t in api.get("/task?candidateUser=tier2", user="tier2").get_json()}


def test_blank_complaint_is_no_complaint(api):
    instance_id = walk_to_callback(api, "tier1", "SR-V")
    step(api, instance_id, "callback_rating", ["service_desk"], "desk", {**SOLVED, "complaint": "   "})
    final = assert_closed(api, instance_id)
    assert final["reopen_count"] == 0


def test_a_ticket_started_over_rest_without_a_business_key_gets_a_ticket_number(api):
    """A Camunda client (a mail gateway, say) may leave businessKey out; people still need a number to quote."""
    unnamed = api.get(f"/process-instance/{api.start(PROCESS, intake(), user='requester')}").get_json()
    assert re.fullmatch(r"SD-\d{8}-\d{4}", unnamed["businessKey"]), unnamed
    following = api.get(f"/process-instance/{api.start(PROCESS, intake(), user='requester')}").get_json()
    assert following["businessKey"][:-4] == unnamed["businessKey"][:-4]
    assert int(following["businessKey"][-4:]) == int(unnamed["businessKey"][-4:]) + 1
    named = api.get(f"/process-instance/{api.start(PROCESS, intake(), user='requester', business_key='MAIL-7')}")
    assert named.get_json()["businessKey"] == "MAIL-7"  # a key the client gives is kept and draws no number
