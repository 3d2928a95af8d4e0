"""REST API shaped like Camunda 7's ``engine-rest``, so that existing Camunda clients work.

Every request authenticates with HTTP Basic against the service's users.
Errors are ``{"type": ..., "message": ...}`` with the status the domain error
carries; views only parse the request and call one service.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from app import auth
from app.errors import DeploymentError, DomainError, InvalidInput, Unauthorized
from app.services.users import Principal

bp = Blueprint("api", __name__, url_prefix="/engine-rest")


@bp.before_request
def require_user() -> Any:
    if request.endpoint in ("api.engine_names", "api.openapi"):
        return None
    credentials = request.authorization
    if credentials is None or credentials.type != "basic" or not credentials.username:
        return _error(Unauthorized("authentication required (HTTP Basic)"), {"WWW-Authenticate": 'Basic realm="engine-rest"'})
    try:
        g.user = auth.check_password(credentials.username, credentials.password or "")
    except Unauthorized as exc:
        return _error(exc, {"WWW-Authenticate": 'Basic realm="engine-rest"'})
    return None


def _error(exc: DomainError, headers: dict | None = None):
    body: dict[str, Any] = {"type": exc.kind, "message": exc.message}
    if isinstance(exc, DeploymentError):
        body["details"] = {"problems": [{"message": p.message, "elementId": p.element_id, "line": p.line,
                                         "resource": p.resource} for p in exc.problems]}
    response = jsonify(body)
    response.status_code = exc.status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    return _error(exc)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    response = jsonify({"type": "InvalidRequestException" if exc.code and exc.code < 500 else "RestException",
                        "message": exc.description})
    response.status_code = exc.code or 500
    return response


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``; anything else is a 400."""
    if not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("request body must be a JSON object")
    return data


def current_user() -> Principal:
    return g.user


def int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"query parameter {name} must be an integer") from None
    if value < 0:
        raise InvalidInput(f"query parameter {name} must not be negative")
    return value


from app.api import (  # noqa: E402,F401  (each module registers its routes)
    comments, decisions, definition_extras, definitions, deployment_resources, deployments, engine_info,
    filters, groups, history, history_details, history_instances, history_log, history_tasks, identity,
    incident_queries, incidents, instance_operations, instances, jobs, messages, suspension, task_locals,
    task_operations, tasks, users, variable_changes, variable_instances,
)
