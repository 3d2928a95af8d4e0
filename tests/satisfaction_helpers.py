"""Shared by the satisfaction survey tests: closed tickets inserted as Flow 1 would leave them, campaigns, answers."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.db import Database, UnitOfWork
from app.domain import Ticket
from app.store import database

SHANGHAI = ZoneInfo("Asia/Shanghai")
CAMPAIGN = "satisfaction_survey"
ALL_FIVES = {"technical": 5, "response": 5, "resolution": 5, "attitude": 5, "communication": 5}


def campaign_form(**overrides: Any) -> dict[str, Any]:
    """The start form as the service department fills it in: November, answers until 10 December."""
    values = {"campaign_title": "2026年11月客户满意度调查", "period_start": "2026-11-01", "period_end": "2026-11-30",
              "closes_on": "2026-12-10", "audience": "closed_tickets"}
    values.update(overrides)
    return values


def close_tickets(app, *tickets: tuple[str, Optional[str], datetime]) -> list[str]:
    """Insert ``(number, requester, closed_at)`` as closed ``ticket`` rows; returns their instance ids."""
    return close_tickets_in(database(app), *tickets)


def close_tickets_in(db: Database, *tickets: tuple[str, Optional[str], datetime]) -> list[str]:
    """``close_tickets`` on a database without an app (a service running in its own process)."""
    ids = []
    with UnitOfWork(db) as uow:
        for number, requester, closed_at in tickets:
            instance_id = str(uuid.uuid4())
            local = closed_at.astimezone(SHANGHAI)
            uow.session.add(Ticket(instance_id=instance_id, number=number, requester=requester, status="closed",
                                   requested_at=closed_at, requested_on=local.date(),
                                   requested_month=local.strftime("%Y-%m"), closed_at=closed_at))
            ids.append(instance_id)
        uow.commit()
    return ids


def rows(app, table, *conditions) -> list:
    with UnitOfWork(database(app), write=False) as uow:
        found = list(uow.session.scalars(select(table).where(*conditions)))
        uow.session.expunge_all()
        return found


def november(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=SHANGHAI)


def day(text: str) -> date:
    return date.fromisoformat(text)
