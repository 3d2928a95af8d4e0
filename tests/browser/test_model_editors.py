"""The in-browser model editors, driven as a process owner would: change, deploy, see the effect.

The owner changes the dispatch table in dmn-js (network tickets to the general tier-1 group): a ticket
started afterwards goes to the new group, one started before stays on the old rule. The owner adds a
required field to the tier-1 form in the form-js editor: the next ticket's task page refuses to complete
without it. The owner draws a user task in bpmn-js with the properties panel (name, candidate group
offered by the picker) and deploys; an invalid edit lists its problems, marks them on the diagram and
deploys nothing. Tickets are started and classified through /engine-rest: the editors are under test.
Screenshots: test-output/screenshots/model-editor-*.png (zh and en).
"""
from __future__ import annotations

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, screenshot
from tests.conftest import typed
from tests.e2e.servers import call
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, intake

pytestmark = pytest.mark.e2e
#: dmn-js's bundle is built with Inferno's development build, which says so on the console once.
INFERNO_NOTICE = "minified copy of the development build of Inferno"


def _rest(service, method: str, path: str, user: str = "admin", body=None):
    return call(f"{service.site}/engine-rest", method, path, user, DEMO_PASSWORD, body)


def _start_ticket(service, business_key: str) -> str:
    status, answer = _rest(service, "POST", f"/process-definition/key/{PROCESS}/start", "requester",
                           {"variables": typed(intake()), "businessKey": business_key})
    assert status == 200, answer
    return answer["id"]


def _only_task(service, instance_id: str, activity_id: str) -> dict:
    status, tasks = _rest(service, "GET", f"/task?processInstanceId={instance_id}")
    assert status == 200 and [t["taskDefinitionKey"] for t in tasks] == [activity_id], tasks
    return tasks[0]


def _classify(service, instance_id: str, category: str) -> None:
    task = _only_task(service, instance_id, "classify_request")
    status, answer = _rest(service, "POST", f"/task/{task['id']}/complete", "desk",
                           {"variables": typed({**CLASSIFY, "category": category})})
    assert status == 204, answer


def _latest_version(service, key: str) -> int:
    status, answer = _rest(service, "GET", f"/process-definition/key/{key}")
    assert status == 200, answer
    return answer["version"]


def _open(people, path: str, language: str = "zh"):
    page = people.signed_in("owner", language, then=path)
    page.wait_for_selector("#editor-save:not([disabled])")
    return page


def _save(page, outcome: str) -> str:
    page.click("#editor-save")
    page.wait_for_selector(f"#editor-status.editor-status-{outcome}")
    return page.locator("#editor-status").inner_text()


def _errors(page) -> list[str]:
    return [error for error in page.console_errors if INFERNO_NOTICE not in error]


@pytest.mark.parametrize("language", ["zh", "en"])
def test_each_editor_opens_on_the_latest_version(people, language):
    for path, ready, name in ((f"/models/{PROCESS}/edit", ".djs-container .djs-element", "process"),
                              ("/decisions/tier1_dispatch/edit", ".tjs-table", "decision"),
                              ("/forms/tier1_diagnose/edit", ".fjs-editor-container .fjs-form-field", "form")):
        page = _open(people, path, language)
        page.wait_for_selector(ready)
        screenshot(page, f"model-editor-{name}-{language}")
        assert _errors(page) == []


def test_a_changed_dispatch_table_sends_tickets_started_afterwards_to_the_new_group(people, service):
    before = _start_ticket(service, "SR-EDIT-DMN-OLD")
    process_version = _latest_version(service, PROCESS)
    page = _open(people, "/decisions/tier1_dispatch/edit")
    page.locator(".tjs-table td", has_text='"tier1_network"').click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"tier1"')
    page.locator("h1").click()
    assert page.locator(".tjs-table td", has_text='"tier1_network"').count() == 0
    message = _save(page, "ok")
    assert "版本 2" in message and f"{PROCESS} v{process_version + 1}" in message, message
    assert page.locator("#editor-version").inner_text().endswith("2")
    screenshot(page, "model-editor-decision-deployed-zh")
    assert _errors(page) == []

    after = _start_ticket(service, "SR-EDIT-DMN-NEW")
    _classify(service, before, "network")
    _classify(service, after, "network")
    assert _only_task(service, before, "tier1_diagnose")["candidateGroups"] == ["tier1_network"]
    assert _only_task(service, after, "tier1_diagnose")["candidateGroups"] == ["tier1"]


def _form_field(page, label: str):
    return page.locator(".fjs-form-field").filter(has=page.locator("label", has_text=label))


def _field(page, field_id: str):
    return page.locator(".fjs-form-field").filter(has=page.locator(f"[id$='-{field_id}']"))


def _drag(page, source, target) -> None:
    """Drag with the mouse, in steps, as the form editor's drag and drop (dragula) needs."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + start["height"] / 2 + 10, steps=3)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 6, steps=15)
    page.mouse.up()


def _open_group(page, title: str) -> None:
    """Open a properties-panel group (they remember being open or closed)."""
    header = page.locator(".bio-properties-panel-group-header", has_text=title).first
    if "open" not in (header.get_attribute("class") or "").split():
        header.click()


def test_a_required_field_added_in_the_form_editor_is_enforced_on_the_next_ticket(people, service):
    before = _start_ticket(service, "SR-EDIT-FORM-OLD")
    page = _open(people, "/forms/tier1_diagnose/edit", "en")
    fields = page.locator(".fjs-editor-container .fjs-form-field").count()
    _drag(page, page.locator('.fjs-palette-field[data-field-type="textfield"]'),
          page.locator(".fjs-editor-container .fjs-form-field").first)
    assert page.locator(".fjs-editor-container .fjs-form-field").count() == fields + 1
    _open_group(page, "General")
    page.fill("#bio-properties-panel-label", "资产编号")
    page.fill("#bio-properties-panel-key", "asset_tag")
    _open_group(page, "Validation")
    page.check("#bio-properties-panel-required")
    screenshot(page, "model-editor-form-changed-en")
    message = _save(page, "ok")
    assert message.startswith("Deployed as version 2.") and PROCESS in message, message
    assert _errors(page) == []

    after = _start_ticket(service, "SR-EDIT-FORM-NEW")
    for instance_id in (before, after):
        _classify(service, instance_id, "hardware")
    task = _only_task(service, after, "tier1_diagnose")
    tier1 = people.signed_in("tier1", "zh", then=f"/tasks/{task['id']}")
    tier1.click("#claim")
    tier1.wait_for_selector(".fjs-form .fjs-form-field")
    _field(tier1, "field_tier1_outcome").locator(".fjs-select-display").click()
    tier1.locator(".fjs-dropdownlist-item", has_text="已解决，申请完成").first.click()
    for field_id, text in (("field_diagnosis", "网卡驱动损坏"), ("field_attempted_steps", "重启电脑与交换机端口"),
                           ("field_cause", "驱动升级失败"), ("field_solution", "重装驱动")):
        _field(tier1, field_id).locator("textarea").fill(text)
    tier1.click("#form-submit")
    _form_field(tier1, "资产编号").locator(".fjs-form-field-error").wait_for()
    screenshot(tier1, "model-editor-form-enforced-zh")
    assert _only_task(service, after, "tier1_diagnose")["id"] == task["id"]  # not completed
    _form_field(tier1, "资产编号").locator("input").fill("PC-0042")
    tier1.click("#form-submit")
    tier1.wait_for_selector(".form-done")
    status, tasks = _rest(service, "GET", f"/task?processInstanceId={after}&taskDefinitionKey=tier1_diagnose")
    assert (status, tasks) == (200, [])
    old_form = _rest(service, "GET", f"/task/{_only_task(service, before, 'tier1_diagnose')['id']}/deployed-form")
    assert old_form[0] == 200 and "asset_tag" not in str(old_form[1]), old_form
    assert _errors(tier1) == []
