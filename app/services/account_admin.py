"""Accounts as the administration pages manage them: the whole directory (deactivated people too),
group membership, each person's language and time zone, deactivation.

People are deactivated rather than deleted: tasks, the audit log and tickets name them by id, and
pages show their names, so the row stays and only signing in stops. Their signed-in browsers end
in the same transaction; the caller drops the REST API's remembered logins (``auth.forget``), as
the REST layer does after its own writes. Each change is written to the audit log without an
instance (actions ``user.*``), so who changed whom stays on record.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import Select, delete, func, or_, select

from app import passwords
from app.db import UnitOfWork
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Group, Membership, User, WebSession
from app.services import preferences
from app.services.accounts import check_email, check_id, enforce_policy, require_admin
from app.services.audit import audit
from app.services.users import ADMIN_GROUP, Principal

PAGE_SIZE = 25
MAX_NAME_LENGTH = 100


class SelfLockout(InvalidInput):
    """An administrator tried to lock themselves out (deactivate themselves, leave the admin group)."""


@dataclass(frozen=True)
class Account:
    """One person as the administration list shows them."""

    id: str
    display_name: str
    email: Optional[str]
    language: Optional[str]
    time_zone: str
    active: bool
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Details:
    """What an administrator sets for a person (everything but the id and the password)."""

    display_name: str
    email: Optional[str]
    language: Optional[str]
    time_zone: str
    groups: frozenset[str]


@dataclass(frozen=True)
class Directory:
    """One page of a search: the accounts on it, how many match in all, and where the page starts."""

    accounts: list[Account]
    total: int
    first: int
    limit: int


# ------------------------------------------------------------------ reading
def find_accounts(uow: UnitOfWork, actor: Principal, text: str = "", first: int = 0,
                  limit: int = PAGE_SIZE) -> Directory:
    """Accounts whose id, name or email contains ``text`` (any case), by id, active or not."""
    require_admin(actor)
    first, limit = max(first, 0), min(max(limit, 1), 200)
    with uow:
        total = uow.session.scalar(_matching(select(func.count(User.id)), text)) or 0
        rows = list(uow.session.scalars(_matching(select(User), text).order_by(User.id).offset(first).limit(limit)))
        return Directory(_with_groups(uow, rows), total, first, limit)


def get_account(uow: UnitOfWork, actor: Principal, user_id: str) -> Account:
    require_admin(actor)
    with uow:
        return _with_groups(uow, [_user(uow, user_id)])[0]


def group_names(uow: UnitOfWork, actor: Principal) -> dict[str, str]:
    """Every group an administrator may hand out, id → stored name, by id."""
    require_admin(actor)
    with uow:
        rows = uow.session.execute(select(Group.id, Group.name).order_by(Group.id))
        return {group_id: name for group_id, name in rows}


def _matching(stmt: Select, text: str) -> Select:
    text = (text or "").strip().lower()
    if not text:
        return stmt
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return stmt.where(or_(*(func.lower(column).like(pattern, escape="\\")
                            for column in (User.id, User.display_name, User.email))))


def _with_groups(uow: UnitOfWork, users: list[User]) -> list[Account]:
    memberships: dict[str, list[str]] = {user.id: [] for user in users}
    for user_id, group_id in uow.session.execute(
            select(Membership.user_id, Membership.group_id).where(Membership.user_id.in_(list(memberships)))
            .order_by(Membership.group_id)):
        memberships[user_id].append(group_id)
    return [Account(u.id, u.display_name, u.email, u.language, u.time_zone, u.active, tuple(memberships[u.id]))
            for u in users]


def _user(uow: UnitOfWork, user_id: str) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


# ------------------------------------------------------------------ writing
def create_account(uow: UnitOfWork, actor: Principal, user_id: Any, details: Details, password: Any) -> None:
    """A new active account with its groups, language and time zone; an existing id is a conflict."""
    require_admin(actor)
    user_id = check_id("user", user_id)
    details = _checked(details, user_id)
    enforce_policy(password, {"id": user_id, "firstName": details.display_name, "email": details.email})
    password_hash = passwords.hashed(password)  # slow by design: before the transaction
    with uow:
        if uow.session.get(User, user_id) is not None:
            raise Conflict(f"user {user_id} already exists")
        uow.session.add(User(id=user_id, display_name=details.display_name, email=details.email,
                             language=details.language, time_zone=details.time_zone, password_hash=password_hash,
                             active=True))
        uow.session.flush()
        _set_groups(uow, user_id, details.groups)
        audit(uow, None, actor.id, "user.create", data={"user": user_id, "groups": sorted(details.groups)})
        uow.commit()


def edit_account(uow: UnitOfWork, actor: Principal, user_id: str, details: Details) -> None:
    """Name, email, language, time zone and groups; an administrator cannot leave the admin group
    themselves (the last one would lock everybody out of this page)."""
    require_admin(actor)
    details = _checked(details, user_id)
    if user_id == actor.id and ADMIN_GROUP not in details.groups:
        raise SelfLockout(f"you cannot remove yourself from the group {ADMIN_GROUP}")
    with uow:
        user = _user(uow, user_id)
        before = _with_groups(uow, [user])[0]
        user.display_name, user.email = details.display_name, details.email
        user.language, user.time_zone = details.language, details.time_zone
        _set_groups(uow, user_id, details.groups)
        after = Account(user.id, user.display_name, user.email, user.language, user.time_zone, user.active,
                        tuple(sorted(details.groups)))
        audit(uow, None, actor.id, "user.update", data={"user": user_id, "changes": _changes(before, after)})
        uow.commit()


def deactivate(uow: UnitOfWork, actor: Principal, user_id: str) -> None:
    """Signing in stops and every signed-in browser of the person ends; all they did stays."""
    require_admin(actor)
    if user_id == actor.id:
        raise SelfLockout("you cannot deactivate your own account")
    with uow:
        _user(uow, user_id).active = False
        uow.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        audit(uow, None, actor.id, "user.deactivate", data={"user": user_id})
        uow.commit()


def reactivate(uow: UnitOfWork, actor: Principal, user_id: str) -> None:
    require_admin(actor)
    with uow:
        _user(uow, user_id).active = True
        audit(uow, None, actor.id, "user.reactivate", data={"user": user_id})
        uow.commit()


def _checked(details: Details, user_id: str) -> Details:
    """The details as stored: trimmed, the name defaulting to the id; each part checked."""
    name = (details.display_name or "").strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the display name must be at most {MAX_NAME_LENGTH} characters")
    return Details(display_name=name or user_id, email=check_email({"email": (details.email or "").strip()}),
                   language=preferences.check_language(details.language),
                   time_zone=preferences.check_time_zone(details.time_zone), groups=frozenset(details.groups))


def _set_groups(uow: UnitOfWork, user_id: str, groups: frozenset[str]) -> None:
    unknown = sorted(groups - set(uow.session.scalars(select(Group.id))))
    if unknown:
        raise InvalidInput(f"unknown groups: {', '.join(unknown)}")
    current = set(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
    if current - groups:
        uow.session.execute(delete(Membership).where(Membership.user_id == user_id,
                                                     Membership.group_id.in_(sorted(current - groups))))
    uow.session.add_all(Membership(user_id=user_id, group_id=g) for g in sorted(groups - current))


def _changes(before: Account, after: Account) -> dict[str, list[Any]]:
    """The fields an edit changed, as [old, new]: what the audit log keeps."""
    fields = ("display_name", "email", "language", "time_zone", "groups")
    return {name: [_plain(getattr(before, name)), _plain(getattr(after, name))] for name in fields
            if getattr(before, name) != getattr(after, name)}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
