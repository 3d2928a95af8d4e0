"""Instance migration: moving running instances of one process version onto another.

A *plan* says, per element, where an instance standing there goes in the
target version — the same id by default (``generate``), explicit instructions
otherwise. It is checked twice: the plan itself (every instruction names
existing elements of the same type), then each instance (every element it
stands in has an instruction). Any failure refuses the whole request with the
reason per element, nothing migrated; otherwise each instance is re-pointed at
the target spec in one transaction, its projections rewritten and audited.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select, update

from app import engine
from app.db import UnitOfWork
from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.models import ActivityInstance, HumanTask, Incident, ProcessDefinition, ProcessInstance
from app.services import step
from app.services.audit import audit
from app.services.definitions import definition_row, process_spec
from app.services.users import ADMIN_GROUP, Principal

#: who may move instances between versions: the people who own the models
MIGRATING_GROUPS = frozenset({"process_owner", ADMIN_GROUP})
#: elements an instance never stands in; generating instructions for them would only add noise
_NEVER_ACTIVE = {"startEvent"}


@dataclass(frozen=True)
class Instruction:
    source: str
    target: str
    update_event_trigger: bool = False


@dataclass
class Plan:
    source_id: str
    target_id: str
    instructions: list[Instruction]
    variables: dict[str, Any] = field(default_factory=dict)

    def mapping(self) -> dict[str, str]:
        return {i.source: i.target for i in self.instructions}


@dataclass(frozen=True)
class InstructionReport:
    instruction: Instruction
    failures: tuple[str, ...]


@dataclass(frozen=True)
class ElementReport:
    """One element of one instance that cannot be migrated, and why."""

    instance_id: str
    task_id: str
    activity_id: str
    failures: tuple[str, ...]


class PlanInvalid(DomainError):
    """Camunda's MigrationPlanValidationException: the plan itself is wrong."""

    kind = "MigrationPlanValidationException"

    def __init__(self, reports: list[InstructionReport]):
        super().__init__("; ".join(f"{r.instruction.source} → {r.instruction.target}: {', '.join(r.failures)}"
                                   for r in reports))
        self.reports = reports


class InstanceInvalid(DomainError):
    """Camunda's MigratingProcessInstanceValidationException: an instance stands where the plan does not reach."""

    kind = "MigratingProcessInstanceValidationException"

    def __init__(self, reports: list[ElementReport]):
        super().__init__("; ".join(f"instance {r.instance_id}, element {r.activity_id}: {', '.join(r.failures)}"
                                   for r in reports))
        self.reports = reports


def require_migrator(user: Principal) -> None:
    if not user.groups & MIGRATING_GROUPS:
        raise Forbidden(f"user {user.id} may not migrate process instances (process owners and admins may)")


def generate(uow: UnitOfWork, user: Principal, source_id: str, target_id: str,
             update_event_triggers: bool = False) -> Plan:
    """Instructions for every element present in both versions with the same id and type."""
    require_migrator(user)
    with uow:
        source, target = _types(uow, source_id), _types(uow, target_id)
        return Plan(source_id, target_id, [Instruction(element, element, update_event_triggers)
                                           for element, kind in sorted(source.items())
                                           if kind not in _NEVER_ACTIVE and target.get(element) == kind])


def element_types_of(uow: UnitOfWork, definition_id: str) -> dict[str, str]:
    """Element id → type of one version: what an explicit instruction may point at."""
    with uow:
        return _types(uow, definition_id)


def check_plan(uow: UnitOfWork, plan: Plan) -> list[InstructionReport]:
    """Why each wrong instruction is wrong; empty when the plan is sound."""
    source, target = _types(uow, plan.source_id), _types(uow, plan.target_id)
    reports, seen = [], set()
    for instruction in plan.instructions:
        failures = []
        if instruction.source not in source:
            failures.append(f"the source version has no element '{instruction.source}'")
        if instruction.target not in target:
            failures.append(f"the target version has no element '{instruction.target}'")
        elif instruction.source in source and source[instruction.source] != target[instruction.target]:
            failures.append(f"a {source[instruction.source]} cannot become a {target[instruction.target]}")
        if instruction.source in seen:
            failures.append(f"element '{instruction.source}' has more than one instruction")
        seen.add(instruction.source)
        if failures:
            reports.append(InstructionReport(instruction, tuple(failures)))
    return reports


@dataclass(frozen=True)
class Preview:
    """Where the instances of the source version stand and where they would go."""

    rows: list[tuple[str, int, Optional[str]]]  # element id, instances standing there, target element or None
    refusals: list[ElementReport]


def preview(uow: UnitOfWork, user: Principal, plan: Plan, instance_ids: Optional[list[str]] = None) -> Preview:
    require_migrator(user)
    with uow:
        mapping = plan.mapping()
        counts: dict[str, int] = {}
        refusals = _plan_refusals(uow, plan)
        for instance in _instances(uow, plan.source_id, instance_ids):
            _, _, workflow = step.load(uow, instance.id, allow_suspended=True)
            for element in engine.active_elements(workflow):
                counts[element.activity_id] = counts.get(element.activity_id, 0) + 1
            refusals.extend(_element_refusals(instance.id, workflow, mapping))
        return Preview([(element, n, mapping.get(element)) for element, n in sorted(counts.items())], refusals)


def execute(uow: UnitOfWork, user: Principal, plan: Plan, instance_ids: Optional[list[str]] = None) -> int:
    """Migrate the named instances (all of the source version when None); all or none. Returns how many."""
    require_migrator(user)
    with uow:
        reports = check_plan(uow, plan)
        if reports:
            raise PlanInvalid(reports)
        target = definition_row(uow, plan.target_id)
        spec = process_spec(uow, target)
        mapping = plan.mapping()
        instances = _instances(uow, plan.source_id, instance_ids)
        if not instances:
            raise InvalidInput(f"no running instances of {plan.source_id} to migrate")
        refusals: list[ElementReport] = []
        loaded = []
        for instance in instances:
            row, _, workflow = step.load(uow, instance.id, allow_suspended=True)
            refusals.extend(_element_refusals(row.id, workflow, mapping))
            loaded.append((row, workflow))
        if refusals:
            raise InstanceInvalid(refusals)
        for row, workflow in loaded:
            _migrate(uow, user, plan, row, workflow, target, spec, mapping)
        uow.commit()
        return len(loaded)


def _migrate(uow: UnitOfWork, user: Principal, plan: Plan, row: ProcessInstance, workflow: Any,
             target: ProcessDefinition, spec: engine.ProcessSpec, mapping: dict[str, str]) -> None:
    since = time.time()
    moved = {e.task_id: mapping[e.activity_id] for e in engine.active_elements(workflow)}
    try:
        engine.migrate(workflow, spec, mapping)
    except KeyError as exc:  # a running subprocess whose model the target version no longer has
        raise InstanceInvalid([ElementReport(row.id, "", str(exc.args[0]), (
            f"the target version has no subprocess or element '{exc.args[0]}' for what runs there",))]) from None
    if plan.variables:
        engine.set_variables(workflow, plan.variables)
    row.definition_id, row.definition_key = target.id, target.key
    for table, still_open in ((HumanTask, HumanTask.status == "open"), (Incident, Incident.status == "open")):
        uow.session.execute(update(table).where(table.instance_id == row.id, still_open)
                            .values(definition_id=target.id))
    for task_id, activity_id in moved.items():
        for table in (HumanTask, Incident):
            id_column = table.id if table is HumanTask else table.task_id
            uow.session.execute(update(table).where(id_column == task_id).values(activity_id=activity_id))
        uow.session.execute(update(ActivityInstance).where(ActivityInstance.id == task_id)
                            .values(activity_id=activity_id, definition_id=target.id))
    audit(uow, row.id, user.id, "instance_migrated",
          data={"source": plan.source_id, "target": plan.target_id, "moved": sorted(set(moved.values()))})
    step.save(uow, row, target, workflow, user.id, since)


def _element_refusals(instance_id: str, workflow: Any, mapping: dict[str, str]) -> list[ElementReport]:
    return [ElementReport(instance_id, e.task_id, e.activity_id,
                          (f"no instruction says where element '{e.activity_id}' goes in the target version",))
            for e in engine.active_elements(workflow) if e.activity_id not in mapping]


def _plan_refusals(uow: UnitOfWork, plan: Plan) -> list[ElementReport]:
    return [ElementReport("", "", r.instruction.source, r.failures) for r in check_plan(uow, plan)]


def _instances(uow: UnitOfWork, source_id: str, instance_ids: Optional[list[str]]) -> list[ProcessInstance]:
    query = select(ProcessInstance).where(ProcessInstance.definition_id == source_id,
                                          ProcessInstance.status == "ACTIVE")
    if instance_ids is not None:
        query = query.where(ProcessInstance.id.in_(instance_ids))
    rows = list(uow.session.scalars(query.order_by(ProcessInstance.started_at, ProcessInstance.id)))
    if instance_ids is not None:
        missing = sorted(set(instance_ids) - {r.id for r in rows})
        if missing:
            raise NotFound(f"process instances {', '.join(missing)} are not running on {source_id}")
    return rows


def _types(uow: UnitOfWork, definition_id: str) -> dict[str, str]:
    if not isinstance(definition_id, str) or uow.session.get(ProcessDefinition, definition_id) is None:
        raise NotFound(f"process definition {definition_id} does not exist")
    return engine.element_types(process_spec(uow, definition_row(uow, definition_id)))
