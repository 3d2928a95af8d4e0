"""Groups and memberships as administrators manage them.

Groups decide who sees which task, so two deletions are refused: a standard
group (``users.ensure_groups`` would bring it back at the next start, and the
shipped models and roles rely on it) and any group a deployed model names as
candidate group (its tasks would be offered to nobody, and redeploying the
model would fail its group check). Camunda's group ``type`` is not kept: it is
reported as null and a non-empty one is refused rather than dropped.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import Select, delete, func, select

from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.models import Group, Membership, ProcessDefinition, User
from app.services.accounts import check_id, require_admin
from app.services.criteria import LIKE, TEXT, TEXTS, Criteria, order_and_page, where
from app.services.users import ADMIN_GROUP, STANDARD_GROUPS, Principal

GROUP_FILTERS = {"id": TEXT, "idIn": TEXTS, "name": TEXT, "nameLike": LIKE, "member": TEXT}
GROUP_SORT_KEYS = ("id", "name")


def list_groups(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[Group]:
    """Staff see every group; a requester the groups they belong to."""
    with uow:
        stmt = order_and_page(_group_filters(select(Group), criteria, viewer), criteria,
                              {"id": Group.id, "name": Group.name}, (Group.id,))
        return list(uow.session.scalars(stmt))


def count_groups(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    with uow:
        return uow.session.scalar(_group_filters(select(func.count(Group.id)), criteria, viewer)) or 0


def _group_filters(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(Group.id.in_(sorted(viewer.groups)))
    stmt = where(stmt, criteria, {"id": Group.id, "idIn": Group.id, "name": Group.name, "nameLike": Group.name},
                 GROUP_FILTERS)
    if criteria.get("member") is not None:
        stmt = stmt.where(Group.id.in_(select(Membership.group_id).where(Membership.user_id == criteria.get("member"))))
    return stmt


def get_group(uow: UnitOfWork, group_id: str, viewer: Principal) -> Group:
    with uow:
        group = _group(uow, group_id)
        if not viewer.is_staff and group_id not in viewer.groups:
            raise NotFound(f"group {group_id} does not exist")
        return group


def _group(uow: UnitOfWork, group_id: str) -> Group:
    group = uow.session.get(Group, group_id)
    if group is None:
        raise NotFound(f"group {group_id} does not exist")
    return group


def user_groups(uow: UnitOfWork, user_id: str, viewer: Principal) -> tuple[list[Group], list[User]]:
    """A user's groups and the other members of those groups (Camunda's ``/identity/groups``)."""
    if not viewer.is_staff and viewer.id != user_id:
        raise Forbidden(f"user {viewer.id} may only ask for their own groups")
    with uow:
        groups = list(uow.session.scalars(select(Group).join(Membership, Membership.group_id == Group.id)
                                          .where(Membership.user_id == user_id).order_by(Group.id)))
        members = select(Membership.user_id).where(Membership.group_id.in_([g.id for g in groups]))
        others = list(uow.session.scalars(select(User).where(User.id.in_(members), User.id != user_id)
                                          .order_by(User.id)))
        return groups, others


def create_group(uow: UnitOfWork, actor: Principal, body: dict[str, Any]) -> None:
    require_admin(actor)
    group_id = check_id("group", body.get("id"))
    name = _name(body, group_id)
    with uow:
        if uow.session.get(Group, group_id) is not None:
            raise Conflict(f"group {group_id} already exists")
        uow.session.add(Group(id=group_id, name=name))
        uow.commit()


def update_group(uow: UnitOfWork, actor: Principal, group_id: str, body: dict[str, Any]) -> None:
    """Rename a group; its id (what models and memberships name) stays."""
    require_admin(actor)
    if body.get("id") not in (None, group_id):
        raise InvalidInput("a group's id cannot be changed")
    with uow:
        _group(uow, group_id).name = _name(body, group_id)
        uow.commit()


def delete_group(uow: UnitOfWork, actor: Principal, group_id: str) -> list[str]:
    """Delete a group and its memberships; returns the former members (their cached logins must go)."""
    require_admin(actor)
    if group_id in STANDARD_GROUPS:
        raise Conflict(f"group {group_id} is a standard group of the service desk and cannot be deleted")
    with uow:
        group = _group(uow, group_id)
        naming = sorted({d.id for d in uow.session.scalars(select(ProcessDefinition))
                         if any(group_id in (t.get("candidate_groups") or [])
                                for t in (d.meta.get("user_tasks") or {}).values())})
        if naming:
            raise Conflict(f"group {group_id} is a candidate group in deployed models: {', '.join(naming)}")
        members = list(uow.session.scalars(select(Membership.user_id).where(Membership.group_id == group_id)))
        uow.session.execute(delete(Membership).where(Membership.group_id == group_id))
        uow.session.delete(group)
        uow.commit()
        return members


def add_member(uow: UnitOfWork, actor: Principal, group_id: str, user_id: str) -> None:
    """Idempotent: adding a member twice leaves one membership."""
    require_admin(actor)
    with uow:
        _group(uow, group_id)
        if uow.session.get(User, user_id) is None:
            raise NotFound(f"user {user_id} does not exist")
        if uow.session.get(Membership, (user_id, group_id)) is None:
            uow.session.add(Membership(user_id=user_id, group_id=group_id))
        uow.commit()


def remove_member(uow: UnitOfWork, actor: Principal, group_id: str, user_id: str) -> None:
    """Removing the admin group's last member is refused: nobody could administer users any more."""
    require_admin(actor)
    with uow:
        _group(uow, group_id)
        membership = uow.session.get(Membership, (user_id, group_id))
        if membership is None:
            raise NotFound(f"user {user_id} is not a member of group {group_id}")
        if group_id == ADMIN_GROUP and uow.session.scalar(
                select(func.count(Membership.user_id)).where(Membership.group_id == ADMIN_GROUP)) == 1:
            raise Conflict(f"user {user_id} is the last member of group {ADMIN_GROUP}")
        uow.session.delete(membership)
        uow.commit()


def _name(body: dict[str, Any], group_id: str) -> str:
    name: Optional[Any] = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 200):
        raise InvalidInput("name must be a string of at most 200 characters")
    if body.get("type") not in (None, ""):
        raise InvalidInput("group types are not supported here; leave type empty")
    return name or group_id
