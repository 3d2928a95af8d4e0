"""How the inbox says things: labels, the SLA badge, and rows ready to print.

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

from app import clock, sla
from app.services.case_identity import Case
from app.services.inbox import InboxRow
from app.web.i18n import translated
from app.web.case_words import case_title
from app.web.ticket_words import VALUE_WORDS

#: amber once less than this share of the clock's window is left (or, without a window, less than an hour)
AMBER_SHARE = 0.25
AMBER_WITHOUT_WINDOW = timedelta(hours=1)

TAB_LABELS = {"mine": _l("Mine"), "groups": _l("My groups"), "all": _l("All")}
# the words the ticket view uses for the same coded values, so both pages read alike
PRIORITY_LABELS = VALUE_WORDS["priority"]
CATEGORY_LABELS = VALUE_WORDS["category"]
FIELD_LABELS = {"tab": _l("list"), "priority": _l("priority"), "category": _l("category"), "process": _l("process"),
                "group": _l("group"), "text": _l("search text"), "page": _l("page")}
# the three SLA clocks (response until the first answer, then resolution, then the desk's close) and their states
CLOCK_LABELS = {"response": _l("Response SLA"), "resolution": _l("Resolution SLA"), "close": _l("Close deadline")}
STATE_LABELS = {"running": _l("running"), "paused": _l("paused"), "breached": _l("breached")}
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
        self.due = _("due %(time)s")
        self.clocks = {name: str(label) for name, label in CLOCK_LABELS.items()}
        self.states = {name: str(label) for name, label in STATE_LABELS.items()}
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


def sla_badge(name: Optional[str], state: Optional[str], due: Optional[datetime], started: Optional[datetime],
              words: PageWords) -> Optional[dict[str, str]]:
    """The badge of the clock that matters now: green, amber when little time is left, red once past,
    grey while paused; None without a clock. Its text reads "Resolution SLA: 2 h left"."""
    if name is None or due is None:
        return None
    state = sla.state_at(state or "running", due, words.now)
    left = due - words.now
    title = f"{words.clocks[name]} · {words.states[state]} · {words.due % {'time': words.when(due)}}"
    if state == "paused":
        return {"css": "badge-sla-paused", "text": f"{words.clocks[name]}: {words.states[state]}",
                "title": title, "state": state}
    if state == "breached":
        overdue = words.overdue % {"time": words.duration(-left)} if left < timedelta(0) else words.states[state]
        return {"css": "badge-sla-red", "text": f"{words.clocks[name]}: {overdue}", "title": title, "state": state}
    window = due - started if started and started < due else None
    little = left < window * AMBER_SHARE if window else left < AMBER_WITHOUT_WINDOW
    return {"css": "badge-sla-amber" if little else "badge-sla-ok",
            "text": f"{words.clocks[name]}: {words.left % {'time': words.duration(left)}}", "title": title,
            "state": state}


def clock_badge(shown: Optional[sla.Clock]) -> Optional[dict[str, str]]:
    """The same badge for one ticket's clock (the ticket page and the task page), read at the service's now."""
    if shown is None:
        return None
    return sla_badge(shown.name, shown.state, shown.due, shown.started, PageWords(clock.now()))


def _case_name(row: InboxRow) -> Optional[str]:
    """A case that is no ticket by its name (第49周周调查, 投诉 TS-…); None where the number says it all."""
    named = row.case_subject or (row.case_kind == "complaint" and row.ticket != row.instance_id[:8])
    if row.case_kind in (None, "ticket", "other") or not named:
        return None
    return case_title(Case(row.case_kind, row.ticket, row.case_subject, row.case_detail, None, ""))


def shown_row(row: InboxRow, words: PageWords) -> dict[str, Any]:
    """What the template prints of a row, every word already in the reader's language."""
    due = row.due_at or row.response_due_at
    return {"row": row, "url": task_url(row.task_id), "task_name": words.task_name(row.task_name),
            "case": _case_name(row),
            "priority": PRIORITY_LABELS.get(row.priority_word or ""),
            "sla": sla_badge(row.sla_clock, row.sla_state, row.sla_due_at, row.sla_started_at, words),
            "created": words.when(row.created_at), "due": words.due % {"time": words.when(due)} if due else None}
