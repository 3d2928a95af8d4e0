"""Users: query, count, create, delete, profile, credentials, unlock (Camunda's ``/user``).

A changed password or a deleted account must stop working at once, so each
write drops the user's remembered logins (``auth.forget``).
"""
from __future__ import annotations

from typing import Any

from flask import jsonify

from app import auth
from app.api import bp, current_user, json_body, queries
from app.errors import InvalidInput
from app.models import User
from app.services import accounts
from app.store import new_uow


def profile(user: User) -> dict[str, Any]:
    """Camunda's user profile: the display name is firstName, lastName stays empty (see accounts)."""
    return {"id": user.id, "firstName": user.display_name, "lastName": "", "email": user.email}


@bp.get("/user")
def list_users():
    query = queries.criteria(accounts.USER_FILTERS, accounts.USER_SORT_KEYS)
    return jsonify([profile(u) for u in accounts.list_users(new_uow(write=False), query, current_user())])


@bp.get("/user/count")
def count_users():
    query = queries.criteria(accounts.USER_FILTERS, paged=False)
    return jsonify({"count": accounts.count_users(new_uow(write=False), query, current_user())})


@bp.post("/user/create")
def create_user():
    body = json_body()
    user_profile, credentials = body.get("profile"), body.get("credentials")
    if not isinstance(user_profile, dict) or not isinstance(credentials, dict):
        raise InvalidInput("the body needs a profile object and a credentials object")
    accounts.create_user(new_uow(), current_user(), user_profile, credentials.get("password"))
    return "", 204


@bp.delete("/user/<user_id>")
def delete_user(user_id: str):
    accounts.delete_user(new_uow(), current_user(), user_id)
    auth.forget(user_id)
    return "", 204


@bp.put("/user/<user_id>/credentials")
def set_credentials(user_id: str):
    body = json_body()
    accounts.set_password(new_uow(), current_user(), user_id, body.get("password"),
                          body.get("authenticatedUserPassword"))
    auth.forget(user_id)
    return "", 204


@bp.get("/user/<user_id>/profile")
def get_profile(user_id: str):
    return jsonify(profile(accounts.get_profile(new_uow(write=False), user_id, current_user())))


@bp.put("/user/<user_id>/profile")
def update_profile(user_id: str):
    accounts.update_profile(new_uow(), current_user(), user_id, json_body())
    return "", 204


@bp.post("/user/<user_id>/unlock")
def unlock(user_id: str):
    accounts.unlock(new_uow(write=False), current_user(), user_id)
    return "", 204
