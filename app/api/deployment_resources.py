"""Deployments one by one: read, count, their files, redeploy, delete (process owners only for changes)."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, jsonify

from app.api import bp, current_user, json_body, queries, shapes
from app.api.body import text, texts
from app.errors import InvalidInput
from app.models import Resource
from app.services.criteria import FLAG, LIKE, TEXT
from app.services import deployments
from app.store import new_uow

_MIMETYPES = {"bpmn": "application/xml", "dmn": "application/xml", "form": "application/json"}
# deleting runs no listeners and no I/O mappings whatever these say, so both are accepted
DELETE_OPTIONS = {"cascade": FLAG, "skipCustomListeners": FLAG, "skipIoMappings": FLAG}
_FILTERS = {"id": ("deployment_id", TEXT), "name": TEXT, "nameLike": ("name_like", LIKE), "source": TEXT,
            "withoutSource": ("without_source", FLAG)}


def resource_shape(row: Resource) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "deploymentId": row.deployment_id}


@bp.get("/deployment/count")
def count_deployments():
    filters = deployments.DeploymentQuery(**queries.from_args(_FILTERS))
    return jsonify({"count": deployments.count_deployments(new_uow(write=False), filters)})


@bp.get("/deployment/registered")
def registered_deployments():
    """Camunda lists deployments registered with its job executor; there is none here."""
    queries.check_args()
    return jsonify([])


@bp.get("/deployment/<deployment_id>")
def get_deployment(deployment_id: str):
    queries.check_args()
    return jsonify(shapes.deployment(deployments.get_deployment(new_uow(write=False), deployment_id)))


@bp.delete("/deployment/<deployment_id>")
def delete_deployment(deployment_id: str):
    cascade = queries.from_args(DELETE_OPTIONS).get("cascade", False)
    deployments.delete_deployment(new_uow(), deployment_id, cascade, current_user())
    return "", 204


@bp.get("/deployment/<deployment_id>/resources")
def deployment_resources(deployment_id: str):
    queries.check_args()
    return jsonify([resource_shape(r) for r in deployments.resources(new_uow(write=False), deployment_id)])


@bp.get("/deployment/<deployment_id>/resources/<resource_id>")
def deployment_resource(deployment_id: str, resource_id: str):
    queries.check_args()
    return jsonify(resource_shape(deployments.resource(new_uow(write=False), deployment_id, resource_id)))


@bp.get("/deployment/<deployment_id>/resources/<resource_id>/data")
def deployment_resource_data(deployment_id: str, resource_id: str):
    """The file as deployed, byte for byte: XML for BPMN and DMN, JSON for forms."""
    queries.check_args()
    row = deployments.resource(new_uow(write=False), deployment_id, resource_id)
    file_name = row.name.rsplit("/", 1)[-1]
    return Response(row.content, mimetype=_MIMETYPES.get(row.kind, "application/octet-stream"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name, safe='')}"})


@bp.post("/deployment/<deployment_id>/redeploy")
def redeploy(deployment_id: str):
    queries.check_args()
    body = json_body()
    unknown = sorted(set(body) - {"resourceIds", "resourceNames", "source"})
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    result = deployments.redeploy(new_uow(), deployment_id, current_user(), texts(body, "resourceIds"),
                                  texts(body, "resourceNames"), text(body, "source"))
    return jsonify(shapes.deployment(result.deployment, result.definitions, result.decisions))
