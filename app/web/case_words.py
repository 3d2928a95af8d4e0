"""How a case reads in the reader's language: its title, the page it links to, how it began and ended.

``app.services.case_identity`` says what an instance is; this module words it: 第48周周调查 or
"Weekly survey, week 48", 2026年11月月报 or "Monthly report, November 2026". A Flow-1 ticket keeps its
number and the ticket's words ("reported the problem"); a survey a timer started is not said to have
been reported by anyone.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from babel.dates import format_skeleton
from flask import url_for
from flask_babel import get_locale, gettext as _
from flask_babel import lazy_gettext as _l

from app.services.case_identity import Case
from app.web.i18n import translated
from app.web.ticket_words import VALUE_WORDS, actor_text, history_line

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

#: Each kind's own page, by endpoint and the name of the value ``Case.page`` fills in.
_PAGES = {"weekly_survey": ("weekly_survey.weekly", "week"), "monthly_report": ("reports.monthly_show", "month"),
          "service_review": ("reviews.show", "instance_id"), "satisfaction_survey": ("surveys.campaign", "instance_id"),
          "kb_article": ("kb.show", "article_id")}

#: How a case began, by kind, when someone started it; ``who`` is that person.
_STARTED = {"ticket": _l("%(who)s reported the problem"), "complaint": _l("%(who)s filed the complaint"),
            "service_review": _l("%(who)s asked for the service review"),
            "satisfaction_survey": _l("%(who)s opened the satisfaction survey"),
            "kb_article": _l("%(who)s began the knowledge article")}
#: History lines that name "the ticket", said of any other case without the word.
_CASE_LINES = {
    "variables_modified": _l("%(who)s changed the data"),
    "instance_suspended": _l("%(who)s suspended the process"),
    "instance_activated": _l("%(who)s resumed the process"),
    "instance_canceled": _l("%(who)s cancelled the process"),
    "instance_completed": _l("The process was completed"),
}


def case_title(case: Optional[Case]) -> str:
    """The name the case is known by; a ticket by its number."""
    if case is None or case.is_ticket:
        return case.number if case and case.number else _("Ticket without number")
    title = _TITLES.get(case.kind, _other_title)(case) if case.subject or case.kind == "complaint" else None
    return title or _other_title(case)


def _complaint(case: Case) -> Optional[str]:
    return _("Complaint %(number)s", number=case.number) if case.number else None


def _weekly_survey(case: Case) -> str:
    found = _WEEK.match(case.subject or "")
    if not found:
        return _("Weekly survey %(week)s", week=case.subject)
    return _("Weekly survey, week %(week)d of %(year)s", week=int(found.group(2)), year=found.group(1))


def _monthly_report(case: Case) -> str:
    found = _MONTH.match(case.subject or "")
    month = case.subject
    if found and 1 <= int(found.group(2)) <= 12:
        month = format_skeleton("yMMMM", date(int(found.group(1)), int(found.group(2)), 1), locale=get_locale())
    return _("Monthly report, %(month)s", month=month)


def _service_review(case: Case) -> str:
    kind = VALUE_WORDS["review_kind"].get(case.subject or "", case.subject)
    if case.detail:
        return _("Service review: %(kind)s · %(change)s", kind=kind, change=case.detail)
    return _("Service review: %(kind)s", kind=kind)


def _satisfaction_survey(case: Case) -> str:
    return _("Satisfaction survey: %(title)s", title=case.subject)


def _kb_article(case: Case) -> str:
    return _("Knowledge article: %(title)s", title=case.subject)


def _other_title(case: Case) -> str:
    name = translated(case.process_name)
    return f"{name} {case.number}" if case.number else name


_TITLES = {"complaint": _complaint, "weekly_survey": _weekly_survey, "monthly_report": _monthly_report,
           "service_review": _service_review, "satisfaction_survey": _satisfaction_survey, "kb_article": _kb_article}


def case_url(case: Optional[Case], instance_id: str) -> str:
    """The case's own page where it has one the reader may open, else the ticket view of the instance."""
    if case is not None and case.page and case.kind in _PAGES:
        endpoint, name = _PAGES[case.kind]
        return url_for(endpoint, **{name: int(case.page) if name == "article_id" else case.page})
    return url_for("tickets.show", instance_id=instance_id)


def case_history_line(entry: Any, case: Optional[Case]) -> str:
    """One history entry as a sentence in the words of its case: a survey is not "reported"."""
    return _case_line(entry, case, actor_text(entry)) or history_line(entry)


def _case_line(entry: Any, case: Optional[Case], who: str) -> Optional[str]:
    """The line in the words of a case that is not a ticket, or None where the common words fit."""
    if case is None or case.is_ticket:
        return None
    if entry.action == "instance_started":
        if entry.actor is None:
            return _("%(process)s started", process=translated(case.process_name))
        line = _STARTED.get(case.kind, _l("%(who)s started %(process)s"))
        return str(line) % {"who": who, "process": translated(case.process_name)}
    if entry.action == "instance_completed" and case.kind == "complaint":
        return _("The complaint was closed")
    line = _CASE_LINES.get(entry.action)
    return str(line) % {"who": who} if line is not None else None


FILTERS = {"case_title": case_title, "case_history_line": case_history_line}
GLOBALS = {"case_url": case_url}
