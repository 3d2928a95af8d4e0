"""The editor pages: who may open them, what the page hands its script, and the JSON save (CSRF header).

What a save does to versions and tickets is tested in test_model_editing.py; here only the web layer.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.integration.signed_in import csrf_token, sign_in

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
EDIT = "/decisions/tier1_dispatch/edit"


def _editor_data(response) -> dict:
    block = re.search(r'<script type="application/json" id="editor-data">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(block.group(1))


def _save(client, path: str, body, token: str | None):
    headers = {"Accept": "application/json", **({"X-CSRFToken": token} if token else {})}
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_owner_opens_each_editor_on_the_latest_version(client):
    sign_in(client, "owner")
    for path, kind, marker in (("/models/it_support_request/edit", "bpmn", "<bpmn:definitions"),
                               (EDIT, "dmn", '<decision id="tier1_dispatch"'),
                               ("/forms/tier1_diagnose/edit", "form", '"id": "tier1_diagnose"')):
        response = client.get(path)
        assert response.status_code == 200, path
        data = _editor_data(response)
        assert (data["kind"], data["version"], data["saveUrl"]) == (kind, 1, path)
        assert marker in data["source"]
    assert client.get("/models/no_such_process/edit").status_code == 404
    assert client.get("/forms/no_such_form/edit").status_code == 404


def test_only_process_owners_and_admins_may_edit(client):
    assert client.get(EDIT).status_code == 302  # to the sign-in page
    sign_in(client, "desk")
    assert client.get(EDIT).status_code == 403
    assert client.get("/model-editor/picks.json").status_code == 403
    assert _save(client, EDIT, {"source": "<x/>"}, csrf_token(client, "/inbox")).status_code == 403


def test_a_save_needs_the_csrf_header_and_answers_in_json(client):
    sign_in(client, "owner")
    source = _editor_data(client.get(EDIT))["source"]
    token = csrf_token(client, EDIT)
    assert _save(client, EDIT, {"source": source}, None).status_code == 400

    unchanged = _save(client, EDIT, {"source": source}, token)
    assert unchanged.status_code == 200
    assert unchanged.get_json() == {"saved": True, "created": False, "version": 1, "warnings": [],
                                    "message": "内容未改变：仍为版本 1。"}

    broken = _save(client, EDIT, {"source": source.replace("</decisionTable>", "")}, token)
    assert broken.status_code == 422 and broken.get_json()["saved"] is False
    assert broken.get_json()["problems"] and all("message" in p for p in broken.get_json()["problems"])

    for body in ({"source": ""}, {"xml": source}, ["not", "an", "object"]):
        assert _save(client, EDIT, body, token).status_code == 400


def test_the_pick_lists_offer_group_names_in_the_readers_language(client):
    sign_in(client, "owner")
    picks = client.get("/model-editor/picks.json", headers={"Accept-Language": "zh-CN"}).get_json()
    names = {group["id"]: group["name"] for group in picks["groups"]}
    assert names["tier1_network"] == "一线·网络"
    assert "close_ticket" in [topic["id"] for topic in picks["topics"]]
