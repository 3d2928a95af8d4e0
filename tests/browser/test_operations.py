"""The live view in a real chromium: badges with waiting and failed counts on the diagram, an instance's path,
the migration preview; photographed in both languages."""
from __future__ import annotations

import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import call, deploy_file
from tests.helpers import DATA

pytestmark = pytest.mark.e2e

MODEL = (DATA / "operations" / "live.bpmn").read_text(encoding="utf-8")


def _start(base: str, route: str, business_key: str) -> str:
    status, answer = call(base, "POST", "/process-definition/key/ops_live/start", "requester", DEMO_PASSWORD,
                          {"variables": typed({"route": route}), "businessKey": business_key})
    assert status == 200, answer
    return answer["id"]


def _deploy(base: str, tier1_name: str) -> None:
    status, answer = deploy_file(base, "owner", DEMO_PASSWORD, "ops_live.bpmn",
                                 MODEL.replace("TIER1_NAME", tier1_name).encode())
    assert status == 200, answer


@pytest.fixture(scope="module")
def live(service) -> dict[str, str]:
    """Version 1: two at tier 1, one at tier 2, one failed at the gateway; version 2: one at tier 1, one failed."""
    _deploy(service.base, "一线处理")
    started = {"a": _start(service.base, "tier1", "SR-OPS-001"), "b": _start(service.base, "tier1", "SR-OPS-002"),
               "tier2": _start(service.base, "tier2", "SR-OPS-003"), "lost": _start(service.base, "tier9", "SR-OPS-004")}
    _deploy(service.base, "一线排查")
    started["v2"] = _start(service.base, "tier1", "SR-OPS-005")
    started["v2_lost"] = _start(service.base, "nowhere", "SR-OPS-006")
    return started


def _badge(page, element: str, kind: str) -> str:
    return page.locator(f'.djs-overlays[data-container-id="{element}"] .ops-badge-{kind}').inner_text()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_live_view_badges_instance_path_and_migration_preview(people, live, language):
    page = people.signed_in("owner", language, then="/operations")
    assert page.locator(".ops-processes").get_by_text("ops_live").count() == 1
    screenshot(page, f"operations-index-{language}")

    page.click(".ops-processes a:has-text('现场视图示例'), .ops-processes a:has-text('ops_live')")
    page.wait_for_selector("#live-diagram[data-state=ready]")
    assert _badge(page, "tier1", "tokens") == "3" and _badge(page, "tier2", "tokens") == "1"
    assert _badge(page, "route", "incidents") == "2"
    assert page.locator('.djs-overlays[data-container-id="end1"]').count() == 0
    screenshot(page, f"operations-live-{language}")

    page.select_option("#version", "1")
    page.click(".ops-version button[type=submit]")
    page.wait_for_selector("#live-diagram[data-state=ready]")
    assert _badge(page, "tier1", "tokens") == "2" and _badge(page, "route", "incidents") == "1"
    page.select_option("select[name=incident]", "yes")
    page.click(".ops-filters button[type=submit]")
    assert page.locator(".ops-instance-list tbody tr").all_inner_texts()[0].startswith("SR-OPS-004")
    assert page.locator(".ops-instance-list tbody tr").count() == 1

    page.click("text=SR-OPS-004")
    page.wait_for_selector("#diagram[data-state=ready]")
    assert page.locator('g.djs-element.ticket-incident[data-element-id="route"]').count() == 1
    assert page.locator('g.djs-element.ticket-done[data-element-id="start"]').count() == 1
    assert "route" in page.locator("#incidents").inner_text()
    screenshot(page, f"operations-instance-incident-{language}")

    page.goto(page.url.split("/operations")[0] + f"/operations/instances/{live['tier2']}")
    page.wait_for_selector("#diagram[data-state=ready]")
    assert page.locator('g.djs-element.ticket-current[data-element-id="tier2"]').count() == 1
    assert page.locator('g.djs-connection.ticket-flow-done[data-element-id="to_tier2"]').count() == 1
    screenshot(page, f"operations-instance-{language}")

    page.goto(page.url.split("/operations")[0] + "/operations/ops_live/migrate?source=1&target=2")
    counts = {row.get_attribute("data-element"): row.locator("td.num").inner_text()
              for row in page.locator(".ops-preview tbody tr").all()}
    assert counts == {"route": "1", "tier1": "2", "tier2": "1"}  # the failed one waits on its gateway
    assert page.locator(".ops-refusals").count() == 0
    page.select_option('select[name="map-tier2"]', "tier1")  # an explicit mapping, previewed again
    page.click("button[value=preview]")
    assert page.locator('select[name="map-tier2"]').input_value() == "tier1"
    assert page.locator(".ops-refusals").count() == 0
    screenshot(page, f"operations-migrate-{language}")
    assert page.console_errors == []
