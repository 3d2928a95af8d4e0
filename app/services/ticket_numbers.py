"""Numbers people can read out on the phone: SD-<day>-<sequence> for tickets, e.g. SD-20261130-0007,
TS-<day>-<sequence> for complaints (投诉).

The sequence restarts every day (in the desk's time zone), per series. Drawing a number is one
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the day's counter row, inside the caller's
transaction: on PostgreSQL the row lock orders concurrent starts, on SQLite the writer lock does,
and a start that fails rolls its number back, so numbers are unique and a refused report uses none.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam

from app import clock
from app.db import UnitOfWork
from app.domain.ticket_numbers import TicketCounter

PREFIX = "SD"
COMPLAINT_PREFIX = "TS"
TIME_ZONE = ZoneInfo("Asia/Shanghai")


def next_ticket_number(uow: UnitOfWork, at: Optional[datetime] = None) -> str:
    """Draw the next ticket number of the day of ``at`` (default now); the caller's transaction keeps it."""
    return _next_number(uow, PREFIX, at)


def next_complaint_number(uow: UnitOfWork, at: Optional[datetime] = None) -> str:
    """Draw the next complaint number of the day of ``at`` (default now)."""
    return _next_number(uow, COMPLAINT_PREFIX, at)


#: Processes whose instances are numbered whenever they start without a business key (a message start
#: from a step or from POST /message: a complaint, a ticket the weekly survey opens); the portal's report
#: numbers its tickets itself.
NUMBERED_PROCESSES = {"complaint_handling": COMPLAINT_PREFIX, "it_support_request": PREFIX}


def number_for(uow: UnitOfWork, process_key: str) -> Optional[str]:
    """A fresh number for an instance of ``process_key``, or None if that process is not numbered."""
    prefix = NUMBERED_PROCESSES.get(process_key)
    return _next_number(uow, prefix, None) if prefix else None


def _next_number(uow: UnitOfWork, prefix: str, at: Optional[datetime]) -> str:
    day = (at or clock.now()).astimezone(TIME_ZONE).strftime("%Y%m%d")
    # tickets keep the plain day as their counter key (the series they started with); others prefix it
    counter = day if prefix == PREFIX else f"{prefix}{day}"
    dialect = uow.session.get_bind().dialect.name
    sequence = uow.session.execute(_draw(dialect), {"day": counter}).scalar_one()
    return f"{prefix}-{day}-{sequence:04d}"


@functools.lru_cache(maxsize=None)
def _draw(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = TicketCounter.__table__
    statement = insert(table).values(day=bindparam("day"), last=1)
    return statement.on_conflict_do_update(index_elements=[table.c.day],
                                           set_={"last": table.c.last + 1}).returning(table.c.last)
