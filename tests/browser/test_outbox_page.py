"""The notification outbox in a real browser, in English and Chinese.

The service's SMTP server is a closed port on loopback, and one failed attempt is
all it gets: the assignment mail is given up at once, shown, and sent again from the page.
"""
from __future__ import annotations

import time
from typing import Iterator

import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import ServiceProcess, call, free_port
from tests.integration.test_support_request_flow import PROCESS, intake

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[ServiceProcess]:
    """The browser tests' service, with mail pointed at a port nobody listens on."""
    folder = tmp_path_factory.mktemp("outbox-service")
    process = ServiceProcess(f"sqlite:///{folder / 'servicedesk.db'}", folder, scheduler=True, demo=True,
                             extra_env={"DEMO_PASSWORD": DEMO_PASSWORD, "SMTP_HOST": "127.0.0.1",
                                        "SMTP_PORT": str(free_port()), "RELAY_MAX_ATTEMPTS": "1",
                                        "RELAY_POLL_SECONDS": "0.5", "SITE_URL": "http://servicedesk.example.com"})
    process.site = f"http://127.0.0.1:{process.port}"
    yield process
    process.stop()


def _assign_a_task_to_admin(service) -> None:
    rest = f"{service.site}/engine-rest"
    status, instance = call(rest, "POST", f"/process-definition/key/{PROCESS}/start", "requester", DEMO_PASSWORD,
                            {"variables": typed(intake()), "businessKey": "SR-OUTBOX"})
    assert status == 200, instance
    status, tasks = call(rest, "GET", f"/task?processInstanceId={instance['id']}", "admin", DEMO_PASSWORD)
    assert status == 200 and len(tasks) == 1, tasks
    status, _ = call(rest, "POST", f"/task/{tasks[0]['id']}/assignee", "pm", DEMO_PASSWORD, {"userId": "admin"})
    assert status == 204


def _until_given_up(page) -> None:
    deadline = time.monotonic() + 20
    while not page.locator("tr.given-up").count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert page.locator("tr.given-up").count() == 1


def test_an_admin_sees_a_given_up_mail_and_sends_it_again(people, service):
    _assign_a_task_to_admin(service)
    en = people.signed_in("admin", "en", then="/admin/outbox")
    _until_given_up(en)
    row = en.locator("tr.given-up").inner_text()
    assert "Task assigned to you" in row and "Given up" in row and "admin" in row
    assert "ConnectionRefusedError" in row
    assert "Given up after every attempt failed: 1." in en.locator(".outbox-warning").inner_text()
    screenshot(en, "admin-outbox-en")

    zh = people.signed_in("admin", "zh", then="/inbox")
    zh.click(".nav-more summary")  # the outbox is under "More" in the top bar, with the other administration
    screenshot(zh, "admin-more-menu-zh")
    zh.click(".nav-more a[href='/admin/outbox']")
    zh.wait_for_url("**/admin/outbox")
    assert "通知发件箱" in zh.locator("h1").inner_text()
    assert "已放弃" in zh.locator("tr.given-up").inner_text()
    screenshot(zh, "admin-outbox-zh")
    zh.click("tr.given-up button[type=submit]")
    assert "将在下一轮发送时重新发送" in zh.locator(".flash").inner_text()
    screenshot(zh, "admin-outbox-sent-again-zh")
    assert en.console_errors == [] and zh.console_errors == []
