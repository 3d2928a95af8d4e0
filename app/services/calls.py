"""Call activities across files: which processes a definition calls, fixed when it is deployed.

A ``callActivity`` names a process key. It is found in the same deployment
first, else as the latest deployed version. The definition records the BPMN
resource of every process it can reach (directly or through other calls) and
takes over their user tasks, forms and decisions, so that its spec can be
rebuilt exactly later and the inbox knows the called tasks; a later deployment
of a called process therefore never changes a running instance, nor an already
deployed caller (deploy the caller again to take it up). A call that can come
back to its caller is refused: SpiffWorkflow would recurse without end.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

from lxml import etree
from sqlalchemy import select

from app import engine, modelcheck
from app.db import UnitOfWork
from app.errors import DeploymentError, ModelError
from app.models import ProcessDefinition, Resource


@dataclass
class Draft:
    """A checked process of this deployment whose calls are not linked yet."""

    definition: ProcessDefinition
    process: modelcheck.ProcessInfo
    resource: Resource
    dmn: list[Resource]


@dataclass
class _Callee:
    """What a called process brings into its caller."""

    bpmn: dict[str, Resource]              # process key -> BPMN resource, itself and what it calls
    dmn: list[Resource]
    meta: dict
    calls: list[str] = field(default_factory=list)  # keys still to follow (processes of this deployment)


def link_calls(uow: UnitOfWork, drafts: dict[str, Draft]) -> None:
    """Resolve every draft's calls, merge what the callees bring, and parse it to prove it runs."""
    roots = {draft.resource.id: draft.process.root for draft in drafts.values()}
    problems: list[ModelError] = []
    for draft in drafts.values():
        try:
            _link(uow, draft, drafts, roots)
        except DeploymentError as exc:
            problems.extend(exc.problems)
        except ModelError as exc:
            problems.append(exc)
    if problems:
        raise DeploymentError(problems)


def _link(uow: UnitOfWork, draft: Draft, drafts: dict[str, Draft], roots: dict) -> None:
    process = draft.process
    reached: dict[str, _Callee] = {}
    problems: list[ModelError] = []
    for key, (element_id, line) in process.called_processes.items():
        queue = [key]
        while queue:
            current = queue.pop()
            if current in reached:
                continue
            callee = _callee(uow, current, drafts)
            if callee is None:
                through = "" if current == key else f"'{key}' calls on to '{current}', which "
                problems.append(ModelError(f"called process {through or repr(key) + ' '}is not deployed and "
                                           "not in this deployment", element_id=element_id, line=line,
                                           resource=process.resource))
                continue
            if process.key in callee.bpmn:
                problems.append(ModelError(f"the call of '{key}' leads back to process '{process.key}'; "
                                           "recursive calls are not supported", element_id=element_id,
                                           line=line, resource=process.resource))
                break
            reached[current] = callee
            queue.extend(callee.calls)
    if problems:
        raise DeploymentError(problems)
    if reached:
        _merge(draft, list(reached.values()))
    extra = called_roots(uow, draft.definition.meta.get("called", {}), draft.resource.id, roots)
    engine.parse_process(process.key, [process.root, *extra],
                         [modelcheck.check_dmn(r.content, r.name).root for r in draft.dmn])


def _callee(uow: UnitOfWork, key: str, drafts: dict[str, Draft]) -> Optional[_Callee]:
    draft = drafts.get(key)
    if draft is not None:
        return _Callee({key: draft.resource}, list(draft.dmn), draft.definition.meta,
                       list(draft.process.called_processes))
    row = uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                              .order_by(ProcessDefinition.version.desc())).first()
    if row is None:
        return None
    bpmn = {called: uow.session.get(Resource, rid) for called, rid in row.meta.get("called", {}).items()}
    bpmn[key] = uow.session.get(Resource, row.resource_id)
    return _Callee(bpmn, [uow.session.get(Resource, rid) for rid in row.dmn_resource_ids], row.meta)


def _merge(draft: Draft, callees: list[_Callee]) -> None:
    """The caller's own user tasks, forms and decisions win over a callee's of the same id."""
    meta = draft.definition.meta
    own = {part: dict(meta.get(part, {})) for part in ("user_tasks", "forms", "form_files")}
    merged: dict[str, dict] = {part: {} for part in own}
    bpmn: dict[str, Resource] = {}
    dmn = {r.id: r for r in draft.dmn}
    for callee in callees:
        for part in merged:
            merged[part].update(callee.meta.get(part, {}))
        bpmn.update(callee.bpmn)
        dmn.update((r.id, r) for r in callee.dmn)
    meta = {**meta, **{part: {**merged[part], **own[part]} for part in own},
            "called": {key: resource.id for key, resource in sorted(bpmn.items())}}
    draft.dmn = list(dmn.values())
    draft.definition.meta = meta
    draft.definition.dmn_resource_ids = [r.id for r in draft.dmn]
    # a changed callee (or its decisions) makes a new caller version; callers without calls keep their checksum
    draft.definition.checksum = hashlib.sha256("|".join(
        [draft.definition.checksum] + sorted(f"call:{k}={r.checksum}" for k, r in bpmn.items())
        + sorted(f"dmn:{r.checksum}" for r in draft.dmn)).encode()).hexdigest()


def called_roots(uow: UnitOfWork, called: dict[str, str], own_resource_id: str,
                 known: dict[str, etree._Element]) -> list[etree._Element]:
    """The BPMN trees of the called resources (each once, the caller's own file left out)."""
    result = []
    for resource_id in dict.fromkeys(called.values()):
        if resource_id == own_resource_id:
            continue
        if resource_id not in known:
            resource = uow.session.get(Resource, resource_id)
            known[resource_id] = modelcheck.check_bpmn(resource.content, resource.name)[0].root
        result.append(known[resource_id])
    return result
