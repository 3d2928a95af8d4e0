"""Which form belongs to a start event or user task, parsed once per stored form file."""
from __future__ import annotations

import functools
from typing import Optional

from app.db import UnitOfWork
from app.forms import FormSpec, form_from_form_fields, parse_camunda_form
from app.models import ProcessDefinition, Resource


@functools.lru_cache(maxsize=512)
def _parsed(checksum: str, name: str, content: bytes) -> FormSpec:
    return parse_camunda_form(content, name)


def _resolve(uow: UnitOfWork, definition: ProcessDefinition, form_id: str, spec: dict) -> Optional[FormSpec]:
    if spec.get("form_fields"):
        return form_from_form_fields(form_id, spec["form_fields"])
    resource_id = _form_resource_id(definition, spec)
    if resource_id is None:
        return None
    resource = uow.session.get(Resource, resource_id)
    return _parsed(resource.checksum, resource.name, resource.content)


def _form_resource_id(definition: ProcessDefinition, spec: dict) -> Optional[str]:
    """The deployed .form a task links, by id (formRef) or by file name (camunda-forms: form key)."""
    if spec.get("form_ref"):
        return definition.meta.get("forms", {}).get(spec["form_ref"])
    if spec.get("form_key"):
        file_name = spec["form_key"].rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        return definition.meta.get("form_files", {}).get(file_name)
    return None


# (definition id, user task id, or None for the start event) -> its form
_FORMS: dict[tuple[str, Optional[str]], Optional[FormSpec]] = {}


def _kept(uow: UnitOfWork, definition: ProcessDefinition, activity_id: Optional[str], spec: dict) -> Optional[FormSpec]:
    """A definition's forms are fixed at deployment, so each answer is kept per (definition, element)."""
    key = (definition.id, activity_id)
    if key not in _FORMS:
        _FORMS[key] = _resolve(uow, definition, activity_id or "start", spec)
    return _FORMS[key]


def task_form(uow: UnitOfWork, definition: ProcessDefinition, activity_id: str) -> Optional[FormSpec]:
    """The form a user task shows and the server enforces, or None for a form-less task."""
    return _kept(uow, definition, activity_id, definition.meta.get("user_tasks", {}).get(activity_id, {}))


def start_form(uow: UnitOfWork, definition: ProcessDefinition) -> Optional[FormSpec]:
    """The start event's form, checked on every start: kept like a task's, not read from the database each time."""
    return _kept(uow, definition, None, definition.meta.get("start", {}))


def form_source(uow: UnitOfWork, definition: ProcessDefinition, activity_id: Optional[str]) -> Optional[bytes]:
    """The Camunda Form JSON as deployed, for form-js in the browser; ``activity_id`` None: the start event's."""
    if activity_id is None:
        spec = definition.meta.get("start") or {}
    else:
        spec = definition.meta.get("user_tasks", {}).get(activity_id) or {}
    resource_id = _form_resource_id(definition, spec)
    if resource_id is None:
        return None
    return uow.session.get(Resource, resource_id).content
