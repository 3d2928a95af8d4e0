"""Errors on pages: a readable page in the reader's language, never a stack trace; JSON for page scripts."""
from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.errors import Conflict, DomainError, Forbidden, NotFound
from app.web.signin import wants_json

API_PREFIX = "/engine-rest"


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(DomainError, _domain)
    for code in (404, 405, 429):
        app.register_error_handler(code, _http)


def _page(status: int, title: str, message: str) -> Any:
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", title=title, message=message), status


def _csrf(exc: CSRFError) -> Any:
    return _page(400, _("The form could not be accepted"),
                 _("This form has expired or was not sent by this site. Reload the page and try again; "
                   "nothing was changed."))


def _domain(exc: DomainError) -> Any:
    """A domain error raised by a service a page called (the API maps its own to JSON)."""
    if isinstance(exc, Forbidden):
        return _page(403, _("Not allowed"), _("You are not allowed to see or do this."))
    if isinstance(exc, NotFound):
        return _page(404, _("Not found"), _("This item does not exist (any more)."))
    if isinstance(exc, Conflict):
        return _page(409, _("Changed meanwhile"),
                     _("Someone else changed this meanwhile. Reload the page to see the current state."))
    return _page(exc.status if exc.status < 500 else 500, _("Could not be done"), exc.message)


def _http(exc: HTTPException) -> Any:
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        from app.api import unmatched_route
        return unmatched_route(exc)
    if exc.code == 429:
        return _page(429, _("Too many attempts"), _("Too many attempts. Wait a few minutes and try again."))
    if exc.code == 405:
        return _page(405, _("Not possible here"), _("This address does not accept that request."))
    return _page(404, _("Not found"), _("There is no page at this address."))
