"""The staff inbox in a real browser against a real run.py: live refresh, filters in the URL, saved filters,
markup shown as text, and screenshots in Chinese and English (with rows, and empty)."""
from __future__ import annotations


import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import call
from tests.integration.test_support_request_flow import PROCESS, intake

pytestmark = pytest.mark.e2e

LIVE = 10_000  # ms: what "shows within 10 s without reload" allows


def start(service, key: str, **overrides) -> str:
    status, body = call(service.base, "POST", f"/process-definition/key/{PROCESS}/start", "requester", DEMO_PASSWORD,
                        {"variables": typed(intake(**overrides)), "businessKey": key})
    assert status == 200, body
    return body["id"]


def open_task(service, instance_id: str) -> dict:
    status, tasks = call(service.base, "GET", f"/task?processInstanceId={instance_id}", "admin", DEMO_PASSWORD)
    assert status == 200 and len(tasks) == 1, tasks
    return tasks[0]


def row(page, ticket: str):
    return page.locator("#inbox-list tbody tr", has=page.locator("td.col-ticket", has_text=ticket))


def mark_no_reload(page) -> None:
    """A flag in the page's window: gone if the page reloads."""
    page.evaluate("window.inboxStayed = true")


def stayed(page) -> bool:
    return page.evaluate("window.inboxStayed === true")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_empty_inbox_says_so(people, language):
    page = people.signed_in("vendor", language, then="/inbox")
    expected = "您所在的组暂无待办任务" if language == "zh" else "Nothing waiting for your groups"
    assert expected in page.locator("#inbox-list .empty").inner_text()
    screenshot(page, f"inbox-empty-{language}")
    assert page.console_errors == []


def test_a_new_ticket_appears_without_reload_and_shows_its_symptom_as_text(people, service):
    start(service, "SR-B-OLD", symptom="打印机无法打印")
    page = people.signed_in("desk", "zh", then="/inbox")
    assert row(page, "SR-B-OLD").count() == 1
    mark_no_reload(page)
    start(service, "SR-B-NEW", vip=True, symptom='<script>alert("x")</script> 整个财务部断网了')
    new = row(page, "SR-B-NEW")
    new.wait_for(timeout=LIVE)
    assert stayed(page)
    assert page.locator("#inbox-list tbody tr").first.locator("td.col-ticket").inner_text() == "SR-B-NEW"  # VIP first
    assert '<script>alert("x")</script>' in new.locator(".symptom").inner_text()
    assert new.locator(".badge-vip").count() == 1 and new.locator(".badge-urgent").inner_text() == "紧急"
    assert "剩余" in new.locator(".col-sla .badge").inner_text()
    assert page.console_errors == []


def test_a_task_claimed_by_someone_else_leaves_my_groups_without_reload(people, service):
    instance_id = start(service, "SR-B-CLAIM")
    page = people.signed_in("desk", "en", then="/inbox")
    row(page, "SR-B-CLAIM").wait_for()
    mark_no_reload(page)
    before = int(page.locator('[data-tab="groups"] .count').inner_text())
    page.locator("input[name=text]").focus()
    task = open_task(service, instance_id)
    status, body = call(service.base, "POST", f"/task/{task['id']}/claim", "admin", DEMO_PASSWORD, {"userId": "admin"})
    assert status == 204, body
    row(page, "SR-B-CLAIM").wait_for(state="detached", timeout=LIVE)
    assert stayed(page) and int(page.locator('[data-tab="groups"] .count').inner_text()) == before - 1
    assert page.evaluate("document.activeElement.name") == "text"  # the refresh left the focus alone
    assert page.console_errors == []


def test_a_filter_in_the_url_survives_reload_and_can_be_saved_and_reapplied(people, service):
    start(service, "SR-B-URG", vip=True, symptom="文件服务器宕机无法访问")
    start(service, "SR-B-LOW", symptom="鼠标左键经常失灵")
    page = people.signed_in("desk", "en", then="/inbox")
    page.select_option("select[name=priority]", "urgent")
    page.click(".inbox-filters button[type=submit]")
    page.wait_for_url("**/inbox?*priority=urgent*")
    page.reload()
    assert page.input_value("select[name=priority]") == "urgent"
    assert row(page, "SR-B-URG").count() == 1 and row(page, "SR-B-LOW").count() == 0
    page.fill(".save-view input[name=name]", "Urgent only")
    page.click(".save-view button[type=submit]")
    assert "Filter “Urgent only” saved." in page.locator(".flash").inner_text()
    status, saved = call(service.base, "GET", "/filter", "desk", DEMO_PASSWORD)
    assert status == 200 and [f["name"] for f in saved] == ["Urgent only"]
    page.goto(f"{people.site}/inbox")
    assert row(page, "SR-B-LOW").count() == 1
    page.click(".view-chip a:has-text('Urgent only')")
    page.wait_for_url("**priority=urgent**")
    assert row(page, "SR-B-LOW").count() == 0 and row(page, "SR-B-URG").count() == 1
    page.click(".view-chip.current button.remove")
    assert page.locator(".view-chip").count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_inbox_with_rows_screenshots(people, service, language):
    """Screenshots of a busy queue (long symptom, VIP, every priority, an overdue-free queue) for people to look at."""
    if language == "zh":
        start(service, "SR-2026-1001", vip=True, symptom="财务部整层无法访问 ERP，月底结账受阻，需要尽快处理，"
                                                         "已尝试重启交换机和本机网卡，仍然无法连接")
        start(service, "SR-2026-1002", impact="high", urgency="low", symptom="会议室投影仪无信号")
        start(service, "SR-2026-1003", symptom="Outlook 每次启动都提示重新输入密码")
    page = people.signed_in("desk", language, then="/inbox")
    row(page, "SR-2026-1003").wait_for()
    screenshot(page, f"inbox-rows-{language}")
    manager = people.signed_in("pm", language, then="/inbox?tab=all&priority=urgent")
    row(manager, "SR-2026-1001").wait_for()
    assert manager.input_value("select[name=priority]") == "urgent" and row(manager, "SR-2026-1003").count() == 0
    screenshot(manager, f"inbox-all-filtered-{language}")
    assert page.console_errors == [] and manager.console_errors == []
