"""Camunda list requests, parsed one way for every list: filters, sorting, paging, typed parameters.

Each list declares its filters as ``{camunda name: kind}``, or ``{camunda name: (service field, kind)}``
when the service calls the filter by another name; the kinds are those of :mod:`app.services.criteria`.
GET reads them from the query string (lists comma-separated), POST from a JSON body (lists as arrays),
with one typing rule for both. A parameter or property the list does not declare is a 400 naming it:
a client asking for a filter this service lacks must learn so, rather than receive every row as if
the filter had matched. Booleans are ``true``/``false`` only; integers are Java ints, as in Camunda;
without ``maxResults`` a list is returned whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from flask import request

from app.errors import InvalidInput
from app.services.criteria import DATE, FLAG, INT, SORT_ORDERS, TEXTS, Criteria
from app.values import parse_date

Spec = Mapping[str, Union[str, tuple[str, str]]]
Sorting = tuple[tuple[str, str], ...]

#: Camunda's paging and integer parameters are Java ints; larger values are refused, not wrapped.
MAX_INT = 2 ** 31 - 1
PAGING_ARGS = frozenset({"firstResult", "maxResults"})
SORT_ARGS = frozenset({"sortBy", "sortOrder"})
LIST_ARGS = PAGING_ARGS | SORT_ARGS


# ------------------------------------------------------------------ names: refuse what is not declared
def refuse_unknown(names: Iterable[str], allowed: Iterable[str], what: str) -> None:
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise InvalidInput(f"unsupported {what}{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")


def check_args(allowed: Iterable[str] = ()) -> None:
    """Refuse query parameters an endpoint does not implement, so that no filter is silently ignored."""
    refuse_unknown(request.args.keys(), allowed, "query parameter")


def _refuse_unknown_properties(body: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidInput(f"unsupported propert{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}")


# ------------------------------------------------------------------ single values
def parse_int(name: str, raw: Any, minimum: int = 0) -> int:
    """An integer given as text (a query parameter) or as a JSON number (a body property)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise InvalidInput(f"{name} must be an integer")
    if isinstance(raw, str):
        if not _INTEGER.fullmatch(raw):
            raise InvalidInput(f"query parameter {name} must be an integer")
        raw = int(raw) if len(raw) <= 20 else (MAX_INT + 1 if raw[0] != "-" else minimum - 1)
    if raw < minimum:
        raise InvalidInput(f"{name} must be at least {minimum}" if minimum else f"{name} must not be negative")
    if raw > MAX_INT:
        raise InvalidInput(f"{name} must be at most {MAX_INT}")
    return raw


_INTEGER = re.compile(r"-?[0-9]+")


def int_arg(name: str, default: Optional[int], minimum: int = 0) -> Optional[int]:
    """An integer query parameter between ``minimum`` and :data:`MAX_INT`, or ``default`` when absent."""
    raw = request.args.get(name)
    return default if raw is None else parse_int(name, raw, minimum)


def parse_bool(name: str, raw: Any) -> bool:
    """One rule for booleans, whether they come as query text or as JSON: true/false (any case), nothing else."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise InvalidInput(f"{name} must be true or false")


def bool_arg(name: str, default: Optional[bool] = None) -> Optional[bool]:
    """A boolean query parameter, or ``default`` when absent."""
    raw = request.args.get(name)
    return default if raw is None else parse_bool(name, raw)


def _date(name: str, raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise InvalidInput(f"{name} must be a date string")
    try:
        return parse_date(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-11-24T10:00:00.000+0000, not {raw!r}") from None


def _typed(name: str, kind: str, raw: Any) -> Any:
    """A filter value of ``kind``; ``raw`` is query text, or already split (lists) or JSON (a body)."""
    if kind == FLAG:
        return parse_bool(name, raw)
    if kind == INT:
        return parse_int(name, raw, minimum=-(2 ** 31))
    if kind == DATE:
        return _date(name, raw)
    if kind == TEXTS:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise InvalidInput(f"{name} must be a list of strings")
        items = [item.strip() for item in raw if item.strip()]
        if not items:
            raise InvalidInput(f"{name} must name at least one value")
        return items
    if not isinstance(raw, str):
        raise InvalidInput(f"{name} must be a string")
    return raw


def _field_kind(name: str, declared: Union[str, tuple[str, str]]) -> tuple[str, str]:
    return (name, declared) if isinstance(declared, str) else declared


# ------------------------------------------------------------------ filters
def from_args(spec: Spec, also_allowed: Iterable[str] = ()) -> dict[str, Any]:
    """The declared filters present in the query string, typed, by service field; any other parameter is refused."""
    check_args(set(spec) | set(also_allowed))
    filters: dict[str, Any] = {}
    for name, declared in spec.items():
        field, kind = _field_kind(name, declared)
        raw = request.args.get(name)
        if raw is not None:
            filters[field] = _typed(name, kind, raw.split(",") if kind == TEXTS else raw)
    return filters


def from_body(spec: Spec, body: Mapping[str, Any], also_allowed: Iterable[str] = ()) -> dict[str, Any]:
    """The declared filters of a JSON body, typed, by service field; any other property is refused.

    A null counts as absent, as Camunda's JSON mapping does."""
    _refuse_unknown_properties(body, set(spec) | set(also_allowed))
    filters: dict[str, Any] = {}
    for name, declared in spec.items():
        field, kind = _field_kind(name, declared)
        if body.get(name) is not None:
            filters[field] = _typed(name, kind, body[name])
    return filters


# ------------------------------------------------------------------ sorting
def _sort_pair(sort_by: Any, sort_order: Any, keys: Sequence[str]) -> Sorting:
    """Camunda refuses one of sortBy/sortOrder without the other rather than guess a default."""
    if sort_by is None and sort_order is None:
        return ()
    if sort_by is None or sort_order is None:
        raise InvalidInput("sortBy and sortOrder must be given together")
    if sort_by not in keys:
        raise InvalidInput(f"unsupported sortBy {sort_by!r}; supported: {', '.join(keys)}")
    if sort_order not in SORT_ORDERS:
        raise InvalidInput(f"sortOrder must be asc or desc, not {sort_order!r}")
    return ((sort_by, sort_order),)


def args_sorting(keys: Sequence[str]) -> Sorting:
    """``sortBy``/``sortOrder`` of the query string, checked against the list's sort keys."""
    return _sort_pair(request.args.get("sortBy"), request.args.get("sortOrder"), keys)


def body_sorting(sorting: Any, keys: Sequence[str]) -> Sorting:
    """Camunda's ``sorting`` list of ``{"sortBy", "sortOrder"}``, most significant first."""
    if sorting is None:
        return ()
    if not isinstance(sorting, list) or not all(isinstance(item, dict) for item in sorting):
        raise InvalidInput("sorting must be a list of {sortBy, sortOrder} objects")
    pairs: Sorting = ()
    for item in sorting:
        refuse_unknown(item.keys(), SORT_ARGS, "sorting property")
        pair = _sort_pair(item.get("sortBy"), item.get("sortOrder"), keys)
        if not pair:
            raise InvalidInput("each sorting entry needs sortBy and sortOrder")
        pairs += pair
    return pairs


def one_sort(sorting: Sorting) -> tuple[Optional[str], bool]:
    """(sortBy, descending) for lists that sort by one key only; a second key is refused, not dropped."""
    if len(sorting) > 1:
        raise InvalidInput("this list sorts by one sortBy/sortOrder only")
    return (sorting[0][0], sorting[0][1] == "desc") if sorting else (None, False)


# ------------------------------------------------------------------ paging
@dataclass(frozen=True)
class Page:
    """``firstResult``/``maxResults``; without ``maxResults`` a list is returned whole, as Camunda does."""

    first: int = 0
    limit: Optional[int] = None

    def apply(self, rows: list) -> list:
        """Page a list already in memory (small lists: definitions, deployments)."""
        return rows[self.first:] if self.limit is None else rows[self.first:self.first + self.limit]


def paging() -> Page:
    """The page of the query string: 0 <= firstResult, maxResults <= 2^31-1."""
    return Page(int_arg("firstResult", 0) or 0, int_arg("maxResults", None))


# ------------------------------------------------------------------ criteria (lists the services filter by name)
def criteria(spec: Spec, sort_keys: Sequence[str] = (), paged: bool = True, tolerated: Iterable[str] = ()) -> Criteria:
    """GET: the filters, ``sortBy``/``sortOrder`` (when the list sorts) and the page (when it pages).

    ``tolerated`` names true/false parameters that are accepted and change nothing here
    (``deserializeValues``: values are JSON already)."""
    tolerated = tuple(tolerated)
    allowed = set(tolerated) | (PAGING_ARGS if paged else set()) | (SORT_ARGS if sort_keys else set())
    filters = from_args(spec, allowed)
    for name in tolerated:
        bool_arg(name)
    page = paging() if paged else Page()
    return Criteria(filters, args_sorting(sort_keys) if sort_keys else (), page.first, page.limit)


def body_criteria(body: Mapping[str, Any], spec: Spec, sort_keys: Sequence[str] = (), paged: bool = True,
                  tolerated: Iterable[str] = ()) -> Criteria:
    """POST: the filters and ``sorting`` from the JSON body, the page from the query string.

    A count takes the same body as its list (Camunda's clients send one query object to both), so
    ``sorting`` is accepted there and does not matter."""
    check_args(PAGING_ARGS if paged else ())
    tolerated = tuple(tolerated)
    filters = from_body(spec, body, {*tolerated, *(("sorting",) if sort_keys else ())})
    for name in tolerated:
        if body.get(name) is not None:
            parse_bool(name, body[name])
    page = paging() if paged else Page()
    return Criteria(filters, body_sorting(body.get("sorting"), sort_keys), page.first, page.limit)
