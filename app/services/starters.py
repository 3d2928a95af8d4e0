"""Who may start a process: ``camunda:candidateStarterGroups`` and ``candidateStarterUsers`` of its model.

Camunda 7 only lists these (``startableBy``); here every start a person makes asks :func:`check_may_start`,
the REST API and the pages alike, so a service review cannot be opened over the API by someone whose page
would refuse it. A model that names no starters stays startable by anyone signed in, as Camunda models
without the attributes were before; administrators may always start. Starts by the service itself (timer
start events, a handler's message) never ask: the model chose to start, not a person.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import Membership, ProcessDefinition, User
from app.services.definitions import definition_row, latest_definition_id
from app.services.users import ADMIN_GROUP, Principal


def declared(definition: ProcessDefinition) -> tuple[list[str], list[str]]:
    """(groups, users) the model names as its starters; both empty when it names none."""
    starters = (definition.meta or {}).get("starters") or {}
    return list(starters.get("groups") or []), list(starters.get("users") or [])


def may_start(user: Principal, definition: ProcessDefinition) -> bool:
    groups, users = declared(definition)
    if ADMIN_GROUP in user.groups or not (groups or users):
        return True
    return user.id in users or bool(user.groups.intersection(groups))


def startable_directly(definition: ProcessDefinition) -> bool:
    """False when the model sets ``camunda:isStartableInTasklist="false"``: only the service that owns the
    process starts it (a knowledge article, from a closed ticket it checks), never a bare REST start."""
    return ((definition.meta or {}).get("starters") or {}).get("directly", True) is not False


def check_may_start(user: Principal, definition: ProcessDefinition, directly: bool = True) -> None:
    """Forbidden (403), naming the process and who may start it, unless ``user`` may start ``definition``;
    ``directly`` (a REST start, a message) also asks that the model lets anyone start it directly, which
    administrators may not bypass: the owning service checks what the start must be about."""
    if directly and not startable_directly(definition):
        raise Forbidden(f"process definition '{definition.key}' cannot be started directly "
                        "(camunda:isStartableInTasklist=\"false\"): only its own service starts it, "
                        "after checking what it is started for")
    if may_start(user, definition):
        return
    groups, users = declared(definition)
    who = "; ".join(part for part in (f"groups {', '.join(groups)}" if groups else "",
                                      f"users {', '.join(users)}" if users else "") if part)
    raise Forbidden(f"The user with id '{user.id}' may not start process definition '{definition.key}': "
                    f"only its candidate starters ({who}) and administrators may")


def may_start_latest(uow: UnitOfWork, user: Principal, key: str) -> bool:
    """Whether ``user`` may start the latest version of ``key`` (a page deciding what to offer); False when
    it is not deployed."""
    with uow:
        definition_id = latest_definition_id(uow, key)
        return definition_id is not None and may_start(user, definition_row(uow, definition_id))


def check_may_start_latest(uow: UnitOfWork, user: Principal, key: str, directly: bool = True) -> None:
    """What a start page asks before it shows a start form: the same rule the start itself applies."""
    with uow:
        definition_id = latest_definition_id(uow, key)
        if definition_id is None:
            raise NotFound(f"process definition {key} is not deployed")
        check_may_start(user, definition_row(uow, definition_id), directly)


def principal_of(uow: UnitOfWork, user_id: str) -> Optional[Principal]:
    """An existing, active user with their groups (``startableBy`` asks about anyone), or None."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.active:
            return None
        groups = frozenset(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))
        return Principal(user_id, groups)
