"""Sign-in sessions of the pages, kept on the server.

The browser's cookie holds only a random session id. A row per session lets
sign-out and deactivation end a session everywhere, and a new id is issued at
every sign-in, so an id planted before sign-in is worth nothing afterwards.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from sqlalchemy import delete, select

from app import clock
from app.db import UnitOfWork
from app.models import Membership, User, WebSession
from app.services import users
from app.services.users import Principal

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class WebUser:
    """The signed-in person as pages need them: who, which groups, and how to speak to them."""

    session_id: str
    principal: Principal
    display_name: str
    language: Optional[str]
    time_zone: str


def sign_in(uow: UnitOfWork, user_id: str, password: str, address: Optional[str]) -> str:
    """A new session id for correct credentials of an active user; Unauthorized otherwise."""
    # the slow hash check reads only: on SQLite it must not hold the writer lock
    users.authenticate(UnitOfWork(uow.db, write=False), user_id, password)
    session_id = secrets.token_urlsafe(32)
    with uow:
        uow.session.add(WebSession(id=session_id, user_id=user_id, address=(address or "")[:64],
                                   expires_at=clock.now() + SESSION_LIFETIME))
        uow.commit()
    return session_id


def load(uow: UnitOfWork, session_id: str) -> Optional[WebUser]:
    """The session's user, or None when it ended, expired or its user was deactivated."""
    with uow:
        row = uow.session.execute(
            select(WebSession.expires_at, User).join(User, User.id == WebSession.user_id)
            .where(WebSession.id == session_id)).first()
        if row is None or row[0] <= clock.now() or not row[1].active:
            return None
        user: User = row[1]
        groups = frozenset(uow.session.scalars(select(Membership.group_id).where(Membership.user_id == user.id)))
        return WebUser(session_id, Principal(user.id, groups), user.display_name, user.language, user.time_zone)


def sign_out(uow: UnitOfWork, session_id: str) -> None:
    with uow:
        uow.session.execute(delete(WebSession).where(WebSession.id == session_id))
        uow.commit()


def end_all(uow: UnitOfWork, user_id: str) -> None:
    """End every session of a user (deactivation, password reset)."""
    with uow:
        uow.session.execute(delete(WebSession).where(WebSession.user_id == user_id))
        uow.commit()
