"""User accounts as administrators and their owners manage them: profiles, passwords, the policy.

Writes need the ``admin`` group; everyone may read their own profile and change
their own password (proving the current one). Passwords are kept only as salted
hashes and every new one must satisfy the password policy. Demo users, seeded
by ``users.seed_demo``, are exempt: the policy guards what people set, not the
fixtures of a demonstration.

A Camunda profile has firstName and lastName; this service keeps one display
name (what the pages show). firstName carries it and lastName is always empty;
a profile written with both stores them joined by a space.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from sqlalchemy import Select, delete, false, func, select

from app import passwords
from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Membership, TaskFilter, User, WebSession
from app.services import preferences
from app.services.audit import audit
from app.services.criteria import LIKE, TEXT, TEXTS, Criteria, order_and_page, where
from app.services.users import ADMIN_GROUP, Principal

USER_FILTERS = {"id": TEXT, "idIn": TEXTS, "firstName": TEXT, "firstNameLike": LIKE, "lastName": TEXT,
                "lastNameLike": LIKE, "email": TEXT, "emailLike": LIKE, "memberOfGroup": TEXT}
USER_SORT_KEYS = ("userId", "firstName", "lastName", "email")
MIN_PASSWORD_LENGTH = 8
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


class WrongPassword(InvalidInput):
    """The current password someone gave to prove it is them was wrong."""


def require_admin(actor: Principal) -> None:
    if ADMIN_GROUP not in actor.groups:
        raise Forbidden(f"user {actor.id} may not administer users and groups (needs group {ADMIN_GROUP})")


def check_id(kind: str, value: Any) -> str:
    """Ids become HTTP Basic names and path segments: letters, digits and . _ @ -, at most 64."""
    if not isinstance(value, str) or not USER_ID.fullmatch(value):
        raise InvalidInput(f"{kind} id must be 1-64 letters, digits, '.', '_', '@' or '-', "
                           f"starting with a letter or digit")
    return value


# ------------------------------------------------------------------ password policy
def password_policy() -> list[dict[str, Any]]:
    """Camunda's policy rules: a minimum length, and no user data (id, names, email) in the password."""
    return [{"placeholder": "PASSWORD_POLICY_LENGTH", "parameter": {"minLength": str(MIN_PASSWORD_LENGTH)}},
            {"placeholder": "PASSWORD_POLICY_USER_DATA", "parameter": None}]


def check_password_policy(password: str, profile: dict[str, Optional[str]]) -> tuple[bool, list[dict[str, Any]]]:
    """Each rule with ``valid``, and whether all hold."""
    lowered = password.lower()
    user_data = [v.lower() for v in profile.values() if isinstance(v, str) and len(v) >= 3]
    outcomes = [len(password) >= MIN_PASSWORD_LENGTH, not any(part in lowered for part in user_data)]
    rules = [{**rule, "valid": ok} for rule, ok in zip(password_policy(), outcomes)]
    return all(outcomes), rules


def enforce_policy(password: Any, profile: dict[str, Optional[str]]) -> str:
    if not isinstance(password, str):
        raise InvalidInput("password must be a string")
    valid, rules = check_password_policy(password, profile)
    if not valid:
        broken = ", ".join(r["placeholder"] for r in rules if not r["valid"])
        raise InvalidInput(f"the password does not satisfy the password policy: {broken} "
                           f"(at least {MIN_PASSWORD_LENGTH} characters, no user id, name or email)")
    return password


# ------------------------------------------------------------------ reading
def list_users(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[User]:
    """Staff find every user (assigning work needs them); a requester finds only themselves."""
    with uow:
        columns = {"userId": User.id, "firstName": User.display_name, "lastName": User.display_name,
                   "email": User.email}
        stmt = order_and_page(_user_filters(select(User), criteria, viewer), criteria, columns, (User.id,))
        return list(uow.session.scalars(stmt))


def count_users(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_user_filters(select(func.count(User.id)), criteria, viewer)) or 0


def _user_filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(User.id == viewer.id)
    stmt = where(stmt, criteria, {"id": User.id, "idIn": User.id, "firstName": User.display_name,
                                  "firstNameLike": User.display_name, "email": User.email,
                                  "emailLike": User.email}, USER_FILTERS)
    # lastName is always empty here: a filter asking for a non-empty one matches nobody
    if criteria.get("lastName") or (criteria.get("lastNameLike") or "").strip("%"):
        stmt = stmt.where(false())
    if criteria.get("memberOfGroup") is not None:
        stmt = stmt.where(User.id.in_(select(Membership.user_id)
                                      .where(Membership.group_id == criteria.get("memberOfGroup"))))
    return stmt


def get_profile(uow: UnitOfWork, user_id: str, viewer: Principal) -> User:
    """Staff may read any profile (task assignment needs names); a requester only their own."""
    with uow:
        if not viewer.is_staff and viewer.id != user_id:
            raise Forbidden(f"user {viewer.id} may not read the profile of {user_id}")
        return _user(uow, user_id)


def _user(uow: UnitOfWork, user_id: str) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def verify(uow: UnitOfWork, user_id: str, password: str) -> bool:
    """Whether the pair would authenticate; never says which part was wrong."""
    with uow:
        user = uow.session.get(User, user_id)
        return user is not None and passwords.matches(user.password_hash, password)


# ------------------------------------------------------------------ writing
def create_user(uow: UnitOfWork, actor: Principal, profile: dict[str, Any], password: Any) -> None:
    """A new account with no groups; an existing id is a conflict, not an overwrite."""
    require_admin(actor)
    user_id = check_id("user", profile.get("id"))
    names = _names(profile)
    enforce_policy(password, {"id": user_id, **names, "email": profile.get("email")})
    with uow:
        if uow.session.get(User, user_id) is not None:
            raise Conflict(f"user {user_id} already exists")
        uow.session.add(User(id=user_id, display_name=_display_name(names, user_id), email=check_email(profile),
                             password_hash=passwords.hashed(password)))
        uow.commit()


def update_profile(uow: UnitOfWork, actor: Principal, user_id: str, profile: dict[str, Any]) -> None:
    """Names and email; the id in the body must be the path's (accounts are not renamed)."""
    if actor.id != user_id:
        require_admin(actor)
    if profile.get("id") not in (None, user_id):
        raise InvalidInput("a profile's id cannot be changed")
    with uow:
        user = _user(uow, user_id)
        user.display_name = _display_name(_names(profile), user_id)
        user.email = check_email(profile)
        uow.commit()


def set_password(uow: UnitOfWork, actor: Principal, user_id: str, password: Any,
                 authenticated_password: Any, keep_session: Optional[str] = None) -> None:
    """Own password: prove the current one. Admins may set anyone's; if they send theirs, it must be right.

    Every signed-in browser of the user ends with the old password (whoever knew it may be
    signed in), except ``keep_session``: the page where the owner just changed it.
    The caller drops the REST API's remembered logins (``auth.forget``).
    """
    if actor.id != user_id:
        require_admin(actor)
    elif authenticated_password is None:
        raise InvalidInput("authenticatedUserPassword is required to change your own password")
    with uow:
        user = _user(uow, user_id)
        if authenticated_password is not None:
            me = uow.session.get(User, actor.id)
            if not isinstance(authenticated_password, str) or me is None or not passwords.matches(
                    me.password_hash, authenticated_password):
                raise WrongPassword("authenticatedUserPassword is wrong")
        names = {"firstName": user.display_name, "lastName": None}
        user.password_hash = passwords.hashed(
            enforce_policy(password, {"id": user.id, **names, "email": user.email}))
        uow.session.execute(delete(WebSession).where(WebSession.user_id == user_id,
                                                     WebSession.id != (keep_session or "")))
        if actor.id != user_id:
            audit(uow, None, actor.id, "user.password", data={"user": user_id})
        uow.commit()


def set_settings(uow: UnitOfWork, actor: Principal, language: Optional[str], time_zone: str) -> None:
    """A person's own language (None follows the browser) and time zone, used by every page from now on."""
    language, time_zone = preferences.check_language(language), preferences.check_time_zone(time_zone)
    with uow:
        user = _user(uow, actor.id)
        user.language, user.time_zone = language, time_zone
        uow.commit()


def delete_user(uow: UnitOfWork, actor: Principal, user_id: str) -> None:
    """A hard delete of the account, its memberships and its private filters.

    History keeps the id as text (audit log, task assignees, starters), so
    nothing of what the person did is lost; the id can later be created anew.
    Administrators cannot delete themselves, so the last one cannot lock everyone out.
    """
    require_admin(actor)
    if actor.id == user_id:
        raise InvalidInput("you cannot delete your own account")
    with uow:
        uow.session.delete(_user(uow, user_id))
        uow.session.execute(delete(Membership).where(Membership.user_id == user_id))
        uow.session.execute(delete(TaskFilter).where(TaskFilter.owner == user_id))
        uow.commit()


def unlock(uow: UnitOfWork, actor: Principal, user_id: str) -> None:
    """Accounts are never locked here (no lock-out after failed logins), so this only checks the user exists."""
    require_admin(actor)
    with uow:
        _user(uow, user_id)


def _names(profile: dict[str, Any]) -> dict[str, Optional[str]]:
    names = {key: profile.get(key) for key in ("firstName", "lastName")}
    for key, value in names.items():
        if value is not None and (not isinstance(value, str) or len(value) > 100):
            raise InvalidInput(f"{key} must be a string of at most 100 characters")
    return names


def _display_name(names: dict[str, Optional[str]], user_id: str) -> str:
    return " ".join(part.strip() for part in names.values() if part and part.strip()) or user_id


def check_email(profile: dict[str, Any]) -> Optional[str]:
    email = profile.get("email")
    if email is not None and (not isinstance(email, str) or len(email) > 200 or (email and "@" not in email)):
        raise InvalidInput("email must be an address of at most 200 characters")
    return email or None

