"""Each person's own settings (``/account``): language, time zone and password.

Changing the password keeps this browser signed in and ends every other session of the person
(whoever knew the old password may be signed in elsewhere), and the REST API's remembered logins.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _
from flask_login import current_user, login_required

from app import auth
from app.errors import InvalidInput
from app.services import accounts
from app.services.accounts import WrongPassword
from app.services.preferences import LANGUAGES
from app.store import new_uow
from app.web.account_forms import ChangePasswordForm, SettingsForm
from app.web.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.context_processor
def _password_rule() -> dict[str, Any]:
    return {"min_password_length": accounts.MIN_PASSWORD_LENGTH}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every signed-in person has an account page; visitors go to the sign-in page."""


@bp.route("", methods=["GET", "POST"])
def settings() -> Any:
    form = _settings_form()
    if form.validate_on_submit():
        language = form.language.data or None
        accounts.set_settings(new_uow(), current_user.principal, language, form.time_zone.data)
        response = redirect(url_for("account.settings"))
        _remember_language(response, language)
        with force_locale(language or request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE):
            flash(_("Your settings were saved."), "success")  # shown on the next page, in the new language
        return response
    return _page(form, ChangePasswordForm(_profile(), formdata=None))


@bp.post("/password")
def change_password() -> Any:
    form = ChangePasswordForm(_profile())
    if form.validate_on_submit():
        try:
            accounts.set_password(new_uow(), current_user.principal, current_user.user_id, form.new_password.data,
                                  form.current_password.data, keep_session=current_user.get_id())
        except WrongPassword:
            form.current_password.errors.append(_("The current password is wrong."))
        except InvalidInput as exc:
            form.new_password.errors.append(exc.message)
        else:
            auth.forget(current_user.user_id)
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(url_for("account.settings"))
    return _page(_settings_form(formdata=None), form)


def _settings_form(**kwargs: Any) -> SettingsForm:
    """The person's stored choices, or what they just sent."""
    return SettingsForm(data={"language": current_user.web_user.language or "",
                              "time_zone": current_user.web_user.time_zone}, **kwargs)


def _page(settings_form: SettingsForm, password_form: ChangePasswordForm) -> Any:
    return render_template("account/settings.html", form=settings_form, password_form=password_form)


def _profile() -> dict[str, Any]:
    """The user data a new password must not contain."""
    user = accounts.get_profile(new_uow(write=False), current_user.user_id, current_user.principal)
    return {"id": user.id, "firstName": user.display_name, "email": user.email}


def _remember_language(response: Any, language: Optional[str]) -> None:
    """The sign-in page's cookie follows the choice; 'follow the browser' drops it so the browser decides."""
    if language is None:
        response.delete_cookie(LANGUAGE_COOKIE)
    else:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                            secure=request.is_secure)
