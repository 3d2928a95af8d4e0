"""Instance migration as Camunda 7's REST API has it: POST /migration/generate and /migration/execute.

Refusals answer 400 with Camunda's exception types and its ``validationReport``
shapes, so a client written for Camunda reads which instruction or which
element was wrong.
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp, current_user, json_body
from app.api.body import flag, refuse_unknown, text, texts
from app.api.variables import from_rest
from app.errors import InvalidInput
from app.services import migration
from app.store import new_uow

_PLAN_FIELDS = {"sourceProcessDefinitionId", "targetProcessDefinitionId", "instructions", "variables"}
_EXECUTE_FIELDS = {"migrationPlan", "processInstanceIds", "processInstanceQuery", "skipCustomListeners",
                   "skipIoMappings"}


@bp.post("/migration/generate")
def generate_migration():
    body = json_body()
    refuse_unknown(body, {"sourceProcessDefinitionId", "targetProcessDefinitionId", "updateEventTriggers",
                          "variables"})
    source, target = _required(body, "sourceProcessDefinitionId"), _required(body, "targetProcessDefinitionId")
    plan = migration.generate(new_uow(write=False), current_user(), source, target, flag(body, "updateEventTriggers"))
    plan.variables = from_rest(body.get("variables") or {})
    return jsonify(_plan_json(plan, body.get("variables")))


@bp.post("/migration/execute")
def execute_migration():
    body = json_body()
    refuse_unknown(body, _EXECUTE_FIELDS)
    flag(body, "skipCustomListeners"), flag(body, "skipIoMappings")  # type checks; there are no listeners
    plan = _plan(body.get("migrationPlan"))
    ids = texts(body, "processInstanceIds") or None
    query = body.get("processInstanceQuery")
    if query is not None:
        if not isinstance(query, dict) or set(query) - {"processDefinitionId"}:
            raise InvalidInput("processInstanceQuery supports only processDefinitionId here")
        if query.get("processDefinitionId") not in (None, plan.source_id):
            raise InvalidInput("processInstanceQuery must select instances of the plan's source definition")
    elif ids is None:
        raise InvalidInput("give processInstanceIds or a processInstanceQuery")
    migration.execute(new_uow(), current_user(), plan, ids)
    return "", 204


@bp.errorhandler(migration.PlanInvalid)
def plan_invalid(exc: migration.PlanInvalid):
    reports = [{"instruction": _instruction_json(r.instruction), "failures": list(r.failures)} for r in exc.reports]
    return _refusal(exc, {"instructionReports": reports, "variableReports": {}})


@bp.errorhandler(migration.InstanceInvalid)
def instance_invalid(exc: migration.InstanceInvalid):
    first = exc.reports[0].instance_id
    reports = [{"migrationInstruction": None, "activityInstanceId": r.task_id, "sourceScopeId": r.activity_id,
                "failures": list(r.failures)} for r in exc.reports if r.instance_id == first]
    return _refusal(exc, {"processInstanceId": first, "failures": [], "activityInstanceValidationReports": reports,
                          "transitionInstanceValidationReports": []})


def _refusal(exc, report: dict[str, Any]):
    response = jsonify({"type": exc.kind, "message": exc.message, "validationReport": report})
    response.status_code = 400
    return response


def _required(body: dict[str, Any], name: str) -> str:
    value = text(body, name)
    if not value:
        raise InvalidInput(f"{name} is required")
    return value


def _plan(raw: Any) -> migration.Plan:
    if not isinstance(raw, dict):
        raise InvalidInput("migrationPlan must be an object")
    refuse_unknown(raw, _PLAN_FIELDS)
    instructions = raw.get("instructions")
    if not isinstance(instructions, list) or not all(isinstance(i, dict) for i in instructions):
        raise InvalidInput("migrationPlan.instructions must be a list of objects")
    return migration.Plan(_required(raw, "sourceProcessDefinitionId"), _required(raw, "targetProcessDefinitionId"),
                          [_instruction(i) for i in instructions], from_rest(raw.get("variables") or {}))


def _instruction(raw: dict[str, Any]) -> migration.Instruction:
    refuse_unknown(raw, {"sourceActivityIds", "targetActivityIds", "updateEventTrigger"})
    sources, targets = texts(raw, "sourceActivityIds"), texts(raw, "targetActivityIds")
    if len(sources) != 1 or len(targets) != 1:
        raise InvalidInput("each instruction maps exactly one sourceActivityId to one targetActivityId")
    return migration.Instruction(sources[0], targets[0], flag(raw, "updateEventTrigger"))


def _instruction_json(instruction: migration.Instruction) -> dict[str, Any]:
    return {"sourceActivityIds": [instruction.source], "targetActivityIds": [instruction.target],
            "updateEventTrigger": instruction.update_event_trigger}


def _plan_json(plan: migration.Plan, variables: Any) -> dict[str, Any]:
    return {"sourceProcessDefinitionId": plan.source_id, "targetProcessDefinitionId": plan.target_id,
            "instructions": [_instruction_json(i) for i in plan.instructions], "variables": variables or None}
