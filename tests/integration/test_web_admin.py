"""User administration and each person's account page, through the real pages (Flask test client).

Every post carries a CSRF token read from a page; every rule is checked on both backends.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.errors import Forbidden, InvalidInput
from app.models import AuditEntry, Membership, User, WebSession
from app.services import account_admin
from app.services.users import DEMO_USERS, Principal
from app.store import new_uow
from tests.helpers import deploy, one_task_process
from tests.integration.signed_in import csrf_token, field_errors, fields_in_error, post, sign_in

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

NEW_PASSWORD = "correct-horse-42"


@pytest.fixture
def admin(app):
    client = app.test_client()
    assert sign_in(client, "admin").status_code == 302
    return client


def _new_user(admin, **overrides):
    data = {"user_id": "lina", "display_name": "Lina Wu", "email": "lina@example.com", "language": "en",
            "time_zone": "Europe/Berlin", "groups": ["tier1", "tier2"], "password": NEW_PASSWORD, **overrides}
    return post(admin, "/admin/users/new", data, token_from="/admin/users/new")


def _row(app, user_id: str):
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            user = uow.session.get(User, user_id)
            groups = set(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
            return user, groups


def _sessions(app, user_id: str) -> int:
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            return len(list(uow.session.scalars(select(WebSession.id).where(WebSession.user_id == user_id))))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# ------------------------------------------------------------------ the list
def test_the_list_shows_every_demo_user_with_groups_language_zone_and_state(admin):
    page = admin.get("/admin/users", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = _text(page)
    for user_id, (name, _groups) in DEMO_USERS.items():
        assert f'data-user="{user_id}"' in text and name in text
    assert "Asia/Shanghai" in text and "Active" in text and "Follow the browser" in text


def test_search_finds_by_id_name_or_email_in_any_case_and_pages(admin, app, monkeypatch):
    assert _new_user(admin, email="Lina.Wu@Example.COM").status_code == 302
    assert re.findall(r'data-user="([^"]+)"', _text(admin.get("/admin/users?q=TIER"))) == ["tier1", "tier2"]
    assert re.findall(r'data-user="([^"]+)"', _text(admin.get("/admin/users?q=wu@example.com"))) == ["lina"]
    assert re.findall(r'data-user="([^"]+)"', _text(admin.get("/admin/users?q=%E7%BA%BF"))) == ["tier1", "tier2"]
    assert "No user matches" in _text(admin.get("/admin/users?q=100%25", headers={"Accept-Language": "en"}))
    monkeypatch.setattr(account_admin, "PAGE_SIZE", 4)
    seen = [re.findall(r'data-user="([^"]+)"', _text(admin.get(f"/admin/users?page={n}"))) for n in (1, 2, 3)]
    assert [len(ids) for ids in seen] == [4, 4, 4]
    assert sorted(sum(seen, [])) == sorted([*DEMO_USERS, "lina"])
    assert 'rel="next"' not in _text(admin.get("/admin/users?page=3"))
    assert admin.get("/admin/users?page=-4").status_code == 200


# ------------------------------------------------------------------ creating
def test_a_created_user_has_their_groups_language_and_zone_and_signs_in_in_english(admin, app):
    response = _new_user(admin)
    assert response.status_code == 302 and response.location.endswith("/admin/users/lina")
    user, groups = _row(app, "lina")
    assert (user.display_name, user.email, user.language, user.time_zone, user.active) == (
        "Lina Wu", "lina@example.com", "en", "Europe/Berlin", True)
    assert groups == {"tier1", "tier2"}
    lina = app.test_client()
    assert sign_in(lina, "lina", NEW_PASSWORD).status_code == 302
    page = lina.get("/account", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.get_data(as_text=True) and "My account" in _text(page)
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert (entry.actor, entry.instance_id, entry.data) == ("admin", None, {"user": "lina", "groups": ["tier1", "tier2"]})


@pytest.mark.parametrize("overrides, field, message", [
    ({"user_id": "bad id!"}, "user_id", "letters, digits"),
    ({"user_id": ""}, "user_id", "Required"),
    ({"display_name": ""}, "display_name", "Required"),
    ({"display_name": "名" * 101}, "display_name", "At most 100 characters"),
    ({"email": "not an address"}, "email", "e-mail address"),
    ({"password": "short"}, "password", "At least 8 characters"),
    ({"password": "lina-is-long-enough"}, "password", "without the user id"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "Not a valid choice"),
    ({"groups": ["tier1", "no-such-group"]}, "groups", "not a valid choice"),
])
def test_a_refused_new_user_keeps_what_was_typed_with_the_error_beside_its_field(admin, app, overrides, field,
                                                                                  message):
    response = post(admin, "/admin/users/new", {
        "user_id": "lina", "display_name": "Lina Wu <b>", "email": "lina@example.com", "language": "en",
        "time_zone": "Europe/Berlin", "groups": ["tier1"], "password": NEW_PASSWORD, **overrides},
        token_from="/admin/users/new", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    errors = field_errors(response)
    assert len(errors) == 1 and message.lower() in html.unescape(errors[0]).lower(), errors
    assert fields_in_error(response) == [field]
    if "display_name" not in overrides:
        assert 'value="Lina Wu &lt;b&gt;"' in body  # typed text kept, as text
    assert NEW_PASSWORD not in body  # a password is never sent back
    if "groups" not in overrides:
        assert 'value="tier1" checked' in body
    assert _row(app, overrides.get("user_id") or "lina")[0] is None


def test_an_existing_id_is_refused_beside_the_id(admin):
    response = _new_user(admin, user_id="desk")
    assert response.status_code == 200
    assert field_errors(response) == ["该用户名已存在。"]


# ------------------------------------------------------------------ editing
def test_editing_changes_profile_language_zone_and_groups_and_the_rest_api_follows(admin, app, api):
    assert api.get("/group?member=desk", user="desk").status_code == 200
    response = post(admin, "/admin/users/desk", {"display_name": "Desk Wang", "email": "desk@example.com",
                                                 "language": "", "time_zone": "UTC",
                                                 "groups": ["service_desk", "tier2"]}, token_from="/admin/users/desk")
    assert response.status_code == 302
    user, groups = _row(app, "desk")
    assert (user.display_name, user.email, user.language, user.time_zone) == ("Desk Wang", "desk@example.com", None,
                                                                              "UTC")
    assert groups == {"service_desk", "tier2"}
    member_of = {g["id"] for g in api.get("/group?member=desk", user="desk").get_json()}
    assert member_of == {"service_desk", "tier2"}
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")).one()
    assert entry.data["changes"]["groups"] == [["service_desk"], ["service_desk", "tier2"]]


def test_an_admin_cannot_leave_the_admin_group_and_nothing_changes(admin, app):
    response = post(admin, "/admin/users/admin", {"display_name": "Renamed", "language": "zh",
                                                  "time_zone": "Asia/Shanghai", "groups": ["tier1"]},
                    token_from="/admin/users/admin")
    assert response.status_code == 200
    assert field_errors(response) == ["您不能把自己移出系统管理员组。"]
    assert 'value="Renamed"' in response.get_data(as_text=True)
    user, groups = _row(app, "admin")
    assert user.display_name != "Renamed" and "admin" in groups


def test_an_unknown_user_is_a_readable_404(admin):
    response = admin.get("/admin/users/nobody-here", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "does not exist" in _text(response)


# ------------------------------------------------------------------ passwords and deactivation
def test_a_reset_password_works_at_once_and_ends_the_old_sessions_and_rest_logins(admin, app, api):
    desk = app.test_client()
    assert sign_in(desk, "desk").status_code == 302
    assert api.get("/task", user="desk").status_code == 200  # remembered by the REST login cache
    refused = post(admin, "/admin/users/desk/password", {"new_password": "desk-short"}, token_from="/admin/users/desk")
    assert refused.status_code == 200 and len(field_errors(refused)) == 1
    assert desk.get("/account").status_code == 200  # a refused reset changes nothing
    response = post(admin, "/admin/users/desk/password", {"new_password": NEW_PASSWORD}, token_from="/admin/users/desk")
    assert response.status_code == 302
    assert desk.get("/account").location.startswith("/login")
    assert api.get("/task", user="desk").status_code == 401
    assert api.client.get("/engine-rest/task", headers=api.headers("desk", NEW_PASSWORD)).status_code == 200
    assert sign_in(app.test_client(), "desk", NEW_PASSWORD).status_code == 302


def test_deactivation_ends_sessions_and_rest_access_keeps_history_and_can_be_undone(admin, app, api):
    assert deploy(api, one_task_process("leave_test")).status_code == 200
    instance_id = api.start("leave_test", {"symptom": "打印机卡纸"}, user="requester")
    task_id = api.tasks(instance_id)[0]["id"]
    assert api.post(f"/task/{task_id}/claim", user="desk", json={"userId": "desk"}).status_code == 204
    desk = app.test_client()
    assert sign_in(desk, "desk").status_code == 302
    response = post(admin, "/admin/users/desk/deactivate", {}, token_from="/admin/users/desk")
    assert response.status_code == 302
    assert desk.get("/account").location.startswith("/login")
    assert api.get("/task", user="desk").status_code == 401
    assert sign_in(app.test_client(), "desk").status_code == 200  # the form again: refused
    assert _sessions(app, "desk") == 0
    user, groups = _row(app, "desk")
    assert user.active is False and groups == {"service_desk"} and user.display_name == DEMO_USERS["desk"][0]
    assert api.get(f"/task/{task_id}").get_json()["assignee"] == "desk"
    assert api.get(f"/history/process-instance/{instance_id}").get_json()["startUserId"] == "requester"
    assert '<tr class="inactive" data-user="desk">' in _text(admin.get("/admin/users?q=desk"))
    assert post(admin, "/admin/users/desk/reactivate", {}, token_from="/admin/users/desk").status_code == 302
    assert sign_in(app.test_client(), "desk").status_code == 302
    assert api.get("/task", user="desk").status_code == 200


def test_an_admin_cannot_deactivate_themselves(admin, app):
    response = post(admin, "/admin/users/admin/deactivate", {}, token_from="/admin/users/admin")
    assert response.status_code == 302
    assert "您不能停用自己的账号。" in _text(admin.get(response.location))
    assert _row(app, "admin")[0].active is True


# ------------------------------------------------------------------ who may
ADMIN_ROUTES = [("get", "/admin/users"), ("get", "/admin/users/new"), ("get", "/admin/users/desk"),
                ("post", "/admin/users/new"), ("post", "/admin/users/desk"), ("post", "/admin/users/desk/password"),
                ("post", "/admin/users/desk/deactivate"), ("post", "/admin/users/desk/reactivate")]


def test_every_admin_page_and_action_is_refused_to_every_other_demo_user(app):
    for user in (u for u in DEMO_USERS if u != "admin"):
        client = app.test_client()
        assert sign_in(client, user).status_code == 302
        token = csrf_token(client, "/account")
        for method, path in ADMIN_ROUTES:
            data = {"csrf_token": token, "user_id": "x1", "display_name": "X", "time_zone": "UTC",
                    "new_password": NEW_PASSWORD, "password": NEW_PASSWORD}
            response = getattr(client, method)(path, **({"data": data} if method == "post" else {}))
            assert response.status_code == 403, (user, method, path, response.status_code)
    user, _groups = _row(app, "desk")
    assert user.active and _row(app, "x1")[0] is None


def test_the_users_link_shows_for_admins_only(app, admin):
    desk = app.test_client()
    sign_in(desk, "desk")
    assert 'href="/admin/users"' in _text(admin.get("/account"))
    assert 'href="/admin/users"' not in _text(desk.get("/account"))


# ------------------------------------------------------------------ /account
@pytest.fixture
def desk(app):
    client = app.test_client()
    assert sign_in(client, "desk").status_code == 302
    return client


def test_everyone_chooses_their_language_and_time_zone(desk, app):
    assert desk.get("/account").status_code == 200
    response = post(desk, "/account", {"language": "en", "time_zone": "America/New_York"})
    assert response.status_code == 302
    assert "lang=en" in response.headers["Set-Cookie"]
    page = desk.get(response.location, headers={"Accept-Language": "zh-CN"})
    text = _text(page)
    assert '<html lang="en">' in text and "Your settings were saved." in text
    assert re.search(r'<option selected value="America/New_York">', text)
    user, _groups = _row(app, "desk")
    assert (user.language, user.time_zone) == ("en", "America/New_York")
    # following the browser again: stored as no language, the switch's cookie goes, Accept-Language decides
    response = post(desk, "/account", {"language": "", "time_zone": "Asia/Shanghai"})
    assert "lang=;" in response.headers["Set-Cookie"]
    desk.delete_cookie("lang")
    assert '<html lang="zh-CN">' in desk.get("/account", headers={"Accept-Language": "zh-CN,zh"}).get_data(as_text=True)
    assert '<html lang="en">' in desk.get("/account", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert _row(app, "desk")[0].language is None


def test_a_tampered_time_zone_or_language_is_refused_beside_the_field(desk, app):
    response = post(desk, "/account", {"language": "fr", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert fields_in_error(response) == ["language", "time_zone"]
    assert _row(app, "desk")[0].time_zone == "Asia/Shanghai"


@pytest.mark.parametrize("typed, field, message", [
    ({"current_password": "wrong-password"}, "current_password", "当前密码不正确"),
    ({"confirm_password": "something-else-42"}, "confirm_password", "两次输入的新密码不一致"),
    ({"new_password": "desk-2026-x", "confirm_password": "desk-2026-x"}, "new_password", "不能包含用户名"),
    ({"new_password": "short", "confirm_password": "short"}, "new_password", "至少 8 个字符"),
])
def test_a_refused_password_change_says_why_beside_the_field_and_changes_nothing(desk, app, typed, field, message):
    data = {"current_password": "demo-pass", "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, **typed}
    response = post(desk, "/account/password", data)
    assert response.status_code == 200
    assert fields_in_error(response) == [field] and message in field_errors(response)[0]
    assert sign_in(app.test_client(), "desk").status_code == 302  # the old password still works


def test_changing_the_password_keeps_this_browser_and_ends_the_others(desk, app, api):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "desk").status_code == 302
    assert api.get("/task", user="desk").status_code == 200
    response = post(desk, "/account/password", {"current_password": "demo-pass", "new_password": NEW_PASSWORD,
                                                "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert "密码已修改，您在其他地方的登录已全部退出。" in _text(desk.get(response.location))
    assert desk.get("/account").status_code == 200
    assert elsewhere.get("/account").location.startswith("/login")
    assert api.get("/task", user="desk").status_code == 401
    assert sign_in(app.test_client(), "desk", NEW_PASSWORD).status_code == 302


def test_the_top_bar_name_leads_to_the_account_page(desk):
    assert re.search(r'<a class="whoami" href="/account"[^>]*>服务台小王', desk.get("/account").get_data(as_text=True))


# ------------------------------------------------------------------ the service's own checks
def test_the_service_refuses_what_the_forms_cannot_send(app):
    admin = Principal("admin", frozenset({"admin"}))
    desk = Principal("desk", frozenset({"service_desk"}))
    details = account_admin.Details("Lina", None, None, "Asia/Shanghai", frozenset({"no-such-group"}))
    with app.app_context():
        with pytest.raises(InvalidInput, match="unknown groups: no-such-group"):
            account_admin.create_account(new_uow(), admin, "lina", details, NEW_PASSWORD)
        with pytest.raises(InvalidInput, match="unknown groups"):
            account_admin.edit_account(new_uow(), admin, "desk", details)
        with pytest.raises(InvalidInput, match="time zone"):
            account_admin.edit_account(new_uow(), admin, "desk", replace(details, time_zone="Nowhere/City"))
        for call in (lambda: account_admin.find_accounts(new_uow(write=False), desk),
                     lambda: account_admin.reactivate(new_uow(), desk, "desk"),
                     lambda: account_admin.deactivate(new_uow(), desk, "tier1")):
            with pytest.raises(Forbidden):
                call()
    assert _row(app, "lina")[0] is None and _row(app, "desk")[1] == {"service_desk"}


def test_markup_in_names_and_searches_is_shown_as_text(admin):
    assert _new_user(admin, display_name="<script>alert(1)</script>").status_code == 302
    listed = admin.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in listed and "&lt;script&gt;alert(1)&lt;/script&gt;" in listed
    searched = admin.get("/admin/users?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").get_data(as_text=True)
    assert "<img src=x" not in searched and "&lt;img src=x onerror=alert(1)&gt;" in searched
