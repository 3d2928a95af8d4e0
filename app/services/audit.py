"""The audit trail and the JSON form of variables that projections and the trail store."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

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
