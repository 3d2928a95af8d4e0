"""What each person chooses for themselves: the language and time zone the pages use."""
from __future__ import annotations

from typing import Optional
from zoneinfo import available_timezones

from app.db import UnitOfWork
from app.errors import InvalidInput, NotFound
from app.models import User
from app.services.users import Principal

LANGUAGES = ("zh", "en")


def check_language(language: Optional[str]) -> Optional[str]:
    """One of the offered languages, or None to follow the browser."""
    if language in (None, ""):
        return None
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    return language


def check_time_zone(time_zone: str) -> str:
    if time_zone not in available_timezones():
        raise InvalidInput(f"unknown time zone {time_zone!r} (use an IANA name such as Asia/Shanghai)")
    return time_zone


def set_language(uow: UnitOfWork, actor: Principal, language: Optional[str]) -> None:
    """Remember the person's language, so every page and mail uses it from now on."""
    language = check_language(language)
    with uow:
        user = uow.session.get(User, actor.id)
        if user is None:
            raise NotFound(f"user {actor.id} does not exist")
        user.language = language
        uow.commit()
