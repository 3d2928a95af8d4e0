"""The relay: sends pending notification deliveries (mail, webhook) outside any step's transaction.

A pass claims a batch of due deliveries with a lease (``claimed_by``,
``lease_until``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the writer lock on
SQLite), so two relays — threads or processes — never hold the same row. Each
delivery is then sent with no transaction open and marked in its own
transaction: sent right after the SMTP server (or webhook) accepted it, or
failed with one more attempt and the next try pushed out exponentially. A
relay that dies mid-batch leaves its claims to expire; another takes them over.

The one window for a duplicate: the process dies after the server accepted a
message and before the mark commits. The delivery is then sent again once its
lease ends (the same ``Message-ID``, so a receiver can drop it). Nothing is lost:
a failing delivery is retried, at most an hour apart, ``RELAY_MAX_ATTEMPTS`` times
in all; then it is given up, kept, and listed at ``/admin/outbox`` until an
administrator sends it again (``app.services.outbox``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Optional

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import or_, select, update

from app import clock, links, outbound
from app.db import UnitOfWork
from app.models import Notification, NotificationDelivery, User
from app.services.notifications import MAIL, WEBHOOK, language_of, render

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)  # longer than a batch can take: BATCH × the SMTP timeout
BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
WEBHOOK_LANGUAGES = ("zh", "en")
DEFAULT_MAX_ATTEMPTS = 10
_told: set[str] = set()


@dataclass(frozen=True)
class Claimed:
    """A delivery this relay holds, with what sending it needs (read in the claiming transaction)."""

    id: int
    channel: str
    note: Notification
    user: Optional[User]


def channels(settings: Mapping[str, Any]) -> list[str]:
    """The channels configured here; says once per process which are off and why."""
    enabled = []
    if settings.get("SMTP_HOST"):
        enabled.append(MAIL)
    else:
        _tell_once(MAIL, "SMTP_HOST is not set: e-mail notifications wait in the outbox (in-app list only)")
    if settings.get("WEBHOOK_URL") and settings.get("WEBHOOK_SECRET"):
        enabled.append(WEBHOOK)
    elif settings.get("WEBHOOK_URL"):
        _tell_once(WEBHOOK, "WEBHOOK_URL is set without WEBHOOK_SECRET: webhook notifications wait in the outbox")
    return enabled


def _tell_once(key: str, message: str) -> None:
    if key not in _told:
        _told.add(key)
        log.warning(message)


def deliver_pending(new_uow: Callable[..., UnitOfWork], settings: Mapping[str, Any], worker: str,
                    limit: int = BATCH) -> int:
    """One relay pass: claim, send, mark each. Returns how many were delivered. Needs an app context."""
    enabled = channels(settings)
    if not enabled:
        return 0
    delivered = 0
    for item in claim(new_uow(), enabled, worker, limit):
        try:
            _send(item, settings)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the delivery is retried later
            log.warning("notification delivery %s (%s) failed: %s", item.id, item.channel, exc)
            _mark_failed(new_uow(), item.id, worker, f"{type(exc).__name__}: {exc}",
                         int(settings.get("RELAY_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))
        else:
            _mark_sent(new_uow(), item.id, worker)
            delivered += 1
    return delivered


def claim(uow: UnitOfWork, enabled: list[str], worker: str, limit: int) -> list[Claimed]:
    """Take up to ``limit`` due deliveries that nobody holds (or whose holder's lease ran out)."""
    now = clock.now()
    with uow:
        query = (select(NotificationDelivery.id)
                 .where(NotificationDelivery.channel.in_(enabled), NotificationDelivery.sent_at.is_(None),
                        NotificationDelivery.given_up_at.is_(None), NotificationDelivery.next_try_at <= now,
                        or_(NotificationDelivery.lease_until.is_(None), NotificationDelivery.lease_until < now))
                 .order_by(NotificationDelivery.next_try_at, NotificationDelivery.id).limit(limit))
        if uow.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        ids = list(uow.session.scalars(query))
        if not ids:
            return []
        uow.session.execute(update(NotificationDelivery).where(NotificationDelivery.id.in_(ids))
                            .values(claimed_by=worker, lease_until=now + LEASE))
        rows = uow.session.execute(
            select(NotificationDelivery.id, NotificationDelivery.channel, Notification, User)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .outerjoin(User, User.id == NotificationDelivery.recipient)
            .where(NotificationDelivery.id.in_(ids)).order_by(NotificationDelivery.id)).all()
        uow.commit()
        return [Claimed(*row) for row in rows]


def _send(item: Claimed, settings: Mapping[str, Any]) -> None:
    site = links.site_url(settings)
    if item.channel == MAIL:
        if item.user is None or not item.user.email:
            raise ValueError("the recipient has no e-mail address")
        subject, body = render(item.note, language_of(item.user), site)
        outbound.send_mail(settings, item.user.email, item.user.display_name, subject, body,
                           f"<notification-{item.id}@servicedesk>")
    else:
        outbound.post_webhook(settings["WEBHOOK_URL"], settings["WEBHOOK_SECRET"], webhook_payload(item, site))


def webhook_payload(item: Claimed, site: str) -> dict[str, Any]:
    """What a webhook receives: the notification in both languages, its addressees, its ticket and its
    links (absolute from ``site``), so that a chat bot can offer a button as well as the text."""
    note = item.note
    texts = {language: render(note, language, site) for language in WEBHOOK_LANGUAGES}
    params = note.params or {}
    return {"delivery": item.id, "notification": note.id, "instance_id": note.instance_id,
            "group": note.group_id, "user": note.user_id, "created_at": note.created_at.isoformat(),
            "subject": {language: subject for language, (subject, _) in texts.items()},
            "body": {language: body for language, (_, body) in texts.items()},
            "links": {name: links.absolute(site, value) for name, value in params.items() if links.is_link(name)}}


def _mark_sent(uow: UnitOfWork, delivery_id: int, worker: str) -> None:
    with uow:
        uow.session.execute(update(NotificationDelivery)
                            .where(NotificationDelivery.id == delivery_id, NotificationDelivery.claimed_by == worker)
                            .values(sent_at=clock.now(), attempts=NotificationDelivery.attempts + 1,
                                    claimed_by=None, lease_until=None, last_error=None))
        uow.commit()


def _mark_failed(uow: UnitOfWork, delivery_id: int, worker: str, error: str, max_attempts: int) -> None:
    """One more failed attempt: tried again after the back-off, or given up at the last attempt."""
    with uow:
        row = uow.session.get(NotificationDelivery, delivery_id)
        if row is None or row.claimed_by != worker:
            return  # our lease ran out and another relay has it now
        row.attempts += 1
        now = clock.now()
        if row.attempts >= max_attempts:
            row.given_up_at = now
            log.warning("notification delivery %s (%s) given up after %s attempts", delivery_id, row.channel,
                        row.attempts)
        else:
            row.next_try_at = next_try(now, row.attempts)
        row.last_error = error[:2000]
        row.claimed_by = None
        row.lease_until = None
        uow.commit()


def next_try(now: datetime, attempts: int) -> datetime:
    """Exponential back-off: 30 s after the first failure, doubling, at most an hour apart."""
    return now + min(FIRST_RETRY * 2 ** (attempts - 1), LAST_RETRY)


# ------------------------------------------------------------------ the relay's clock in this process


def init_app(app: Flask) -> Optional[BackgroundScheduler]:
    """When this process runs the scheduler, relay the outbox every ``RELAY_POLL_SECONDS``."""
    if not app.config["SCHEDULER_ENABLED"]:
        return None
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(_safe_pass, "interval", seconds=app.config["RELAY_POLL_SECONDS"], args=[app],
                      id="deliver_notifications", max_instances=1, coalesce=True)
    scheduler.start()
    app.extensions["notification_relay"] = scheduler
    return scheduler


def _safe_pass(app: Flask) -> None:
    from app.store import database

    try:
        with app.app_context():
            db = database(app)
            deliver_pending(lambda write=True: UnitOfWork(db, write=write), app.config, app.config["WORKER_ID"])
    except Exception:  # noqa: BLE001 - a bad pass must not stop the relay
        log.exception("notification relay pass failed")
