"""Deploying models and reading process definitions.

A deployment is checked whole before anything is stored: XML, elements the
engine cannot run, and every reference (form, decision, handler, group). A
process whose BPMN, decisions and forms are byte-identical to its latest version
is not deployed again; anything changed becomes a new version, and running
instances keep the version they started on.

A process version binds the exact decision tables and forms it runs with. So
that an owner's changed decision or form takes effect for instances started
afterwards, deploying one also deploys a new version of the latest process of
every key that uses it: the same BPMN, bound to the new decision or form
(Camunda's ``decisionRefBinding``/``formRefBinding`` "latest", fixed per version
so that running instances finish on what they started with).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import func, select, text

import handlers as handler_registry
from app import engine, modelcheck
from app.db import UnitOfWork
from app.errors import DeploymentError, Forbidden, ModelError, NotFound
from app.forms import parse_camunda_form
from app.models import DecisionDefinition, Deployment, Group, ProcessDefinition, Resource, utcnow
from app.services import decisions as decision_versions
from app.services import calls, model_rules
from app.services.audit import audit
from app.services.users import Principal

BPMN_SUFFIXES = (".bpmn", ".bpmn20.xml", ".bpmn2")
DMN_SUFFIXES = (".dmn", ".dmn11.xml", ".dmn13.xml")
FORM_SUFFIXES = (".form",)
DEPLOYER_GROUP = "process_owner"
ADMIN_GROUP = "admin"
DEPLOY_LOCK_KEY = 0x5D_DE91  # PostgreSQL advisory lock id serializing deployments


@dataclass
class DeploymentResult:
    deployment: Deployment
    definitions: list[ProcessDefinition] = field(default_factory=list)
    created: bool = True
    decisions: list[DecisionDefinition] = field(default_factory=list)
    warnings: list[ModelError] = field(default_factory=list)  # deployed, but worth the owner's attention


@dataclass
class _Upload:
    name: str
    data: bytes
    kind: str
    checksum: str
    parsed: Any = None


def deploy(uow: UnitOfWork, files: list[tuple[str, bytes]], name: str, user: Optional[Principal] = None,
           source: Optional[str] = None) -> DeploymentResult:
    """Check and store a set of BPMN/DMN/form files; identical content is a no-op.

    ``user`` None means the service itself (shipped processes at start-up);
    people need the ``process_owner`` group.
    """
    if user is not None and DEPLOYER_GROUP not in user.groups:
        raise Forbidden(f"user {user.id} may not deploy models (needs group {DEPLOYER_GROUP})")
    uploads, problems = _check_files(files)  # parsing needs no transaction; on SQLite a write one holds the writer lock
    if problems:
        _references(UnitOfWork(uow.db, write=False), uploads, problems)  # refuses, listing theirs too
    with uow:
        result = _store(uow, uploads, name, user.id if user else None, source)
        result.warnings = _warnings(uploads)
        if result.created and result.warnings:
            audit(uow, None, user.id if user else None, "deployment_warnings",
                  data={"deployment": result.deployment.id, "warnings": [w.message for w in result.warnings]})
        uow.commit()
        return result


def check(uow: UnitOfWork, files: list[tuple[str, bytes]], user: Principal) -> list[ModelError]:
    """Every check ``deploy`` makes, storing nothing: the warnings, or DeploymentError with every problem.

    The editor calls this while its owner works, so what it says is exactly
    what a deployment of the same files would say.
    """
    if not {DEPLOYER_GROUP, ADMIN_GROUP} & set(user.groups):
        raise Forbidden(f"user {user.id} may not validate models (needs group {DEPLOYER_GROUP} or {ADMIN_GROUP})")
    uploads, problems = _check_files(files)
    return _references(uow, uploads, problems, user.id)


def _references(uow: UnitOfWork, uploads: list[_Upload], problems: list[ModelError],
                user: Optional[str] = None) -> list[ModelError]:
    """What the files refer to checked against what is deployed, storing nothing: the warnings, or
    DeploymentError with the files' own ``problems`` and these, so that every problem is listed at once."""
    with uow:
        deployment = Deployment(id=str(uuid.uuid4()), name="validation", deployed_at=utcnow())
        resources = {u.name: _resource(deployment, u) for u in uploads if u.parsed is not None}
        calls.link_calls(uow, _drafts(uow, uploads, deployment, resources, user, problems))
        return _warnings(uploads)


def _warnings(uploads: list[_Upload]) -> list[ModelError]:
    return [warning for upload in uploads if upload.kind == "bpmn" and upload.parsed
            for process in upload.parsed for warning in process.warnings]


def _check_files(files: list[tuple[str, bytes]]) -> tuple[list[_Upload], list[ModelError]]:
    """Each file read and checked on its own: the uploads (``parsed`` None when unreadable) and the problems."""
    problems: list[ModelError] = []
    uploads = []
    if not files:
        raise DeploymentError([ModelError("a deployment needs at least one .bpmn, .dmn or .form file")])
    for name, data in files:
        kind = _kind(name)
        upload = _Upload(name, data, kind or "", hashlib.sha256(data).hexdigest())
        try:
            if kind == "bpmn":
                upload.parsed, found = modelcheck.read_bpmn(data, name)
                problems.extend(found)
            elif kind == "dmn":
                upload.parsed = modelcheck.check_dmn(data, name)
            elif kind == "form":
                upload.parsed = parse_camunda_form(data, name)
            else:
                raise ModelError("unsupported file type; deploy .bpmn, .dmn or .form files", resource=name)
        except DeploymentError as exc:
            problems.extend(exc.problems)
        except ModelError as exc:
            problems.append(exc)
        uploads.append(upload)
    return uploads, problems


def _kind(name: str) -> Optional[str]:
    lower = name.lower()
    for kind, suffixes in (("bpmn", BPMN_SUFFIXES), ("dmn", DMN_SUFFIXES), ("form", FORM_SUFFIXES)):
        if lower.endswith(suffixes):
            return kind
    return None


def _store(uow: UnitOfWork, uploads: list[_Upload], name: str, user: Optional[str],
           source: Optional[str]) -> DeploymentResult:
    session = uow.session
    if uow.db.is_postgres:
        # deployments are rare: one at a time, so two owners never compute the same next version
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DEPLOY_LOCK_KEY})
    deployment = Deployment(id=str(uuid.uuid4()), name=name, source=source, deployed_at=utcnow(), deployed_by=user)
    resources = {u.name: _resource(deployment, u) for u in uploads}
    drafts = _drafts(uow, uploads, deployment, resources, user)
    calls.link_calls(uow, drafts)
    changed = [d.definition for d in drafts.values() if _is_new(uow, d.definition)]
    new_resources = [r for r in resources.values() if _resource_is_new(uow, r)]
    if not changed and not new_resources:
        latest = session.scalars(select(Deployment).order_by(Deployment.deployed_at.desc())).first()
        return DeploymentResult(latest or deployment, [], created=False)
    session.add(deployment)
    session.flush()  # parents first: autoflush is off and rows carry no ORM relationships
    session.add_all(resources.values())
    session.flush()
    for definition in changed:
        definition.version = _next_version(uow, definition.key)
        definition.id = f"{definition.key}:{definition.version}:{uuid.uuid4()}"
        session.add(definition)
    session.flush()
    _schedule_timer_starts(uow, changed, drafts)
    new_decisions = decision_versions.register(uow, deployment, [(resources[u.name], u.parsed.decision_ids)
                                                                 for u in uploads if u.kind == "dmn"])
    return DeploymentResult(deployment, changed, decisions=new_decisions)


def _drafts(uow: UnitOfWork, uploads: list[_Upload], deployment: Deployment, resources: dict[str, Resource],
            user: Optional[str], problems: Optional[list[ModelError]] = None) -> dict[str, calls.Draft]:
    """Each process of the deployment checked against what is deployed with it or before it.

    ``problems`` already found in the files are refused together with these.
    """
    bpmn = [upload for upload in uploads if upload.kind == "bpmn" and upload.parsed is not None]
    processes = [process for upload in bpmn for process in upload.parsed]
    available = _Available(*_available_forms(uow, uploads, resources),
                           decisions=_available_decisions(uow, uploads, resources),
                           groups=set(uow.session.scalars(select(Group.id))),
                           topics=set(handler_registry.load_all()), known=model_rules.known(uow, processes))
    drafts: dict[str, calls.Draft] = {}
    problems = list(problems or [])
    for upload in bpmn:
        for process in upload.parsed:
            if process.key in drafts:
                problems.append(ModelError(f"process '{process.key}' is also defined in "
                                           f"{drafts[process.key].process.resource}; a deployment holds one "
                                           "version of each process", element_id=process.key,
                                           line=process.line, resource=process.resource))
                continue
            try:
                drafts[process.key] = _definition(deployment, resources[upload.name], process, available, user)
            except DeploymentError as exc:
                problems.extend(exc.problems)
    # a changed decision or form binds anew every latest process that uses it: new versions, same BPMN
    for upload in _dependents(uow, uploads, drafts):
        resources[upload.name] = _resource(deployment, upload)
        for process in upload.parsed:
            try:
                drafts[process.key] = _definition(deployment, resources[upload.name], process, available, user)
            except DeploymentError as exc:
                problems.extend(exc.problems)
    if problems:
        raise DeploymentError(problems)
    return drafts


@dataclass
class _Available:
    """What a deployment's processes may refer to: this deployment's files first, then what is deployed."""

    forms_by_id: dict[str, Resource]
    forms_by_file: dict[str, Resource]
    decisions: dict[str, Resource]
    groups: set[str]
    topics: set[str]
    known: model_rules.Known


def _dependents(uow: UnitOfWork, uploads: list[_Upload], drafts: dict[str, calls.Draft]) -> list[_Upload]:
    """The latest BPMN of each other process that uses a decision or form of this deployment, to bind anew.

    Each file comes back as a copy of the stored one, parsed to the processes to bind,
    so the new versions are resources of this deployment like any other (a copy
    has the same name and checksum, so it alone never counts as a change).
    """
    readable = [u for u in uploads if u.parsed is not None]  # an unreadable file is refused on its own
    decision_ids = {d for u in readable if u.kind == "dmn" for d in u.parsed.decision_ids}
    form_ids = {u.parsed.id for u in readable if u.kind == "form" and u.parsed.id}
    form_files = {u.name.rsplit("/", 1)[-1] for u in readable if u.kind == "form"}
    if not (decision_ids or form_ids or form_files):
        return []
    names = {u.name for u in uploads}
    copies: dict[str, _Upload] = {}
    for definition in latest_definitions(uow):
        if definition.key in drafts or definition.resource_name in names:
            continue
        resource = uow.session.get(Resource, definition.resource_id)
        process = next(p for p in modelcheck.check_bpmn(resource.content, resource.name)
                       if p.key == definition.key)
        if (decision_ids & set(process.decision_refs) or form_ids & set(process.form_refs)
                or form_files & set(process.form_files)):
            copy = copies.setdefault(resource.id, _Upload(resource.name, resource.content, "bpmn",
                                                          resource.checksum, []))
            copy.parsed.append(process)
    return list(copies.values())


def latest_definitions(uow: UnitOfWork) -> list[ProcessDefinition]:
    """The newest version of every process key, in the caller's transaction."""
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
              .group_by(ProcessDefinition.key).subquery())
    return list(uow.session.scalars(select(ProcessDefinition).join(
        newest, (newest.c.key == ProcessDefinition.key) & (newest.c.version == ProcessDefinition.version))
        .order_by(ProcessDefinition.key)))


def _schedule_timer_starts(uow: UnitOfWork, changed: list[ProcessDefinition],
                           drafts: dict[str, calls.Draft]) -> None:
    """Each new version's timer start events become its key's schedule (the old version's stop firing)."""
    from app.services.start_timers import replace_schedule  # it starts instances, which read definitions

    for definition in changed:
        replace_schedule(uow, definition, drafts[definition.key].process.timer_starts,
                         version_before(uow, definition.key, definition.version))


def _resource(deployment: Deployment, upload: _Upload) -> Resource:
    decision_ids = list(upload.parsed.decision_ids) if upload.kind == "dmn" else []
    form_id = upload.parsed.id if upload.kind == "form" else None
    return Resource(id=str(uuid.uuid4()), deployment_id=deployment.id, name=upload.name, kind=upload.kind,
                    content=upload.data, checksum=upload.checksum, form_id=form_id, decision_ids=decision_ids,
                    deployed_at=deployment.deployed_at)


def _available_decisions(uow, uploads, resources) -> dict[str, Resource]:
    """Decision id → DMN resource: this deployment's first, else the latest deployed one."""
    found: dict[str, Resource] = {}
    for stored in uow.session.scalars(select(Resource).where(Resource.kind == "dmn")
                                      .order_by(Resource.deployed_at)):
        for decision_id in stored.decision_ids:
            found[decision_id] = stored
    for upload in (u for u in uploads if u.kind == "dmn" and u.parsed is not None):
        for decision_id in upload.parsed.decision_ids:
            found[decision_id] = resources[upload.name]
    return found


def _available_forms(uow, uploads, resources) -> tuple[dict[str, Resource], dict[str, Resource]]:
    """Forms by id (camunda:formRef) and by file name (camunda-forms:deployment:NAME)."""
    by_id: dict[str, Resource] = {}
    by_file: dict[str, Resource] = {}
    for stored in uow.session.scalars(select(Resource).where(Resource.kind == "form").order_by(Resource.deployed_at)):
        if stored.form_id:
            by_id[stored.form_id] = stored
        by_file[stored.name.rsplit("/", 1)[-1]] = stored
    for upload in (u for u in uploads if u.kind == "form" and u.parsed is not None):
        if upload.parsed.id:  # a form without an id is found by its file name only
            by_id[upload.parsed.id] = resources[upload.name]
        by_file[upload.name.rsplit("/", 1)[-1]] = resources[upload.name]
    return by_id, by_file


def _definition(deployment, resource, process, available: _Available, user) -> calls.Draft:
    """The process's own references checked; its calls are linked (and its spec parsed) afterwards."""
    problems: list[ModelError] = []
    decisions, forms_by_id, forms_by_file = available.decisions, available.forms_by_id, available.forms_by_file

    def missing(what: str, name: str, where: tuple[str, int]) -> None:
        problems.append(ModelError(f"{what} '{name}' is not deployed", element_id=where[0], line=where[1],
                                   resource=process.resource))

    for decision_id, where in process.decision_refs.items():
        if decision_id not in decisions:
            missing("decision", decision_id, where)
    for form_id, where in process.form_refs.items():
        if form_id not in forms_by_id:
            missing("form", form_id, where)
    for file_name, where in process.form_files.items():
        if file_name not in forms_by_file:
            missing("form file", file_name, where)
    for topic, where in process.topics.items():
        if topic not in available.topics:
            problems.append(ModelError(f"no handler named '{topic}' in handlers/", element_id=where[0],
                                       line=where[1], resource=process.resource))
    for group, where in process.groups.items():
        if group not in available.groups:
            missing("group", group, where)
    linked_forms = {f: forms_by_id[f] for f in process.form_refs if f in forms_by_id}
    linked_files = {f: forms_by_file[f] for f in process.form_files if f in forms_by_file}
    refused, warned = model_rules.judge_process(process, available.known, decisions,
                                                [*linked_forms.values(), *linked_files.values()])
    problems += refused
    if problems:
        raise DeploymentError(problems)
    process.warnings = [*process.warnings, *warned]
    dmn_resources = list({decisions[d].id: decisions[d] for d in process.decision_refs}.values())
    checksum = hashlib.sha256("|".join(
        [_process_checksum(process, resource)] + sorted(r.checksum for r in dmn_resources)
        + sorted(f"{k}={r.checksum}" for k, r in {**linked_forms, **linked_files}.items())).encode()).hexdigest()
    definition = ProcessDefinition(key=process.key, name=process.name or process.key,
                                   deployment_id=deployment.id, resource_id=resource.id,
                                   resource_name=resource.name, dmn_resource_ids=[r.id for r in dmn_resources],
                                   checksum=checksum, meta=_meta(process, linked_forms, linked_files),
                                   deployed_at=deployment.deployed_at, deployed_by=user)
    return calls.Draft(definition, process, resource, dmn_resources)


def _process_checksum(process, resource: Resource) -> str:
    return hashlib.sha256(f"{process.key}|{resource.checksum}".encode()).hexdigest()


def _meta(process, linked_forms: dict[str, Resource], linked_files: dict[str, Resource]) -> dict:
    """What inbox and task services need without parsing the model again."""
    tasks = {task_id: {"name": t.name, "candidate_groups": t.candidate_groups,
                       "candidate_users": t.candidate_users, "assignee": t.assignee, "form_ref": t.form_ref,
                       "form_key": t.form_key, "form_fields": t.form_fields, "due_date": t.due_date,
                       "priority": t.priority, "documentation": t.documentation,
                       "excluded_users": t.excluded_users}
             for task_id, t in process.user_tasks.items()}
    return {"user_tasks": tasks,
            "start": {"form_ref": process.start_form_ref, "form_key": process.start_form_key,
                      "form_fields": process.start_form_fields},
            "starters": {"groups": process.starter_groups, "users": process.starter_users,
                         "directly": process.startable_directly},
            "forms": {k: r.id for k, r in linked_forms.items()},
            "form_files": {k: r.id for k, r in linked_files.items()}}


def _is_new(uow: UnitOfWork, definition: ProcessDefinition) -> bool:
    latest = latest_definition_row(uow, definition.key)
    return latest is None or latest.checksum != definition.checksum


def _resource_is_new(uow: UnitOfWork, resource: Resource) -> bool:
    latest = uow.session.scalars(select(Resource).where(Resource.name == resource.name)
                                 .order_by(Resource.deployed_at.desc())).first()
    return latest is None or latest.checksum != resource.checksum


def _next_version(uow: UnitOfWork, key: str) -> int:
    return (uow.session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))
            or 0) + 1


# ------------------------------------------------------------------ reading
def latest_definition_row(uow: UnitOfWork, key: str) -> Optional[ProcessDefinition]:
    return uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                               .order_by(ProcessDefinition.version.desc())).first()


def version_before(uow: UnitOfWork, key: str, version: int) -> Optional[ProcessDefinition]:
    """The newest version of ``key`` older than ``version`` (versions may have gaps where some were deleted)."""
    return uow.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key,
                                                               ProcessDefinition.version < version)
                               .order_by(ProcessDefinition.version.desc())).first()


def latest_definition_id(uow: UnitOfWork, key: str) -> Optional[str]:
    """Only the id: the row itself comes from :func:`definition_row`, read once per process."""
    return uow.session.scalars(select(ProcessDefinition.id).where(ProcessDefinition.key == key)
                               .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def list_definitions(uow: UnitOfWork, key: Optional[str] = None, latest_only: bool = False) -> list[ProcessDefinition]:
    with uow:
        query = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)
        if key:
            query = query.where(ProcessDefinition.key == key)
        rows = list(uow.session.scalars(query))
        if latest_only:
            best: dict[str, ProcessDefinition] = {}
            for row in rows:
                best[row.key] = row
            rows = list(best.values())
        return rows


def list_deployments(uow: UnitOfWork) -> list[Deployment]:
    with uow:
        return list(uow.session.scalars(select(Deployment).order_by(Deployment.deployed_at)))


def get_definition(uow: UnitOfWork, definition_id: Optional[str] = None, key: Optional[str] = None) -> ProcessDefinition:
    """By id, or the latest version of ``key``; NotFound otherwise."""
    with uow:
        row = uow.session.get(ProcessDefinition, definition_id) if definition_id else latest_definition_row(uow, key)
        if row is None:
            raise NotFound(f"process definition {definition_id or key} does not exist")
        return row


def definition_xml(uow: UnitOfWork, definition_id: Optional[str] = None, key: Optional[str] = None) -> tuple[ProcessDefinition, str]:
    with uow:
        row = uow.session.get(ProcessDefinition, definition_id) if definition_id else latest_definition_row(uow, key)
        if row is None:
            raise NotFound(f"process definition {definition_id or key} does not exist")
        return row, uow.session.get(Resource, row.resource_id).content.decode("utf-8-sig")


def definition_row(uow: UnitOfWork, definition_id: str) -> ProcessDefinition:
    """A definition by id, read once per process: what a deployment made never changes (only its
    ``suspended`` flag does, which is read afresh where it matters)."""
    row = uow.db.definitions.get(definition_id)
    if row is None:
        row = uow.session.get(ProcessDefinition, definition_id)
        if row is None:
            raise NotFound(f"process definition {definition_id} does not exist")
        uow.session.expunge(row)
        uow.db.definitions[definition_id] = row
    return row


def process_spec(uow: UnitOfWork, definition: ProcessDefinition) -> engine.ProcessSpec:
    """The runnable spec of a definition version, parsed once and cached."""

    def build() -> engine.ProcessSpec:
        resource = uow.session.get(Resource, definition.resource_id)
        processes = {p.key: p for p in modelcheck.check_bpmn(resource.content, resource.name)}
        called = calls.called_roots(uow, definition.meta.get("called", {}), resource.id, {})
        dmn_roots = [modelcheck.check_dmn(r.content, r.name).root
                     for r in (uow.session.get(Resource, rid) for rid in definition.dmn_resource_ids)]
        return engine.parse_process(definition.key, [processes[definition.key].root, *called], dmn_roots)

    return uow.specs.get(definition.id, build)
