"""Decision definitions over engine-rest: versioned at deployment, listed, read, evaluated in the sandbox."""
from __future__ import annotations

from alembic import command
from alembic.config import Config

from app.store import database
from tests.conftest import ROOT
from tests.helpers import DATA, deploy

API = DATA / "api"
SCORE_1 = {"variables": {"score": {"value": 1, "type": "Integer"}}}


def test_deploying_dmn_versions_decisions_like_processes(api):
    first = deploy(api, API / "route.dmn")
    assert first.status_code == 200, first.get_json()
    [created] = first.get_json()["deployedDecisionDefinitions"].values()
    assert (created["key"], created["version"], created["name"]) == ("api_route", 1, "Route by score")

    assert deploy(api, API / "route.dmn").get_json()["deployedDecisionDefinitions"] is None  # identical: no-op
    changed = (API / "route.dmn").read_bytes().replace(b'"tier2"', b'"vendor_liaison"')
    assert deploy(api, ("route.dmn", changed)).status_code == 200

    rows = api.get("/decision-definition?key=api_route").get_json()
    assert [r["version"] for r in rows] == [1, 2]
    assert api.get("/decision-definition/count?key=api_route").get_json() == {"count": 2}
    latest = api.get("/decision-definition?key=api_route&latestVersion=true").get_json()
    assert [r["version"] for r in latest] == [2]
    assert api.get("/decision-definition/key/api_route").get_json()["id"] == latest[0]["id"]
    assert api.get(f"/decision-definition/{rows[0]['id']}").get_json()["version"] == 1
    old_xml = api.get(f"/decision-definition/{rows[0]['id']}/xml").get_json()
    assert old_xml["id"] == rows[0]["id"] and '"tier2"' in old_xml["dmnXml"]
    assert '"vendor_liaison"' in api.get("/decision-definition/key/api_route/xml").get_json()["dmnXml"]
    # the shipped decisions are listed too, and paging and sorting apply
    keys = [r["key"] for r in api.get("/decision-definition?latestVersion=true&sortBy=key&sortOrder=desc").get_json()]
    assert keys == ["tier1_dispatch", "ticket_priority", "survey_departments", "satisfaction_targets", "complaint_limit",
                    "callback_sampling", "api_route"]
    page = api.get("/decision-definition?latestVersion=true&sortBy=key&sortOrder=asc&firstResult=1&maxResults=1")
    assert [r["key"] for r in page.get_json()] == ["callback_sampling"]
    # evaluation by id uses that version, by key the latest
    by_id = api.post(f"/decision-definition/{rows[0]['id']}/evaluate", json=SCORE_1).get_json()
    assert by_id == [{"follow_group": {"value": "tier2", "type": "String", "valueInfo": {}}}]
    by_key = api.post("/decision-definition/key/api_route/evaluate", json=SCORE_1).get_json()
    assert by_key == [{"follow_group": {"value": "vendor_liaison", "type": "String", "valueInfo": {}}}]


def test_evaluate_returns_every_matched_rule_under_collect_and_runs_in_the_sandbox(api):
    assert deploy(api, API / "collect.dmn").status_code == 200
    result = api.post("/decision-definition/key/api_collect/evaluate", json=SCORE_1, user="tier1").get_json()
    # now() is a sandbox helper: the second rule's output proves the sandboxed script engine evaluated it
    assert [r["follow_group"]["value"] for r in result][0] == "tier2" and len(result) == 2
    assert isinstance(result[1]["follow_group"]["value"], int)
    none = api.post("/decision-definition/key/api_route/evaluate", json=SCORE_1)
    assert none.status_code == 404  # not deployed in this test


def test_evaluate_with_no_matching_rule_is_an_empty_list_and_bad_input_is_a_400(api):
    changed = (API / "route.dmn").read_bytes().replace(b"<text>-</text>", b"<text>&gt; 100</text>")
    assert deploy(api, ("route.dmn", changed)).status_code == 200
    no_match = api.post("/decision-definition/key/api_route/evaluate",
                        json={"variables": {"score": {"value": 50, "type": "Integer"}}})
    assert no_match.status_code == 200 and no_match.get_json() == []
    missing = api.post("/decision-definition/key/api_route/evaluate", json={"variables": {}})
    assert missing.status_code == 400 and "api_route" in missing.get_json()["message"]
    extra = api.post("/decision-definition/key/api_route/evaluate", json={**SCORE_1, "tenantId": "x"})
    assert extra.status_code == 400 and "tenantId" in extra.get_json()["message"]
    assert api.post("/decision-definition/key/api_route/evaluate", json=SCORE_1, user="requester").status_code == 403


def test_unknown_filters_and_bad_paging_are_refused(api):
    for query in ("decisionRequirementsDefinitionId=x", "latestVersion=yes", "maxResults=-1",
                  "firstResult=99999999999", "sortBy=category&sortOrder=asc", "sortBy=key", "version=x"):
        response = api.get(f"/decision-definition?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["type"] == "InvalidRequestException"
    assert "withoutTenantId" in api.get("/decision-definition/count?withoutTenantId=true").get_json()["message"]
    assert api.get("/decision-definition/nope").status_code == 404
    assert api.get("/decision-definition/key/nope/xml").status_code == 404


def test_migration_gives_decisions_deployed_before_it_their_definitions(app, api):
    """Decisions deployed before revision 0005 get rows (with names) when the database is upgraded."""
    changed = (API / "route.dmn").read_bytes().replace(b'"tier2"', b'"vendor_liaison"')
    assert deploy(api, API / "route.dmn").status_code == 200
    assert deploy(api, ("route.dmn", changed)).status_code == 200
    before = api.get("/decision-definition").get_json()
    db = database(app)
    with db.write_engine.begin() as connection:
        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "migrations"))
        config.attributes["connection"] = connection
        command.downgrade(config, "0005-1")
        command.upgrade(config, "head")
    after = api.get("/decision-definition").get_json()
    assert [(d["key"], d["version"], d["name"], d["resource"], d["deploymentId"]) for d in after] == \
        [(d["key"], d["version"], d["name"], d["resource"], d["deploymentId"]) for d in before]
