"""Runtime variables one by one, as Camunda's variable instances, read from the instances' variables projection.

A variable instance here is one name in one running instance (variables are
not scoped to executions or tasks), so its id is ``<instance id>:<name>``:
stable for the life of the instance, and ':' occurs in neither part. Filtering
by value runs over the projection in Python; filter by instance to keep it small.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.errors import InvalidInput, NotFound
from app.models import ProcessInstance
from app.services.users import Principal

_OPERATORS = {"eq": operator.eq, "neq": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
              "lteq": operator.le}
SORT_KEYS = ("variableName", "variableType", "activityInstanceId")


@dataclass
class VariableQuery:
    name: Optional[str] = None
    name_like: Optional[str] = None
    instance_ids: list[str] = field(default_factory=list)
    values: list[tuple[str, str, Any]] = field(default_factory=list)  # (name, operator, value)
    sort_by: Optional[str] = None
    descending: bool = False
    first: int = 0
    limit: Optional[int] = None


@dataclass(frozen=True)
class VariableRow:
    instance: ProcessInstance
    name: str
    value: Any

    @property
    def id(self) -> str:
        return f"{self.instance.id}:{self.name}"


def query_variables(uow: UnitOfWork, viewer: Principal, query: VariableQuery) -> list[VariableRow]:
    """Matching variables of the running instances the viewer may see, by instance then name unless sorted."""
    rows = _matching(uow, viewer, query)
    if query.sort_by == "variableType":
        rows.sort(key=lambda r: (type(r.value).__name__, r.name, r.instance.id), reverse=query.descending)
    elif query.sort_by == "variableName":
        rows.sort(key=lambda r: (r.name, r.instance.id), reverse=query.descending)
    elif query.sort_by == "activityInstanceId":
        rows.sort(key=lambda r: (r.instance.id, r.name), reverse=query.descending)
    end = None if query.limit is None else query.first + query.limit
    return rows[query.first:end]


def count_variables(uow: UnitOfWork, viewer: Principal, query: VariableQuery) -> int:
    return len(_matching(uow, viewer, query))


def get_variable(uow: UnitOfWork, viewer: Principal, variable_id: str) -> VariableRow:
    instance_id, _, name = variable_id.partition(":")
    found = _matching(uow, viewer, VariableQuery(name=name, instance_ids=[instance_id])) if name else []
    if not found:
        raise NotFound(f"variable instance {variable_id} does not exist")
    return found[0]


def _matching(uow: UnitOfWork, viewer: Principal, query: VariableQuery) -> list[VariableRow]:
    if query.sort_by is not None and query.sort_by not in SORT_KEYS:
        raise InvalidInput(f"sortBy {query.sort_by!r} is not supported (use {', '.join(SORT_KEYS)})")
    for _name, op, _value in query.values:
        if op not in _OPERATORS and op != "like":
            raise InvalidInput(f"variableValues operator {op!r} is not supported (use {', '.join(_OPERATORS)}, like)")
    like = _like(query.name_like) if query.name_like is not None else None
    with uow:
        stmt = select(ProcessInstance).where(ProcessInstance.status == "ACTIVE").order_by(ProcessInstance.id)
        if not viewer.is_staff:
            stmt = stmt.where(ProcessInstance.started_by == viewer.id)
        if query.instance_ids:
            stmt = stmt.where(ProcessInstance.id.in_(query.instance_ids))
        instances = list(uow.session.scalars(stmt))
    rows = []
    for instance in instances:
        variables = instance.variables or {}
        if not all(_holds(variables, condition) for condition in query.values):
            continue
        for name in sorted(variables):
            if (query.name is None or name == query.name) and (like is None or like.fullmatch(name)):
                rows.append(VariableRow(instance, name, variables[name]))
    return rows


def _like(pattern: str) -> re.Pattern:
    """SQL LIKE (% any run, _ one character) as a regular expression."""
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.DOTALL)


def _holds(variables: dict[str, Any], condition: tuple[str, str, Any]) -> bool:
    """Camunda's variableValues: the instance has the variable and it compares as asked (mismatched types never match)."""
    name, op, wanted = condition
    if name not in variables:
        return False
    value = variables[name]
    if op == "like":
        return isinstance(value, str) and isinstance(wanted, str) and bool(_like(wanted).fullmatch(value))
    numbers = (int, float)
    comparable = (isinstance(value, numbers) and isinstance(wanted, numbers)
                  and not isinstance(value, bool) and not isinstance(wanted, bool)) or type(value) is type(wanted)
    if not comparable:
        return op == "neq"
    try:
        return _OPERATORS[op](value, wanted)
    except TypeError:
        return False
