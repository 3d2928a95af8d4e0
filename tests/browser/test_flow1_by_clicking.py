"""Flow 1 from report to closed ticket, only by clicking through the pages, in Chinese.

A requester reports a problem in the portal; the desk classifies it from the inbox; tier 1 claims and
resolves it; the desk's callback records the ratings; the ticket then shows closed with its history
and its diagram. Every step starts from the page a person would be on (portal, inbox) and follows
links and buttons; nothing is done through the REST API. Screenshots of every stop go to
test-output/screenshots/flow1-*.png.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.e2e
SUBMIT = "#form-submit"
SYMPTOM = "<b>财务部</b>打印机卡纸，报错代码 E-502，整个部门无法打印月底报表"


def _field(page, field_id: str):
    return page.locator(".fjs-form-field").filter(has=page.locator(f"[id$='-{field_id}']"))


def _choose(page, field_id: str, option: str) -> None:
    _field(page, field_id).locator(".fjs-select-display").click()
    page.locator(".fjs-dropdownlist-item", has_text=option).first.click()


def _wait_for_form(page) -> None:
    page.wait_for_selector(".fjs-form .fjs-form-field")


def _report(people) -> str:
    """The requester reports from the portal; returns the new ticket's number."""
    page = people.signed_in("requester")
    assert page.url.endswith("/portal")
    page.click(".report-cta")
    _wait_for_form(page)
    _field(page, "field_contact").locator("input").fill("13800000000")
    _field(page, "field_department").locator("input").fill("财务部")
    _field(page, "field_symptom").locator("textarea").fill(SYMPTOM)
    date = page.locator("input[id$='-field_occurred_at-date']")
    date.fill(date.get_attribute("placeholder").replace("yyyy", "2026").replace("mm", "11").replace("dd", "30"))
    date.press("Enter")
    time_input = page.locator("input[id$='-field_occurred_at-time']")
    time_input.fill("09:30")
    time_input.press("Enter")
    page.locator("h1").click()  # close the pickers, as a person moving on would
    _field(page, "field_impact_scope").locator("textarea").fill("整个财务部")
    _choose(page, "field_impact", "高")
    _choose(page, "field_urgency", "高")
    screenshot(page, "flow1-1-report-zh")
    page.click(SUBMIT)
    page.wait_for_url(re.compile(r".*/tickets/[0-9a-f-]{36}$"))
    number = re.search(r"SD-\d{8}-\d{4}", page.locator(".flashes").inner_text()).group(0)
    screenshot(page, "flow1-2-reported-zh")
    assert page.console_errors == []
    return number


def _open_from_inbox(people, user: str, number: str, task_name: str, shot: str):
    """``user`` finds the ticket's task in their inbox (my groups), opens it and claims it."""
    page = people.signed_in(user)
    assert page.url.endswith("/inbox")
    row = page.locator("tr", has_text=number)
    row.wait_for()
    assert task_name in row.inner_text()
    screenshot(page, f"flow1-{shot}-inbox-zh")
    row.locator("a[id^=task-]").click()
    _wait_for_form(page)
    assert page.locator("h1").inner_text() == task_name
    page.click("#claim")
    assert "您已认领此任务" in page.locator(".flashes").inner_text()
    _wait_for_form(page)
    return page


def _complete(page, shot: str, done: str) -> None:
    screenshot(page, f"flow1-{shot}-task-zh")
    page.click(SUBMIT)
    assert page.locator(".form-done h2").inner_text() == done
    assert page.console_errors == []


def test_a_ticket_goes_from_the_portal_to_closed_by_clicking_through_the_pages(people):
    number = _report(people)

    desk = _open_from_inbox(people, "desk", number, "分类与首次处理", "3")
    _choose(desk, "field_request_type", "故障")
    _choose(desk, "field_category", "硬件")
    _complete(desk, "3", "已完成：分类与首次处理。")

    tier1 = _open_from_inbox(people, "tier1", number, "一线诊断", "4")
    _choose(tier1, "field_tier1_outcome", "已解决，申请完成")
    _field(tier1, "field_diagnosis").locator("textarea").fill("定影组件卡纸，传感器报错 E-502")
    _field(tier1, "field_attempted_steps").locator("textarea").fill("远程重启打印队列；现场清理卡纸")
    _field(tier1, "field_cause").locator("textarea").fill("纸张受潮")
    _field(tier1, "field_solution").locator("textarea").fill("更换纸张并清洁定影组件")
    _complete(tier1, "4", "已完成：一线诊断。")

    callback = _open_from_inbox(people, "desk", number, "回访与评分", "5")
    callback.locator(".fjs-form-field").filter(has_text="问题是否已解决").get_by_label("已解决").check()
    _field(callback, "field_rating_attitude").locator("input").fill("5")
    _field(callback, "field_rating_speed").locator("input").fill("4")
    _field(callback, "field_rating_effect").locator("input").fill("5")
    _field(callback, "field_callback_note").locator("textarea").fill("用户确认已恢复打印")
    _complete(callback, "5", "已完成：回访与评分。")

    requester = people.signed_in("requester")
    row = requester.locator("tr", has_text=number)
    assert "已关闭" in row.inner_text()
    row.locator("a.ticket-number").click()
    requester.wait_for_selector(".djs-element.ticket-done")
    assert requester.locator(".ticket-head .ticket-state").inner_text() == "已关闭"
    history = requester.locator(".ticket-timeline").inner_text()
    for line in ("张三 (requester)", "服务台小王 (desk) 完成了 分类与首次处理", "一线李工 (tier 1) 完成了 一线诊断",
                 "服务台小王 (desk) 完成了 回访与评分"):
        assert line in history
    for rating in ("服务态度", "服务速度", "服务效果"):
        assert rating in history
    assert requester.locator('.djs-element.ticket-done[data-element-id="callback_rating"]').count() == 1
    assert requester.locator(".djs-element.ticket-current").count() == 0
    # the markup typed into the symptom is text, not an element
    assert SYMPTOM in requester.locator(".fact-symptom").inner_text()
    assert requester.locator(".fact-symptom b").count() == 0
    screenshot(requester, "flow1-6-closed-zh")
    assert requester.console_errors == []
