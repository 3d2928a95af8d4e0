"""People and groups: who may see and act on which task."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import select

from app import passwords
from app.db import UnitOfWork
from app.errors import Unauthorized
from app.models import Group, Membership, User
from app.texts import N_

#: The roles of the practice (DOMAIN.md) plus tier-1 skill groups used by dispatch. Names are written
#: once, in Chinese; pages show them through the catalogs (the en catalog has their English).
STANDARD_GROUPS: dict[str, str] = {
    "requester": N_("报障用户"),
    "vip": N_("VIP 用户"),
    "service_desk": N_("服务台"),
    "tier1": N_("一线工程师"),
    "tier1_hardware": N_("一线·硬件"),
    "tier1_software": N_("一线·软件"),
    "tier1_network": N_("一线·网络"),
    "tier2": N_("二线运维"),
    "vendor_liaison": N_("厂商联络"),
    "project_manager": N_("项目经理"),
    "service_dept": N_("服务部"),
    "sales": N_("销售部门"),
    "process_owner": N_("流程负责人"),
    "admin": N_("系统管理员"),
}

REQUESTER_GROUP = "requester"
#: Requesters whose tickets are always urgent (000 三.5); an administrator grants it, nobody claims it.
VIP_GROUP = "vip"
#: Groups that say something about a requester, not a role on the desk.
REQUESTER_GROUPS = frozenset({REQUESTER_GROUP, VIP_GROUP})
ADMIN_GROUP = "admin"

TIER1_ALL = ["tier1", "tier1_hardware", "tier1_software", "tier1_network"]

#: Demo users: one per role, ``admin`` in every group.
DEMO_USERS: dict[str, tuple[str, list[str]]] = {
    "requester": ("张三 (requester)", ["requester"]),
    "vip": ("钱总 (VIP requester)", ["requester", "vip"]),
    "desk": ("服务台小王 (desk)", ["service_desk"]),
    "tier1": ("一线李工 (tier 1)", TIER1_ALL),
    "tier2": ("二线赵工 (tier 2)", ["tier2"]),
    "vendor": ("厂商联络刘 (vendor liaison)", ["vendor_liaison"]),
    "pm": ("项目经理陈 (project manager)", ["project_manager"]),
    "servicedept": ("服务部周 (service dept)", ["service_dept"]),
    "sales": ("销售吴 (sales)", ["sales"]),
    "owner": ("流程负责人郑 (process owner)", ["process_owner"]),
    "admin": ("管理员 (admin)", list(STANDARD_GROUPS)),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated user as services see it."""

    id: str
    groups: frozenset[str]

    @property
    def is_staff(self) -> bool:
        """Anyone with a role beyond reporting problems; staff may read every ticket."""
        return bool(self.groups - REQUESTER_GROUPS)

    def may_see_instance(self, started_by: Optional[str]) -> bool:
        """Requesters see the tickets they reported, staff see all."""
        return self.is_staff or started_by == self.id

    def may_work_on(self, candidate_groups: Iterable[str], candidate_users: Iterable[str],
                    assignee: Optional[str]) -> bool:
        if assignee is not None:
            return assignee == self.id
        return self.id in set(candidate_users) or bool(self.groups.intersection(candidate_groups))


def ensure_groups(uow: UnitOfWork) -> None:
    """Create the standard groups if missing; models may name only known groups."""
    with uow:
        existing = set(uow.session.scalars(select(Group.id)))
        uow.session.add_all(Group(id=g, name=n) for g, n in STANDARD_GROUPS.items() if g not in existing)
        uow.commit()


def create_user(uow: UnitOfWork, user_id: str, password: str, groups: list[str],
                display_name: Optional[str] = None, email: Optional[str] = None) -> None:
    """Create or update a user; the password is stored only as a salted hash."""
    password_hash = passwords.hashed(password)  # slow by design: before the transaction, not inside it
    with uow:
        user = uow.session.get(User, user_id)
        if user is None:
            user = User(id=user_id, display_name=display_name or user_id, password_hash="")
            uow.session.add(user)
        user.password_hash = password_hash
        if display_name:
            user.display_name = display_name
        if email:
            user.email = email
        uow.session.flush()
        current = set(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
        uow.session.add_all(Membership(user_id=user_id, group_id=g) for g in groups if g not in current)
        uow.commit()


def seed_demo(uow_factory, password: str) -> None:
    for user_id, (name, groups) in DEMO_USERS.items():
        create_user(uow_factory(), user_id, password, groups, name, email=f"{user_id}@example.com")


def authenticate(uow: UnitOfWork, user_id: str, password: str) -> Principal:
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or not passwords.matches(user.password_hash, password) or not user.active:
            raise Unauthorized("unknown user or wrong password")
        groups = frozenset(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
        return Principal(user_id, groups)
