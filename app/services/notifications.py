"""Notifications: who is told (fan-out at the step), in which language, and each person's in-app list.

A handler's notification is addressed to a group or to one person. In the step's
own transaction it becomes one delivery row per active recipient and channel —
``app`` (the in-app list, delivered at once), ``mail`` (for people with an
e-mail address) — plus one ``webhook`` row where ``WEBHOOK_URL`` is set, so
nothing asked for can be lost and the relay (``app.services.relay``) sends them
later, outside the step. Without a webhook address no row waits for one.

Subject and body are English msgids with ``%(name)s`` parameters; they are
rendered for each reader in their own language (their choice, else Chinese),
at delivery and on the page, never stored translated.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update

import handlers
from app import clock, links
from app.db import UnitOfWork
from app.errors import NotFound
from app.models import HumanTask, Membership, Notification, NotificationDelivery, ProcessInstance, User
from app.services.users import Principal
from app.texts import N_

APP, MAIL, WEBHOOK = "app", "mail", "webhook"
WEBHOOK_RECIPIENT = "*"
DEFAULT_LANGUAGE = "zh"
LIST_LIMIT = 200


@dataclass(frozen=True)
class InAppNotification:
    """One line of a person's list, already in the reader's language."""

    id: int
    subject: str
    body: str
    created_at: datetime
    read: bool


def queue(uow: UnitOfWork, instance_id: Optional[str], note: handlers.Notification) -> Notification:
    """Store a handler's notification and its deliveries in the caller's (the step's) transaction."""
    row = Notification(instance_id=instance_id, group_id=note.group, user_id=note.user, subject=note.subject,
                       body=note.body, params=dict(note.params))
    uow.session.add(row)
    uow.session.flush()
    now = clock.now()
    for user_id, email in _recipients(uow, note.group, note.user):
        uow.session.add(NotificationDelivery(notification_id=row.id, recipient=user_id, channel=APP,
                                             sent_at=now, next_try_at=now))
        if email:
            uow.session.add(NotificationDelivery(notification_id=row.id, recipient=user_id, channel=MAIL,
                                                 next_try_at=now))
    if _webhook_configured():
        uow.session.add(NotificationDelivery(notification_id=row.id, recipient=WEBHOOK_RECIPIENT, channel=WEBHOOK,
                                             next_try_at=now))
    return row


def _webhook_configured() -> bool:
    """A webhook address is set (its secret may follow: the rows wait for the relay until it does)."""
    return has_app_context() and bool(current_app.config.get("WEBHOOK_URL"))


def tell_assignee(uow: UnitOfWork, task: HumanTask, actor: str) -> None:
    """Someone handed a task to another person, who is told; taking a task oneself is no news."""
    if task.assignee is None or task.assignee == actor:
        return
    ticket = uow.session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == task.instance_id))
    queue(uow, task.instance_id, handlers.Notification(
        None, N_("Task assigned to you: %(task)s"), N_("Ticket: %(ticket)s\nAssigned by: %(actor)s\nOpen: %(link)s"),
        {"task": task.name, "ticket": ticket or task.instance_id, "actor": actor, "link": f"/tasks/{task.id}"},
        user=task.assignee))


def _recipients(uow: UnitOfWork, group: Optional[str], user: Optional[str]) -> list[tuple[str, Optional[str]]]:
    """Active members of the group, or the one active person, with their e-mail addresses."""
    query = select(User.id, User.email).where(User.active.is_(True))
    if user is not None:
        query = query.where(User.id == user)
    else:
        query = query.join(Membership, Membership.user_id == User.id).where(Membership.group_id == group)
    return [(user_id, email) for user_id, email in uow.session.execute(query.order_by(User.id))]


def render(note: Notification, language: Optional[str], site: Optional[str] = None) -> tuple[str, str]:
    """Subject and body in ``language`` (None: the current one); text stored before translation stays as is.

    With ``site`` (the relay's ``SITE_URL``) every link parameter becomes an absolute address, since a mail
    or a webhook is read outside the site; the in-app list keeps the site's own paths.
    """
    if note.params is None:
        return note.subject, note.body
    params = links.absolute_params(site, note.params) if site else note.params
    if language is None:
        return _fill(note.subject, params), _fill(note.body, params)
    with force_locale(language):
        return _fill(note.subject, params), _fill(note.body, params)


def _fill(msgid: str, params: dict) -> str:
    text = gettext(msgid)
    return text % params if params else text


def language_of(user: Optional[User]) -> str:
    """The language a person reads notifications in: their own choice, else Chinese as the desk works."""
    return (user.language if user is not None else None) or DEFAULT_LANGUAGE


def list_for(uow: UnitOfWork, principal: Principal) -> list[InAppNotification]:
    """The person's own notifications, newest first, in the current language."""
    with uow:
        rows = uow.session.execute(
            select(NotificationDelivery.id, NotificationDelivery.read_at, Notification)
            .join(Notification, Notification.id == NotificationDelivery.notification_id)
            .where(NotificationDelivery.recipient == principal.id, NotificationDelivery.channel == APP)
            .order_by(NotificationDelivery.notification_id.desc()).limit(LIST_LIMIT)).all()
        return [InAppNotification(delivery_id, *render(note, None), note.created_at, read_at is not None)
                for delivery_id, read_at, note in rows]


def unread_count(uow: UnitOfWork, principal: Principal) -> int:
    """One COUNT over the person's slice of the in-app index: cheap enough for every page's top bar."""
    with uow:
        return uow.session.scalar(
            select(func.count()).select_from(NotificationDelivery)
            .where(NotificationDelivery.recipient == principal.id, NotificationDelivery.channel == APP,
                   NotificationDelivery.read_at.is_(None))) or 0


def mark_read(uow: UnitOfWork, principal: Principal, delivery_id: Optional[int] = None) -> int:
    """Mark one (or, without an id, every) unread notification of the person as read.

    Someone else's notification is not found rather than forbidden, so ids reveal nothing.
    """
    conditions = [NotificationDelivery.recipient == principal.id, NotificationDelivery.channel == APP]
    if delivery_id is not None:
        conditions.append(NotificationDelivery.id == delivery_id)
    with uow:
        if delivery_id is not None and uow.session.scalar(select(NotificationDelivery.id).where(*conditions)) is None:
            raise NotFound("no such notification")
        changed = uow.session.execute(update(NotificationDelivery)
                                      .where(*conditions, NotificationDelivery.read_at.is_(None))
                                      .values(read_at=clock.now())).rowcount
        uow.commit()
        return changed
