"""Languages and time zones of the pages (flask-babel).

Chinese or English: the signed-in person's choice, else a cookie set by the
switch before sign-in, else what the browser asks for (Chinese by default, as
the desk works in Chinese). Times are shown in the person's time zone,
Asia/Shanghai unless they chose another.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from flask import Flask, request
from flask_babel import Babel, format_datetime, format_timedelta, get_locale
from flask_login import current_user

from app import clock
from app.services.preferences import LANGUAGES

LANGUAGE_COOKIE = "lang"
DEFAULT_LANGUAGE = "zh"
DEFAULT_TIME_ZONE = "Asia/Shanghai"

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_language, timezone_selector=select_time_zone,
                   default_locale=DEFAULT_LANGUAGE, default_timezone=DEFAULT_TIME_ZONE)
    app.jinja_env.filters["datetime"] = show_datetime
    app.jinja_env.filters["timeleft"] = show_time_left
    app.jinja_env.filters["model_text"] = translated  # task, activity and group names written in models
    app.jinja_env.globals["current_language"] = lambda: str(get_locale() or DEFAULT_LANGUAGE)
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES


def select_language() -> str:
    if current_user and current_user.is_authenticated and current_user.web_user.language in LANGUAGES:
        return current_user.web_user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_time_zone() -> str:
    if current_user and current_user.is_authenticated:
        return current_user.web_user.time_zone or DEFAULT_TIME_ZONE
    return DEFAULT_TIME_ZONE


def show_datetime(value: Optional[datetime], style: str = "medium") -> str:
    """A stored (UTC) time in the reader's zone and language; empty for none."""
    return format_datetime(value, style) if value else ""


def show_time_left(due: Optional[datetime], now: Optional[datetime] = None) -> str:
    """'in 2 hours' / '3 hours ago' in the reader's language."""
    if due is None:
        return ""
    delta: timedelta = due - (now or clock.now())
    return format_timedelta(delta, add_direction=True, threshold=1.1)


def group_label(group_id: Optional[str]) -> str:
    """A group's name in the reader's language: its name in ``STANDARD_GROUPS`` through the catalogs,
    so every page names a group alike; an unknown group reads as its id."""
    from app.services.users import STANDARD_GROUPS
    return str(translated(STANDARD_GROUPS.get(group_id, group_id))) if group_id else ""


def translated(text: Any) -> Any:
    """A model's own text (form label, task name) in the reader's language, through the same catalogs
    as the pages; text without a translation is shown as the owner wrote it."""
    from flask_babel import gettext
    return gettext(text) if isinstance(text, str) and text else text
