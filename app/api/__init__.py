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
from app.values import parse_json

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
        for problem in exc.problems:  # Camunda 7's shape too: per resource, its errors and warnings
            resource = body["details"].setdefault(problem.resource or "deployment", {"errors": [], "warnings": []})
            resource["errors"].append({"message": problem.detail, "line": problem.line, "column": None,
                                       "mainElementId": problem.element_id,
                                       "elementIds": [problem.element_id] if problem.element_id else []})
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
    return _http_error(exc)


@bp.app_errorhandler(HTTPException)
def unmatched_route(exc: HTTPException):
    """Flask raises routing errors (unknown path, wrong method) before any blueprint is chosen, so only
    an app-wide handler sees them; it answers JSON for /engine-rest and leaves other paths alone."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        return _http_error(exc)
    return exc


def _http_error(exc: HTTPException):
    response = jsonify({"type": "InvalidRequestException" if exc.code and exc.code < 500 else "RestException",
                        "message": exc.description})
    response.status_code = exc.code or 500
    for name, value in exc.get_headers():
        if name.lower() == "allow":  # 405 names the methods the path does take
            response.headers[name] = value
    return response


@bp.before_request
def refuse_nul() -> None:
    """PostgreSQL cannot keep NUL in text, so an id or filter holding one would fail deep in a query
    (a 500 there, silently different on SQLite); it is refused here for every route at once."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        raise InvalidInput("the request contains the NUL character (U+0000) in its path, query or form fields")


def json_body() -> dict[str, Any]:
    """The request's JSON object; an empty body counts as ``{}``; anything else is a 400.

    Parsed by :func:`app.values.parse_json`, so NaN, Infinity, 1e400, NUL and deep nesting are refused
    before any view sees them (Flask's own parser accepts the first three and fails with a 500 on the last).
    """
    raw = request.get_data()
    if not raw:
        return {}
    try:
        data = parse_json(raw)
    except ValueError as exc:
        raise InvalidInput(f"request body is not acceptable JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput("request body must be a JSON object")
    return data


def current_user() -> Principal:
    return g.user


from app.api import (  # noqa: E402,F401  (each module registers its routes)
    comments, decisions, definition_extras, definitions, deployment_resources, deployments, engine_info,
    filters, groups, history, history_details, history_instances, history_log, history_tasks, identity,
    incident_queries, incidents, instance_operations, instances, jobs, messages, migration, suspension, task_locals,
    task_operations, tasks, users, variable_changes, variable_instances,
)
