"""The portal and the ticket view in a real chromium: bpmn-js draws the diagram under the CSP, the path and the
current step are marked, markup stays text, and every page is photographed in both languages."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import call, deploy_file
from tests.integration.test_portal_page import CONFIRM
from tests.integration.test_support_request_flow import CLASSIFY, SOLVED, TIER1_RESOLVED, intake

pytestmark = pytest.mark.e2e

MARKUP = "<img src=x onerror=alert(1)>"
NEWCOMER_PASSWORD = "correct-horse-7"
LONG_SYMPTOM = ("财务部三楼的共享打印机从今天上午开始无法打印，打印任务一直停留在队列中，"
                "重启打印机和电脑后仍然如此；同一楼层的其他同事也无法使用这台打印机，月底报表急需打印。")


class Desk:
    """Drives tickets through the running service's REST API, as the people of Flow 1 would."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, user: str, body: Any = None) -> Any:
        status, answer = call(self.base, method, path, user, DEMO_PASSWORD, body)
        assert status < 300, (status, answer)
        return answer

    def report(self, business_key: str, **overrides: Any) -> str:
        body = {"variables": typed(intake(**overrides)), "businessKey": business_key}
        return self.call("POST", "/process-definition/key/it_support_request/start", "requester", body)["id"]

    def complete(self, instance_id: str, user: str, values: dict[str, Any]) -> None:
        task = self.call("GET", f"/task?processInstanceId={instance_id}", "admin")[0]
        self.call("POST", f"/task/{task['id']}/complete", user, {"variables": typed(values)})


@pytest.fixture(scope="module")
def tickets(service) -> dict[str, str]:
    """A ticket with tier 1, a closed one, one with markup in it, one asking the requester, and a newcomer."""
    desk = Desk(service.base)
    open_id = desk.report("SR-20261201-001", symptom=LONG_SYMPTOM, vip=True)
    desk.complete(open_id, "desk", CLASSIFY)
    closed_id = desk.report("SR-20261201-002", symptom="Outlook 无法收取新邮件")
    desk.complete(closed_id, "desk", {**CLASSIFY, "category": "software"})
    desk.complete(closed_id, "tier1", TIER1_RESOLVED)
    desk.complete(closed_id, "desk", SOLVED)
    markup_id = desk.report("SR-20261201-003", symptom=MARKUP, already_tried="<b>重启</b>")
    status, answer = deploy_file(service.base, "owner", DEMO_PASSWORD, "confirm_fix.bpmn", CONFIRM)
    assert status == 200, answer
    confirm_id = desk.call("POST", "/process-definition/key/confirm_fix/start", "requester",
                           {"variables": typed({"reported_by": "requester", "symptom": "VPN 每隔十分钟断开一次"}),
                            "businessKey": "SR-20261201-004"})["id"]
    desk.call("POST", "/user/create", "admin", {"profile": {"id": "wangwu", "firstName": "王五"},
                                                  "credentials": {"password": NEWCOMER_PASSWORD}})
    status, answer = call(service.base, "PUT", "/group/requester/members/wangwu", "admin", DEMO_PASSWORD)
    assert status == 204, answer
    return {"open": open_id, "closed": closed_id, "markup": markup_id, "confirm": confirm_id}


def diagram_ready(page) -> None:
    page.wait_for_selector("#diagram[data-state=ready]")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_portal_without_requests_invites_to_report(people, tickets, language):
    page = people.signed_in("wangwu", language, password=NEWCOMER_PASSWORD)
    assert page.url.endswith("/portal")  # a requester's home
    empty = {"zh": "您还没有提交过请求。", "en": "You have not reported any problem yet."}[language]
    assert empty in page.locator(".portal-requests .empty").inner_text()
    assert page.locator("a.report-cta").get_attribute("href") == "/portal/report"
    assert page.locator(".waiting-step").count() == 0
    screenshot(page, f"portal-empty-{language}")
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_portal_lists_my_requests_and_what_waits_for_me(people, tickets, language):
    page = people.signed_in("requester", language, then="/portal")
    numbers = page.locator("table.requests a.ticket-number").all_inner_texts()
    assert numbers == ["SR-20261201-004", "SR-20261201-003", "SR-20261201-002", "SR-20261201-001"]
    waiting = page.locator(".waiting-step")
    assert waiting.count() == 1 and "SR-20261201-004" in waiting.inner_text()
    closed_row = page.locator("tr.request", has_text="SR-20261201-002")
    assert {"zh": "已关闭", "en": "Closed"}[language] in closed_row.inner_text()
    screenshot(page, f"portal-requests-{language}")
    page.click("table.requests a.ticket-number:text('SR-20261201-001')")
    page.wait_for_url(f"**/tickets/{tickets['open']}")
    diagram_ready(page)
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_ticket_in_the_middle_of_flow_1_marks_the_current_step_and_the_path(people, tickets, language):
    page = people.signed_in("desk", language, then=f"/tickets/{tickets['open']}")
    diagram_ready(page)
    assert page.locator('.djs-element.ticket-current[data-element-id="tier1_diagnose"]').count() == 1
    assert page.locator('.djs-element.ticket-done[data-element-id="classify_request"]').count() == 1
    assert page.locator('.djs-connection.ticket-flow-done[data-element-id="flow_needs_dispatch"]').count() == 1
    assert page.locator('[data-element-id="flow_first_contact_resolved"].ticket-flow-done').count() == 0
    history = page.locator(".ticket-timeline").inner_text()
    done = {"zh": "服务台小王 (desk) 完成了 分类与首次处理", "en": "服务台小王 (desk) completed Classify request"}
    assert done[language] in history
    assert page.locator(".fact-vip .badge-vip").count() == 1
    assert page.locator(".fact-symptom").inner_text() == LONG_SYMPTOM
    screenshot(page, f"ticket-open-{language}")
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_closed_ticket_as_its_requester(people, tickets, language):
    page = people.signed_in("requester", language, then=f"/tickets/{tickets['closed']}")
    diagram_ready(page)
    assert page.locator(".ticket-head .ticket-state").inner_text() == {"zh": "已关闭", "en": "Closed"}[language]
    assert page.locator(".djs-element.ticket-current").count() == 0
    assert page.locator('.djs-element.ticket-done[data-element-id="ticket_closed"]').count() == 1
    assert page.locator('.djs-connection.ticket-flow-done[data-element-id="flow_callback_closed"]').count() == 1
    history = page.locator(".ticket-timeline").inner_text()
    assert "重装驱动" in history  # the solution is shared with the requester
    assert "打印机驱动损坏" not in history  # the engineer's diagnosis is not
    assert page.locator(".incidents").count() == 0 and page.locator(".swatch-incident").count() == 0
    screenshot(page, f"ticket-closed-{language}")
    assert page.console_errors == []


def test_markup_in_a_ticket_is_shown_as_text(people, tickets):
    page = people.page("zh")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{people.site}/login?next=/tickets/{tickets['markup']}")
    page.fill("input[name=username]", "requester")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    diagram_ready(page)
    assert page.locator(".fact-symptom").inner_text() == MARKUP
    assert page.locator(".fact-already_tried").inner_text() == "<b>重启</b>"
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    page.goto(f"{people.site}/portal")
    assert MARKUP in page.locator("tr.request", has_text="SR-20261201-003").inner_text()
    assert page.locator("main img").count() == 0
    assert dialogs == []
    assert page.console_errors == []


def test_requester_is_refused_someone_elses_ticket_politely(people, tickets):
    page = people.signed_in("wangwu", "zh", password=NEWCOMER_PASSWORD)
    response = page.goto(f"{people.site}/tickets/{tickets['open']}")
    assert response.status == 403
    assert "不允许" in page.locator("main").inner_text() or "无权" in page.locator("main").inner_text()
    assert LONG_SYMPTOM not in page.content()
