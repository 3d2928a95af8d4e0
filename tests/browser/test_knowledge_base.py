"""The knowledge base in a real browser against a real run.py: an article written from a closed ticket by
clicking, search in Chinese and English (live as one types), and suggestions while a requester types the
symptom on the report page. Screenshots in both languages under test-output/screenshots/kb-*.png."""
from __future__ import annotations

from urllib.parse import unquote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, People, screenshot
from tests.conftest import typed
from tests.e2e.servers import call
from tests.integration.test_knowledge_base import NETWORK, PRINTER, VPN
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, SOLVED, TIER1_RESOLVED, intake

pytestmark = pytest.mark.e2e


def _only_task(service, instance_id: str) -> dict:
    status, tasks = call(service.base, "GET", f"/task?processInstanceId={instance_id}", "admin", DEMO_PASSWORD)
    assert status == 200 and len(tasks) == 1, tasks
    return tasks[0]


def _complete(service, instance_id: str, user: str, values: dict) -> None:
    task = _only_task(service, instance_id)
    status, body = call(service.base, "POST", f"/task/{task['id']}/complete", user, DEMO_PASSWORD,
                        {"variables": typed(values)})
    assert status == 204, body


def _publish(service, author_page, number: int, content: dict) -> None:
    """An article through the real flow: started by tier1 from a closed ticket's page (the only way one
    starts), written by tier1, published by the desk."""
    ticket = _closed_ticket(service, f"SD-KB-PUB-{number}", content["symptom"])
    author_page.goto(f"{service.site}/tickets/{ticket}")
    author_page.get_by_role("button", name="撰写知识文章").click()
    author_page.wait_for_url("**/tasks/*")
    status, [article] = call(service.base, "GET", f"/process-instance?businessKey=SD-KB-PUB-{number}-KB", "admin",
                             DEMO_PASSWORD)
    assert status == 200
    _complete(service, article["id"], "tier1", content)
    _complete(service, article["id"], "desk", {"review_decision": "publish"})


@pytest.fixture(scope="module")
def published(browser, service):
    crowd = People(browser, service)
    author = crowd.signed_in("tier1", "zh")
    for number, content in enumerate((NETWORK, PRINTER, VPN)):
        _publish(service, author, number, content)
    crowd.close()


def _closed_ticket(service, key: str, symptom: str = "显示器闪烁，偶尔黑屏") -> str:
    status, body = call(service.base, "POST", f"/process-definition/key/{PROCESS}/start", "requester",
                        DEMO_PASSWORD, {"variables": typed(intake(symptom=symptom)), "businessKey": key})
    assert status == 200, body
    for user, values in (("desk", CLASSIFY), ("tier1", {**TIER1_RESOLVED, "cause": "显卡驱动冲突",
                                                         "solution": "回退显卡驱动"}), ("desk", SOLVED)):
        _complete(service, body["id"], user, values)
    return body["id"]


def test_an_article_is_written_from_a_closed_ticket_by_clicking(people, service):
    ticket = _closed_ticket(service, "SD-KB-BROWSER")
    page = people.signed_in("tier1", "zh", then=f"/tickets/{ticket}")
    screenshot(page, "kb-ticket-write-article-zh")
    page.get_by_role("button", name="撰写知识文章").click()
    page.wait_for_url("**/tasks/*")
    page.wait_for_selector(".fjs-form .fjs-form-field")
    assert page.locator("textarea[id$='-field_symptom']").input_value() == "显示器闪烁，偶尔黑屏"
    assert page.locator("textarea[id$='-field_solution']").input_value() == "回退显卡驱动"
    page.locator("input[id$='-field_title']").fill("显示器闪烁黑屏：回退显卡驱动")
    screenshot(page, "kb-draft-zh")
    page.click("#form-submit")
    page.wait_for_selector(".form-done")
    page.click(".view-ticket")  # the article flow's own page: its diagram drawn from the model's DI
    page.wait_for_selector("#diagram .djs-element[data-element-id=review_article]")
    screenshot(page, "kb-flow-zh")
    page.goto(f"{service.site}/kb?state=in_review")
    assert "显示器闪烁黑屏：回退显卡驱动" in page.locator("#kb-results").inner_text()
    assert page.locator(".kb-result .kb-state").first.inner_text() == "审核中"
    screenshot(page, "kb-staff-in-review-zh")
    assert page.console_errors == []


@pytest.mark.parametrize("language, query, title, marked", [
    ("zh", "网络", NETWORK["title"], "网络"), ("en", "vpn", VPN["title"], "VPN")])
def test_search_as_one_types_in_chinese_and_english(people, published, language, query, title, marked):
    page = people.signed_in("requester", language, then="/kb")
    page.fill("input[name=q]", query)  # no Enter: the results follow the typing
    expect(page.locator(".kb-result mark").first).to_be_visible()
    expect(page.locator(".kb-result")).to_have_count(1)
    result = page.locator(".kb-result", has_text=title)
    assert marked in result.locator("mark").first.inner_text()
    assert f"q={query}" in unquote(page.url)  # the URL keeps the search, to share or go back to
    screenshot(page, f"kb-search-{language}")
    result.locator("h2 a").click()
    page.wait_for_selector(".kb-article")
    screenshot(page, f"kb-article-{language}")
    page.goto(page.url.split("/kb")[0] + "/kb?q=量子计算")
    empty = "没有文章与“量子计算”匹配" if language == "zh" else "No article matches “量子计算”"
    assert empty in page.locator(".empty").inner_text()
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_report_page_suggests_articles_while_the_symptom_is_typed(people, published, language):
    page = people.signed_in("requester", language, then="/portal/report")
    page.wait_for_selector(".fjs-form .fjs-form-field")
    symptom = page.locator("textarea[id$='-field_symptom']")
    symptom.press_sequentially("公司网络连不上了", delay=40)
    link = page.locator("#kb-suggest a", has_text=NETWORK["title"])
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert page.locator("#kb-suggest li").count() <= 5
    assert symptom.input_value() == "公司网络连不上了"  # nothing typed is lost
    screenshot(page, f"kb-report-suggestions-{language}")
    symptom.fill("量子计算机")
    symptom.press("End")
    page.locator("#kb-suggest .kb-suggest-empty").wait_for()
    assert page.console_errors == []
