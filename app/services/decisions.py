"""DMN decisions as definitions of their own: versioned at deployment, listed, read and evaluated.

A business rule task finds its decision through the DMN resource linked to its
process version; these rows exist so that Camunda clients can list decisions,
read their XML and evaluate them directly, the way Camunda's decision
definitions work. A DMN file whose content changed is a new version of every
decision in it; identical content keeps the existing versions.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import Select, func, select

from app import engine, modelcheck
from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound, ScriptError
from app.models import DecisionDefinition, Deployment, Resource
from app.services.users import Principal


def register(uow: UnitOfWork, deployment: Deployment,
             dmn_files: list[tuple[Resource, dict[str, str]]]) -> list[DecisionDefinition]:
    """New decision versions for the DMN resources of a deployment being stored (decision id → name each)."""
    created = []
    for resource, decisions in dmn_files:
        for key, name in decisions.items():
            latest = _latest(uow, key)
            if latest is not None and latest.checksum == resource.checksum:
                continue
            version = (latest.version if latest else 0) + 1
            created.append(DecisionDefinition(
                id=f"{key}:{version}:{uuid.uuid4()}", key=key, version=version, name=name or key,
                deployment_id=deployment.id, resource_id=resource.id, resource_name=resource.name,
                checksum=resource.checksum, deployed_at=deployment.deployed_at))
    uow.session.add_all(created)
    uow.session.flush()
    return created


def _latest(uow: UnitOfWork, key: str) -> Optional[DecisionDefinition]:
    return uow.session.scalars(select(DecisionDefinition).where(DecisionDefinition.key == key)
                               .order_by(DecisionDefinition.version.desc())).first()


# ------------------------------------------------------------------ reading
_SORT_COLUMNS = {"id": DecisionDefinition.id, "key": DecisionDefinition.key, "name": DecisionDefinition.name,
                 "version": DecisionDefinition.version, "deployTime": DecisionDefinition.deployed_at,
                 "deploymentId": DecisionDefinition.deployment_id}


@dataclass
class DecisionQuery:
    """Camunda's decision definition filters that this service keeps (``*Like`` takes % wildcards)."""

    ids: list[str] = field(default_factory=list)
    key: Optional[str] = None
    key_like: Optional[str] = None
    name: Optional[str] = None
    name_like: Optional[str] = None
    deployment_id: Optional[str] = None
    resource_name: Optional[str] = None
    version: Optional[int] = None
    latest_only: bool = False
    sort_by: Optional[str] = None
    descending: bool = False
    first: int = 0
    limit: Optional[int] = None


def list_decisions(uow: UnitOfWork, query: DecisionQuery) -> list[DecisionDefinition]:
    if query.sort_by is not None and query.sort_by not in _SORT_COLUMNS:
        raise InvalidInput(f"sortBy {query.sort_by!r} is not supported (use {', '.join(_SORT_COLUMNS)})")
    with uow:
        column = _SORT_COLUMNS[query.sort_by or "key"]
        order = [column.desc() if query.descending else column.asc(), DecisionDefinition.version,
                 DecisionDefinition.id]
        stmt = _filtered(select(DecisionDefinition), query).order_by(*order).offset(query.first)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return list(uow.session.scalars(stmt))


def count_decisions(uow: UnitOfWork, query: DecisionQuery) -> int:
    with uow:
        return uow.session.scalar(_filtered(select(func.count(DecisionDefinition.id)), query)) or 0


def _filtered(stmt: Select, query: DecisionQuery) -> Select:
    table = DecisionDefinition
    for value, condition in ((query.ids, lambda v: table.id.in_(v)), (query.key, lambda v: table.key == v),
                             (query.key_like, lambda v: table.key.like(v)), (query.name, lambda v: table.name == v),
                             (query.name_like, lambda v: table.name.like(v)),
                             (query.deployment_id, lambda v: table.deployment_id == v),
                             (query.resource_name, lambda v: table.resource_name == v)):
        if value:
            stmt = stmt.where(condition(value))
    if query.version is not None:
        stmt = stmt.where(table.version == query.version)
    if query.latest_only:
        newest = (select(table.key, func.max(table.version).label("version")).group_by(table.key).subquery())
        stmt = stmt.join(newest, (newest.c.key == table.key) & (newest.c.version == table.version))
    return stmt


def get_decision(uow: UnitOfWork, decision_id: Optional[str] = None, key: Optional[str] = None) -> DecisionDefinition:
    """By id, or the latest version of ``key``."""
    with uow:
        return _decision(uow, decision_id, key)


def _decision(uow: UnitOfWork, decision_id: Optional[str], key: Optional[str]) -> DecisionDefinition:
    row = uow.session.get(DecisionDefinition, decision_id) if decision_id else _latest(uow, key or "")
    if row is None:
        raise NotFound(f"decision definition {decision_id or key} does not exist")
    return row


def decision_xml(uow: UnitOfWork, decision_id: Optional[str] = None,
                 key: Optional[str] = None) -> tuple[DecisionDefinition, str]:
    with uow:
        row = _decision(uow, decision_id, key)
        return row, uow.session.get(Resource, row.resource_id).content.decode("utf-8-sig")


def evaluate(uow: UnitOfWork, user: Principal, variables: dict[str, Any], decision_id: Optional[str] = None,
             key: Optional[str] = None) -> list[dict[str, Any]]:
    """Evaluate a decision over the given variables, in the sandbox; staff only (it is an operator's tool).

    A rule that cannot be evaluated over these variables (a missing name, a
    type mismatch) is the request's fault, so it is a 400, not an engine error.
    """
    if not user.is_staff:
        raise Forbidden(f"user {user.id} may not evaluate decisions")
    with uow:
        row = _decision(uow, decision_id, key)
        resource = uow.session.get(Resource, row.resource_id)
        tree = modelcheck.check_dmn(resource.content, resource.name).root
    try:
        return engine.evaluate_decision(tree, row.key, variables)
    except ScriptError as exc:
        raise InvalidInput(f"decision {row.key} cannot be evaluated with these variables: {exc.message}") from None
