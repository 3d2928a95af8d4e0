"""Query criteria of the Camunda-shaped lists (history, users, groups, filters): filters, sort, page.

Each list declares the filters it understands (name → kind) and its sort keys;
the REST layer parses a request against that declaration and refuses anything
else by name, so a filter a client believes in is never silently ignored.
Services then turn the parsed criteria into SQL with the helpers here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence, TypeVar

from sqlalchemy import Select, and_

# kinds of filter values: text, text with % wildcards, a list of texts, true/false, a date, an integer
TEXT, LIKE, TEXTS, FLAG, DATE, INT = "text", "like", "texts", "flag", "date", "int"
SORT_ORDERS = ("asc", "desc")

T = TypeVar("T")


@dataclass(frozen=True)
class Criteria:
    """What the client asked for: ``limit`` None means every row, as Camunda returns without paging."""

    filters: Mapping[str, Any] = field(default_factory=dict)
    sorting: tuple[tuple[str, str], ...] = ()
    first: int = 0
    limit: Optional[int] = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.filters.get(name, default)

    def flag(self, name: str) -> bool:
        """Camunda's boolean filters act only when true: ``finished=false`` filters nothing."""
        return self.filters.get(name) is True


def where(stmt: Select, criteria: Criteria, columns: Mapping[str, Any], kinds: Mapping[str, str]) -> Select:
    """Apply every filter whose name maps to a column: equality, LIKE or IN by the filter's kind."""
    clauses = []
    for name, column in columns.items():
        value = criteria.get(name)
        if value is None:
            continue
        kind = kinds[name]
        if kind == LIKE:
            clauses.append(column.like(value))
        elif kind == TEXTS:
            clauses.append(column.in_(value))
        else:
            clauses.append(column == value)
    return stmt.where(and_(*clauses)) if clauses else stmt


def order_and_page(stmt: Select, criteria: Criteria, columns: Mapping[str, Any], tie: Sequence[Any]) -> Select:
    """The requested sort (keys already checked), then ``tie`` so pages never overlap, then the page."""
    order = [columns[key].desc() if direction == "desc" else columns[key].asc()
             for key, direction in criteria.sorting]
    stmt = stmt.order_by(*order, *tie).offset(criteria.first)
    return stmt.limit(criteria.limit) if criteria.limit is not None else stmt


def sort_and_page(items: list[T], criteria: Criteria, keys: Mapping[str, Callable[[T], Any]]) -> list[T]:
    """The same for rows built in Python (details expanded from the audit log); None sorts first."""
    for key, direction in reversed(criteria.sorting):
        items = sorted(items, key=lambda item: _nulls_first(keys[key](item)), reverse=direction == "desc")
    end = None if criteria.limit is None else criteria.first + criteria.limit
    return items[criteria.first:end]


def _nulls_first(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else 0)
