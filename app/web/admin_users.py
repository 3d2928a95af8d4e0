"""User administration (``/admin/users``): find, create and edit people, reset passwords, deactivate.

Only administrators: every view calls a service that checks the ``admin`` group, so anyone else
gets the 403 page. A refused form comes back with what was typed and the error beside its field,
with status 200 as on the sign-in page (browsers log a page answered 4xx as a console error).
Deactivating or resetting a password ends the person's signed-in browsers (the service does that
in its transaction) and their REST API access at once (the remembered logins are dropped here).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import auth
from app.errors import Conflict, InvalidInput
from app.services import account_admin, accounts
from app.services.account_admin import Account, SelfLockout
from app.services.users import STANDARD_GROUPS
from app.store import new_uow
from app.web.account_forms import NewPersonForm, PersonForm, ResetPasswordForm
from app.web.i18n import translated

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


@bp.context_processor
def _password_rule() -> dict[str, Any]:
    return {"min_password_length": accounts.MIN_PASSWORD_LENGTH}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Anonymous visitors go to the sign-in page; who may do what is the services' decision."""


@bp.get("")
def index() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    text = request.args.get("q", "").strip()[:100]
    size = account_admin.PAGE_SIZE
    directory = account_admin.find_accounts(new_uow(write=False), current_user.principal, text, (page - 1) * size,
                                            size)
    return render_template("admin/users.html", directory=directory, text=text, page=page,
                           pages=max((directory.total + size - 1) // size, 1), labels=_group_labels())


@bp.route("/new", methods=["GET", "POST"])
def create() -> Any:
    labels = _group_labels()  # an admin-only read: others stop here with 403
    form = NewPersonForm()
    form.groups.choices = list(labels.items())
    if form.validate_on_submit():
        try:
            account_admin.create_account(new_uow(), current_user.principal, form.user_id.data, form.details(),
                                         form.password.data)
        except Conflict:
            form.user_id.errors.append(_("A user with this id already exists."))
        except InvalidInput as exc:
            form.form_errors.append(exc.message)
        else:
            flash(_("User %(id)s was created.", id=form.user_id.data), "success")
            return redirect(url_for("admin_users.edit", user_id=form.user_id.data))
    return render_template("admin/user_new.html", form=form, labels=labels)


@bp.route("/<user_id>", methods=["GET", "POST"])
def edit(user_id: str) -> Any:
    account = account_admin.get_account(new_uow(write=False), current_user.principal, user_id)
    labels = _group_labels()
    form = _person_form(account, labels)
    if form.validate_on_submit():
        try:
            account_admin.edit_account(new_uow(), current_user.principal, user_id, form.details())
        except SelfLockout:
            form.groups.errors.append(_("You cannot remove yourself from the administrators."))
        except InvalidInput as exc:
            form.form_errors.append(exc.message)
        else:
            auth.forget(user_id)  # groups decide what the REST API allows
            flash(_("Changes to %(id)s were saved.", id=user_id), "success")
            return redirect(url_for("admin_users.edit", user_id=user_id))
    return _edit_page(account, labels, form, ResetPasswordForm(_profile(account), formdata=None))


@bp.post("/<user_id>/password")
def reset_password(user_id: str) -> Any:
    account = account_admin.get_account(new_uow(write=False), current_user.principal, user_id)
    form = ResetPasswordForm(_profile(account))
    if form.validate_on_submit():
        try:
            accounts.set_password(new_uow(), current_user.principal, user_id, form.new_password.data, None)
        except InvalidInput as exc:
            form.new_password.errors.append(exc.message)
        else:
            auth.forget(user_id)
            flash(_("The password of %(id)s was reset; their open sessions were ended.", id=user_id), "success")
            return redirect(url_for("admin_users.edit", user_id=user_id))
    labels = _group_labels()
    return _edit_page(account, labels, _person_form(account, labels, formdata=None), form)


@bp.post("/<user_id>/deactivate")
def deactivate(user_id: str) -> Any:
    try:
        account_admin.deactivate(new_uow(), current_user.principal, user_id)
    except SelfLockout:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        auth.forget(user_id)
        flash(_("%(id)s was deactivated and signed out everywhere. Their history stays.", id=user_id), "success")
    return redirect(url_for("admin_users.edit", user_id=user_id))


@bp.post("/<user_id>/reactivate")
def reactivate(user_id: str) -> Any:
    account_admin.reactivate(new_uow(), current_user.principal, user_id)
    flash(_("%(id)s can sign in again.", id=user_id), "success")
    return redirect(url_for("admin_users.edit", user_id=user_id))


def _person_form(account: Account, labels: dict[str, str], **kwargs: Any) -> PersonForm:
    form = PersonForm(data={"display_name": account.display_name, "email": account.email or "",
                            "language": account.language or "", "time_zone": account.time_zone,
                            "groups": list(account.groups)}, **kwargs)
    form.groups.choices = list(labels.items())
    return form


def _edit_page(account: Account, labels: dict[str, str], form: PersonForm, password_form: ResetPasswordForm) -> Any:
    return render_template("admin/user_edit.html", account=account, form=form, password_form=password_form,
                           labels=labels, is_self=account.id == current_user.user_id)


def _profile(account: Account) -> dict[str, Any]:
    return {"id": account.id, "firstName": account.display_name, "email": account.email}


def _group_labels() -> dict[str, str]:
    """Group id → name in the reader's language: the standard groups through the catalogs."""
    names = account_admin.group_names(new_uow(write=False), current_user.principal)
    return {group_id: str(translated(STANDARD_GROUPS.get(group_id, name))) for group_id, name in names.items()}
