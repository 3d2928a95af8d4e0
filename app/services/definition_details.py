"""What a process definition offers besides running it: its start form and the processes it calls."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from app import modelcheck
from app.db import UnitOfWork
from app.errors import NotFound
from app.forms import FormSpec
from app.modelcheck.xml import BPMN_NS
from app.models import ProcessDefinition, Resource
from app.services.definitions import get_definition, latest_definition_row
from app.services.forms import start_form


def start_form_source(uow: UnitOfWork, definition_id: Optional[str] = None, key: Optional[str] = None) -> bytes:
    """The start event's Camunda Form JSON as deployed; NotFound when the start has no Camunda Form."""
    definition = get_definition(uow, definition_id=definition_id, key=key)
    start = definition.meta.get("start") or {}
    resource_id = None
    if start.get("form_ref"):
        resource_id = definition.meta.get("forms", {}).get(start["form_ref"])
    elif start.get("form_key"):
        file_name = start["form_key"].rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        resource_id = definition.meta.get("form_files", {}).get(file_name)
    if resource_id is None:
        raise NotFound(f"process definition {definition.id} has no deployed start form")
    with uow:
        return uow.session.get(Resource, resource_id).content


def start_form_spec(uow: UnitOfWork, definition_id: Optional[str] = None,
                    key: Optional[str] = None) -> Optional[FormSpec]:
    """The start form as the server enforces it (Camunda Form or camunda:formField), or None."""
    definition = get_definition(uow, definition_id=definition_id, key=key)
    with uow:
        return start_form(uow, definition)


@dataclass
class CalledDefinition:
    definition: ProcessDefinition
    activity_ids: list[str]


def called_definitions(uow: UnitOfWork, definition_id: str) -> list[CalledDefinition]:
    """The deployed processes this definition's call activities name (latest version of each), by key."""
    definition = get_definition(uow, definition_id=definition_id)
    with uow:
        resource = uow.session.get(Resource, definition.resource_id)
        root = modelcheck.parse_xml(resource.content, resource.name)
        callers: dict[str, list[str]] = {}
        for process in root.iter(f"{{{BPMN_NS}}}process"):
            if process.get("id") != definition.key:
                continue
            for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
                called = (call.get("calledElement") or "").strip()
                if called:
                    callers.setdefault(called, []).append(call.get("id") or "")
        found = []
        for key in sorted(callers):
            row = latest_definition_row(uow, key)
            if row is not None:
                found.append(CalledDefinition(row, sorted(callers[key])))
        return found
