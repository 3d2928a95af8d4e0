"""Which kind of case a process instance is, and the facts that name it, from its process key and variables.

Shared by the case page (``case_identity``, which adds the page the viewer may open) and the inbox's
projection (``inbox_projection``, which stores them so that a row names its case without reading
variables): a pure function, importing no service.
"""
from __future__ import annotations

from typing import Any, Optional

#: Process key → kind of case. A process not named here is "other", shown by its own name.
KINDS = {"it_support_request": "ticket", "complaint_handling": "complaint", "weekly_survey": "weekly_survey",
         "service_review": "service_review", "satisfaction_survey": "satisfaction_survey",
         "monthly_report": "monthly_report", "kb_article": "kb_article"}
#: The variable that names each kind of case (tickets and complaints go by their business key).
_SUBJECTS = {"weekly_survey": "week", "monthly_report": "report_month", "satisfaction_survey": "campaign_title",
             "kb_article": "title", "service_review": "review_kind"}
_LENGTH = 200


def naming(process_key: str, variables: dict[str, Any]) -> tuple[str, Optional[str], Optional[str]]:
    """(kind, subject, detail): the subject names the case (a week, a month, a title, the kind of review);
    the detail tells two of a kind apart where the subject cannot (the contract change a review is about)."""
    kind = KINDS.get(process_key, "other")
    subject = _text(variables.get(_SUBJECTS.get(kind, "")))
    detail = _text(variables.get("contract_change_ref")) if kind == "service_review" else None
    return kind, subject, detail


def _text(value: Any) -> Optional[str]:
    """One line of text, clipped to the inbox's column; anything else names nothing."""
    return " ".join(value.split())[:_LENGTH] if isinstance(value, str) and value.strip() else None
