"""Pages as a browser uses them, in-process: signed in through /login, CSRF token read from the page."""
from __future__ import annotations

import re
from typing import Any, Optional

from tests.conftest import DEMO_PASSWORD

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class PageClient:
    """One person's browser session on the Flask test client (its own cookie jar)."""

    def __init__(self, app, user: str, language: str = "zh"):
        self.client = app.test_client()
        self.language = language
        self.token = self._token("/login")
        response = self.client.post("/login", data={"username": user, "password": DEMO_PASSWORD,
                                                     "csrf_token": self.token}, headers=self._headers())
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = self._token("/logout")  # the signed-in session's token

    def _headers(self, extra: Optional[dict] = None) -> dict[str, str]:
        return {"Accept-Language": "zh-CN" if self.language == "zh" else "en-US", **(extra or {})}

    def _token(self, path: str) -> str:
        found = _TOKEN.search(self.client.get(path, headers=self._headers()).get_data(as_text=True))
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def get(self, path: str, **kw: Any):
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post_form(self, path: str, data: Optional[dict] = None, token: bool = True):
        body = {**(data or {}), **({"csrf_token": self.token} if token else {})}
        return self.client.post(path, data=body, headers=self._headers())

    def post_json(self, path: str, body: Any, token: bool = True):
        headers = {"Accept": "application/json", **({"X-CSRFToken": self.token} if token else {})}
        return self.client.post(path, json=body, headers=self._headers(headers))
