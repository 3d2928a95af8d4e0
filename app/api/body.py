"""Typed reads of JSON body properties: a wrong type or an unknown property is a 400 naming it, never ignored."""
from __future__ import annotations

from typing import Any, Optional

from app.errors import InvalidInput


def refuse_unknown(body: dict[str, Any], known: set[str]) -> None:
    """Refuse properties this service does not implement instead of silently ignoring them; no tenants here."""
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidInput(f"unsupported properties: {', '.join(unknown)}")
    if body.get("tenantId") is not None:
        raise InvalidInput("tenantId is not supported: this engine has no tenants")
    flag(body, "withoutTenantId")


def flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false")
    return value


def text(body: dict[str, Any], name: str) -> Optional[str]:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string")
    return value


def texts(body: dict[str, Any], name: str) -> list[str]:
    """A list of strings; absent or null is empty. An empty list is allowed: here it selects, not filters."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"{name} must be a list of strings")
    return value
