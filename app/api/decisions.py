"""Decision definitions: list, count, read, DMN XML, and evaluate over given variables (Camunda's shapes)."""
from __future__ import annotations

from flask import jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.api.variables import from_rest, to_rest
from app.errors import InvalidInput
from app.services.criteria import FLAG, INT, LIKE, TEXT, TEXTS
from app.services import decisions
from app.store import new_uow

_FILTERS = {"decisionDefinitionId": ("id", TEXT), "decisionDefinitionIdIn": ("ids", TEXTS), "key": TEXT,
            "keyLike": ("key_like", LIKE), "name": TEXT, "nameLike": ("name_like", LIKE),
            "deploymentId": ("deployment_id", TEXT), "resourceName": ("resource_name", TEXT), "version": INT,
            "latestVersion": ("latest_only", FLAG)}
_SORT = ("id", "key", "name", "version", "deployTime", "deploymentId")


def _query(with_page: bool) -> decisions.DecisionQuery:
    """The list's filters (``decisionDefinitionId`` joins the ids of ``…IdIn``); sort and page for the list only."""
    filters = queries.from_args(_FILTERS, queries.LIST_ARGS if with_page else ())
    one = filters.pop("id", None)
    result = decisions.DecisionQuery(ids=filters.pop("ids", []) + ([one] if one else []), **filters)
    if with_page:
        result.sort_by, result.descending = queries.one_sort(queries.args_sorting(_SORT))
        page = queries.paging()
        result.first, result.limit = page.first, page.limit
    return result


@bp.get("/decision-definition")
def list_decision_definitions():
    return jsonify([shapes.decision(r) for r in decisions.list_decisions(new_uow(write=False), _query(True))])


@bp.get("/decision-definition/count")
def count_decision_definitions():
    return jsonify({"count": decisions.count_decisions(new_uow(write=False), _query(False))})


@bp.get("/decision-definition/<decision_id>")
def get_decision_definition(decision_id: str):
    queries.check_args()
    return jsonify(shapes.decision(decisions.get_decision(new_uow(write=False), decision_id=decision_id)))


@bp.get("/decision-definition/key/<key>")
def get_decision_definition_by_key(key: str):
    queries.check_args()
    return jsonify(shapes.decision(decisions.get_decision(new_uow(write=False), key=key)))


@bp.get("/decision-definition/<decision_id>/xml")
def decision_definition_xml(decision_id: str):
    queries.check_args()
    row, xml = decisions.decision_xml(new_uow(write=False), decision_id=decision_id)
    return jsonify({"id": row.id, "dmnXml": xml})


@bp.get("/decision-definition/key/<key>/xml")
def decision_definition_xml_by_key(key: str):
    queries.check_args()
    row, xml = decisions.decision_xml(new_uow(write=False), key=key)
    return jsonify({"id": row.id, "dmnXml": xml})


def _evaluate(**which):
    queries.check_args()
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
