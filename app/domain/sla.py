"""SLA events of a ticket: every change of its response, resolution and close clocks.

Reports (SLA compliance, resolution time, closing within 2 working days) are computed from these
rows, so each clock's whole life is here: set, paused (with why), resumed, stopped, breached.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow


class SlaEvent(Base):
    """One event on one SLA clock of one instance.

    ``kind``: ``deadline_set`` (also after a priority change), ``paused`` / ``resumed`` (``reason``
    vendor, requester or completion; ``deadline`` is the one in force after the event), ``stopped``
    (the clock ended: first response, ticket closed) or ``breached``.
    """

    __tablename__ = "sla_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    business_key: Mapped[Optional[str]] = mapped_column(String(200))
    sla: Mapped[str] = mapped_column(String(40))        # "response", "close", ...
    kind: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[Optional[datetime]]
    reason: Mapped[Optional[str]] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
