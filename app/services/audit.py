"""The audit trail and the JSON form of variables that projections and the trail store."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping, Optional

from app import clock
from app.db import UnitOfWork


def audit(uow: UnitOfWork, instance_id: Optional[str], actor: Optional[str], action: str,
          activity_id: Optional[str] = None, task_id: Optional[str] = None,
          data: Optional[dict] = None) -> None:
    """Append to the audit log; the rows are written with the unit of work's commit."""
    uow.audit_rows.append({"instance_id": instance_id, "at": clock.now(), "actor": actor, "action": action,
                           "activity_id": activity_id, "task_id": task_id, "data": data or {}})


def jsonable(value: Any) -> Any:
    """Variables as JSON for projections: datetimes become ISO strings, unknown objects their repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def variable_types(values: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, Any]:
    """The ``process_instance.variable_types`` marker for ``values`` (the workflow's live variables).

    The JSON column holds a date as ISO text and a JSON-serialized Object as plain JSON, which would
    read back as a String and a Json. The workflow itself keeps real datetimes (sandboxed expressions
    compare them), so Date entries are derived from it on every step; an Object's ``valueInfo`` exists
    only in the request that sent it, so it is carried over from ``previous`` for as long as the
    variable still holds an object or array.
    """
    types: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, (datetime, date)):
            types[name] = {"type": "Date"}
        elif isinstance(value, (dict, list)) and previous.get(name, {}).get("type") == "Object":
            types[name] = previous[name]
    return types


def retyped(previous: Mapping[str, Any], sent: Mapping[str, Any], object_info: Mapping[str, dict]) -> dict[str, Any]:
    """``previous`` after a request set the variables ``sent``, of which ``object_info`` were Objects."""
    types = {name: marker for name, marker in previous.items() if name not in sent}
    types.update({name: {"type": "Object", "valueInfo": dict(info)} for name, info in object_info.items()
                  if name in sent})
    return types
