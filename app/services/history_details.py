"""Historic variables and details: the instance's variable projection and the audit log's writes.

A *variable instance* is a variable's current (or final) value, from the
``process_instance.variables`` projection. A *detail* is one write of a
variable: every value given when an instance started or a task was completed,
as the audit log recorded it (``instance_started`` / ``task_completed``). A
write through a form (a task with a form key, or a start with a start form) is
reported twice, as Camunda does: a ``formField`` and a ``variableUpdate``.
Rows are expanded in Python from the matching instances and audit entries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import Select, select

from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import AuditEntry, HumanTask, ProcessDefinition, ProcessInstance
from app.services.criteria import DATE, FLAG, LIKE, TEXT, TEXTS, Criteria, sort_and_page
from app.services.users import Principal

VARIABLE_FILTERS = {"variableName": TEXT, "variableNameLike": LIKE, "processInstanceId": TEXT,
                    "processInstanceIdIn": TEXTS, "processDefinitionId": TEXT, "processDefinitionKey": TEXT}
VARIABLE_SORT_KEYS = ("instanceId", "variableName")
DETAIL_FILTERS = {"processInstanceId": TEXT, "processInstanceIdIn": TEXTS, "taskId": TEXT,
                  "activityInstanceId": TEXT, "variableInstanceId": TEXT,
                  "formFields": FLAG, "variableUpdates": FLAG, "excludeTaskDetails": FLAG,
                  "occurredBefore": DATE, "occurredAfter": DATE}
DETAIL_SORT_KEYS = ("processInstanceId", "variableName", "time")
_WRITES = ("instance_started", "task_completed")


@dataclass(frozen=True)
class Variable:
    instance: ProcessInstance
    name: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.instance.id}:{self.name}"


@dataclass(frozen=True)
class Detail:
    """One write of one variable; ``kind`` is variableUpdate or formField."""

    entry: AuditEntry
    instance: ProcessInstance
    name: str
    value: Any
    kind: str
    revision: int

    @property
    def id(self) -> str:
        return f"{self.entry.id}:{self.name}" + (":formField" if self.kind == "formField" else "")

    @property
    def time(self) -> datetime:
        return self.entry.at


def _like(pattern: str) -> re.Pattern:
    """SQL LIKE (% and _) as a regular expression, for rows filtered in Python."""
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.S)


def _instances(stmt: Select, criteria: Criteria, viewer: Principal) -> Select:
    if not viewer.is_staff:
        stmt = stmt.where(ProcessInstance.started_by == viewer.id)
    if criteria.get("processInstanceId") is not None:
        stmt = stmt.where(ProcessInstance.id == criteria.get("processInstanceId"))
    if criteria.get("processInstanceIdIn") is not None:
        stmt = stmt.where(ProcessInstance.id.in_(criteria.get("processInstanceIdIn")))
    if criteria.get("processDefinitionId") is not None:
        stmt = stmt.where(ProcessInstance.definition_id == criteria.get("processDefinitionId"))
    if criteria.get("processDefinitionKey") is not None:
        stmt = stmt.where(ProcessInstance.definition_key == criteria.get("processDefinitionKey"))
    return stmt


# ------------------------------------------------------------------ variable instances
def list_variables(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[Variable]:
    found = _variables(uow, criteria, viewer)
    return sort_and_page(found, criteria, {"instanceId": lambda v: v.instance.id, "variableName": lambda v: v.name})


def count_variables(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    return len(_variables(uow, criteria, viewer))


def _variables(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[Variable]:
    with uow:
        stmt = _instances(select(ProcessInstance), criteria, viewer).order_by(ProcessInstance.started_at,
                                                                              ProcessInstance.id)
        rows = list(uow.session.scalars(stmt))
    name, like = criteria.get("variableName"), criteria.get("variableNameLike")
    pattern = _like(like) if like is not None else None
    return [Variable(row, key, value) for row in rows for key, value in sorted(row.variables.items())
            if (name is None or key == name) and (pattern is None or pattern.fullmatch(key))]


def get_variable(uow: UnitOfWork, variable_id: str, viewer: Principal) -> Variable:
    instance_id, _, name = variable_id.rpartition(":")
    with uow:
        row = uow.session.get(ProcessInstance, instance_id) if instance_id else None
        if row is None or name not in row.variables:
            raise NotFound(f"historic variable instance {variable_id} does not exist")
        if not viewer.may_see_instance(row.started_by):
            raise Forbidden(f"user {viewer.id} may not see process instance {instance_id}")
        return Variable(row, name, row.variables[name])


# ------------------------------------------------------------------ details
def list_details(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[Detail]:
    keys = {"processInstanceId": lambda d: d.instance.id, "variableName": lambda d: d.name,
            "time": lambda d: (d.entry.at, d.entry.id)}
    return sort_and_page(_details(uow, criteria, viewer), criteria, keys)


def count_details(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> int:
    return len(_details(uow, criteria, viewer))


def get_detail(uow: UnitOfWork, detail_id: str, viewer: Principal) -> Detail:
    entry_id = detail_id.split(":", 1)[0]
    if entry_id.isdigit():
        with uow:
            entry = uow.session.get(AuditEntry, int(entry_id))
            instance = uow.session.get(ProcessInstance, entry.instance_id) if entry is not None else None
        if instance is not None:
            if not viewer.may_see_instance(instance.started_by):
                raise Forbidden(f"user {viewer.id} may not see process instance {instance.id}")
            for detail in _details(uow, Criteria({"processInstanceId": instance.id}), viewer):
                if detail.id == detail_id:
                    return detail
    raise NotFound(f"historic detail {detail_id} does not exist")


def _details(uow: UnitOfWork, criteria: Criteria, viewer: Principal) -> list[Detail]:
    """Every write of the matching instances, numbered per variable (revision), then filtered."""
    with uow:
        instances = {row.id: row for row in uow.session.scalars(_instances(select(ProcessInstance), criteria, viewer))}
        entries = list(uow.session.scalars(select(AuditEntry).where(
            AuditEntry.instance_id.in_(list(instances)), AuditEntry.action.in_(_WRITES)).order_by(AuditEntry.id)))
        form_tasks = set(uow.session.scalars(select(HumanTask.id).where(
            HumanTask.instance_id.in_(list(instances)), HumanTask.form_key.is_not(None))))
        start_forms = {d.id for d in uow.session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.id.in_({i.definition_id for i in instances.values()})))
            if any((d.meta.get("start") or {}).get(k) for k in ("form_ref", "form_key", "form_fields"))}
    revisions: dict[tuple[str, str], int] = {}
    details: list[Detail] = []
    for entry in entries:
        instance = instances[entry.instance_id]
        by_form = (entry.task_id in form_tasks if entry.action == "task_completed"
                   else instance.definition_id in start_forms)
        for name, value in ((entry.data or {}).get("variables") or {}).items():
            revision = revisions[(instance.id, name)] = revisions.get((instance.id, name), 0) + 1
            if by_form:
                details.append(Detail(entry, instance, name, value, "formField", revision))
            details.append(Detail(entry, instance, name, value, "variableUpdate", revision))
    return [d for d in details if _detail_matches(d, criteria)]


def _detail_matches(detail: Detail, criteria: Criteria) -> bool:
    task_id: Optional[str] = detail.entry.task_id
    checks = (
        criteria.get("taskId") in (None, task_id),
        criteria.get("activityInstanceId") in (None, task_id),
        criteria.get("variableInstanceId") in (None, f"{detail.instance.id}:{detail.name}"),
        not criteria.flag("formFields") or detail.kind == "formField",
        not criteria.flag("variableUpdates") or detail.kind == "variableUpdate",
        not criteria.flag("excludeTaskDetails") or task_id is None,
        criteria.get("occurredBefore") is None or detail.time <= criteria.get("occurredBefore"),
        criteria.get("occurredAfter") is None or detail.time >= criteria.get("occurredAfter"),
    )
    return all(checks)
