"""The OpenAPI document in app/api/openapi.json: well-formed, self-contained, and in step with the routes.

No database is needed: the API blueprint is registered on a bare Flask app only
to read its URL rules.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import flask
import pytest

from app.api import bp
from app.api.engine_info import openapi_document

FRAGMENTS = sorted((Path(__file__).resolve().parents[2] / "app" / "api" / "openapi").glob("*.json"))
PREFIX = "/engine-rest"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], pointer: str) -> Any:
    assert pointer.startswith("#/"), f"{pointer} points outside the document"
    node: Any = document
    for part in pointer[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{pointer} does not resolve"
        node = node[part]
    return node


def _registered_routes() -> set[tuple[str, str]]:
    app = flask.Flask(__name__)
    app.register_blueprint(bp)
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return routes


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


@pytest.mark.parametrize("fragment", FRAGMENTS, ids=[f.name for f in FRAGMENTS])
def test_fragments_are_utf8_json_with_two_space_indent(fragment):
    text = fragment.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_is_openapi_3_0(document):
    assert isinstance(document["openapi"], str) and document["openapi"].startswith("3.0")
    assert document["info"]["title"] and document["info"]["version"] and document["info"]["description"]
    assert document["servers"] == [{"url": PREFIX}]
    assert all(path.startswith("/") and not path.startswith(PREFIX) for path in document["paths"])


def test_every_ref_resolves(document):
    refs = set(_refs(document))
    assert refs, "the document should use components"
    for pointer in sorted(refs):
        _resolve(document, pointer)


def test_documented_routes_equal_registered_routes(document):
    documented = {(method, path) for method, path, _ in _operations(document)}
    registered = _registered_routes()
    assert registered, "the blueprint registered no routes"
    assert documented - registered == set(), "documented but not served"
    assert registered - documented == set(), "served but not documented"


def test_path_parameters_match_path_templates(document):
    for method, path, operation in _operations(document):
        declared = {p["name"] for p in (_resolve(document, p["$ref"]) if "$ref" in p else p
                                        for p in operation.get("parameters", [])) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)


def test_operation_ids_are_unique(document):
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))


def test_security_is_basic_and_global_except_public_routes(document):
    scheme = document["components"]["securitySchemes"]["basicAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "basic")
    assert document["security"] == [{"basicAuth": []}]
    for method, path, operation in _operations(document):
        if path in ("/engine", "/openapi.json"):
            assert operation.get("security") == [], path
            assert "401" not in operation["responses"], path
        else:
            assert "security" not in operation, path
            assert "401" in operation["responses"], (method, path)


def test_required_schemas_exist(document):
    schemas = document["components"]["schemas"]
    for name in ("ProcessDefinition", "Deployment", "ProcessInstance", "HistoricProcessInstance", "Task",
                 "HistoricActivityInstance", "Incident", "VariableValue", "VariableMap", "Exception",
                 "DeploymentException"):
        assert name in schemas, name
    assert set(schemas["Exception"]["required"]) == {"type", "message"}
    assert {"ACTIVE", "COMPLETED"} <= set(schemas["HistoricProcessInstance"]["properties"]["state"]["enum"])


def test_error_responses_use_the_exception_schema(document):
    for method, path, operation in _operations(document):
        for code, response in operation["responses"].items():
            if int(code) < 400:
                continue
            if "$ref" in response:
                response = _resolve(document, response["$ref"])
            schema = response["content"]["application/json"]["schema"]
            assert schema["$ref"] in ("#/components/schemas/Exception",
                                      "#/components/schemas/DeploymentException"), (method, path, code)


def test_deployment_create_is_multipart(document):
    body = document["paths"]["/deployment/create"]["post"]["requestBody"]
    schema = _resolve(document, body["content"]["multipart/form-data"]["schema"]["$ref"])
    assert {"deployment-name", "deployment-source", "deploy-changed-only",
            "enable-duplicate-filtering"} <= set(schema["properties"])
    assert schema["additionalProperties"]["format"] == "binary"
