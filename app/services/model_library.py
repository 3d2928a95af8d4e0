"""The model library: every process, decision table and form with its versions, for the people who own them.

Process owners change flows without code; before they deploy, they need to see what is deployed, who
deployed each version and when, how many tickets still run on each one (a running ticket finishes on
its version), the very file of any version, and what changed between two versions. Processes and
decisions are versioned by the deployment service; a form is versioned here, by its content: every
deployment that brought a form's id with content different from the one before is a new version of it.
Uploads go through the same deployment service as the REST API, so the same checks refuse a model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select

from app.db import UnitOfWork
from app.errors import Forbidden, InvalidInput, NotFound
from app.modelcheck.xml import BPMN_NS, parse_xml, tag
from app.models import DecisionDefinition, Deployment, ProcessDefinition, ProcessInstance, Resource
from app.services import definitions, model_diff
from app.services.users import Principal

#: Who may see and change the models.
OWNERS = frozenset(("process_owner", "admin"))
PROCESS, DECISION, FORM = "process", "decision", "form"
KINDS = (PROCESS, DECISION, FORM)
#: The resource kind (file type) each kind of model is stored as.
RESOURCE_KIND = {PROCESS: "bpmn", DECISION: "dmn", FORM: "form"}
CONTENT_TYPES = {"bpmn": "application/xml", "dmn": "application/xml", "form": "application/json"}
UPLOAD_SOURCE = "model library"


@dataclass
class ModelVersion:
    version: int
    deployed_at: datetime
    deployed_by: Optional[str]
    checksum: str  # SHA-256 of the file, as downloaded
    resource_id: str
    resource_name: str
    running: Optional[int] = None  # instances still active on it; processes only
    definition_id: Optional[str] = None  # processes only


@dataclass
class LibraryModel:
    kind: str
    key: str
    name: str
    versions: list[ModelVersion] = field(default_factory=list)  # oldest first

    @property
    def latest(self) -> ModelVersion:
        return self.versions[-1]

    @property
    def running(self) -> Optional[int]:
        return sum(v.running or 0 for v in self.versions) if self.kind == PROCESS else None

    def version(self, number: int) -> ModelVersion:
        found = next((v for v in self.versions if v.version == number), None)
        if found is None:
            raise NotFound(f"{self.kind} {self.key} has no version {number}")
        return found


@dataclass
class ModelFile:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class LinkedChange:
    """A form or decision table a process version uses that differs between the two versions."""

    kind: str  # form | decision
    key: str
    name: str
    before: Optional[int]  # its version used by the older process version; None when not used there
    after: Optional[int]


@dataclass
class VersionDiff:
    model: LibraryModel
    before: ModelVersion
    after: ModelVersion
    changes: list[model_diff.Change]
    linked: list[LinkedChange] = field(default_factory=list)


def may_manage(user: Principal) -> bool:
    return bool(user.groups & OWNERS)


def _require_owner(user: Principal) -> None:
    if not may_manage(user):
        raise Forbidden(f"user {user.id} may not manage models (needs group process_owner or admin)")


def list_models(uow: UnitOfWork, user: Principal) -> list[LibraryModel]:
    """Every model with all its versions: processes, then decisions, then forms, each by key."""
    _require_owner(user)
    with uow:
        return _processes(uow) + _decisions(uow) + _forms(uow)


def model(uow: UnitOfWork, user: Principal, key: str, kind: Optional[str] = None) -> LibraryModel:
    """One model by key; without ``kind`` the first of process, decision, form with that key."""
    _require_owner(user)
    with uow:
        return _find(uow, key, kind)


def download(uow: UnitOfWork, user: Principal, key: str, version: int, kind: Optional[str] = None) -> ModelFile:
    """The stored bytes of one version, named as it was deployed."""
    _require_owner(user)
    with uow:
        chosen = _find(uow, key, kind)
        wanted = chosen.version(version)
        content = uow.session.scalar(select(Resource.content).where(Resource.id == wanted.resource_id))
    filename = wanted.resource_name.replace("\\", "/").rsplit("/", 1)[-1]
    return ModelFile(filename, content, CONTENT_TYPES[RESOURCE_KIND[chosen.kind]])


def compare(uow: UnitOfWork, user: Principal, key: str, before: int, after: int,
            kind: Optional[str] = None) -> VersionDiff:
    """What changed from version ``before`` to version ``after`` (either may be the newer)."""
    _require_owner(user)
    with uow:
        chosen = _find(uow, key, kind)
        old, new = chosen.version(before), chosen.version(after)
        contents = dict(uow.session.execute(select(Resource.id, Resource.content)
                                            .where(Resource.id.in_({old.resource_id, new.resource_id}))).all())
        linked = _linked_changes(uow, old, new) if chosen.kind == PROCESS else []
    changes = model_diff.diff(RESOURCE_KIND[chosen.kind], contents[old.resource_id], contents[new.resource_id])
    if chosen.kind == PROCESS:  # one file may hold several processes: only this one's elements count
        own = _process_element_ids(contents[old.resource_id], key) | _process_element_ids(contents[new.resource_id],
                                                                                          key)
        changes = [c for c in changes if c.element_id in own or c.element_type in model_diff.SHARED_ELEMENTS]
    return VersionDiff(chosen, old, new, changes, linked)


def _linked_changes(uow: UnitOfWork, old: ModelVersion, new: ModelVersion) -> list[LinkedChange]:
    """A process version also pins the forms and decision tables it uses: a changed form field makes a new
    process version whose BPMN may be identical, so the diff names the linked models that changed."""
    used = {side: _linked_versions(uow, version) for side, version in (("before", old), ("after", new))}
    changed = []
    for kind_key in sorted(set(used["before"]) | set(used["after"])):
        before, after = used["before"].get(kind_key), used["after"].get(kind_key)
        if before != after:
            kind, key = kind_key
            name = (after or before)[1]
            changed.append(LinkedChange(kind, key, name, before and before[0], after and after[0]))
    return changed


def _linked_versions(uow: UnitOfWork, version: ModelVersion) -> dict[tuple[str, str], tuple[int, str]]:
    """(kind, key) → (version number, name) of every form and decision table a process version uses."""
    definition = uow.session.get(ProcessDefinition, version.definition_id)
    meta = definition.meta or {}
    resource_ids = {*(meta.get("forms") or {}).values(), *(meta.get("form_files") or {}).values(),
                    *definition.dmn_resource_ids}
    rows = uow.session.execute(select(Resource.kind, Resource.name, Resource.form_id, Resource.checksum,
                                      Resource.decision_ids).where(Resource.id.in_(resource_ids))).all()
    found: dict[tuple[str, str], tuple[int, str]] = {}
    for row in rows:
        keys = ([(FORM, row.form_id or row.name.replace("\\", "/").rsplit("/", 1)[-1])] if row.kind == "form"
                else [(DECISION, decision_id) for decision_id in row.decision_ids])
        for kind, key in keys:
            model = next(iter(_READERS[kind](uow, key)), None)
            match = [v for v in model.versions if v.checksum == row.checksum
                     and v.deployed_at <= definition.deployed_at] if model else []
            if match:
                found[(kind, key)] = (match[-1].version, model.name)
    return found


def _find(uow: UnitOfWork, key: str, kind: Optional[str]) -> LibraryModel:
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    for candidate in (kind,) if kind else KINDS:
        found = _READERS[candidate](uow, key)
        if found:
            return found[0]
    raise NotFound(f"no model with key {key}")


def upload(uow: UnitOfWork, user: Principal, files: list[tuple[str, bytes]]) -> definitions.DeploymentResult:
    """Deploys files made elsewhere (Camunda Modeler) as one deployment; DeploymentError lists every problem."""
    _require_owner(user)
    names = ", ".join(name for name, _ in files)
    return definitions.deploy(uow, files, name=names[:200] or UPLOAD_SOURCE, user=user, source=UPLOAD_SOURCE)


# ------------------------------------------------------------------ reading versions
def _processes(uow: UnitOfWork, key: Optional[str] = None) -> list[LibraryModel]:
    query = (select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.version,
                    ProcessDefinition.deployed_at, ProcessDefinition.deployed_by, ProcessDefinition.resource_id,
                    ProcessDefinition.resource_name, Resource.checksum)
             .join(Resource, Resource.id == ProcessDefinition.resource_id)
             .order_by(ProcessDefinition.key, ProcessDefinition.version))
    if key is not None:
        query = query.where(ProcessDefinition.key == key)
    rows = uow.session.execute(query).all()
    running = _running_per_definition(uow, key)
    models: dict[str, LibraryModel] = {}
    for row in rows:
        entry = models.setdefault(row.key, LibraryModel(PROCESS, row.key, row.name))
        entry.name = row.name  # the latest version's name
        entry.versions.append(ModelVersion(row.version, row.deployed_at, row.deployed_by, row.checksum,
                                           row.resource_id, row.resource_name, running.get(row.id, 0), row.id))
    return list(models.values())


def _running_per_definition(uow: UnitOfWork, key: Optional[str]) -> dict[str, int]:
    """Active instances per definition version, in one grouped query."""
    query = (select(ProcessInstance.definition_id, func.count())
             .where(ProcessInstance.status == "ACTIVE").group_by(ProcessInstance.definition_id))
    if key is not None:
        query = query.where(ProcessInstance.definition_key == key)
    return dict(uow.session.execute(query).all())


def _decisions(uow: UnitOfWork, key: Optional[str] = None) -> list[LibraryModel]:
    query = (select(DecisionDefinition.key, DecisionDefinition.name, DecisionDefinition.version,
                    DecisionDefinition.deployed_at, Deployment.deployed_by, DecisionDefinition.resource_id,
                    DecisionDefinition.resource_name, DecisionDefinition.checksum)
             .join(Deployment, Deployment.id == DecisionDefinition.deployment_id)
             .order_by(DecisionDefinition.key, DecisionDefinition.version))
    if key is not None:
        query = query.where(DecisionDefinition.key == key)
    models: dict[str, LibraryModel] = {}
    for row in uow.session.execute(query):
        entry = models.setdefault(row.key, LibraryModel(DECISION, row.key, row.name))
        entry.name = row.name
        entry.versions.append(ModelVersion(row.version, row.deployed_at, row.deployed_by, row.checksum,
                                           row.resource_id, row.resource_name))
    return list(models.values())


def _forms(uow: UnitOfWork, key: Optional[str] = None) -> list[LibraryModel]:
    """Forms by id (by file name for a form without one); a version per change of content."""
    query = (select(Resource.id, Resource.name, Resource.form_id, Resource.checksum, Resource.deployed_at,
                    Deployment.deployed_by)
             .join(Deployment, Deployment.id == Resource.deployment_id)
             .where(Resource.kind == "form").order_by(Resource.deployed_at, Resource.id))
    models: dict[str, LibraryModel] = {}
    names = _form_names(uow)
    for row in uow.session.execute(query):
        form_key = row.form_id or row.name.replace("\\", "/").rsplit("/", 1)[-1]
        if key is not None and form_key != key:
            continue
        entry = models.setdefault(form_key, LibraryModel(FORM, form_key, names.get(form_key, form_key)))
        if entry.versions and entry.versions[-1].checksum == row.checksum:
            continue  # deployed again alongside a changed process: the same version
        entry.versions.append(ModelVersion(len(entry.versions) + 1, row.deployed_at, row.deployed_by, row.checksum,
                                           row.id, row.name))
    return sorted(models.values(), key=lambda m: m.key)


def _form_names(uow: UnitOfWork) -> dict[str, str]:
    """A form has no name of its own: people know it by the task (or process start) that shows it."""
    names: dict[str, str] = {}
    for name, meta in uow.session.execute(select(ProcessDefinition.name, ProcessDefinition.meta)
                                          .order_by(ProcessDefinition.deployed_at)):
        start = (meta.get("start") or {}).get("form_ref")
        if start:
            names[start] = name
        for task in (meta.get("user_tasks") or {}).values():
            if task.get("form_ref"):
                names[task["form_ref"]] = task.get("name") or task["form_ref"]
    return names


_READERS = {PROCESS: _processes, DECISION: _decisions, FORM: _forms}


def _process_element_ids(data: bytes, key: str) -> set[str]:
    root = parse_xml(data, "model.bpmn")
    process = next((p for p in root.iter(tag(BPMN_NS, "process")) if p.get("id") == key), None)
    if process is None:
        return set()
    return {e.get("id") for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
