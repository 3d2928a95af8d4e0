"""The weekly survey (Flow 3) in a real chromium: the survey form with the department's open tickets as
choices, the meeting's report, and the week's report page, in zh and en.

The shipped model starts on Fridays; here a version whose timer is a date two seconds ahead starts the
week at once. A department's open ticket is a ``ticket`` row written straight into the service's database
(Flow 1 fills that table elsewhere). Screenshots go to test-output/screenshots.
"""
from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.e2e.servers import ROOT, call, deploy_file

pytestmark = pytest.mark.e2e
PASSWORD = "demo-pass"
SUBMIT = "#form-submit"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _field(page, field_id: str):
    return page.locator(".fjs-form-field").filter(has=page.locator(f"[id$='-{field_id}']"))


def _checklist(page, field_id: str):
    """A checklist's ids carry the option's index (``…-field_resolved_items-0``)."""
    return page.locator(".fjs-form-field-checklist").filter(has=page.locator(f"[id*='-{field_id}-']"))


def _open_ticket(service, instance_id: str, number: str, department: str) -> None:
    """A ``ticket`` row as Flow 1 writes it: open, worked by the engineer ``tier1``."""
    now = datetime.now(timezone.utc)
    with sqlite3.connect(Path(service.log.name).parent / "servicedesk.db") as db:
        db.execute("INSERT INTO ticket (instance_id, number, requester, department, status, engineer, vip, "
                   "requested_at, requested_on, requested_month, reopen_count, escalation_level, first_contact) "
                   "VALUES (?, ?, '老周', ?, 'open', 'tier1', 0, ?, ?, ?, 0, 0, 0)",
                   (instance_id, number, department, now.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    now.date().isoformat(), now.strftime("%Y-%m")))


def _start_week(service) -> str:
    """Deploy the model with its Friday timer as a date two seconds ahead; the week's instance once started."""
    xml = (ROOT / "processes" / "weekly_survey.bpmn").read_text(encoding="utf-8")
    at = (datetime.now(SHANGHAI) + timedelta(seconds=2)).isoformat(timespec="seconds")
    changed = xml.replace('<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">0 0 16 ? * FRI</bpmn:timeCycle>',
                          f'<bpmn:timeDate xsi:type="bpmn:tFormalExpression">{at}</bpmn:timeDate>')
    assert changed != xml
    status, body = deploy_file(service.base, "owner", PASSWORD, "weekly_survey.bpmn", changed.encode())
    assert status == 200, body
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, instances = call(service.base, "GET", "/process-instance?processDefinitionKey=weekly_survey",
                                 "admin", PASSWORD)
        if instances:
            return instances[0]["id"]
        time.sleep(0.2)
    pytest.fail("the week's survey did not start")


def _tasks(service, instance_id: str) -> list[dict]:
    status, tasks = call(service.base, "GET", f"/task?processInstanceId={instance_id}", "admin", PASSWORD)
    assert status == 200, tasks
    return tasks


def _survey_of(service, instance_id: str, department: str) -> str:
    for task in _tasks(service, instance_id):
        status, variables = call(service.base, "GET", f"/task/{task['id']}/variables", "admin", PASSWORD)
        if variables["department"]["value"] == department:
            return task["id"]
    raise AssertionError(f"no survey task for {department}")


def _answer(page, language: str, ticket_number: str | None, problem: str) -> None:
    """Fill in the survey as its owner would: the ticket (if any) not resolved but the user satisfied."""
    page.wait_for_selector(".fjs-form .fjs-form-field")
    _field(page, "field_recorder").locator("input").fill("服务台小王")
    date = page.locator("input[id$='-field_surveyed_at-date']")
    date.fill(date.get_attribute("placeholder").replace("yyyy", "2026").replace("mm", "12").replace("dd", "01"))
    date.press("Enter")
    time_input = page.locator("input[id$='-field_surveyed_at-time']")
    time_input.fill("16:30")
    time_input.press("Enter")
    page.locator("h1").click()  # close the pickers
    if ticket_number:
        assert ticket_number in _checklist(page, "field_resolved_items").inner_text()
        _checklist(page, "field_satisfied_items").get_by_label(re.compile(ticket_number)).check()
    _field(page, "field_problems").locator("textarea").fill(problem)
    _field(page, "field_suggestions").locator("textarea").fill("希望每周五下午固定巡检一次")
    _field(page, "field_confirmed_by").locator("input").fill("部门联络人老周")
    _field(page, "field_user_confirmed").locator("input[type=checkbox]").check()
    screenshot(page, f"weekly-survey-form-{language}")
    page.click(SUBMIT)
    page.wait_for_selector(".form-done h2")


def test_departments_answer_the_meeting_reads_the_report_and_the_week_page_lists_it(people, service):
    _open_ticket(service, "00000000-0000-0000-0000-000000000901", "SD-20261201-0901", "财务部")
    _open_ticket(service, "00000000-0000-0000-0000-000000000902", "SD-20261201-0902", "人事部")
    instance_id = _start_week(service)
    today = datetime.now(SHANGHAI).isocalendar()
    week = f"{today[0]}-W{today[1]:02d}"
    for language, title in (("zh", f"{today[0]}年第{today[1]}周周调查"),
                            ("en", f"Weekly survey, week {today[1]} of {today[0]}")):
        page = people.signed_in("desk", language, then="/inbox")
        rows = page.locator(".inbox-table td.col-task").all_inner_texts()
        task_name = "填写周调查" if language == "zh" else "Fill in the weekly survey"
        assert sorted(rows) == sorted(f"{task_name} · {name}" for name in ("财务部", "人事部")), rows
        screenshot(page, f"weekly-inbox-{language}")
        page = people.signed_in("desk", language, then=f"/tasks/{_survey_of(service, instance_id, '财务部')}")
        page.wait_for_selector(".fjs-form .fjs-form-field")
        assert page.locator(".crumbs a.case-link").inner_text() == title
        assert page.locator(".crumbs a.case-link").get_attribute("href") == f"/surveys/weekly/{week}"
        aside = page.locator(".ticket-aside").inner_text()
        assert "财务部" in aside and '["' not in aside and '{"' not in aside
        assert page.locator(".fact-survey_departments li").count() == 3
        screenshot(page, f"weekly-survey-task-{language}")
        assert page.console_errors == []
    for language, department, number, user in (("zh", "财务部", "SD-20261201-0901", "desk"),
                                               ("en", "人事部", "SD-20261201-0902", "desk"),
                                               ("zh-2", "生产部", None, "tier1")):
        task_id = _survey_of(service, instance_id, department)
        page = people.signed_in(user, language[:2], then=f"/tasks/{task_id}")
        _answer(page, language, number, f"{department}打印机老化，经常卡纸，需要更换")
        assert page.console_errors == []

    [meeting] = _tasks(service, instance_id)
    assert meeting["taskDefinitionKey"] == "weekly_meeting"
    for language in ("zh", "en"):
        page = people.signed_in("pm", language, then=f"/tasks/{meeting['id']}")
        page.wait_for_selector(".fjs-form .fjs-form-field")
        report = page.locator(".fjs-form").inner_text()
        assert "财务部打印机老化" in report and ("待分派的问题" if language == "zh" else "Problems to assign") in report
        assert "SD-20261201-0901" in report  # not resolved: held to account
        screenshot(page, f"weekly-meeting-{language}")
        assert page.console_errors == []
    page = people.signed_in("pm", "zh", then=f"/tickets/{instance_id}")  # the model drawn from its DI
    page.wait_for_selector("#diagram .djs-element[data-element-id=weekly_meeting]")
    page.click("button[data-zoom=fit]")
    page.locator("#diagram").scroll_into_view_if_needed()
    screenshot(page, "weekly-flow-zh")
    page.locator("#diagram").screenshot(path=str(SCREENSHOTS / "weekly-diagram-zh.png"))
    assert page.console_errors == []
    for language, heading in (("zh", f"周调查报告 {week}"), ("en", f"Weekly survey report {week}")):
        page = people.signed_in("pm", language, then="/surveys/weekly")
        assert page.locator("h1").inner_text() == heading
        assert page.locator("tr[data-department]").count() == 3
        assert page.locator("tr[data-accountable='tier1']").count() == 2
        screenshot(page, f"weekly-report-page-{language}")
        assert page.console_errors == []
