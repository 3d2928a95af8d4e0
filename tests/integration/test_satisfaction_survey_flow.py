"""Flow 5, the satisfaction survey (DOMAIN.md), every path of ``processes/satisfaction_survey.bpmn``.

The service department opens a campaign; every requester with a ticket closed in its period gets one
questionnaire; at the closing time the means are compared with decision ``satisfaction_targets``
(technical 4.0, response 4.0, resolution 4.0, attitude 4.5, communication 4.0). All on target → no
actions; dimensions below → one improvement action each, planned, carried out and closed; an action
past its due day → its group and the service department are reminded while the work goes on. Each
REST step loads the instance from the database and saves it again.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import ImprovementAction, SatisfactionCampaign, SatisfactionResponse
from app.models import Notification
from app.services import satisfaction
from app.services.users import Principal
from app.store import database
from scheduler import tick
from tests.integration.test_support_request_flow import activity_ids, step
from tests.satisfaction_helpers import (ALL_FIVES, CAMPAIGN, SHANGHAI, campaign_form, close_tickets, day, november,
                                       rows)

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2026, 12, 11, 0, 0, tzinfo=SHANGHAI)   # the end of 10 December
REQUESTER = Principal("requester", frozenset({"requester"}))
VIP = Principal("vip", frozenset({"requester", "vip"}))


def _answer(app, who: Principal, **scores: int) -> None:
    [row] = rows(app, SatisfactionResponse, SatisfactionResponse.requester == who.id)
    satisfaction.answer(UnitOfWork(database(app)), who, row.id, {**ALL_FIVES, **scores, "comment": "谢谢"})


def _open_campaign(app, api) -> str:
    """Two requesters with tickets closed in November (one twice), one outside it, one by the desk for nobody."""
    close_tickets(app, ("SD-20261103-0001", "requester", november(3)), ("SD-20261120-0002", "requester", november(20)),
                  ("SD-20261130-0003", "vip", november(30, 23)), ("SD-20261201-0004", "vip", OPENED),
                  ("SD-20261105-0005", "王五", november(5)))
    instance_id = api.start(CAMPAIGN, campaign_form(), user="servicedept")
    variables = api.variables(instance_id)
    assert variables["invited"] == 2 and variables["campaign_closes_at"] == CLOSES.isoformat()
    assert [t["taskDefinitionKey"] for t in api.tasks(instance_id)] == []   # waiting for the closing time
    return instance_id


def _close(app, advance, instance_id: str) -> None:
    advance(CLOSES - OPENED - timedelta(minutes=1))
    tick(app)
    assert "analyse_satisfaction" not in activity_ids(api_of(app), instance_id)
    advance(timedelta(minutes=2))
    tick(app)


def api_of(app):
    from tests.conftest import Api
    return Api(app.test_client())


def _told(app, group: str, subject: str) -> list[Notification]:
    with UnitOfWork(database(app), write=False) as uow:
        found = list(uow.session.scalars(select(Notification).where(Notification.group_id == group,
                                                                   Notification.subject == subject)))
        uow.session.expunge_all()
        return found




@pytest.fixture(autouse=True)
def without_weekly_sampling(api) -> None:
    """The shipped Monday sampling would fire while these tests move the clock over days; it has its own tests."""
    response = api.put("/process-definition/key/callback_sampling_survey/suspended", user="admin",
                       json={"suspended": True, "includeProcessInstances": False})
    assert response.status_code == 204, response.get_json()

@pytest.fixture
def backend() -> str:
    """SQLite for most paths; the test marked for both backends shows the averages and JSON columns on PostgreSQL."""
    return "sqlite"

def test_all_dimensions_on_target_close_the_campaign_without_actions(app, api):
    with clock.frozen(OPENED) as advance:
        instance_id = _open_campaign(app, api)
        [campaign] = rows(app, SatisfactionCampaign)
        assert (campaign.title, campaign.state, campaign.invited) == ("2026年11月客户满意度调查", "open", 2)
        assert campaign.targets == {"technical": 4.0, "response": 4.0, "resolution": 4.0, "attitude": 4.5,
                                    "communication": 4.0}
        assert sorted(r.requester for r in rows(app, SatisfactionResponse)) == ["requester", "vip"]
        _answer(app, REQUESTER)
        _answer(app, VIP, technical=4, attitude=4)
        _close(app, advance, instance_id)

    assert api.history_state(instance_id) == "COMPLETED"
    assert "improvement_actions" not in activity_ids(api, instance_id)
    assert rows(app, ImprovementAction) == []
    [campaign] = rows(app, SatisfactionCampaign)
    assert campaign.state == "closed" and campaign.means == {"technical": 4.5, "response": 5.0, "resolution": 5.0,
                                                             "attitude": 4.5, "communication": 5.0}
    [summary] = _told(app, "service_dept", "Satisfaction survey %(campaign)s: results")
    assert summary.params["responses"] == "2" and summary.params["actions"] == "0"


def _plans(api, instance_id: str) -> dict[str, dict]:
    """The open plan tasks, by the dimension each one is about."""
    tasks = [t for t in api.tasks(instance_id) if t["taskDefinitionKey"] == "plan_improvement_action"]
    assert all(t["candidateGroups"] == ["service_dept"] for t in tasks), tasks
    return {api.get(f"/task/{t['id']}/variables/dimension").get_json()["value"]: t for t in tasks}


def _carry_out(api, instance_id: str, group: str) -> dict:
    [task] = [t for t in api.tasks(instance_id) if t["taskDefinitionKey"] == "carry_out_improvement_action"
              and t["candidateGroups"] == [group]]
    return task


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_dimensions_below_target_get_two_actions_tracked_to_done(app, api):
    with clock.frozen(OPENED) as advance:
        instance_id = _open_campaign(app, api)
        _answer(app, REQUESTER, response=3, communication=3)
        _answer(app, VIP, response=4, communication=4)
        _close(app, advance, instance_id)

        plans = _plans(api, instance_id)
        assert sorted(plans) == ["communication", "response"]
        assert json.loads(api.variables(instance_id)["satisfaction_means"])["response"] == 3.5
        plan = {"improvement_measure": "一线工程师接单后15分钟内电话联系报障人", "action_owner_group": "tier1",
                "action_due_on": "2026-12-31"}
        assert api.complete(plans["response"]["id"], "servicedept", plan).status_code == 204
        assert api.complete(plans["communication"]["id"], "servicedept",
                            {**plan, "improvement_measure": "每周向用户通报处理进度", "action_owner_group": "service_desk"}
                            ).status_code == 204
        open_actions = {a.dimension: a for a in rows(app, ImprovementAction)}
        assert {d: (a.state, a.owner_group, a.mean, a.target) for d, a in open_actions.items()} == {
            "response": ("open", "tier1", 3.5, 4.0), "communication": ("open", "service_desk", 3.5, 4.0)}
        assert len(_told(app, "tier1", "Improvement action for %(dimension)s")) == 1

        tier1_task = _carry_out(api, instance_id, "tier1")
        assert api.complete(tier1_task["id"], "desk", {"action_result": "已落实"}).status_code == 403
        assert api.complete(tier1_task["id"], "tier1", {"action_result": "已建立回访提醒，响应时间缩短"}).status_code == 204
        assert {a.dimension: a.state for a in rows(app, ImprovementAction)} == {"response": "done",
                                                                              "communication": "open"}
        assert api.history_state(instance_id) == "ACTIVE"
        desk_task = _carry_out(api, instance_id, "service_desk")
        assert api.complete(desk_task["id"], "desk", {"action_result": "每周五发送进度邮件"}).status_code == 204

    assert api.history_state(instance_id) == "COMPLETED"
    actions = rows(app, ImprovementAction)
    assert all(a.state == "done" and a.done_at is not None and a.reminded_at is None for a in actions)
    assert {a.result for a in actions} == {"已建立回访提醒，响应时间缩短", "每周五发送进度邮件"}
    [campaign] = rows(app, SatisfactionCampaign)
    assert campaign.state == "closed"
    [summary] = _told(app, "service_dept", "Satisfaction survey %(campaign)s: results")
    assert summary.params["actions"] == "2"

    # what the monthly report will read: the answers given and actions created in December
    expected = {name: (ALL_FIVES[name] + score) / 2 for name, score in
                {**ALL_FIVES, "response": 4, "communication": 4}.items()}
    expected.update(response=(3 + 4) / 2, communication=(3 + 4) / 2)
    december = satisfaction.period_results(UnitOfWork(database(app), write=False), day("2026-12-01"),
                                           day("2026-12-31"))
    assert december == {"from": "2026-12-01", "to": "2026-12-31", "responses": 2, "means": expected,
                        "callback_samples": 0, "actions": {"open": 0, "done": 2}}
    november = satisfaction.period_results(UnitOfWork(database(app), write=False), day("2026-11-01"),
                                           day("2026-11-30"))
    assert november["responses"] == 0 and set(november["means"].values()) == {None}


def test_an_overdue_action_reminds_its_group_and_the_service_department_and_work_goes_on(app, api):
    with clock.frozen(OPENED) as advance:
        instance_id = _open_campaign(app, api)
        _answer(app, REQUESTER, attitude=4)
        _close(app, advance, instance_id)
        [plan] = _plans(api, instance_id).values()
        assert api.complete(plan["id"], "servicedept", {"improvement_measure": "服务态度专项培训",
                                                        "action_owner_group": "tier2",
                                                        "action_due_on": "2026-12-15"}).status_code == 204
        due = datetime(2026, 12, 16, 0, 0, tzinfo=SHANGHAI)
        advance(due - clock.now() - timedelta(minutes=1))
        tick(app)
        assert _told(app, "tier2", "Improvement action for %(dimension)s is overdue") == []
        advance(timedelta(minutes=2))
        tick(app)
        assert len(_told(app, "tier2", "Improvement action for %(dimension)s is overdue")) == 1
        assert len(_told(app, "service_dept", "Improvement action for %(dimension)s is overdue")) == 1
        [action] = rows(app, ImprovementAction)
        assert action.state == "open" and action.reminded_at is not None
        step(api, instance_id, "carry_out_improvement_action", ["tier2"], "tier2", {"action_result": "培训已完成"})

    assert api.history_state(instance_id) == "COMPLETED"
    [action] = rows(app, ImprovementAction)
    assert (action.dimension, action.state) == ("attitude", "done")


def test_a_period_that_ends_before_it_starts_stops_at_the_opening_with_an_incident_naming_it(app, api):
    with clock.frozen(OPENED):
        instance_id = api.start(CAMPAIGN, campaign_form(period_start="2026-11-30", period_end="2026-11-01"),
                                user="servicedept")
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "open_satisfaction_campaign"
    assert "period_end 2026-11-01 is before period_start 2026-11-30" in incident["incidentMessage"]
    assert rows(app, SatisfactionCampaign) == [] and rows(app, SatisfactionResponse) == []
