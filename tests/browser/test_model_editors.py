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
        if name == "process":  # bpmnlint's recommended rules run as the owner draws: its issue button is there
            page.wait_for_selector(".bjsl-button")
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
    # the panel applies typing after a pause: save once the schema has the new field
    page.wait_for_function("""() => window.modelEditor.instance.saveSchema().components.some(c =>
        c.key === 'asset_tag' && c.label === '资产编号' && c.validate && c.validate.required)""")
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


def _selected_id(page) -> str:
    return page.evaluate("window.modelEditor.instance.get('selection').get()[0].id")


def _process_xml(service, key: str) -> str:
    status, answer = _rest(service, "GET", f"/process-definition/key/{key}/xml")
    assert status == 200, answer
    return answer["bpmn20Xml"]


def _center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _lower_left(page, selector: str) -> tuple[float, float]:
    """A point inside a shape away from its top right, where bpmnlint's issue badge sits over it."""
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.6


def _on_flow(page, flow_id: str, along: float) -> tuple[float, float]:
    """A screen point on a sequence flow's first segment, ``along`` its length (clear of its label)."""
    return tuple(page.evaluate("""([id, along]) => {
        const modeler = window.modelEditor.instance, canvas = modeler.get('canvas');
        const [a, b] = modeler.get('elementRegistry').get(id).waypoints, box = canvas.viewbox();
        const rect = canvas.getContainer().getBoundingClientRect();
        const x = a.x + (b.x - a.x) * along, y = a.y + (b.y - a.y) * along;
        return [rect.left + (x - box.x) * box.scale, rect.top + (y - box.y) * box.scale];
    }""", [flow_id, along]))


def _pad(page, action: str) -> None:
    page.click(f'.djs-context-pad .entry[data-action="{action}"]')


def test_the_owner_draws_a_user_task_with_the_properties_panel_and_deploys_it(people, service):
    """On the "no revision needed" path of the service review, a confirmation by the project manager."""
    version = _latest_version(service, "service_review")
    page = _open(people, "/models/service_review/edit")
    page.mouse.click(*_on_flow(page, "flow_revision_not_agreed", 0.25))
    _pad(page, "delete")
    # the gateway now lacks a way out: bpmnlint's badge covers its middle, so click beside it
    page.mouse.click(*_lower_left(page, '.djs-shape[data-element-id="revision_gateway"]'))
    _pad(page, "append.append-task")
    page.keyboard.press("Escape")  # bpmn-js opens the label editor on a new task; the panel names it
    _pad(page, "replace")
    page.click('.djs-popup .entry[data-id="replace-with-user-task"]')
    task_id = _selected_id(page)
    page.click('.djs-palette .entry[data-action="global-connect-tool"]')  # the task's pad would hide the gateway
    # the unnamed new task carries bpmnlint's badge over its middle: press and click beside it
    page.mouse.move(*_lower_left(page, f'.djs-shape[data-element-id="{task_id}"]'), steps=3)
    page.mouse.down()
    x, y = _lower_left(page, '.djs-shape[data-element-id="revision_done"]')  # its badge covers its middle too
    page.mouse.move(x - 10, y, steps=8)
    page.mouse.move(x, y, steps=3)
    page.mouse.up()
    page.mouse.click(*_lower_left(page, f'.djs-shape[data-element-id="{task_id}"]'))
    page.mouse.click(*_lower_left(page, f'.djs-shape[data-element-id="{task_id}"]'))  # the first ends the tool
    assert _selected_id(page) == task_id
    _open_group(page, "General")
    page.fill("#bio-properties-panel-name", "确认无需修订")
    _open_group(page, "User assignment")
    groups = page.locator("#bio-properties-panel-candidateGroups")
    assert groups.get_attribute("list") == "editor-pick-groups"
    offered = page.locator("#editor-pick-groups option").evaluate_all("options => options.map(o => o.value)")
    assert {"project_manager", "sales", "tier1_network"} <= set(offered)
    groups.fill("project_manager")
    groups.press("Tab")
    page.wait_for_function("""id => {
        const task = window.modelEditor.instance.get('elementRegistry').get(id).businessObject;
        return task.name === '确认无需修订' && task.candidateGroups === 'project_manager';
    }""", arg=task_id)
    screenshot(page, "model-editor-process-drawn-zh")
    # the new flow is a few pixels long at this zoom: select it as a click on it would, then use its pad
    incoming = page.evaluate(f"""() => {{
        const modeler = window.modelEditor.instance;
        const flow = modeler.get('elementRegistry').get('{task_id}').incoming[0];
        modeler.get('selection').select(flow);
        return flow.id;
    }}""")
    _pad(page, "replace")
    page.click('.djs-popup .entry[data-id="replace-with-default-flow"]')
    message = _save(page, "ok")
    assert f"版本 {version + 1}" in message, message
    assert _errors(page) == []

    xml = _process_xml(service, "service_review")
    assert _latest_version(service, "service_review") == version + 1
    task = re.search(rf'<bpmn:userTask id="{task_id}"[^>]*>', xml).group(0)
    assert 'name="确认无需修订"' in task and 'camunda:candidateGroups="project_manager"' in task, task
    assert re.search(rf'<bpmn:exclusiveGateway id="revision_gateway"[^>]* default="{incoming}"', xml)
    assert re.search(rf'id="{incoming}" sourceRef="revision_gateway" targetRef="{task_id}"', xml)
    assert re.search(rf'sourceRef="{task_id}" targetRef="revision_done"', xml)


def test_an_invalid_edit_shows_its_problems_on_the_diagram_and_deploys_nothing(people, service):
    version = _latest_version(service, "service_review")
    page = _open(people, "/models/service_review/edit", "en")
    page.click('.djs-shape[data-element-id="hold_review_meeting"]')
    _open_group(page, "User assignment")
    page.fill("#bio-properties-panel-candidateGroups", "project_managers")
    page.click('.djs-shape[data-element-id="record_review_report"]')
    _open_group(page, "Implementation")
    page.fill("#bio-properties-panel-externalTopic", "record_review_reprot")
    page.locator("h1").click()
    message = _save(page, "bad")
    assert message == "Nothing was deployed: 2 problem(s) to fix.", message
    rows = page.locator("#editor-problems tbody tr")
    assert rows.count() == 2
    problems = {rows.nth(i).locator("td").first.inner_text(): rows.nth(i).locator("td").last.inner_text()
                for i in range(2)}
    assert problems == {"hold_review_meeting": "group 'project_managers' is not deployed",
                        "record_review_report": "no handler named 'record_review_reprot' in handlers/"}
    for element_id in problems:
        assert page.locator(f'.djs-element.editor-problem[data-element-id="{element_id}"]').count() == 1
    assert page.locator(".editor-problem-badge").count() == 2
    rows.first.locator("button.problem-element").click()
    assert _selected_id(page) in problems
    screenshot(page, "model-editor-process-refused-en")
    page.evaluate("""() => {
        const modeler = window.modelEditor.instance;
        modeler.get('selection').select(modeler.get('elementRegistry').get('service_review_participant'));
    }""")
    _open_group(page, "Candidate starter")
    starters = page.locator("#bio-properties-panel-candidateStarterGroups")
    assert starters.get_attribute("list") == "editor-pick-groups"  # who may start: the same real groups
    assert "service_dept" in starters.input_value()
    assert _latest_version(service, "service_review") == version
    assert "record_review_reprot" not in _process_xml(service, "service_review")
    # the refusal is an answer (422), which the browser notes on the console
    assert _errors(page) == ["Failed to load resource: the server responded with a status of 422 "
                             "(UNPROCESSABLE ENTITY)"]
