"""Deployments as a whole: read them and their files, redeploy them, delete them (with their instances on request).

Deletion follows Camunda: without ``cascade`` a definition that still has
instances is not deleted; with it, its instances and their history go too.
One difference: here a finished instance *is* its history row and points at
its definition, so finished instances block a plain delete as running ones
do. The append-only audit log is never deleted; the deletion itself is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Select, delete, func, select

from app.db import UnitOfWork
from app.errors import Forbidden, InUse, NotFound
from app.models import DecisionDefinition, Deployment, ProcessDefinition, ProcessInstance, Resource
from app.services import definitions, start_timers
from app.services.audit import audit
from app.services.users import Principal


@dataclass
class DeploymentQuery:
    deployment_id: Optional[str] = None
    name: Optional[str] = None
    name_like: Optional[str] = None
    source: Optional[str] = None
    without_source: bool = False


def count_deployments(uow: UnitOfWork, query: DeploymentQuery) -> int:
    with uow:
        return uow.session.scalar(_filtered(select(func.count(Deployment.id)), query)) or 0


def _filtered(stmt: Select, query: DeploymentQuery) -> Select:
    for value, condition in ((query.deployment_id, Deployment.id.__eq__), (query.name, Deployment.name.__eq__),
                             (query.name_like, Deployment.name.like), (query.source, Deployment.source.__eq__)):
        if value is not None:
            stmt = stmt.where(condition(value))
    if query.without_source:
        stmt = stmt.where(Deployment.source.is_(None))
    return stmt


def get_deployment(uow: UnitOfWork, deployment_id: str) -> Deployment:
    with uow:
        return _deployment(uow, deployment_id)


def _deployment(uow: UnitOfWork, deployment_id: str) -> Deployment:
    row = uow.session.get(Deployment, deployment_id)
    if row is None:
        raise NotFound(f"deployment {deployment_id} does not exist")
    return row


def resources(uow: UnitOfWork, deployment_id: str) -> list[Resource]:
    """The deployment's files (content included), in upload order."""
    with uow:
        _deployment(uow, deployment_id)
        return list(uow.session.scalars(select(Resource).where(Resource.deployment_id == deployment_id)
                                        .order_by(Resource.name)))


def resource(uow: UnitOfWork, deployment_id: str, resource_id: str) -> Resource:
    with uow:
        row = uow.session.get(Resource, resource_id)
        if row is None or row.deployment_id != deployment_id:
            raise NotFound(f"deployment {deployment_id} has no resource {resource_id}")
        return row


def redeploy(uow: UnitOfWork, deployment_id: str, user: Principal, resource_ids: list[str],
             resource_names: list[str], source: Optional[str]) -> definitions.DeploymentResult:
    """Deploy the deployment's files again (all, or those named); the usual rules apply.

    Content identical to the latest versions is a no-op, so redeploying the
    newest deployment changes nothing, while redeploying an older one makes its
    models the latest versions again.
    """
    files = resources(uow, deployment_id)
    deployment = get_deployment(uow, deployment_id)
    chosen = [r for r in files if (not resource_ids and not resource_names)
              or r.id in resource_ids or r.name in resource_names]
    unknown = set(resource_ids) - {r.id for r in files} | set(resource_names) - {r.name for r in files}
    if unknown:
        raise NotFound(f"deployment {deployment_id} has no resource(s) {', '.join(sorted(unknown))}")
    return definitions.deploy(uow, [(r.name, r.content) for r in chosen], name=deployment.name, user=user,
                              source=source if source is not None else deployment.source)


def _require_owner(user: Principal) -> None:
    if definitions.DEPLOYER_GROUP not in user.groups:
        raise Forbidden(f"user {user.id} may not delete models (needs group {definitions.DEPLOYER_GROUP})")


def delete_deployment(uow: UnitOfWork, deployment_id: str, cascade: bool, user: Principal) -> None:
    """Delete a deployment: its process and decision definitions and its files (and, with cascade, instances)."""
    _require_owner(user)
    with uow:
        _deployment(uow, deployment_id)
        own = list(uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.deployment_id == deployment_id)))
        files = {r.id: r.name for r in uow.session.scalars(select(Resource).where(Resource.deployment_id == deployment_id))}
        _refuse_if_used_elsewhere(uow, files, {d.id for d in own})
        removed = _delete_definitions(uow, own, cascade)
        uow.session.execute(delete(DecisionDefinition).where(DecisionDefinition.deployment_id == deployment_id))
        uow.session.execute(delete(Resource).where(Resource.deployment_id == deployment_id))
        uow.session.execute(delete(Deployment).where(Deployment.id == deployment_id))
        audit(uow, None, user.id, "deployment_deleted",
              data={"deployment": deployment_id, "cascade": cascade, "definitions": [d.id for d in own],
                    "instances_deleted": removed})
        uow.commit()


def delete_definitions(uow: UnitOfWork, user: Principal, cascade: bool, definition_id: Optional[str] = None,
                       key: Optional[str] = None) -> None:
    """Delete one process definition version, or every version of ``key``; the deployment's files stay."""
    _require_owner(user)
    with uow:
        if definition_id is not None:
            rows = [row] if (row := uow.session.get(ProcessDefinition, definition_id)) else []
        else:
            rows = list(uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)))
        if not rows:
            raise NotFound(f"process definition {definition_id or key} does not exist")
        removed = _delete_definitions(uow, rows, cascade)
        audit(uow, None, user.id, "definition_deleted",
              data={"definitions": [d.id for d in rows], "cascade": cascade, "instances_deleted": removed})
        uow.commit()


def _refuse_if_used_elsewhere(uow: UnitOfWork, files: dict[str, str], own: set[str]) -> None:
    """A process of another deployment may run on this deployment's decisions or forms."""
    for other in uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.id.notin_(sorted(own) or [""]))):
        used = set(other.dmn_resource_ids) | set(other.meta.get("forms", {}).values()) \
            | set(other.meta.get("form_files", {}).values())
        shared = sorted(files[r] for r in used & set(files))
        if shared:
            raise InUse(f"{', '.join(shared)} of this deployment is used by process definition {other.id} "
                        f"(deployment {other.deployment_id}); delete that first")


def _delete_definitions(uow: UnitOfWork, rows: list[ProcessDefinition], cascade: bool) -> int:
    """Delete definitions; with ``cascade`` their instances first (tasks, timers, incidents and history follow)."""
    ids = [row.id for row in rows]
    if not ids:
        return 0
    counts = dict(uow.session.execute(select(ProcessInstance.status, func.count(ProcessInstance.id))
                                      .where(ProcessInstance.definition_id.in_(ids))
                                      .group_by(ProcessInstance.status)).all())
    total = sum(counts.values())
    if total and not cascade:
        raise InUse(f"{counts.get('ACTIVE', 0)} running and {total - counts.get('ACTIVE', 0)} finished instance(s) "
                    f"of {', '.join(ids)} exist; delete with cascade=true to delete them and their history too")
    _restore_timer_starts(uow, rows)
    uow.session.execute(delete(ProcessInstance).where(ProcessInstance.definition_id.in_(ids)))
    uow.session.execute(delete(ProcessDefinition).where(ProcessDefinition.id.in_(ids)))
    for definition_id in ids:
        uow.db.definitions.pop(definition_id, None)
    return total


def _restore_timer_starts(uow: UnitOfWork, rows: list[ProcessDefinition]) -> None:
    """Where a key's latest version goes and an older one stays, the older one's timer starts are scheduled
    again (Camunda re-creates them); the rows are re-pointed before the deleted versions' cascade would take them."""
    for latest in rows:
        if definitions.latest_definition_row(uow, latest.key).id != latest.id:
            continue
        previous = definitions.version_before(uow, latest.key, min(r.version for r in rows if r.key == latest.key))
        if previous is not None:
            start_timers.restore_previous(uow, latest, previous)
    uow.session.flush()
