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
from datetime import date, datetime, timedelta
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
        form = api.get(f"/task/{task['id']}/form-variables").get_json()
        found[form["department"]["value"]] = {**task, "variables": {k: v["value"] for k, v in form.items()}}
    return found


def complete(api, task: dict, user: str, values: dict[str, Any]) -> None:
    response = api.post(f"/task/{task['id']}/complete", user=user, json={"variables": typed(values)})
    assert response.status_code == 204, response.get_json()


def told(app, group: str, subject: str) -> list[Notification]:
    return rows(app, Notification, group_id=group, subject=subject)


def schedule_week(api, friday: datetime) -> None:
    """Redeploy the model (a new version) the day before ``friday``: its timer is then due at 16:00 that Friday."""
    xml = (ROOT / "processes" / "weekly_survey.bpmn").read_bytes()
    changed = xml.replace(b"One per department, all at once.", f"Week of {friday.date()}.".encode())
    with clock.frozen(friday - timedelta(days=1)):
        response = deploy(api, ("weekly_survey.bpmn", changed))
    assert response.status_code == 200, response.get_json()


def test_smoke(app, api):
    friday = datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)
    schedule_week(api, friday)
    with clock.frozen(friday):
        assert tick(app) == 1
        [instance] = weekly_instances(app)
        print(api.tasks(instance.id))
        print(api.variables(instance.id))
