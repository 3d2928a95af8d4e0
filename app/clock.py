"""The service's one notion of "now", read by services, handlers, expressions and timers.

Everything that stamps or compares a time asks :func:`now` instead of the
system clock, so a test can move time with :func:`frozen` instead of sleeping,
and the working-day calendar (holidays, 调休, working hours) has one home.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterator


def _system_now() -> datetime:
    return datetime.now(timezone.utc)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current time as an aware UTC datetime."""
    return _source()


@contextmanager
def frozen(at: datetime) -> Iterator[Callable[[timedelta], None]]:
    """Hold the clock at ``at`` (aware) for the block; yields ``advance(delta)`` to move it on."""
    global _source
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    current = [at.astimezone(timezone.utc)]

    def advance(delta: timedelta) -> None:
        current[0] += delta

    previous, _source = _source, lambda: current[0]
    try:
        yield advance
    finally:
        _source = previous
