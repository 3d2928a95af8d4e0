"""Filing a complaint in a real chromium, from the portal to the complaint's page, in zh and en.

Screenshots go to test-output/screenshots: the portal with its two actions, the complaint form, the filed
complaint in its own words (投诉详情, "filed the complaint") naming its ticket, and the ticket listing it.
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import typed
from tests.e2e.servers import call
from tests.integration.test_support_request_flow import intake

pytestmark = pytest.mark.e2e
PASSWORD = "demo-pass"
#: The complaint page's own words: its details heading and how its history begins.
WORDS = {"zh": ("投诉详情", "张三 (requester) 提交了投诉"), "en": ("Complaint details", "张三 (requester) filed the complaint")}


def _field(page, field_id: str):
    return page.locator(".fjs-form-field").filter(has=page.locator(f"[id$='-{field_id}']"))


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_customer_files_a_complaint_about_their_ticket(people, service, language):
    number = f"SD-20261201-00{11 if language == 'zh' else 12}"
    status, started = call(service.base, "POST", "/process-definition/key/it_support_request/start", "requester",
                           PASSWORD, {"variables": typed(intake()), "businessKey": number})
    assert status == 200, started
    page = people.signed_in("requester", language, then="/portal")
    screenshot(page, f"portal-actions-{language}")
    page.click("a.complaint-cta")
    page.wait_for_selector(".fjs-form .fjs-form-field")
    assert "complaint_source" not in page.content()
    assert _field(page, "field_complainant").locator("input").input_value() == "张三 (requester)"
    _field(page, "field_department").locator("input").fill("财务部")
    _field(page, "field_ticket_business_key").locator("input").fill(number)
    _field(page, "field_complaint").locator("textarea").fill("工程师上门迟到两小时，且没有提前告知。" * 3)
    page.get_by_label("严重" if language == "zh" else "Serious", exact=True).check()
    screenshot(page, f"complaint-new-{language}")
    page.click("#form-submit")
    page.wait_for_url(re.compile(r".*/tickets/[0-9a-f-]{36}$"))
    flash = page.locator(".flashes").inner_text()
    assert re.search(r"TS-\d{8}-\d{4}", flash)
    assert page.locator(".linked-ticket a.ticket-number").inner_text() == number
    heading, filed = WORDS[language]
    assert page.locator(".ticket-main h2").first.inner_text() == heading
    assert filed in page.locator(".ticket-timeline").inner_text()
    screenshot(page, f"complaint-filed-{language}")
    page.click(".linked-ticket a.ticket-number")
    page.wait_for_selector(".linked-complaints li")
    assert re.search(r"TS-\d{8}-\d{4}", page.locator(".linked-complaints").inner_text())
    screenshot(page, f"ticket-with-complaint-{language}")
    assert page.console_errors == []
