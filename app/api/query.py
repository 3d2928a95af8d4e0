"""Query parameters of the read endpoints: known names only, true/false booleans, checked paging.

A Camunda client that sends a filter this service does not implement must hear
so (400 naming it) instead of getting every row back as if it had matched.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import request

from app.api.queries import int_arg
from app.errors import InvalidInput

PAGING = ("firstResult", "maxResults")
_MAX_INT = 2 ** 31 - 1


def only(*allowed: str) -> None:
    """Refuse any query parameter not in ``allowed``."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise InvalidInput(f"unsupported query parameter(s): {', '.join(unknown)}")


def flag(name: str, source: Optional[dict[str, Any]] = None) -> Optional[bool]:
    """A boolean from the query (text ``true``/``false``) or a JSON body (true/false); None when absent."""
    if source is not None:
        value = source.get(name)
        if value is not None and not isinstance(value, bool):
            raise InvalidInput(f"{name} must be true or false")
        return value
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in ("true", "false"):
        raise InvalidInput(f"query parameter {name} must be true or false")
    return raw == "true"


def text(name: str, source: Optional[dict[str, Any]] = None) -> Optional[str]:
    """A string filter from the query or a JSON body."""
    value = request.args.get(name) if source is None else source.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    return value


def text_list(name: str, source: Optional[dict[str, Any]] = None) -> list[str]:
    """Camunda's ``…In`` filters: comma-separated in a query, a JSON array of strings in a body."""
    if source is None:
        raw = request.args.get(name)
        return [part for part in raw.split(",") if part] if raw else []
    value = source.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name} must be a list of strings")
    return value


def paging() -> tuple[int, Optional[int]]:
    """firstResult and maxResults (None: everything, as Camunda returns without paging)."""
    first = int_arg("firstResult", 0)
    limit = int_arg("maxResults", -1) if "maxResults" in request.args else None
    for name, value in (("firstResult", first), ("maxResults", limit)):
        if value is not None and value > _MAX_INT:
            raise InvalidInput(f"query parameter {name} must not exceed {_MAX_INT}")
    return first, limit


def sorting(allowed: tuple[str, ...]) -> tuple[Optional[str], bool]:
    """sortBy and sortOrder (asc/desc), given together or not at all; returns (sortBy, descending)."""
    sort_by, order = request.args.get("sortBy"), request.args.get("sortOrder")
    if sort_by is None and order is None:
        return None, False
    if sort_by is None or order is None:
        raise InvalidInput("sortBy and sortOrder must be given together")
    if sort_by not in allowed:
        raise InvalidInput(f"sortBy {sort_by!r} is not supported (use {', '.join(allowed)})")
    if order not in ("asc", "desc"):
        raise InvalidInput("sortOrder must be asc or desc")
    return sort_by, order == "desc"
