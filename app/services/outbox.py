"""The outbox an administrator sees: mails and webhooks not delivered yet, and the ones the relay gave up on.

The relay (``app.services.relay``) retries a failing delivery with back-off and
gives it up after ``RELAY_MAX_ATTEMPTS``: kept, never dropped, but no longer tried,
so that a dead address does not fail every hour forever. Here an administrator
sees why each is stuck and sends one again once the cause is fixed; that starts
a fresh round of attempts and is written to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import case, func, select

from app import clock
from app.db import UnitOfWork
from app.errors import Conflict, Forbidden, NotFound
from app.models import Notification, NotificationDelivery
from app.services.audit import audit
from app.services.notifications import MAIL, WEBHOOK, render
from app.services.users import ADMIN_GROUP, Principal

LIST_LIMIT = 200
OUTBOUND = (MAIL, WEBHOOK)


@dataclass(frozen=True)
class Undelivered:
    """One delivery that has not reached its receiver, with what the last attempt answered."""

    id: int
    channel: str
    recipient: str
    subject: str
    created_at: datetime
    attempts: int
    last_error: Optional[str]
    next_try_at: datetime
    given_up_at: Optional[datetime]


@dataclass(frozen=True)
class Outbox:
    """The listed deliveries (given up first, then the most tried) and how many there are in all."""

    items: list[Undelivered]
    total: int
    given_up: int


def _require_admin(actor: Principal) -> None:
    if ADMIN_GROUP not in actor.groups:
        raise Forbidden(f"user {actor.id} may not see the notification outbox (needs group {ADMIN_GROUP})")


def _pending():
    return (NotificationDelivery.channel.in_(OUTBOUND), NotificationDelivery.sent_at.is_(None))


def undelivered(uow: UnitOfWork, actor: Principal, limit: int = LIST_LIMIT) -> Outbox:
    """Mails and webhooks still to deliver, subjects in the reader's language; administrators only."""
    _require_admin(actor)
    with uow:
        rows = uow.session.execute(
            select(NotificationDelivery, Notification)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(*_pending())
            .order_by(NotificationDelivery.given_up_at.is_(None), NotificationDelivery.attempts.desc(),
                      NotificationDelivery.id.desc()).limit(limit)).all()
        total, given_up = uow.session.execute(
            select(func.count(), func.count(case((NotificationDelivery.given_up_at.is_not(None), 1))))
            .select_from(NotificationDelivery).where(*_pending())).one()
        return Outbox([Undelivered(row.id, row.channel, row.recipient, render(note, None)[0], row.created_at,
                                   row.attempts, row.last_error, row.next_try_at, row.given_up_at)
                       for row, note in rows], total, given_up)


def send_again(uow: UnitOfWork, actor: Principal, delivery_id: int) -> None:
    """Put an undelivered mail or webhook back in the relay's queue at once, with a fresh round of attempts.

    One a relay holds right now is refused (Conflict): its outcome is about to be
    written, and taking it back could send it twice.
    """
    _require_admin(actor)
    with uow:
        row = uow.session.scalar(select(NotificationDelivery).where(NotificationDelivery.id == delivery_id,
                                                                    *_pending()))
        if row is None:
            raise NotFound(f"no undelivered notification {delivery_id}")
        now = clock.now()
        if row.lease_until is not None and row.lease_until > now:
            raise Conflict(f"notification delivery {delivery_id} is being sent right now")
        audit(uow, None, actor.id, "notification.send_again",
              data={"delivery": row.id, "channel": row.channel, "recipient": row.recipient,
                    "attempts": row.attempts, "last_error": row.last_error,
                    "given_up_at": row.given_up_at.isoformat() if row.given_up_at else None})
        row.attempts, row.given_up_at, row.next_try_at = 0, None, now
        row.claimed_by, row.lease_until = None, None
        uow.commit()
