"""Identity: a user's groups, checking a password, and the password policy (Camunda's ``/identity``)."""
from __future__ import annotations

from flask import jsonify, request

from app.api import bp, current_user, json_body
from app.api.groups import group_shape
from app.errors import InvalidInput
from app.services import accounts, groups
from app.store import new_uow


@bp.get("/identity/groups")
def identity_groups():
    user_id = request.args.get("userId")
    if not user_id:
        raise InvalidInput("query parameter userId is required")
    found, others = groups.user_groups(new_uow(write=False), user_id, current_user())
    return jsonify({"groups": [group_shape(g) for g in found],
                    "groupUsers": [{"id": u.id, "firstName": u.display_name, "lastName": "",
                                    "displayName": u.display_name} for u in others]})


@bp.post("/identity/verify")
def verify():
    body = json_body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise InvalidInput("username and password must be strings")
    ok = accounts.verify(new_uow(write=False), username, password)
    return jsonify({"authenticatedUser": username, "authenticated": ok})


@bp.get("/identity/password-policy")
def password_policy():
    return jsonify({"rules": accounts.password_policy()})


@bp.post("/identity/password-policy")
def check_password():
    body = json_body()
    password, profile = body.get("password"), body.get("profile") or {}
    if not isinstance(password, str) or not isinstance(profile, dict):
        raise InvalidInput("password must be a string and profile an object")
    valid, rules = accounts.check_password_policy(password, {k: profile.get(k) for k in
                                                             ("id", "firstName", "lastName", "email")})
    return jsonify({"rules": rules, "valid": valid})
