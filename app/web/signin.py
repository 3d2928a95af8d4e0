"""Signing in and out (Flask-Login over server-side sessions), with a per-user and per-address limit."""
from __future__ import annotations

from typing import Any, Optional

from flask import (Blueprint, Flask, current_app, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.errors import Unauthorized
from app.services import web_sessions
from app.services.users import Principal
from app.services.web_sessions import WebUser
from app.store import new_uow
from app.web.security import local_target

bp = Blueprint("signin", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])


class SignedIn(UserMixin):
    """Flask-Login's user: its id is the server-side session id, never the user id."""

    def __init__(self, web_user: WebUser):
        self.web_user = web_user

    def get_id(self) -> str:
        return self.web_user.session_id

    @property
    def principal(self) -> Principal:
        return self.web_user.principal

    @property
    def user_id(self) -> str:
        return self.web_user.principal.id

    @property
    def display_name(self) -> str:
        return self.web_user.display_name

    @property
    def is_staff(self) -> bool:
        return self.web_user.principal.is_staff

    def in_group(self, *groups: str) -> bool:
        return bool(self.web_user.principal.groups.intersection(groups))


def init_app(app: Flask) -> None:
    login_manager.login_view = "signin.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.init_app(app)
    limiter.init_app(app)


def _load(session_id: str) -> Optional[SignedIn]:
    web_user = web_sessions.load(new_uow(write=False), session_id)
    return SignedIn(web_user) if web_user else None


def wants_json() -> bool:
    """Requests made by the pages' own scripts (fetch) get JSON errors they can show in place."""
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _unauthorized() -> Any:
    message = _("Your session has ended. Sign in again to continue.")
    if wants_json():
        return jsonify({"error": message, "signIn": url_for("signin.login", next=request.referrer and
                                                                   local_target(_path_of(request.referrer)))}), 401
    flash(message, "warning")
    return redirect(url_for("signin.login", next=request.full_path.rstrip("?")))


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=200)])


def _username_key() -> str:
    return f"user:{(request.form.get('username') or '').strip().lower()}"


def _failed(response) -> bool:
    return response.status_code != 302


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key, deduct_when=_failed)
def login() -> Any:
    form = LoginForm()
    target = local_target(request.args.get("next"))
    if form.validate_on_submit():
        try:
            session_id = web_sessions.sign_in(new_uow(), form.username.data.strip(), form.password.data,
                                              request.remote_addr)
        except Unauthorized:
            form.password.errors.append(_("Unknown user or wrong password."))
            return render_template("login.html", form=form)
        session.clear()  # nothing set before sign-in survives it
        login_user(SignedIn(web_sessions.load(new_uow(write=False), session_id)))
        return redirect(target or url_for("home.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    """GET asks (a link must not sign anyone out); the POST, with its CSRF token, signs out.
    Someone not signed in has nothing to sign out of: they get the sign-in page."""
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("signin.login"))
        return render_template("logout.html")
    if current_user.is_authenticated:
        web_sessions.sign_out(new_uow(), current_user.get_id())
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("signin.login"))
