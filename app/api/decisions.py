"""Decision definitions: list, count, read, DMN XML, and evaluate over given variables (Camunda's shapes)."""
from __future__ import annotations

from flask import jsonify

from app.api import bp, current_user, json_body, query, shapes
from app.api.variables import from_rest, to_rest
from app.errors import InvalidInput
from app.services import decisions
from app.store import new_uow

_FILTERS = ("decisionDefinitionId", "decisionDefinitionIdIn", "key", "keyLike", "name", "nameLike", "deploymentId",
            "resourceName", "version", "latestVersion")
_SORT = ("id", "key", "name", "version", "deployTime", "deploymentId")


def _query(with_page: bool) -> decisions.DecisionQuery:
    query.only(*_FILTERS, *(("sortBy", "sortOrder", *query.PAGING) if with_page else ()))
    ids = query.text_list("decisionDefinitionIdIn") + ([query.text("decisionDefinitionId")]
                                                       if query.text("decisionDefinitionId") else [])
    version = query.text("version")
    if version is not None and not version.isdigit():
        raise InvalidInput("query parameter version must be a positive integer")
    result = decisions.DecisionQuery(
        ids=ids, key=query.text("key"), key_like=query.text("keyLike"), name=query.text("name"),
        name_like=query.text("nameLike"), deployment_id=query.text("deploymentId"),
        resource_name=query.text("resourceName"), version=int(version) if version else None,
        latest_only=bool(query.flag("latestVersion")))
    if with_page:
        result.sort_by, result.descending = query.sorting(_SORT)
        result.first, result.limit = query.paging()
    return result


@bp.get("/decision-definition")
def list_decision_definitions():
    return jsonify([shapes.decision(r) for r in decisions.list_decisions(new_uow(write=False), _query(True))])


@bp.get("/decision-definition/count")
def count_decision_definitions():
    return jsonify({"count": decisions.count_decisions(new_uow(write=False), _query(False))})


@bp.get("/decision-definition/<decision_id>")
def get_decision_definition(decision_id: str):
    query.only()
    return jsonify(shapes.decision(decisions.get_decision(new_uow(write=False), decision_id=decision_id)))


@bp.get("/decision-definition/key/<key>")
def get_decision_definition_by_key(key: str):
    query.only()
    return jsonify(shapes.decision(decisions.get_decision(new_uow(write=False), key=key)))


@bp.get("/decision-definition/<decision_id>/xml")
def decision_definition_xml(decision_id: str):
    query.only()
    row, xml = decisions.decision_xml(new_uow(write=False), decision_id=decision_id)
    return jsonify({"id": row.id, "dmnXml": xml})


@bp.get("/decision-definition/key/<key>/xml")
def decision_definition_xml_by_key(key: str):
    query.only()
    row, xml = decisions.decision_xml(new_uow(write=False), key=key)
    return jsonify({"id": row.id, "dmnXml": xml})


def _evaluate(**which):
    query.only()
    body = json_body()
    unknown = sorted(set(body) - {"variables"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    variables = from_rest(body.get("variables") or {})
    results = decisions.evaluate(new_uow(write=False), current_user(), variables, **which)
    return jsonify([to_rest(result) for result in results])


@bp.post("/decision-definition/<decision_id>/evaluate")
def evaluate_decision(decision_id: str):
    return _evaluate(decision_id=decision_id)


@bp.post("/decision-definition/key/<key>/evaluate")
def evaluate_decision_by_key(key: str):
    return _evaluate(key=key)
