"""Ticket numbers people can read out on the phone: SD-<day>-<sequence>, e.g. SD-20261130-0007.

The sequence restarts every day (in the desk's time zone). Drawing a number is one
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
TIME_ZONE = ZoneInfo("Asia/Shanghai")


def next_ticket_number(uow: UnitOfWork, at: Optional[datetime] = None) -> str:
    """Draw the next number of the day of ``at`` (default now); the caller's transaction keeps it."""
    day = (at or clock.now()).astimezone(TIME_ZONE).strftime("%Y%m%d")
    dialect = uow.session.get_bind().dialect.name
    sequence = uow.session.execute(_draw(dialect), {"day": day}).scalar_one()
    return f"{PREFIX}-{day}-{sequence:04d}"


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
