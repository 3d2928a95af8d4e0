"""The forms of the administration and account pages, with messages in the reader's language.

They check what a person can fix by typing, so each error appears beside its field and what was
typed stays; the services check everything again and stay the authority.
"""
from __future__ import annotations

import functools
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from app.services import accounts
from app.services.account_admin import MAX_NAME_LENGTH, Details
from app.web.i18n import DEFAULT_TIME_ZONE

REQUIRED = _l("Required.")


@functools.cache
def time_zones() -> list[tuple[str, str]]:
    """Every IANA zone name, sorted; the select's choices."""
    return [(name, name) for name in sorted(available_timezones()) if "/" in name or name == "UTC"]


def language_choices() -> list[tuple[str, Any]]:
    """Languages by their own names, and the browser's choice (stored as no language)."""
    return [("", _l("Follow the browser")), ("zh", "中文"), ("en", "English")]


def _email(form: FlaskForm, field: Field) -> None:
    value = (field.data or "").strip()
    if value and ("@" not in value or " " in value or len(value) > 200):
        raise ValidationError(_l("Enter an e-mail address such as name@example.com."))


def _policy(form: Any, field: Field) -> None:
    """The password policy, against the user data of the form (typed, or stored for the person)."""
    valid, _rules = accounts.check_password_policy(field.data or "", form.user_data())
    if not valid:
        raise ValidationError(_l("At least %(length)s characters, without the user id, name or e-mail.",
                                 length=accounts.MIN_PASSWORD_LENGTH))


class PersonForm(FlaskForm):
    """What an administrator edits about a person; :class:`NewPersonForm` adds the id and a password."""

    display_name = StringField(validators=[DataRequired(REQUIRED), Length(
        max=MAX_NAME_LENGTH, message=_l("At most %(max)d characters."))])
    email = StringField(validators=[_email])
    language = SelectField(choices=language_choices, default="")
    time_zone = SelectField(choices=time_zones, default=DEFAULT_TIME_ZONE)
    groups = SelectMultipleField(choices=[], validate_choice=True)

    def details(self) -> Details:
        return Details(display_name=self.display_name.data or "", email=(self.email.data or "").strip() or None,
                       language=self.language.data or None, time_zone=self.time_zone.data,
                       groups=frozenset(self.groups.data or ()))


class NewPersonForm(PersonForm):
    user_id = StringField(validators=[DataRequired(REQUIRED), Regexp(f"^{accounts.USER_ID.pattern}$", message=_l(
        "1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."))])
    password = PasswordField(validators=[DataRequired(REQUIRED), _policy])

    def user_data(self) -> dict[str, str]:
        return {"id": self.user_id.data, "firstName": self.display_name.data, "email": self.email.data}


class ResetPasswordForm(FlaskForm):
    """An administrator sets a new password; the policy is checked against the stored user data."""

    new_password = PasswordField(validators=[DataRequired(REQUIRED), _policy])

    def __init__(self, profile: dict[str, Any], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.profile = profile

    def user_data(self) -> dict[str, Any]:
        return self.profile


class ChangePasswordForm(ResetPasswordForm):
    """The owner changes their password: the current one proves it is them."""

    current_password = PasswordField(validators=[DataRequired(REQUIRED)])
    confirm_password = PasswordField(validators=[DataRequired(REQUIRED), EqualTo(
        "new_password", message=_l("The two new passwords differ."))])


class SettingsForm(FlaskForm):
    language = SelectField(choices=language_choices, default="")
    time_zone = SelectField(choices=time_zones, default=DEFAULT_TIME_ZONE)
