"""The model library in a real chromium, in zh and en: the owner uploads a changed Flow 1 (and first a
broken one, refused with its problems listed), then reads the library, the versions and the diff, whose
diagrams mark the changed elements.

Screenshots go to test-output/screenshots: the library, a refused upload, a model's versions, the diff.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, People, screenshot
from tests.conftest import typed
from tests.e2e.servers import call
from tests.integration.test_model_library import SUPPORT, changed_support_request
from tests.integration.test_support_request_flow import intake

pytestmark = pytest.mark.e2e
DISPATCH = SUPPORT.parent / "tier1_dispatch.dmn"


def _choose(page, name: str, content: bytes) -> None:
    page.set_input_files("#upload-files", files=[{"name": name, "mimeType": "application/xml", "buffer": content}])


@pytest.fixture(scope="module")
def changed(browser, service):
    """Flow 1 version 2, uploaded through the page by the owner after a refused attempt, while a ticket
    started on version 1 is still open."""
    status, body = call(service.base, "POST", "/process-definition/key/it_support_request/start", "requester",
                        DEMO_PASSWORD, {"variables": typed(intake())})
    assert status == 200, body
    crowd = People(browser, service)
    page = crowd.signed_in("owner", "zh", then="/models")
    broken = SUPPORT.read_text(encoding="utf-8").replace('camunda:candidateGroups="tier2"',
                                                         'camunda:candidateGroups="night_shift"')
    _choose(page, "it_support_request.bpmn", broken.encode())
    page.click(".upload-form button[type=submit]")
    page.wait_for_selector(".upload-problems")
    assert "未部署任何内容" in page.locator(".problems-title").inner_text()
    assert page.locator(".problems-list tbody tr").count() == 1
    assert "tier2_resolve" in page.locator(".problems-list tbody tr").inner_text()
    screenshot(page, "models-upload-refused-zh")
    dispatch = DISPATCH.read_text(encoding="utf-8").replace('<text>"tier1_network"</text>', '<text>"tier2"</text>')
    page.set_input_files("#upload-files", files=[
        {"name": "it_support_request.bpmn", "mimeType": "application/xml", "buffer": changed_support_request()},
        {"name": "tier1_dispatch.dmn", "mimeType": "application/xml", "buffer": dispatch.encode()}])
    page.click(".upload-form button[type=submit]")
    page.wait_for_selector(".flash-success")
    assert "已部署：IT 支持请求 v2, 按技能矩阵分派 v2" in page.locator(".flashes").inner_text()
    crowd.close()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_owner_reads_the_library_versions_and_a_diff(people, changed, language):
    zh = language == "zh"
    page = people.signed_in("owner", language, then="/models")
    page.click(".nav-more summary")  # the library is under "More" in the top bar
    assert page.locator(".mainnav a.active").inner_text() == ("模型" if zh else "Models")
    row = page.locator('tr[data-key="it_support_request"]')
    assert row.locator("td").nth(2).inner_text() == "v2"
    assert page.locator('tr[data-key="tier1_dispatch"]').count() == 1
    screenshot(page, f"models-library-{language}")

    row.locator("a").click()
    page.wait_for_selector(".versions-list")
    assert page.locator(".versions-list tbody tr").count() == 2
    assert [page.locator(f'tr[data-version="{v}"] .running').inner_text() for v in (2, 1)] == ["0", "1"]
    screenshot(page, f"models-versions-{language}")

    page.locator('tr[data-version="2"] .actions a').nth(1).click()
    page.wait_for_selector('#diagram-before[data-state="ready"]')
    page.wait_for_selector('#diagram-after[data-state="ready"]')
    for side in ("before", "after"):
        marked = page.locator(f"#diagram-{side} .djs-element.diff-changed")
        assert sorted(marked.evaluate_all("els => els.map(e => e.getAttribute('data-element-id'))")) == [
            "flow_tier1_escalate", "tier2_resolve"]
    assert page.locator(".changes-list tbody tr").count() == 2
    details = page.locator('tr[data-element="tier2_resolve"] .change-details').inner_text()
    assert ("候选组" if zh else "Candidate groups") in details and "tier2,service_desk" in details
    page.locator('tr[data-element="tier2_resolve"]').click()
    assert not page.console_errors, page.console_errors
    screenshot(page, f"models-diff-{language}")

    page.goto(page.url.split("/models/")[0] + "/models/tier1_dispatch/diff?kind=decision")
    rule = page.locator('tr[data-element="rule_network"]')
    assert rule.locator("dt").inner_text() == ("则 一线组" if zh else "Then Tier-1 group")
    assert '"tier1_network"' in rule.locator("del").inner_text() and '"tier2"' in rule.locator("ins").inner_text()
    assert page.locator(".diff-diagram").count() == 0
    screenshot(page, f"models-diff-decision-{language}")
