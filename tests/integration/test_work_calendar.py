"""The working-day calendar through the real service, pages and engine, on both backends.

Today is 2026-11-30 and chinese-calendar stops at 2026: the service must warn about 2027
(page, log, health) until an administrator enters it, then use the entered 2027 in January.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app import clock, workcal
from app.domain import CalendarDay, CalendarYear
from app.errors import Forbidden
from app.models import AuditEntry
from app.services import calendar_admin, work_calendar
from app.services.users import Principal
from app.store import new_uow
from handlers import HandlerContext
from tests.conftest import SITE_URL
from tests.helpers import DATA, deploy
from tests.integration.signed_in import field_errors, post, sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
ADMIN = Principal("admin", frozenset({"admin"}))
SCHEDULE_2027 = """# 国务院办公厅 2027 (entered for the test)
2027-01-01 holiday 元旦
2027-01-04 holiday 元旦
2027-01-09 workday 元旦调休
"""


def _admin(app):
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def _enter_2027(app, complete: bool = True) -> None:
    with app.app_context():
        calendar_admin.save_year(new_uow(), ADMIN, 2027, SCHEDULE_2027, complete)


def _rows(app) -> tuple[int, int]:
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            return (uow.session.scalar(select(func.count()).select_from(CalendarDay)),
                    uow.session.scalar(select(func.count()).select_from(CalendarYear)))


def test_the_coming_year_without_data_is_warned_on_page_log_and_health(app, caplog):
    with clock.frozen(TODAY):
        health = app.test_client().get("/health").get_json()
        assert health["status"] == "warning" and health["calendar"]["missingYears"] == [2027]
        page = _admin(app).get("/admin/calendar", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "No holidays or make-up working days are known for 2027" in page
        assert "Working-day calendar 2027" in page          # the page opens on the year that needs doing
        with app.app_context(), caplog.at_level(logging.WARNING, logger="app.workcal"):
            # a lookup in 2027 counts weekdays (Monday 4 January is "working") and says so in the log
            assert workcal.is_working_day(workcal.current(), "2027-01-04")
        assert any("no holiday data for 2027" in r.getMessage() for r in caplog.records)
        zh = _admin(app).get("/admin/calendar", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert "2027 年" in zh and "工作日" in zh


def test_an_entered_2027_is_used_in_january_and_the_warning_goes(app):
    with clock.frozen(TODAY):
        _enter_2027(app, complete=False)
        assert app.test_client().get("/health").get_json()["calendar"]["missingYears"] == [2027]  # not complete
        _enter_2027(app, complete=True)
        assert app.test_client().get("/health").get_json() == {
            "status": "ok", "calendar": {"status": "ok", "missingYears": [], "message": ""},
            "siteUrl": {"status": "ok", "url": SITE_URL, "message": ""}}
    with clock.frozen(datetime(2027, 1, 8, 17, 0, tzinfo=SHANGHAI)), app.app_context():
        calendar = workcal.current()
        assert workcal.is_working_day(calendar, clock.now())                           # Friday 8th
        assert not workcal.is_working_day(calendar, clock.now() - timedelta(days=4))   # Monday 4th, entered holiday
        assert workcal.is_working_day(calendar, "2027-01-09")                          # entered make-up Saturday
        assert workcal.add_working_hours(calendar, clock.now(), 2) == datetime(2027, 1, 9, 10, 0, tzinfo=SHANGHAI)
        assert work_calendar.missing_years() == []


def test_saving_reloads_the_calendar_in_effect(app):
    with app.app_context():
        assert not workcal.current().knows_year(2027)
    _enter_2027(app)
    with app.app_context():
        assert workcal.current().knows_year(2027)
        context = HandlerContext("instance", None, "activity", {})
        assert not workcal.is_working_day(context.calendar, "2027-01-04")


def test_the_page_enters_a_year_with_its_csrf_token(app):
    admin = _admin(app)
    with clock.frozen(TODAY):
        response = post(admin, "/admin/calendar/2027", {"days": SCHEDULE_2027, "complete": "y"},
                        token_from="/admin/calendar?year=2027")
        assert response.status_code == 302 and response.location.endswith("/admin/calendar?year=2027")
        page = admin.get("/admin/calendar?year=2027", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-day="2027-01-09"' in page and "元旦调休" in page
    assert "No holidays or make-up working days are known" not in page
    assert _rows(app) == (3, 1)
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.year")).one()
    assert (entry.actor, entry.data) == ("admin", {"year": 2027, "complete": True, "holidays": 2, "workdays": 1})


def test_bad_lines_are_named_beside_the_field_and_nothing_is_saved(app):
    admin = _admin(app)
    typed = "2027-01-01 holiday 元旦\n2027-13-01 holiday x\n2026-12-31 holiday wrong year\n" \
            "2027-01-09 weekend\n2027-01-01 workday twice\n"
    response = post(admin, "/admin/calendar/2027", {"days": typed}, token_from="/admin/calendar?year=2027",
                    headers={"Accept-Language": "en"})
    assert response.status_code == 200
    errors = field_errors(response)
    assert [e.split(":")[0] for e in errors] == ["Line 2", "Line 3", "Line 4", "Line 5"]
    assert "not in this year" in errors[1] and "holiday or workday" in errors[2]
    assert "2027-13-01 holiday x" in response.get_data(as_text=True)      # what was typed is still there
    assert _rows(app) == (0, 0)


def test_the_page_shows_the_package_years_in_the_readers_language(app):
    admin = _admin(app)
    en = admin.get("/admin/calendar?year=2026", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-day="2026-02-14"' in en and "Spring Festival" in en and 'data-day="2026-10-10"' in en
    zh = admin.get("/admin/calendar?year=2026", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "春节" in zh and "国庆节" in zh


def test_only_administrators(app):
    desk = app.test_client()
    assert sign_in(desk, "desk").status_code == 302
    assert desk.get("/admin/calendar").status_code == 403
    response = post(desk, "/admin/calendar/2027", {"days": SCHEDULE_2027, "complete": "y"}, token_from="/account")
    assert response.status_code == 403 and _rows(app) == (0, 0)
    assert app.test_client().get("/admin/calendar").status_code == 302      # anonymous: to the sign-in page
    with app.app_context(), pytest.raises(Forbidden):
        calendar_admin.save_year(new_uow(), Principal("desk", frozenset({"service_desk"})), 2027, "", True)


def test_a_post_without_the_token_is_refused(app):
    response = _admin(app).post("/admin/calendar/2027", data={"days": SCHEDULE_2027, "complete": "y"})
    assert response.status_code == 400 and _rows(app) == (0, 0)


def test_the_link_is_in_the_navigation_of_administrators_only(app):
    assert 'href="/admin/calendar"' in _admin(app).get("/account").get_data(as_text=True)
    desk = app.test_client()
    sign_in(desk, "desk")
    assert 'href="/admin/calendar"' not in desk.get("/account").get_data(as_text=True)


CALENDAR_PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_cal" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="calendar_expressions" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="deadlines" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>close_at = add_working_days(opened, 2)
close_by = close_at.isoformat()
respond_by = add_working_hours(opened, 4).isoformat()
worked_hours = working_time_between(opened, close_by).total_seconds() / 3600
opened_on_working_day = is_working_day(opened)</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="today" default="off"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>on</bpmn:outgoing><bpmn:outgoing>off</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="working_today" camunda:candidateGroups="service_desk"><bpmn:incoming>on</bpmn:incoming></bpmn:userTask>
    <bpmn:userTask id="day_off_today" camunda:candidateGroups="service_desk"><bpmn:incoming>off</bpmn:incoming></bpmn:userTask>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="deadlines" />
    <bpmn:sequenceFlow id="f2" sourceRef="deadlines" targetRef="today" />
    <bpmn:sequenceFlow id="on" sourceRef="today" targetRef="working_today">
      <bpmn:conditionExpression>is_working_day(now())</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="off" sourceRef="today" targetRef="day_off_today" />
  </bpmn:process>
</bpmn:definitions>
"""


def _variables(api, instance_id: str) -> dict:
    response = api.get(f"/process-instance/{instance_id}/variables")
    assert response.status_code == 200, response.get_json()
    return {name: (v["type"], v["value"]) if v["type"] == "Date" else v["value"]
            for name, v in response.get_json().items()}


def test_expressions_in_a_deployed_model_use_the_entered_2027(app, api):
    assert deploy(api, ("calendar_expressions.bpmn", CALENDAR_PROCESS)).status_code == 200
    _enter_2027(app)
    # Saturday 9 January 2027, an entered make-up working day; the request came Friday 8th 17:00
    with clock.frozen(datetime(2027, 1, 9, 11, 0, tzinfo=SHANGHAI)):
        instance_id = api.start("calendar_expressions", {"opened": "2027-01-08T17:00:00+08:00"})
        api.only_task(instance_id, "working_today")
        values = _variables(api, instance_id)
    assert values["close_by"] == "2027-01-11T17:00:00+08:00"       # Saturday 9th worked, Sunday off, Monday
    assert values["close_at"] == ("Date", "2027-01-11T17:00:00.000+0800")  # a datetime is kept as a Date
    assert values["respond_by"] == "2027-01-09T12:00:00+08:00"     # 1 h Friday, 3 h on the make-up Saturday
    assert values["worked_hours"] == 18 and values["opened_on_working_day"] is True
    # Monday 4 January 2027 is an entered holiday: the condition sends the instance the other way
    with clock.frozen(datetime(2027, 1, 4, 11, 0, tzinfo=SHANGHAI)):
        api.only_task(api.start("calendar_expressions", {"opened": "2027-01-04T11:00:00+08:00"}), "day_off_today")


def test_a_bad_calendar_argument_in_a_script_is_an_incident(app, api):
    broken = CALENDAR_PROCESS.replace(b"add_working_days(opened, 2)", b"add_working_days(opened, -2)")
    assert deploy(api, ("calendar_expressions.bpmn", broken)).status_code == 200
    instance_id = api.start("calendar_expressions", {"opened": "2026-11-30T10:00:00+08:00"})
    incidents = api.get(f"/incident?processInstanceId={instance_id}").get_json()
    assert [i["activityId"] for i in incidents] == ["deadlines"]
    assert "between 0 and" in json.dumps(incidents)


def test_a_timer_expression_counts_working_hours(app, api):
    """Friday 17:00 + 2 working hours: the timer waits over the weekend until Monday 10:00 (02:00 UTC)."""
    model = (DATA / "api" / "timer_literal.bpmn").read_bytes().replace(
        b'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT1S</bpmn:timeDuration>',
        b'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_working_hours(now(), 2)</bpmn:timeDate>')
    assert deploy(api, ("working_hours_timer.bpmn", model)).status_code == 200
    with clock.frozen(datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)):
        instance_id = api.start("api_timer", {})
    [job] = api.get(f"/job?processInstanceId={instance_id}").get_json()
    assert datetime.fromisoformat(job["dueDate"]) == datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
