"""How the service figures read on the reports pages, the printable report and the XLSX download.

One list of columns and one way to write a value, so a figure is named and rounded alike
wherever it appears. A rate without a denominator (no closed ticket, no deadline) is ``None``
in the figures and reads "—", never 0 %.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from flask_babel import format_decimal, format_percent, gettext as _
from flask_babel import lazy_gettext as _l

from app.web.i18n import group_label
from app.web.ticket_words import VALUE_WORDS

NONE = "—"


@dataclass(frozen=True)
class Column:
    """One figure: where it is in a figures dict (``path``), its label, and how it is written."""

    path: tuple[str, ...]
    label: Any
    kind: str  # "count", "rate" (0..1), "score" (mean rating 1–5) or "days"

    def value(self, figures: dict[str, Any]) -> Any:
        for part in self.path:
            if not isinstance(figures, dict):
                return None
            figures = figures.get(part)
        return figures


TICKET_COLUMNS = (
    Column(("tickets",), _l("Tickets"), "count"),
    Column(("closed",), _l("Closed"), "count"),
    Column(("first_contact_resolution_rate",), _l("First-contact resolution rate"), "rate"),
    Column(("escalation_rate",), _l("Escalation rate"), "rate"),
    Column(("reopen_rate",), _l("Reopen rate"), "rate"),
    Column(("response_sla_compliance",), _l("Response SLA met"), "rate"),
    Column(("closed_within_2_working_days_rate",), _l("Closed within 2 working days"), "rate"),
    Column(("satisfaction", "attitude"), _l("Attitude"), "score"),
    Column(("satisfaction", "speed"), _l("Speed"), "score"),
    Column(("satisfaction", "effect"), _l("Effect"), "score"),
)
COMPLAINT_COLUMNS = (
    Column(("complaints", "count"), _l("Complaints recorded"), "count"),
    Column(("complaints", "overdue"), _l("Complaints overdue"), "count"),
    Column(("complaints", "mean_days_to_close"), _l("Mean days to close a complaint"), "days"),
)
HEADLINE = TICKET_COLUMNS + COMPLAINT_COLUMNS

#: What the satisfaction questionnaires of the month say (Flow 5 and callback sampling), kept with a
#: monthly report under ``satisfaction_survey``; reports compiled before it existed have none.
SURVEY_COLUMNS = (
    Column(("satisfaction_survey", "responses"), _l("Questionnaires answered"), "count"),
    Column(("satisfaction_survey", "means", "technical"), _l("Technical ability"), "score"),
    Column(("satisfaction_survey", "means", "response"), _l("Timely response"), "score"),
    Column(("satisfaction_survey", "means", "resolution"), _l("Timely resolution"), "score"),
    Column(("satisfaction_survey", "means", "attitude"), _l("Service attitude"), "score"),
    Column(("satisfaction_survey", "means", "communication"), _l("Communication"), "score"),
    Column(("satisfaction_survey", "callback_samples"), _l("Closed tickets sampled for a follow-up survey"), "count"),
    Column(("satisfaction_survey", "actions", "open"), _l("Improvement actions open"), "count"),
    Column(("satisfaction_survey", "actions", "done"), _l("Improvement actions done"), "count"),
)

#: The breakdowns in reading order, with their headings; the month breakdown also counts complaints.
BREAKDOWNS = (("priority", _l("By priority")), ("group", _l("By tier-1 group")),
              ("engineer", _l("By engineer")), ("month", _l("By month")))
BREAKDOWN_KEYS = {"priority": _l("Priority"), "group": _l("Tier-1 group"), "engineer": _l("Engineer"),
                  "month": _l("Month")}
_PRIORITY_ORDER = ("urgent", "important", "normal")


def columns_of(breakdown: str) -> tuple[Column, ...]:
    return TICKET_COLUMNS + COMPLAINT_COLUMNS if breakdown == "month" else TICKET_COLUMNS


def shown(column: Column, value: Any) -> str:
    """A value as the page writes it: 83.3%, 4.50, 1.5 — or "—" when there is nothing to count."""
    if value is None:
        return NONE
    if column.kind == "rate":
        return format_percent(value, "#,##0.0%")
    if column.kind in ("score", "days"):
        return format_decimal(value, "#,##0.00" if column.kind == "score" else "#,##0.0")
    return format_decimal(value, "#,##0")


def rows_of(figures: dict[str, Any], breakdown: str, names: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The breakdown's entries in reading order, each with the name pages give it."""
    entries: dict[str, Any] = (figures.get("breakdown") or {}).get(breakdown) or {}
    if breakdown == "priority":
        keys = [k for k in _PRIORITY_ORDER if k in entries] + sorted(k for k in entries if k not in _PRIORITY_ORDER)
    else:
        keys = sorted(entries)
    for key in keys:
        yield row_label(breakdown, key, names), entries[key]


def row_label(breakdown: str, key: Optional[str], names: dict[str, str]) -> str:
    if key in (None, "", "None"):
        return _("(none)")
    if breakdown == "priority":
        return str(VALUE_WORDS["priority"].get(key, key))
    if breakdown == "group":
        return group_label(key)
    if breakdown == "engineer":
        return names.get(key, key)
    return key


def chart_data(figures: dict[str, Any]) -> dict[str, Any]:
    """What ``static/js/reports.js`` draws: per month tickets/closed and the rates (as percentages), and the
    satisfaction per tier-1 group; labels already in the reader's language."""
    months = sorted(((figures.get("breakdown") or {}).get("month") or {}).items())
    groups = list(rows_of(figures, "group", {}))
    rates = [column for column in TICKET_COLUMNS if column.kind == "rate"]
    scores = [column for column in TICKET_COLUMNS if column.kind == "score"]
    return {
        "months": [month for month, _entry in months],
        "volume": [{"label": str(column.label), "data": [column.value(entry) for _m, entry in months]}
                   for column in TICKET_COLUMNS[:2]],
        "rates": [{"label": str(column.label), "data": [_percent(column.value(entry)) for _m, entry in months]}
                  for column in rates],
        "groups": [label for label, _entry in groups],
        "satisfaction": [{"label": str(column.label), "data": [column.value(entry) for _g, entry in groups]}
                         for column in scores],
        "rated": any(column.value(entry) is not None for _g, entry in groups for column in scores),
    }


def _percent(rate: Optional[float]) -> Optional[float]:
    return None if rate is None else round(rate * 100, 1)
