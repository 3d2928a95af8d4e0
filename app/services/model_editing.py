"""Editing deployed models in the browser: read the latest source, save it as a new version, offer pick lists.

The editors (bpmn-js, dmn-js, form-js) send back the whole file; saving goes
through the ordinary deployment (``definitions.deploy``), so an edited model is
checked exactly like an uploaded one and an unchanged one deploys nothing. The
file keeps the name of the version it was opened from, and the edited model
must keep its key (process id, decision id, form id): renaming it would deploy
a different model beside the one the owner meant to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import select

import handlers as handler_registry
from app import modelcheck
from app.db import UnitOfWork
from app.errors import DeploymentError, Forbidden, ModelError, NotFound
from app.forms import parse_camunda_form
from app.modelcheck.xml import BPMN_NS, parse_xml, tag
from app.models import DecisionDefinition, Group, Resource
from app.services import definitions
from app.services.users import ADMIN_GROUP, Principal

EDITOR_GROUPS = frozenset({definitions.DEPLOYER_GROUP, ADMIN_GROUP})
KINDS = ("bpmn", "dmn", "form")
SOURCE = "model-editor"  # the deployment source that tells edited versions from uploads


@dataclass
class ModelSource:
    """The latest deployed file of one model, as an editor opens it."""

    kind: str
    key: str
    name: str
    file_name: str
    content: str
    version: int
    deployed_at: datetime


@dataclass
class SaveOutcome:
    """What a save did: the model's version afterwards, whether it is new, and what else took it up."""

    version: int
    created: bool
    rebound: list[tuple[str, int]] = field(default_factory=list)  # processes bound anew: (key, version)
    warnings: list[ModelError] = field(default_factory=list)


def may_edit(user: Principal) -> bool:
    return bool(EDITOR_GROUPS & set(user.groups))


def _require_editor(user: Principal) -> None:
    if not may_edit(user):
        raise Forbidden(f"user {user.id} may not edit models (needs group process_owner or admin)")


def source(uow: UnitOfWork, user: Principal, kind: str, key: str) -> ModelSource:
    """The latest version of a process (by key), decision (by id) or form (by id); NotFound otherwise."""
    _require_editor(user)
    with uow:
        return _source(uow, kind, key)


def _source(uow: UnitOfWork, kind: str, key: str) -> ModelSource:
    if kind == "bpmn":
        row = definitions.latest_definition_row(uow, key)
        if row is None:
            raise NotFound(f"process {key} does not exist")
        resource = uow.session.get(Resource, row.resource_id)
        return _model(kind, key, row.name, resource, row.version)
    if kind == "dmn":
        decision = uow.session.scalars(select(DecisionDefinition).where(DecisionDefinition.key == key)
                                       .order_by(DecisionDefinition.version.desc())).first()
        if decision is None:
            raise NotFound(f"decision {key} does not exist")
        return _model(kind, key, decision.name, uow.session.get(Resource, decision.resource_id), decision.version)
    if kind == "form":
        stored = list(uow.session.scalars(select(Resource).where(Resource.kind == "form", Resource.form_id == key)
                                          .order_by(Resource.deployed_at)))
        if not stored:
            raise NotFound(f"form {key} does not exist")
        return _model(kind, key, key, stored[-1], _form_version(stored))
    raise NotFound(f"there is no editor for {kind}")


def _model(kind: str, key: str, name: str, resource: Resource, version: int) -> ModelSource:
    return ModelSource(kind, key, name, resource.name, resource.content.decode("utf-8-sig"), version,
                       resource.deployed_at)


def _form_version(stored: list[Resource]) -> int:
    """Forms have no definition rows: each change of content (oldest first) counts as a version."""
    versions, previous = 0, None
    for resource in stored:
        if resource.checksum != previous:
            versions, previous = versions + 1, resource.checksum
    return versions


def save(uow: UnitOfWork, user: Principal, kind: str, key: str, content: str) -> SaveOutcome:
    """Deploy the edited file as the model's next version; DeploymentError lists every problem, nothing stored."""
    _require_editor(user)
    with uow:
        opened = _source(uow, kind, key)
    data = content.encode("utf-8")
    _check_key(kind, key, data, opened.file_name)
    result = definitions.deploy(uow, [(opened.file_name, data)], name=f"{opened.name} ({kind})", user=user,
                                source=SOURCE)
    with uow:
        after = _source(uow, kind, key)
    rebound = [(d.key, d.version) for d in result.definitions if not (kind == "bpmn" and d.key == key)]
    return SaveOutcome(after.version, result.created and after.version != opened.version, rebound,
                       result.warnings)


def _check_key(kind: str, key: str, data: bytes, file_name: str) -> None:
    """The edited file still defines the model it was opened as (the deployment checks everything else)."""
    if kind == "bpmn":
        keys = {process.key for process in modelcheck.check_bpmn(data, file_name)}
        what = "process"
    elif kind == "dmn":
        keys = set(modelcheck.check_dmn(data, file_name).decision_ids)
        what = "decision"
    else:
        try:
            keys = {parse_camunda_form(data, file_name).id}
        except ModelError as exc:
            raise DeploymentError([exc]) from None
        what = "form"
    if key not in keys:
        raise DeploymentError([ModelError(f"the {what} id must stay '{key}': this editor saves a new version of "
                                          f"it (found {', '.join(sorted(k for k in keys if k)) or 'none'})",
                                          resource=file_name)])


def pick_lists(uow: UnitOfWork, user: Principal) -> dict[str, list[dict[str, str]]]:
    """What the editors' fields may name: groups, handler topics, deployed forms and decisions."""
    _require_editor(user)
    with uow:
        groups = [{"id": g.id, "name": g.name} for g in uow.session.scalars(select(Group).order_by(Group.id))]
        forms = sorted({form_id for form_id in uow.session.scalars(
            select(Resource.form_id).where(Resource.kind == "form", Resource.form_id.is_not(None)))})
        decisions: dict[str, str] = {}
        for decision in uow.session.scalars(select(DecisionDefinition).order_by(DecisionDefinition.version)):
            decisions[decision.key] = decision.name
        messages = _message_names(uow)
    return {"groups": groups,
            "topics": [{"id": topic, "name": topic} for topic in sorted(handler_registry.load_all())],
            "forms": [{"id": form_id, "name": form_id} for form_id in forms],
            "decisions": [{"id": k, "name": n} for k, n in sorted(decisions.items())],
            "messages": [{"id": name, "name": name} for name in messages]}


def _message_names(uow: UnitOfWork) -> list[str]:
    """The messages the latest process versions declare: what a message event or send_message may name."""
    resource_ids = {definition.resource_id for definition in definitions.latest_definitions(uow)}
    names: set[str] = set()
    for resource in uow.session.scalars(select(Resource).where(Resource.id.in_(sorted(resource_ids)))):
        root = parse_xml(resource.content, resource.name)
        names.update(name for message in root.iterfind(tag(BPMN_NS, "message"))
                     if (name := (message.get("name") or "").strip()))
    return sorted(names)


def problem_list(error: DeploymentError) -> list[dict[str, Optional[object]]]:
    """Every problem of a refused save, as the editor page lists and marks them."""
    return [{"element_id": p.element_id, "line": p.line, "message": p.detail, "resource": p.resource}
            for p in error.problems]

