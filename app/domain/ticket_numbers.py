"""The counter behind readable ticket numbers (SD-20261130-0007): one row per calendar day."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models import Base


class TicketCounter(Base):
    """How many ticket numbers a day has handed out; ``day`` is YYYYMMDD in the desk's time zone."""

    __tablename__ = "ticket_counter"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
