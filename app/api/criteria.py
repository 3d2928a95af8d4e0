"""Parsing Camunda list requests (GET query parameters or a POST query body) into criteria.

Every parameter must be one the list declares; anything else is a 400 naming
it, because a client that filters by a property this service does not know
would otherwise receive every row and believe they matched.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from flask import request

from app.api.queries import int_arg
from app.errors import InvalidInput
from app.services.criteria import DATE, FLAG, LIKE, SORT_ORDERS, TEXT, TEXTS, Criteria
from app.values import parse_date

_PAGING = ("firstResult", "maxResults")


def from_query(filters: Mapping[str, str], sort_keys: Sequence[str] = (), paged: bool = True,
               tolerated: Iterable[str] = ()) -> Criteria:
    """GET: filters, ``sortBy``/``sortOrder`` and the page from the query string.

    ``tolerated`` names parameters that are accepted and change nothing here
    (``deserializeValues``: values are JSON already).
    """
    allowed = set(filters) | set(tolerated) | (set(_PAGING) if paged else set())
    if sort_keys:
        allowed |= {"sortBy", "sortOrder"}
    _refuse_unknown(request.args.keys(), allowed, "query parameter")
    values: dict[str, Any] = {}
    for name, kind in filters.items():
        raw = request.args.get(name)
        if raw is not None:
            values[name] = _text_value(name, kind, raw)
    for name in tolerated:
        if name in request.args:
            _text_value(name, FLAG, request.args[name])
    sorting = _sort_pair(request.args.get("sortBy"), request.args.get("sortOrder"), sort_keys)
    return Criteria(values, sorting, *(_page() if paged else (0, None)))


def from_body(body: Mapping[str, Any], filters: Mapping[str, str], sort_keys: Sequence[str] = (),
              paged: bool = True, tolerated: Iterable[str] = ()) -> Criteria:
    """POST: filters and ``sorting`` from the JSON body, the page from the query string.

    A count takes the same body as its list (Camunda's clients send one query
    object to both), so ``sorting`` is accepted there and does not matter.
    """
    _refuse_unknown(request.args.keys(), set(_PAGING) if paged else set(), "query parameter")
    allowed = set(filters) | set(tolerated) | ({"sorting"} if sort_keys else set())
    _refuse_unknown(body.keys(), allowed, "property")
    values: dict[str, Any] = {}
    for name, kind in filters.items():
        if body.get(name) is not None:
            values[name] = _json_value(name, kind, body[name])
    for name in tolerated:
        if body.get(name) is not None:
            _json_value(name, FLAG, body[name])
    return Criteria(values, _body_sorting(body.get("sorting"), sort_keys), *(_page() if paged else (0, None)))


def _refuse_unknown(names: Iterable[str], allowed: set[str], what: str) -> None:
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise InvalidInput(f"unsupported {what}{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}")


def _page() -> tuple[int, Optional[int]]:
    limit = int_arg("maxResults", 0) if "maxResults" in request.args else None
    return int_arg("firstResult", 0), limit


def _text_value(name: str, kind: str, raw: str) -> Any:
    if kind in (TEXT, LIKE):
        return raw
    if kind == TEXTS:
        return [part for part in raw.split(",") if part]
    if kind == FLAG:
        if raw not in ("true", "false"):
            raise InvalidInput(f"query parameter {name} must be true or false")
        return raw == "true"
    return _date(name, raw)


def _json_value(name: str, kind: str, value: Any) -> Any:
    if kind in (TEXT, LIKE) and isinstance(value, str):
        return value
    if kind == TEXTS and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    if kind == FLAG and isinstance(value, bool):
        return value
    if kind == DATE and isinstance(value, str):
        return _date(name, value)
    expected = {TEXT: "a string", LIKE: "a string", TEXTS: "a list of strings", FLAG: "true or false",
                DATE: "a date string"}[kind]
    raise InvalidInput(f"{name} must be {expected}")


def _date(name: str, raw: str) -> Any:
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}") from None


def _sort_pair(sort_by: Any, sort_order: Any, sort_keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Camunda refuses one of sortBy/sortOrder without the other rather than guess."""
    if sort_by is None and sort_order is None:
        return ()
    if sort_by is None or sort_order is None:
        raise InvalidInput("sortBy and sortOrder must be given together")
    if sort_by not in sort_keys:
        raise InvalidInput(f"unsupported sortBy {sort_by!r}; supported: {', '.join(sort_keys)}")
    if sort_order not in SORT_ORDERS:
        raise InvalidInput(f"sortOrder must be asc or desc, not {sort_order!r}")
    return ((sort_by, sort_order),)


def _body_sorting(sorting: Any, sort_keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Camunda's ``sorting`` list of ``{"sortBy", "sortOrder"}``, most significant first."""
    if sorting is None:
        return ()
    if not isinstance(sorting, list) or not all(isinstance(item, dict) for item in sorting):
        raise InvalidInput("sorting must be a list of {sortBy, sortOrder} objects")
    pairs: tuple[tuple[str, str], ...] = ()
    for item in sorting:
        _refuse_unknown(item.keys(), {"sortBy", "sortOrder"}, "sorting property")
        pairs += _sort_pair(item.get("sortBy"), item.get("sortOrder"), sort_keys) or _missing_sort()
    return pairs


def _missing_sort() -> tuple[tuple[str, str], ...]:
    raise InvalidInput("each sorting entry needs sortBy and sortOrder")
