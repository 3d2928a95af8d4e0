"""Page tests' helpers: sign in through the real form, with the CSRF token read from a page."""
from __future__ import annotations

import re

from tests.conftest import DEMO_PASSWORD

_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The token a page hands its forms, as a browser would read it."""
    response = client.get(path)
    match = _META.search(response.get_data(as_text=True))
    assert match, f"{path} has no CSRF token (status {response.status_code})"
    return match.group(1)


def sign_in(client, user: str, password: str = DEMO_PASSWORD, **kwargs):
    """Signs in with the login form; returns the response (302 on success)."""
    return client.post("/login", data={"username": user, "password": password, "csrf_token": csrf_token(client)},
                       **kwargs)


def post(client, path: str, data: dict, token_from: str = "/account", **kwargs):
    """A form post with a fresh token, as the page at ``token_from`` would send it."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, token_from)}, **kwargs)


def field_errors(response) -> list[str]:
    return re.findall(r'class="field-error[^"]*" role="alert">([^<]*)<', response.get_data(as_text=True))


def fields_in_error(response) -> list[str]:
    """The names of the fields a refused form marks, in page order."""
    return re.findall(r'class="field[^"]*has-error">.*?name="([a-z_]+)"', response.get_data(as_text=True), re.S)
