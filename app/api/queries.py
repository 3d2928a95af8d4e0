"""Query filters of the list endpoints, typed once, from query parameters (GET) or a JSON body (POST).

Each list declares its filters as ``{camunda name: (service field, kind)}``. A parameter the list does
not declare is a 400 naming it: a client asking for a filter this service lacks must learn so, rather
than receive every row as if the filter had matched. GET takes lists comma-separated (Camunda's
``…In`` parameters), POST takes JSON arrays; booleans are ``true``/``false`` only, in both.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from flask import request

from app.api import PAGING_ARGS, check_args, parse_bool, parse_int
from app.errors import InvalidInput
from app.values import parse_date

#: kind of each filter: "text", "list" (of text), "bool", "date", "int" (signed)
FilterSpec = Mapping[str, tuple[str, str]]
SORT_ARGS = frozenset({"sortBy", "sortOrder"})


def from_args(spec: FilterSpec, also_allowed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The declared filters present in the query string, typed; any other parameter is refused."""
    check_args(set(spec) | also_allowed)
    filters: dict[str, Any] = {}
    for name, (field, kind) in spec.items():
        raw = request.args.get(name)
        if raw is not None:
            filters[field] = _typed(name, kind, raw.split(",") if kind == "list" else raw)
    return filters


def from_body(spec: FilterSpec, body: dict[str, Any], also_allowed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The declared filters of a POST query body, typed; any other property is refused. A null counts as absent."""
    unknown = sorted(set(body) - set(spec) - also_allowed)
    if unknown:
        raise InvalidInput(f"unsupported query propert{'y' if len(unknown) == 1 else 'ies'}: {', '.join(unknown)}")
    filters: dict[str, Any] = {}
    for name, (field, kind) in spec.items():
        raw = body.get(name)
        if raw is not None:
            if kind == "list" and not isinstance(raw, list):
                raise InvalidInput(f"{name} must be a list of strings")
            filters[field] = _typed(name, kind, raw)
    return filters


def _typed(name: str, kind: str, raw: Any) -> Any:
    if kind == "bool":
        return parse_bool(name, raw)
    if kind == "int":
        return parse_int(name, raw, minimum=-(2 ** 31))
    if kind == "list":
        if not all(isinstance(item, str) for item in raw):
            raise InvalidInput(f"{name} must be a list of strings")
        items = [item.strip() for item in raw if item.strip()]
        if not items:
            raise InvalidInput(f"{name} must name at least one value")
        return items
    if not isinstance(raw, str):
        raise InvalidInput(f"{name} must be a string")
    if kind == "date":
        return _date(name, raw)
    return raw


def _date(name: str, raw: str) -> datetime:
    try:
        return parse_date(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2026-11-24T10:00:00.000+0000, not {raw!r}") from None


def sort_pair(sort_by: Any, sort_order: Any) -> tuple[tuple[str, str], ...]:
    """Camunda refuses one of sortBy/sortOrder without the other rather than guess a default."""
    if sort_by is None and sort_order is None:
        return ()
    if sort_by is None or sort_order is None:
        raise InvalidInput("sortBy and sortOrder must be given together")
    if not isinstance(sort_by, str) or not isinstance(sort_order, str):
        raise InvalidInput("sortBy and sortOrder must be strings")
    return ((sort_by, sort_order),)


def args_sorting() -> tuple[tuple[str, str], ...]:
    return sort_pair(request.args.get("sortBy"), request.args.get("sortOrder"))


def body_sorting(sorting: Any) -> tuple[tuple[str, str], ...]:
    """Camunda's ``sorting`` list of ``{"sortBy", "sortOrder"}``, most significant first."""
    if sorting is None:
        return ()
    if not isinstance(sorting, list) or not all(isinstance(item, dict) for item in sorting):
        raise InvalidInput("sorting must be a list of {sortBy, sortOrder} objects")
    pairs: tuple[tuple[str, str], ...] = ()
    for item in sorting:
        pair = sort_pair(item.get("sortBy"), item.get("sortOrder"))
        if not pair:
            raise InvalidInput("each sorting entry needs sortBy and sortOrder")
        pairs += pair
    return pairs


LIST_ARGS = PAGING_ARGS | SORT_ARGS
