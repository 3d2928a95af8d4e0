"""POST /deployment/create: multipart upload of BPMN, DMN and form files, as Camunda Modeler sends it."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, queries, shapes
from app.errors import InvalidInput
from app.services import definitions
from app.store import new_uow

_FIELDS = {"deployment-name", "deployment-source", "deploy-changed-only", "enable-duplicate-filtering",
           "tenant-id", "deployment-activation-time"}


@bp.post("/deployment/create")
def create_deployment():
    if not request.files:
        raise InvalidInput("send the models as multipart/form-data files")
    files = [(storage.filename or field, storage.read()) for field, storage in request.files.items(multi=True)]
    name = request.form.get("deployment-name") or "deployment"
    result = definitions.deploy(new_uow(), files, name=name, user=current_user(),
                                source=request.form.get("deployment-source"))
    body = shapes.deployment(result.deployment, result.definitions, result.decisions)
    body["warnings"] = [shapes.model_problem(w) for w in result.warnings]
    return jsonify(body), 200


@bp.get("/deployment")
def list_deployments():
    queries.check_args(queries.PAGING_ARGS)
    rows = definitions.list_deployments(new_uow(write=False))
    return jsonify([shapes.deployment(d) for d in queries.paging().apply(rows)])
