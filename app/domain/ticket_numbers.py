"""The counter behind readable ticket numbers (SD-20261130-0007): one row per calendar day."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base


class TicketCounter(Base):
    """How many numbers a day has handed out in a series; ``day`` is YYYYMMDD in the desk's time zone,
    prefixed by the series for every series but tickets (``TS20261201`` for complaints)."""

    __tablename__ = "ticket_counter"
    day: Mapped[str] = mapped_column(String(16), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
