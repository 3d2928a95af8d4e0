"""Call activities across files: the called process comes from the same deployment or is already deployed,
and the caller runs through it over REST; only a process that exists nowhere (or a call back to the caller)
is refused, naming the call activity and its line."""
from __future__ import annotations

from tests.helpers import DATA, deploy

MODELS = DATA / "bpmn"
CORPUS = DATA / "corpus" / "spiffworkflow"


def _run_through_the_child(api, key: str) -> None:
    instance_id = api.start(key, {"item": "printer"})
    child_task = api.only_task(instance_id, "child_work")
    assert child_task["candidateGroups"] == ["tier1"]  # the called process's own task settings
    assert api.complete(child_task["id"], "desk", {}).status_code == 403
    assert api.complete(child_task["id"], "tier1", {"effort": 2}).status_code == 204
    review = api.only_task(instance_id, "parent_review")
    assert api.complete(review["id"], "desk", {}).status_code == 204
    assert api.history_state(instance_id) == "COMPLETED"
    variables = api.variables_after_end(instance_id)
    assert variables["child_result"] == "fixed printer" and variables["effort"] == 2


def test_called_process_in_another_file_of_the_same_deployment(api):
    response = deploy(api, MODELS / "call_parent.bpmn", MODELS / "call_child.bpmn")
    assert response.status_code == 200, response.get_json()
    _run_through_the_child(api, "call_parent")


def test_called_process_deployed_earlier(api):
    assert deploy(api, MODELS / "call_child.bpmn").status_code == 200
    response = deploy(api, MODELS / "call_parent.bpmn")
    assert response.status_code == 200, response.get_json()
    _run_through_the_child(api, "call_parent")


def test_nested_chain_across_three_files_mixing_deployed_and_new(api):
    assert deploy(api, MODELS / "call_child.bpmn").status_code == 200
    response = deploy(api, MODELS / "call_top.bpmn", MODELS / "call_middle.bpmn")
    assert response.status_code == 200, response.get_json()
    _run_through_the_child(api, "call_top")


def test_a_running_caller_keeps_the_called_version_it_was_deployed_with(api):
    assert deploy(api, MODELS / "call_parent.bpmn", MODELS / "call_child.bpmn").status_code == 200
    instance_id = api.start("call_parent", {"item": "printer"})
    changed = (MODELS / "call_child.bpmn").read_bytes().replace(b'"fixed " + item', b'"replaced " + item')
    assert deploy(api, ("call_child.bpmn", changed)).status_code == 200
    api.complete(api.only_task(instance_id, "child_work")["id"], "tier1", {})
    api.complete(api.only_task(instance_id, "parent_review")["id"], "desk", {})
    assert api.variables_after_end(instance_id)["child_result"] == "fixed printer"
    # deploying the caller again takes up the new called version
    redeployed = deploy(api, MODELS / "call_parent.bpmn")
    assert [d["version"] for d in redeployed.get_json()["deployedProcessDefinitions"].values()] == [2]


def test_a_called_process_that_exists_nowhere_is_refused_with_element_and_line(api):
    response = deploy(api, MODELS / "call_parent.bpmn")
    assert response.status_code == 400
    [problem] = response.get_json()["details"]["problems"]
    assert (problem["elementId"], problem["line"], problem["resource"]) == ("call_the_child", 5, "call_parent.bpmn")
    assert "'call_child' is not deployed" in problem["message"]
    deeper = deploy(api, MODELS / "call_top.bpmn", MODELS / "call_middle.bpmn").get_json()["details"]["problems"]
    assert {(p["elementId"], p["resource"]) for p in deeper} == {("call_the_child", "call_top.bpmn"),
                                                                 ("middle_calls_child", "call_middle.bpmn")}
    assert api.get("/process-definition?key=call_parent").get_json() == []


def test_a_call_back_to_the_caller_is_refused(api):
    response = deploy(api, CORPUS / "tests__SpiffWorkflow__bpmn__data__call_activity_nested__call_activity_level_3.bpmn")
    assert response.status_code == 400
    [problem] = response.get_json()["details"]["problems"]
    assert problem["elementId"] == "Activity_12zat0d" and problem["line"] == 8
    assert "recursive calls are not supported" in problem["message"]


def test_two_files_of_one_deployment_defining_the_same_process_are_refused(api):
    copy = ("call_child_copy.bpmn", (MODELS / "call_child.bpmn").read_bytes())
    response = deploy(api, MODELS / "call_child.bpmn", copy)
    assert response.status_code == 400, response.get_json()
    [problem] = response.get_json()["details"]["problems"]
    assert (problem["elementId"], problem["line"], problem["resource"]) == ("call_child", 3, "call_child_copy.bpmn")
    assert "also defined in call_child.bpmn" in problem["message"]
