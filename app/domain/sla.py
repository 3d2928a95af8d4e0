"""SLA events of a ticket: when a deadline was set and when it was missed."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base, utcnow


class SlaEvent(Base):
    """One event on one SLA clock of one instance; ``kind`` is ``deadline_set`` or ``breached``."""

    __tablename__ = "sla_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    instance_id: Mapped[str] = mapped_column(String(36), index=True)
    business_key: Mapped[Optional[str]] = mapped_column(String(200))
    sla: Mapped[str] = mapped_column(String(40))        # "response", "close", ...
    kind: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[Optional[datetime]]
    at: Mapped[datetime] = mapped_column(default=utcnow)
