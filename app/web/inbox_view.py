"""How the inbox says things: labels, the response-deadline badge, and rows ready to print.

A page of 50 rows formats a hundred times and translates a hundred words; the
reader's language, time zone and every fixed phrase are looked up once per page
(``PageWords``), so that the rows cost string formatting, not context lookups.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from babel.dates import format_datetime, format_timedelta
from flask import current_app, url_for
from flask_babel import get_locale, get_timezone, gettext as _, lazy_gettext as _l

from app.services.inbox import InboxRow
from app.web.i18n import translated
from app.web.ticket_words import VALUE_WORDS

#: amber once less than this share of the response window is left (or, without a window, less than an hour)
AMBER_SHARE = 0.25
AMBER_WITHOUT_WINDOW = timedelta(hours=1)

TAB_LABELS = {"mine": _l("Mine"), "groups": _l("My groups"), "all": _l("All")}
# the words the ticket view uses for the same coded values, so both pages read alike
PRIORITY_LABELS = VALUE_WORDS["priority"]
CATEGORY_LABELS = VALUE_WORDS["category"]
FIELD_LABELS = {"tab": _l("list"), "priority": _l("priority"), "category": _l("category"), "process": _l("process"),
                "group": _l("group"), "text": _l("search text"), "page": _l("page")}
EMPTY = {"mine": _l("Nothing assigned to you. Take a task from “My groups” to start on it."),
         "groups": _l("Nothing waiting for your groups. New tasks appear here by themselves."),
         "all": _l("No open tasks anywhere.")}


def task_url(task_id: str) -> str:
    """The task page; its literal path until the task page's blueprint is registered."""
    if "tasks.show" in current_app.view_functions:
        return url_for("tasks.show", task_id=task_id)
    return f"/tasks/{task_id}"


class PageWords:
    """The reader's language, time zone and the fixed phrases of one page, looked up once."""

    def __init__(self, now: datetime):
        self.now = now
        self.locale = get_locale()
        self.zone = get_timezone()
        self.overdue, self.left = _("overdue %(time)s"), _("%(time)s left")
        self.due, self.respond_by = _("due %(time)s"), _("Respond by %(time)s")
        self.names: dict[str, str] = {}

    def when(self, value: datetime) -> str:
        return format_datetime(value, "short", tzinfo=self.zone, locale=self.locale)

    def duration(self, delta: timedelta) -> str:
        """A short duration ("35 min", "2 h"; "35分钟"), at least a minute."""
        return format_timedelta(max(delta, timedelta(minutes=1)), granularity="minute", threshold=1.5,
                                format="short", locale=self.locale)

    def task_name(self, name: str) -> str:
        if name not in self.names:
            self.names[name] = translated(name)
        return self.names[name]


def sla_badge(due: Optional[datetime], set_at: Optional[datetime], words: PageWords) -> Optional[dict[str, str]]:
    """The response-deadline badge: green, amber when little time is left, red once past; None without one."""
    if due is None:
        return None
    left = due - words.now
    title = words.respond_by % {"time": words.when(due)}
    if left <= timedelta(0):
        return {"css": "badge-sla-red", "text": words.overdue % {"time": words.duration(-left)}, "title": title}
    window = due - set_at if set_at and set_at < due else None
    little = left < window * AMBER_SHARE if window else left < AMBER_WITHOUT_WINDOW
    return {"css": "badge-sla-amber" if little else "badge-sla-ok",
            "text": words.left % {"time": words.duration(left)}, "title": title}


def shown_row(row: InboxRow, words: PageWords) -> dict[str, Any]:
    """What the template prints of a row, every word already in the reader's language."""
    due = row.due_at or row.response_due_at
    return {"row": row, "url": task_url(row.task_id), "task_name": words.task_name(row.task_name),
            "priority": PRIORITY_LABELS.get(row.priority_word or ""),
            "sla": sla_badge(row.response_due_at, row.response_set_at, words),
            "created": words.when(row.created_at), "due": words.due % {"time": words.when(due)} if due else None}
