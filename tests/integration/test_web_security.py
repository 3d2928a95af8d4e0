"""The pages' security, proved on the server (Flask test client, both backends).

The route lists come from ``app.url_map``, so a page or action another area adds later is covered
without touching this file: every form action refuses a post without a valid CSRF token, and every
page sends an anonymous visitor to the sign-in page.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from app import create_app
from app.models import WebSession
from app.store import database, new_uow
from tests.conftest import _base_config
from tests.integration.signed_in import csrf_token, sign_in

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

API_PREFIX = "/engine-rest"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
#: GET pages an anonymous visitor may open: the sign-in page itself, static files, and the health read for monitors.
PUBLIC = {"signin.login", "static", "health.health"}


def _rules(app, methods: set[str]) -> list[tuple[str, str]]:
    """(method, path) of every non-API route answering one of ``methods``, arguments filled with unknown ids."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX) or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & methods):
            routes.append((method, _path(app, rule)))
    return routes


def _value(converter) -> object:
    """A value the route accepts but no record has: a number, one of an ``any(...)`` choice, or an unknown id."""
    if isinstance(converter, IntegerConverter):
        return 987654
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "no-such-id"


def _path(app, rule: Rule) -> str:
    values = {name: _value(rule._converters.get(name)) for name in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values, force_external=False)


def _signed_in(app, user: str = "admin", **kwargs):
    client = app.test_client(**kwargs)
    assert sign_in(client, user).status_code == 302
    return client


def _server_session_ids(app) -> set[str]:
    with app.app_context():
        uow = new_uow(write=False)
        with uow:
            return set(uow.session.scalars(select(WebSession.id)))


# ------------------------------------------------------------------ CSRF
def test_every_form_action_refuses_a_post_without_a_valid_token(app):
    routes = _rules(app, WRITES)
    assert {("POST", "/login"), ("POST", "/logout"), ("POST", "/language"), ("POST", "/account"),
            ("POST", "/admin/users/new"), ("POST", "/admin/users/no-such-id/deactivate")} <= set(routes)
    admin = _signed_in(app)
    anonymous = app.test_client()
    for method, path in routes:
        for client, data, headers in ((admin, {}, {}), (admin, {"csrf_token": "forged"}, {}),
                                      (admin, {}, {"X-CSRFToken": "forged"}), (anonymous, {}, {})):
            response = client.open(path, method=method, data=data, headers={**headers, "Accept-Language": "en"})
            assert response.status_code == 400, (method, path, data, headers, response.status_code)
            assert "The form could not be accepted" in response.get_data(as_text=True)
    assert admin.get("/account").status_code == 200  # still signed in: nothing was done


def test_a_token_of_another_session_is_refused(app):
    mallory = _signed_in(app, "desk")
    token = csrf_token(mallory, "/account")
    admin = _signed_in(app)
    response = admin.post("/admin/users/desk/deactivate", data={"csrf_token": token})
    assert response.status_code == 400
    assert sign_in(app.test_client(), "desk").status_code == 302  # desk is still active


# ------------------------------------------------------------------ sessions
def test_sign_in_issues_a_new_session_and_nothing_planted_before_survives(app):
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    assert sign_in(client, "desk").status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        first_id = session["_user_id"]
    assert first_id in _server_session_ids(app)
    # the cookie from before sign-in is worth nothing: whoever planted it is not signed in
    attacker = app.test_client()
    attacker.set_cookie("session", before)
    assert attacker.get("/account").location.startswith("/login")
    # every sign-in gets a new server session id
    assert sign_in(client, "desk").status_code == 302
    with client.session_transaction() as session:
        assert session["_user_id"] != first_id


def test_the_session_cookie_is_dead_after_sign_out(app):
    client = _signed_in(app, "desk")
    stolen = client.get_cookie("session").value
    with client.session_transaction() as session:
        server_id = session["_user_id"]
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    assert server_id not in _server_session_ids(app)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/account").location.startswith("/login")


@pytest.mark.parametrize("base_url, secure", [("http://localhost", False), ("https://localhost", True)])
def test_session_cookie_flags(app, base_url, secure):
    client = app.test_client()
    token = csrf_token(client, f"{base_url}/login")
    # over HTTPS Flask-WTF also wants a same-site Referer, which browsers send (Referrer-Policy same-origin)
    response = client.post(f"{base_url}/login", data={"username": "desk", "password": "demo-pass",
                                                      "csrf_token": token}, headers={"Referer": f"{base_url}/login"})
    assert response.status_code == 302
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and flags["samesite"] == "SameSite=Lax"
    assert ("secure" in flags) is secure


# ------------------------------------------------------------------ redirects
HOSTILE_TARGETS = ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)",
                   "%2F%2Fevil.example", "/%0d%0aSet-Cookie:%20x=1", "/\r\nLocation: https://evil.example",
                   "\\\\evil.example", "http:/evil.example", "/\tevil", " //evil.example"]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_sign_in_never_leads_elsewhere(app, target):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(f"/login?next={quote(target, safe='%')}", data={
        "username": "desk", "password": "demo-pass", "csrf_token": token})
    assert response.status_code == 302
    _assert_local(response.location)


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_the_language_switch_never_leads_elsewhere(app, target):
    client = app.test_client()
    response = client.post("/language", data={"language": "en", "next": target, "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    _assert_local(response.location)


def test_a_local_next_is_followed(app):
    client = app.test_client()
    response = client.post("/login?next=/account%3Ftab%3D1", data={
        "username": "desk", "password": "demo-pass", "csrf_token": csrf_token(client)})
    assert response.location == "/account?tab=1"


def _assert_local(location: str) -> None:
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
    assert "evil" not in location and "\r" not in location and "\n" not in location, location


# ------------------------------------------------------------------ rate limits
def test_failed_sign_ins_for_one_user_are_limited_whatever_the_address(app):
    client = app.test_client()
    token = csrf_token(client)
    for n in range(10):
        response = client.post("/login", data={"username": "Desk ", "password": f"guess-{n}", "csrf_token": token},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        assert response.status_code == 200 and 'class="field-error"' in response.get_data(as_text=True)
    blocked = client.post("/login", data={"username": "desk", "password": "demo-pass", "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "10.0.1.1"}, headers={"Accept-Language": "en"})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    zh = client.post("/login", data={"username": "desk", "password": "demo-pass", "csrf_token": token},
                     environ_base={"REMOTE_ADDR": "10.0.1.2"}, headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 429 and "尝试次数过多" in zh.get_data(as_text=True)
    assert sign_in(app.test_client(), "tier1", environ_base={"REMOTE_ADDR": "10.0.1.3"}).status_code == 302


def test_failed_sign_ins_from_one_address_are_limited_whatever_the_user(app):
    client = app.test_client()
    token = csrf_token(client)
    address = {"REMOTE_ADDR": "192.0.2.7"}
    for n in range(10):
        response = client.post("/login", data={"username": f"nobody{n}", "password": "x", "csrf_token": token},
                               environ_base=address)
        assert response.status_code == 200 and 'class="field-error"' in response.get_data(as_text=True)
    blocked = client.post("/login", data={"username": "tier2", "password": "demo-pass", "csrf_token": token},
                          environ_base=address)
    assert blocked.status_code == 429
    assert sign_in(app.test_client(), "tier2", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 302


def test_successful_sign_ins_do_not_count(app):
    for _n in range(14):
        assert sign_in(app.test_client(), "tier1", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 302


# ------------------------------------------------------------------ pages
def test_every_page_sends_an_anonymous_visitor_to_sign_in(app):
    pages = [(rule.endpoint, path) for rule in app.url_map.iter_rules() if "GET" in rule.methods
             and not rule.rule.startswith(API_PREFIX) and rule.endpoint not in PUBLIC
             for path in [_path(app, rule)]]
    assert {"/", "/account", "/admin/users", "/admin/users/no-such-id", "/logout"} <= {p for _e, p in pages}
    client = app.test_client()
    for endpoint, path in pages:
        response = client.get(path)
        # the inbox's htmx poll answers 204 with HX-Redirect, which htmx follows as a browser follows a 302
        location = response.headers.get("HX-Redirect") if response.status_code == 204 else response.location
        assert response.status_code in (302, 204), (endpoint, path, response.status_code)
        assert location and location.split("?")[0] == "/login", (endpoint, path, location)
        _assert_local(location)


@pytest.mark.parametrize("path", ["/login", "/account", "/admin/users", "/no-such-page"])
def test_security_headers_on_pages(app, path):
    response = _signed_in(app).get(path)
    policy = response.headers["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", response.get_data(as_text=True))


@pytest.mark.parametrize("language, text", [("en", "There is no page at this address."), ("zh-CN", "此地址没有页面。")])
def test_an_unknown_page_is_a_readable_404_in_the_readers_language(app, language, text):
    for client in (app.test_client(), _signed_in(app, "requester")):
        response = client.get("/no/such/page", headers={"Accept-Language": language})
        assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_behind_a_proxy_failed_sign_ins_count_per_forwarded_address(database_url):
    """Behind nginx every request comes from the proxy: without PROXY_COUNT one guesser would lock everyone out."""
    proxied = create_app({**_base_config(database_url), "PROXY_COUNT": 1})
    try:
        client = proxied.test_client()
        token = csrf_token(client)
        through_proxy = {"REMOTE_ADDR": "127.0.0.1"}
        for n in range(10):
            client.post("/login", data={"username": f"nobody{n}", "password": "x", "csrf_token": token},
                        environ_base=through_proxy, headers={"X-Forwarded-For": "203.0.113.9"})
        guesser = client.post("/login", data={"username": "tier2", "password": "demo-pass", "csrf_token": token},
                              environ_base=through_proxy, headers={"X-Forwarded-For": "203.0.113.9"})
        assert guesser.status_code == 429
        colleague = sign_in(proxied.test_client(), "tier2", environ_base=through_proxy,
                            headers={"X-Forwarded-For": "203.0.113.10"})
        assert colleague.status_code == 302
    finally:
        database(proxied).dispose()


def test_without_proxy_count_a_forwarded_address_is_not_believed(app):
    client = app.test_client()
    token = csrf_token(client)
    for n in range(10):
        client.post("/login", data={"username": f"nobody{n}", "password": "x", "csrf_token": token},
                    environ_base={"REMOTE_ADDR": "192.0.2.44"}, headers={"X-Forwarded-For": f"198.51.100.{n}"})
    blocked = client.post("/login", data={"username": "tier2", "password": "demo-pass", "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "192.0.2.44"}, headers={"X-Forwarded-For": "198.51.100.99"})
    assert blocked.status_code == 429
