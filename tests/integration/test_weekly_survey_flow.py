"""Flow 3, the weekly survey report (DOMAIN.md; 周调查报告), from the Friday timer to the Monday meeting.

Every path of ``processes/weekly_survey.bpmn``: all departments answer in time; one is overdue → its
owner group and the project manager are reminded while the survey stays open; an open item left
unresolved → 问责 against the ticket's engineer (or the problem's owner); a new problem → a Flow-1
ticket; a complaint → a Flow-2 complaint; the meeting gives the open problems owners, and next
week's survey offers them again. The departments come from decision ``survey_departments``: a
department added there is surveyed the next week. The meeting and the deadline follow the working
calendar (holiday Mondays, make-up Saturdays). SQLite only: nothing here depends on the database.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import Accountability, Complaint, SurveyAnswer, SurveyItem, Ticket
from app.models import Notification, ProcessInstance, StartTimer
from app.store import database
from app.workcal import WorkCalendar
from handlers.weekly_survey import meeting_and_deadline
from scheduler import tick
from tests.helpers import deploy
from tests.integration.signed_in import sign_in

ROOT = Path(__file__).resolve().parents[2]
PROCESS = "weekly_survey"
SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNERS = {"财务部": "service_desk", "人事部": "service_desk", "生产部": "tier1_hardware"}
USER_OF = {"service_desk": "desk", "tier1_hardware": "tier1"}
OVERDUE = "Weekly survey of %(department)s is overdue"


@pytest.fixture
def backend() -> str:
    return "sqlite"


def typed(values: dict[str, Any]) -> dict[str, dict]:
    """REST typed variables; lists (the checklists) as Json."""
    kinds = {bool: "Boolean", str: "String", list: "Json"}
    return {name: {"value": json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value,
                   "type": kinds[type(value)]} for name, value in values.items()}


def answer(**overrides: Any) -> dict[str, Any]:
    """A department's survey form as its owner fills it in: nothing open, nothing new, the user confirms."""
    values = {"recorder": "服务台小王", "surveyed_at": "2026-12-04T16:30:00+08:00", "resolved_items": [],
              "satisfied_items": [], "problems": "", "ticket_problems": "", "suggestions": "", "complaints": "",
              "confirmed_by": "部门联络人老周", "user_confirmed": True}
    values.update(overrides)
    return values


def rows(app, table, **where) -> list:
    with UnitOfWork(database(app), write=False) as uow:
        found = list(uow.session.scalars(select(table).filter_by(**where)))
        uow.session.expunge_all()
        return found


def add_rows(app, *new_rows) -> None:
    with UnitOfWork(database(app)) as uow:
        uow.session.add_all(new_rows)
        uow.commit()


def ticket(instance_id: str, department: str, status: str = "open", engineer: str | None = "tier1") -> Ticket:
    """A ``ticket`` row as Flow 1 writes it (the reports' table)."""
    at = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    return Ticket(instance_id=instance_id, number=f"SD-20261130-{instance_id[-4:]}", requester="老周",
                  department=department, status=status, engineer=engineer, tier1_group="tier1_hardware",
                  requested_at=at, requested_on=at.date(), requested_month="2026-11")


def weekly_instances(app) -> list[ProcessInstance]:
    return sorted(rows(app, ProcessInstance, definition_key=PROCESS), key=lambda i: i.started_at)


def surveys(api, instance_id: str) -> dict[str, dict]:
    """The open survey tasks by department (the instance's local variable ``department``)."""
    found = {}
    for task in api.tasks(instance_id):
        assert task["taskDefinitionKey"] == "fill_weekly_survey", task
        form = api.get(f"/task/{task['id']}/variables").get_json()
        found[form["department"]["value"]] = {**task, "variables": {
            name: json.loads(v["value"]) if v["type"] == "Json" else v["value"] for name, v in form.items()}}
    return found


def complete(api, task: dict, user: str, values: dict[str, Any]) -> None:
    response = api.post(f"/task/{task['id']}/complete", user=user, json={"variables": typed(values)})
    assert response.status_code == 204, response.get_json()


def form_data(html: str) -> dict[str, Any]:
    """The values a task page hands its form (the JSON block form-js reads)."""
    match = re.search(r'<script type="application/json" id="form-data">(.*?)</script>', html, re.S)
    assert match, "the page has no form data"
    return json.loads(match.group(1))


def told(app, group: str, subject: str) -> list[Notification]:
    return rows(app, Notification, group_id=group, subject=subject)


def schedule_week(api, friday: datetime) -> None:
    """Deploy the model the day before ``friday`` with the same cron spelled with its year field: a changed
    timer is scheduled anew from the deployment, so it is due at 16:00 that Friday."""
    xml = (ROOT / "processes" / "weekly_survey.bpmn").read_bytes()
    changed = xml.replace(b"0 0 16 ? * FRI<", b"0 0 16 ? * FRI *<")
    assert changed != xml
    with clock.frozen(friday - timedelta(days=1)):
        response = deploy(api, ("weekly_survey.bpmn", changed))
    assert response.status_code == 200, response.get_json()


def fire(app, api, friday: datetime) -> str:
    """The Friday timer fires at 16:00 (not a second before); returns the week's new instance."""
    before = len(weekly_instances(app))
    with clock.frozen(friday - timedelta(seconds=1)):
        tick(app)  # may fire last week's deadlines, never this week's start
    assert len(weekly_instances(app)) == before
    with clock.frozen(friday):
        tick(app)
    instances = weekly_instances(app)
    assert len(instances) == before + 1
    return instances[-1].id


def meeting(api, instance_id: str, assignments: str = "") -> dict[str, Any]:
    """The project manager holds the meeting; returns the report variables it read."""
    [task] = api.tasks(instance_id)
    assert task["taskDefinitionKey"] == "weekly_meeting" and task["candidateGroups"] == ["project_manager"]
    report = api.variables(instance_id)
    complete(api, task, "pm", {"owner_assignments": assignments, "meeting_notes": "逐条过问题"})
    return report


def test_the_friday_timer_starts_one_survey_per_department_and_a_new_department_the_next_week(app, api):
    """Due Friday 16:00 in Shanghai, not on Thursday; one task per row of survey_departments, for its group."""
    [timer] = rows(app, StartTimer, process_key=PROCESS)
    due = timer.due_at.astimezone(SHANGHAI)
    assert (due.weekday(), due.hour, due.minute) == (4, 16, 0)
    with clock.frozen(due - timedelta(days=1)):  # Thursday
        assert tick(app) == 0
    instance_id = fire(app, api, due)
    tasks = surveys(api, instance_id)
    assert {name: task["candidateGroups"] for name, task in tasks.items()} == {
        name: [group] for name, group in OWNERS.items()}
    assert all(task["name"] == "填写周调查" for task in tasks.values())

    dmn = (ROOT / "processes" / "survey_departments.dmn").read_text(encoding="utf-8")
    rule = dmn[dmn.index('      <rule id="rule_production">'):dmn.index("    </decisionTable>")]
    added = rule.replace("production", "sales").replace("生产部", "销售部").replace("tier1_hardware", "service_desk")
    changed = dmn.replace("    </decisionTable>", added + "    </decisionTable>")
    # a process version binds the decisions it was deployed with: the manager deploys the table with the model
    with clock.frozen(due + timedelta(days=1)):
        response = deploy(api, ("survey_departments.dmn", changed.encode()), ROOT / "processes" / "weekly_survey.bpmn")
    assert response.status_code == 200, response.get_json()
    next_week = fire(app, api, due + timedelta(days=7))
    assert sorted(surveys(api, next_week)) == sorted([*OWNERS, "销售部"])
    assert len(surveys(api, instance_id)) == 3  # last week's instance keeps its own departments


def test_all_in_time_the_meeting_assigns_owners_and_next_week_reviews_them(app, api):
    """Open tickets become open items; a resolved one needs no 问责; problems get owners at the meeting and
    come back the next week as open items, held against their owner when still unresolved."""
    add_rows(app, ticket("t-0001", "财务部"), ticket("t-0002", "财务部", status="closed"))
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)
    schedule_week(api, friday)
    instance_id = fire(app, api, friday)
    with clock.frozen(friday + timedelta(minutes=30)) as advance:
        tasks = surveys(api, instance_id)
        finance = tasks["财务部"]["variables"]
        assert [item["key"] for item in finance["open_items"]] == ["ticket:t-0001"]  # the closed one is not open
        assert finance["open_item_options"][0]["value"] == "ticket:t-0001"
        assert tasks["人事部"]["variables"]["open_items"] == []
        client = app.test_client()
        sign_in(client, "desk")  # each survey's page gives its form its own department's items
        for department, options in (("财务部", ["ticket:t-0001"]), ("人事部", [])):
            data = form_data(client.get(f"/tasks/{tasks[department]['id']}").get_data(as_text=True))
            assert (data["department"], [o["value"] for o in data["open_item_options"]]) == (department, options)
        complete(api, tasks["财务部"], "desk", answer(resolved_items=["ticket:t-0001"],
                                                     satisfied_items=["ticket:t-0001"], problems="打印机老化，经常卡纸",
                                                     suggestions="希望增加一台彩色打印机"))
        complete(api, tasks["人事部"], "desk", answer())
        complete(api, tasks["生产部"], "tier1", answer(problems="车间无线信号弱\n扫码枪偶尔断连"))
        advance(timedelta(hours=2))  # past the deadline: everyone answered, nobody is reminded
        tick(app)
    assert told(app, "project_manager", OVERDUE) == []

    problems = sorted(rows(app, SurveyItem, instance_id=instance_id, kind="problem"), key=lambda i: i.id)
    assert [(p.department, p.content, p.status) for p in problems] == [
        ("财务部", "打印机老化，经常卡纸", "open"), ("生产部", "车间无线信号弱", "open"), ("生产部", "扫码枪偶尔断连", "open")]
    [follow_up] = rows(app, SurveyItem, instance_id=instance_id, kind="follow_up")
    assert (follow_up.ticket_instance_id, follow_up.resolved, follow_up.satisfied) == ("t-0001", True, True)
    assert [s.content for s in rows(app, SurveyItem, instance_id=instance_id, kind="suggestion")] == ["希望增加一台彩色打印机"]
    assert rows(app, Accountability, instance_id=instance_id) == []
    answers = rows(app, SurveyAnswer, instance_id=instance_id)
    assert sorted(a.department for a in answers) == sorted(OWNERS) and not any(a.late for a in answers)
    assert {a.answered_by for a in answers} == {"desk", "tier1"}

    ids = [p.id for p in problems]
    report = meeting(api, instance_id, f"{ids[0]} 张三\n#{ids[1]}：tier1")
    assert json.loads(report["report_problem_ids"]) == ids
    assert f"#{ids[0]} · 财务部 · 打印机老化，经常卡纸 · —" in report["open_problems_text"]
    assert api.history_state(instance_id) == "COMPLETED"
    owners = {p.id: (p.owner, p.assigned_by) for p in rows(app, SurveyItem, kind="problem")}
    assert owners == {ids[0]: ("张三", "pm"), ids[1]: ("tier1", "pm"), ids[2]: (None, None)}

    next_week = fire(app, api, friday + timedelta(days=7))
    with clock.frozen(friday + timedelta(days=7, minutes=30)):
        tasks = surveys(api, next_week)
        finance = tasks["财务部"]["variables"]
        assert [(i["key"], i["assignee"]) for i in finance["open_items"]] == [
            ("ticket:t-0001", "tier1"), (f"item:{ids[0]}", "张三")]
        production = tasks["生产部"]["variables"]
        assert [i["key"] for i in production["open_items"]] == [f"item:{ids[1]}", f"item:{ids[2]}"]
        complete(api, tasks["财务部"], "desk", answer(resolved_items=["ticket:t-0001"]))
        complete(api, tasks["生产部"], "tier1", answer(resolved_items=[f"item:{ids[1]}", f"item:{ids[2]}"],
                                                      satisfied_items=[f"item:{ids[1]}"]))
    held = rows(app, Accountability, instance_id=next_week)
    assert [(a.department, a.assignee, a.follows_item_id, a.week) for a in held] == [("财务部", "张三", ids[0], "2026-W50")]
    statuses = {p.id: p.status for p in rows(app, SurveyItem, kind="problem")}
    assert statuses == {ids[0]: "open", ids[1]: "closed", ids[2]: "closed"}
    assert len(surveys(api, next_week)) == 1  # 人事部 still to answer


def test_an_overdue_survey_is_reminded_and_a_late_answer_opens_a_ticket_a_complaint_and_accountability(app, api):
    """Spring Festival 2026: Monday 16 to Monday 23 February are holidays, Saturday 14 a make-up working day —
    the meeting moves to Tuesday 24 and the surveys are due on the make-up Saturday at 18:00."""
    add_rows(app, ticket("t-0101", "财务部", engineer="tier1"))
    friday = datetime(2026, 2, 13, 16, 0, tzinfo=SHANGHAI)
    deadline = datetime(2026, 2, 14, 18, 0, tzinfo=SHANGHAI)
    schedule_week(api, friday)
    instance_id = fire(app, api, friday)
    variables = api.variables(instance_id)
    assert variables["meeting_at"] == "2026-02-24T09:00:00+08:00"
    assert variables["survey_deadline"] == deadline.isoformat()
    with clock.frozen(friday + timedelta(hours=1)) as advance:
        tasks = surveys(api, instance_id)
        assert {t["due"] for t in tasks.values()} == {"2026-02-14T10:00:00.000+0000"}
        complete(api, tasks["人事部"], "desk", answer(surveyed_at="2026-02-13T16:30:00+08:00"))
        advance(deadline - clock.now() - timedelta(seconds=1))
        tick(app)
        assert told(app, "project_manager", OVERDUE) == []
        advance(timedelta(seconds=2))
        tick(app)
        reminded = told(app, "project_manager", OVERDUE)
        assert sorted(n.params["department"] for n in reminded) == ["生产部", "财务部"]
        assert [n.params["department"] for n in told(app, "tier1_hardware", OVERDUE)] == ["生产部"]
        assert [n.params["department"] for n in told(app, "service_desk", OVERDUE)] == ["财务部"]
        tasks = surveys(api, instance_id)  # non-interrupting: both surveys are still open
        assert sorted(tasks) == ["生产部", "财务部"]

        advance(timedelta(days=1))
        complete(api, tasks["财务部"], "desk", answer(
            surveyed_at="2026-02-15T10:00:00+08:00", satisfied_items=[], ticket_problems="会议室投影仪无法开机",
            complaints="工程师两次预约上门都没有来"))
        complete(api, tasks["生产部"], "tier1", answer(surveyed_at="2026-02-15T11:00:00+08:00"))
        tick(app)  # no second reminder
        assert len(told(app, "project_manager", OVERDUE)) == 2

    [held] = rows(app, Accountability, instance_id=instance_id)
    assert (held.assignee, held.ticket_instance_id, held.ticket_number, held.department) == (
        "tier1", "t-0101", "SD-20261130-0101", "财务部")
    late = {a.department: a.late for a in rows(app, SurveyAnswer, instance_id=instance_id)}
    assert late == {"人事部": False, "财务部": True, "生产部": True}

    [opened] = [i for i in rows(app, ProcessInstance, definition_key="it_support_request")]
    assert opened.business_key.startswith("SD-20260215-")
    ticket_vars = api.variables(opened.id)
    assert (ticket_vars["department"], ticket_vars["symptom"], ticket_vars["channel"]) == (
        "财务部", "会议室投影仪无法开机", "onsite")
    assert api.tasks(opened.id)[0]["taskDefinitionKey"] == "classify_request"
    [problem] = rows(app, SurveyItem, instance_id=instance_id, kind="problem")
    assert (problem.ticket_requested, problem.status) == (True, "ticket")

    [complaint] = rows(app, Complaint, source="weekly_survey")
    assert (complaint.department, complaint.content, complaint.complainant, complaint.severity) == (
        "财务部", "工程师两次预约上门都没有来", "部门联络人老周", "general")
    assert api.tasks(complaint.instance_id)[0]["taskDefinitionKey"] == "investigate_complaint"

    report = meeting(api, instance_id)
    assert "SD-20261130-0101 · 财务部 · tier1" in report["accountability_text"]
    assert sorted(json.loads(report["late_departments"])) == ["生产部", "财务部"]
    assert api.history_state(instance_id) == "COMPLETED"

    html = report_page(app, "pm", "2026-W07", "zh")
    assert "周调查报告 2026-W07" in html and html.count('data-department="') == 3
    assert 'data-accountable="tier1"' in html and "工程师两次预约上门都没有来" in html
    assert html.count(">逾期<") == 2 and "已开工单" in html
    english = report_page(app, "desk", "2026-W07", "en")
    assert "Weekly survey report 2026-W07" in english and english.count(">late<") == 2


def report_page(app, user: str, week: str, language: str, status: int = 200) -> str:
    """The weekly report page as ``user`` reading ``language``."""
    client = app.test_client()
    sign_in(client, user)
    response = client.get(f"/surveys/weekly/{week}", headers={"Accept-Language": language})
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_report_page_is_for_the_meeting_and_the_desk_and_refuses_a_malformed_week(app):
    assert "本周没有部门完成调查。" in report_page(app, "pm", "2026-W49", "zh")
    for user in ("requester", "tier2"):
        report_page(app, user, "2026-W49", "en", status=403)
    for week in ("2026-W54", "49", "2026-W7"):
        assert "is not an ISO week such as 2026-W49" in report_page(app, "admin", week, "en", status=400)
    for now, week in ((datetime(2026, 12, 6, 23, 30), "2026-W49"),   # Sunday night in Shanghai
                      (datetime(2026, 12, 7, 0, 30), "2026-W50")):   # Monday in Shanghai, still Sunday in UTC
        with clock.frozen(now.replace(tzinfo=SHANGHAI)):
            client = app.test_client()
            sign_in(client, "pm")
            assert client.get("/surveys/weekly").headers["Location"].endswith(f"/surveys/weekly/{week}")


@pytest.mark.parametrize("friday, meeting_at, deadline", [
    # an ordinary week: Monday's meeting, due at the close of Friday
    (datetime(2026, 12, 4, 16), datetime(2026, 12, 7, 9), datetime(2026, 12, 4, 18)),
    # Qingming: Monday 6 April is a holiday → Tuesday's meeting; Friday is still the last working day
    (datetime(2026, 4, 3, 16), datetime(2026, 4, 7, 9), datetime(2026, 4, 3, 18)),
    # Spring Festival: closed to Monday 23 → Tuesday 24; the make-up Saturday 14 is the last working day
    (datetime(2026, 2, 13, 16), datetime(2026, 2, 24, 9), datetime(2026, 2, 14, 18)),
    # a holiday Friday (1 May) after the last working day: the meeting (Wednesday 6 May) is the deadline
    (datetime(2026, 5, 1, 16), datetime(2026, 5, 6, 9), datetime(2026, 5, 6, 9)),
])
def test_the_meeting_and_the_deadline_follow_the_working_calendar(friday, meeting_at, deadline):
    at = friday.replace(tzinfo=SHANGHAI)
    assert meeting_and_deadline(WorkCalendar(), at) == (meeting_at.replace(tzinfo=SHANGHAI),
                                                        deadline.replace(tzinfo=SHANGHAI))


def test_a_malformed_assignment_is_refused_and_a_number_not_in_the_report_is_an_incident(app, api):
    """The meeting's lines must read "number owner" (400, nothing stored); a number the report did not list
    stops the recording step with an incident naming the line, and no owner is written."""
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)
    schedule_week(api, friday)
    instance_id = fire(app, api, friday)
    with clock.frozen(friday + timedelta(minutes=30)):
        for department, task in surveys(api, instance_id).items():
            complete(api, task, USER_OF[OWNERS[department]], answer(problems=f"{department}网络慢"))
    [task] = api.tasks(instance_id)
    response = api.post(f"/task/{task['id']}/complete", user="pm",
                        json={"variables": typed({"owner_assignments": "张三负责网络"})})
    assert response.status_code == 400 and "owner_assignments" in response.get_json()["message"]
    assert api.only_task(instance_id, "weekly_meeting")["id"] == task["id"]

    complete(api, task, "pm", {"owner_assignments": "9999 张三"})
    [incident] = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert incident["activityId"] == "assign_problem_owners"
    assert "'9999 张三' does not name a problem of this week's report" in incident["incidentMessage"]
    assert {p.owner for p in rows(app, SurveyItem, kind="problem")} == {None}
