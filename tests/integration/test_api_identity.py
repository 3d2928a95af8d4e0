"""Users, groups and identity through engine-rest: admin-only writes, the password policy, and
changes that take effect at once (no stale login from the authentication cache)."""
from __future__ import annotations

import pytest

from tests.conftest import DEMO_PASSWORD, Api
from tests.helpers import DATA, deploy

STRONG = "correct-horse-7"


def delete(api: Api, path: str, user: str = "admin"):
    return api.client.delete(f"/engine-rest{path}", headers=api.headers(user))


def as_user(api: Api, user: str, password: str, path: str):
    return api.client.get(f"/engine-rest{path}", headers=api.headers(user, password))


def create(api: Api, user_id: str, password: str = STRONG, by: str = "admin", **profile):
    body = {"profile": {"id": user_id, **profile}, "credentials": {"password": password}}
    return api.post("/user/create", user=by, json=body)


def test_admin_creates_a_user_who_can_log_in_and_read_their_profile(api):
    assert create(api, "mei", firstName="李梅", email="mei@example.com").status_code == 204
    me = as_user(api, "mei", STRONG, "/user/mei/profile")
    assert me.status_code == 200
    assert me.get_json() == {"id": "mei", "firstName": "李梅", "lastName": "", "email": "mei@example.com"}
    assert as_user(api, "mei", STRONG, "/user/desk/profile").status_code == 403  # mei has no group: a requester
    assert create(api, "mei").status_code == 409
    assert api.get("/user/count?id=mei").get_json() == {"count": 1}


def test_profile_names_and_email_can_be_changed_by_owner_or_admin(api):
    create(api, "mei")
    changed = api.client.put("/engine-rest/user/mei/profile", headers=api.headers("mei", STRONG),
                             json={"id": "mei", "firstName": "Mei", "lastName": "Li", "email": "m@example.com"})
    assert changed.status_code == 204
    assert api.get("/user/mei/profile").get_json()["firstName"] == "Mei Li"
    assert api.put("/user/desk/profile", user="tier1", json={"firstName": "x"}).status_code == 403
    assert api.put("/user/mei/profile", json={"id": "other"}).status_code == 400


def test_writes_need_the_admin_group(api):
    assert create(api, "intruder", by="owner").status_code == 403
    assert api.post("/group/create", user="tier2", json={"id": "g"}).status_code == 403
    assert api.put("/group/tier2/members/tier1", user="tier2").status_code == 403
    assert delete(api, "/user/desk", user="tier2").status_code == 403
    assert api.get("/user/count?id=intruder").get_json() == {"count": 0}


def test_password_policy_is_published_and_enforced(api):
    rules = api.get("/identity/password-policy").get_json()["rules"]
    assert {"placeholder": "PASSWORD_POLICY_LENGTH", "parameter": {"minLength": "8"}} in rules
    checked = api.post("/identity/password-policy", json={"password": "short"}).get_json()
    assert checked["valid"] is False
    assert [r["valid"] for r in checked["rules"] if r["placeholder"] == "PASSWORD_POLICY_LENGTH"] == [False]
    with_name = api.post("/identity/password-policy",
                         json={"password": "xx-liming-xx", "profile": {"id": "liming"}}).get_json()
    assert with_name["valid"] is False
    assert api.post("/identity/password-policy", json={"password": STRONG}).get_json()["valid"] is True
    weak = create(api, "weak", password="1234567")
    assert weak.status_code == 400 and "PASSWORD_POLICY_LENGTH" in weak.get_json()["message"]
    assert create(api, "weak", password="weak-weak-weak").status_code == 400  # contains the user id
    assert api.get("/user?id=weak").get_json() == []
    # demo users, seeded with a short password, keep working
    assert api.get("/user/desk/profile", user="desk").status_code == 200


def test_changed_password_stops_the_old_one_at_once(api):
    create(api, "mei")
    assert as_user(api, "mei", STRONG, "/user/mei/profile").status_code == 200  # now remembered
    no_proof = api.client.put("/engine-rest/user/mei/credentials", headers=api.headers("mei", STRONG),
                              json={"password": "another-pass-9"})
    assert no_proof.status_code == 400
    wrong_proof = api.client.put("/engine-rest/user/mei/credentials", headers=api.headers("mei", STRONG),
                                 json={"password": "another-pass-9", "authenticatedUserPassword": "nope"})
    assert wrong_proof.status_code == 400
    changed = api.client.put("/engine-rest/user/mei/credentials", headers=api.headers("mei", STRONG),
                             json={"password": "another-pass-9", "authenticatedUserPassword": STRONG})
    assert changed.status_code == 204
    assert as_user(api, "mei", STRONG, "/user/mei/profile").status_code == 401
    assert as_user(api, "mei", "another-pass-9", "/user/mei/profile").status_code == 200
    # an admin sets anyone's password without knowing it; the policy still applies
    assert api.put("/user/mei/credentials", json={"password": "short"}).status_code == 400
    assert api.put("/user/mei/credentials", json={"password": "reset-by-admin-1"}).status_code == 204
    assert as_user(api, "mei", "another-pass-9", "/user/mei/profile").status_code == 401
    assert api.put("/user/desk/credentials", user="tier1", json={"password": "reset-by-admin-1"}).status_code == 403


def test_membership_changes_apply_to_the_next_request(api):
    create(api, "mei")
    assert api.put("/group/tier2/members/mei").status_code == 204
    assert api.put("/group/tier2/members/mei").status_code == 204  # idempotent
    assert len(as_user(api, "mei", STRONG, "/user").get_json()) > 1  # staff see every user
    assert delete(api, "/group/tier2/members/mei").status_code == 204
    assert [u["id"] for u in as_user(api, "mei", STRONG, "/user").get_json()] == ["mei"]
    assert delete(api, "/group/tier2/members/mei").status_code == 404
    assert api.put("/group/tier2/members/nobody").status_code == 404


@pytest.mark.usefixtures("review_model")
def test_deleted_user_cannot_log_in_and_history_keeps_their_id(api):
    create(api, "mei")
    api.put("/group/service_desk/members/mei")
    instance_id = api.start("api_review", {})
    task_id = api.tasks(instance_id)[0]["id"]
    claimed = api.client.post(f"/engine-rest/task/{task_id}/claim", headers=api.headers("mei", STRONG), json={})
    assert claimed.status_code == 204
    assert delete(api, "/user/mei").status_code == 204
    assert as_user(api, "mei", STRONG, "/user/mei/profile").status_code == 401
    assert api.get("/user/mei/profile").status_code == 404
    assert api.get("/group/count?member=mei").get_json() == {"count": 0}
    assert "mei" in [e["userId"] for e in api.get(f"/history/audit/{instance_id}").get_json()]
    assert delete(api, "/user/admin").status_code == 400  # not yourself
    assert delete(api, "/user/mei").status_code == 404


def test_user_query_filters_sorting_paging_and_refusals(api):
    create(api, "zed", firstName="Zed", email="zed@example.com")
    members = [u["id"] for u in api.get("/user?memberOfGroup=tier2&sortBy=userId&sortOrder=asc").get_json()]
    assert members == ["admin", "tier2"]
    assert [u["id"] for u in api.get("/user?emailLike=%25ed@example.com").get_json()] == ["zed"]
    assert [u["id"] for u in api.get("/user?firstName=Zed").get_json()] == ["zed"]
    page = api.get("/user?sortBy=userId&sortOrder=desc&firstResult=1&maxResults=2").get_json()
    everyone = [u["id"] for u in api.get("/user?sortBy=userId&sortOrder=desc").get_json()]
    assert [u["id"] for u in page] == everyone[1:3]
    assert api.get("/user/count?memberOfGroup=tier2").get_json() == {"count": 2}
    unknown = api.get("/user?potentialStarter=x")
    assert unknown.status_code == 400 and "potentialStarter" in unknown.get_json()["message"]
    bad_sort = api.get("/user?sortBy=age&sortOrder=asc")
    assert bad_sort.status_code == 400 and "age" in bad_sort.get_json()["message"]
    assert api.get("/user?sortBy=userId").status_code == 400
    assert api.get("/user/count?sortBy=userId&sortOrder=asc").status_code == 400


def test_group_crud_queries_and_refused_deletions(api):
    assert api.post("/group/create", json={"id": "qa_team", "name": "QA"}).status_code == 204
    assert api.post("/group/create", json={"id": "qa_team"}).status_code == 409
    assert api.post("/group/create", json={"id": "bad id"}).status_code == 400
    assert api.post("/group/create", json={"id": "typed", "type": "WORKFLOW"}).status_code == 400
    assert api.get("/group/qa_team").get_json() == {"id": "qa_team", "name": "QA", "type": None}
    assert api.put("/group/qa_team", json={"id": "qa_team", "name": "Quality"}).status_code == 204
    assert api.get("/group?nameLike=Qual%25").get_json() == [{"id": "qa_team", "name": "Quality", "type": None}]
    by_body = api.post("/group", json={"idIn": ["qa_team", "tier2"], "sorting": [{"sortBy": "id", "sortOrder": "desc"}]})
    assert [g["id"] for g in by_body.get_json()] == ["tier2", "qa_team"]
    assert api.post("/group/count", json={"member": "tier1"}).get_json() == {"count": 4}
    assert api.get("/group/count?member=tier1").get_json() == {"count": 4}
    assert api.post("/group", json={"type": "x"}).status_code == 400  # not a filter here
    assert [g["id"] for g in api.get("/group", user="requester").get_json()] == ["requester"]
    assert api.get("/group/tier2", user="requester").status_code == 404
    # a group a deployed model offers tasks to, and a standard group, stay
    assert deploy(api, DATA / "api" / "two_queues.bpmn").status_code == 200
    named = delete(api, "/group/qa_team")
    assert named.status_code == 409 and "two_queues" in named.get_json()["message"]
    assert delete(api, "/group/tier2").status_code == 409
    api.post("/group/create", json={"id": "temp"})
    api.put("/group/temp/members/desk")
    assert delete(api, "/group/temp").status_code == 204
    assert api.get("/group/temp").status_code == 404
    assert api.get("/group/count?member=desk").get_json() == {"count": 1}


def test_last_admin_stays(api):
    members = [u["id"] for u in api.get("/user?memberOfGroup=admin").get_json()]
    assert members == ["admin"]
    assert delete(api, "/group/admin/members/admin").status_code == 409


def test_identity_groups_and_verify(api):
    found = api.get("/identity/groups?userId=tier2").get_json()
    assert [g["id"] for g in found["groups"]] == ["tier2"]
    assert [u["id"] for u in found["groupUsers"]] == ["admin"]
    assert api.get("/identity/groups").status_code == 400
    assert api.get("/identity/groups?userId=desk", user="requester").status_code == 403
    assert api.post("/identity/verify", json={"username": "desk", "password": DEMO_PASSWORD}).get_json() == {
        "authenticatedUser": "desk", "authenticated": True}
    assert api.post("/identity/verify", json={"username": "desk", "password": "x"}).get_json()["authenticated"] is False
