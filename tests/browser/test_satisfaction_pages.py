"""The satisfaction questionnaire in a real chromium: found on the portal, answered by clicking, in zh and en.

A campaign is opened over REST by the service department for the last month, with closed tickets of
``requester`` and ``vip`` put in the ticket table as Flow 1 leaves them. Each answers from the portal (zh and
en, one also at a phone's width); the service department then reads the campaign page. Screenshots go to
test-output/screenshots.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator

import pytest

from app.db import connect
from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import ServiceProcess, call
from tests.satisfaction_helpers import campaign_form, close_tickets_in

pytestmark = pytest.mark.e2e
USERS = {"zh": "requester", "en": "vip"}


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[ServiceProcess]:
    """The shared browser service, keeping its database URL so the test can put closed tickets in."""
    folder = tmp_path_factory.mktemp("survey-service")
    url = f"sqlite:///{folder / 'servicedesk.db'}"
    process = ServiceProcess(url, folder, scheduler=True, demo=True, extra_env={"DEMO_PASSWORD": DEMO_PASSWORD})
    process.site = f"http://127.0.0.1:{process.port}"
    process.database_url = url
    yield process
    process.stop()


@pytest.fixture(scope="module")
def campaign(service) -> str:
    today = date.today()
    closed = datetime.now(timezone.utc) - timedelta(days=3)
    db = connect(service.database_url)
    try:
        close_tickets_in(db, ("SD-20261101-0101", "requester", closed), ("SD-20261101-0102", "vip", closed))
    finally:
        db.dispose()
    form = campaign_form(period_start=(today - timedelta(days=30)).isoformat(), period_end=today.isoformat(),
                         closes_on=(today + timedelta(days=7)).isoformat())
    status, started = call(service.base, "POST", "/process-definition/key/satisfaction_survey/start", "servicedept",
                           DEMO_PASSWORD, {"variables": typed(form)})
    assert status == 200, started
    return started["id"]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_requester_answers_the_questionnaire_from_the_portal(people, service, campaign, language):
    page = people.signed_in(USERS[language], language, then="/portal")
    survey_link = page.locator(".survey-waiting a.button")
    assert survey_link.count() == 1
    screenshot(page, f"portal-survey-{language}")
    survey_link.click()
    page.wait_for_selector("form.survey-form")
    page.click("button[type=submit].primary")   # nothing chosen: each question says so
    page.wait_for_selector(".question.has-error")
    assert page.locator(".question.has-error").count() == 5
    assert ("请选择一个分数" if language == "zh" else "Please choose a score") in page.content()
    screenshot(page, f"survey-refused-{language}")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
    page.console_errors.clear()   # the refusal's own status, expected
    for name, score in (("technical", 5), ("response", 4), ("resolution", 4), ("attitude", 5), ("communication", 3)):
        page.locator(f"#q-{name} label.scale-option").nth(score - 1).click()
    page.fill("#comment", "工程师很专业，但进展通知可以再及时一些。" if language == "zh" else "Good work; tell me sooner.")
    if language == "zh":
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot(page, "survey-phone-zh")
        page.set_viewport_size({"width": 1360, "height": 900})
    else:
        screenshot(page, "survey-filled-en")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{service.site}/portal")
    assert ("感谢您的反馈" if language == "zh" else "Thank you for your answers") in page.locator(".flashes").inner_text()
    assert page.locator(".survey-waiting").count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_service_department_reads_the_campaign(people, service, campaign, language):
    page = people.signed_in("servicedept", language, then="/surveys/satisfaction")
    screenshot(page, f"survey-campaigns-{language}")
    page.click("a.new-campaign")
    page.wait_for_selector(".fjs-form .fjs-form-field")
    assert page.locator(".fjs-form-field-datetime").count() == 3   # the period and the closing day
    screenshot(page, f"survey-new-{language}")
    page.go_back()
    page.click(f"a[href='/surveys/satisfaction/{campaign}']")
    page.wait_for_selector("table.means")
    assert page.locator("table.means tbody tr").count() == 5
    screenshot(page, f"survey-campaign-{language}")
    page.click("a.campaign-process")   # the campaign's instance, its diagram drawn from the model's DI
    page.wait_for_selector("#diagram[data-state=ready]")
    assert page.locator("#diagram .djs-element[data-element-id=improvement_actions]").count() == 1
    screenshot(page, f"survey-process-{language}")
    assert page.console_errors == []
