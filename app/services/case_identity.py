"""What a process instance is, as people name it: a ticket, a complaint, a week's survey, a review...

Every instance is shown through the ticket view (facts, history, diagram), but only
Flow 1's are tickets: a weekly survey is "week 48's survey", a monthly report is
"November's report", and each has a page of its own (the week's report, the review,
the campaign, the article). This module reads which kind an instance is from its
process key and the few facts that name it, and which page the *viewer* may open for
it: a page they may not read is not offered, the ticket view stands in for it.
The words themselves are the web layer's (``app.web.case_words``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.domain import KbArticle
from app.services import figures, satisfaction, service_reviews, weekly_reports
from app.services.case_names import naming
from app.services.users import Principal


@dataclass(frozen=True)
class Case:
    """How one instance is named and where its own page is.

    ``subject`` is the value that names it (the ISO week, the month, a campaign's or article's title, the
    kind of review); ``detail`` what tells two of a kind apart where the subject cannot (the contract change
    a review is about). ``page`` addresses the case's own page (a week, a month, an instance id, an
    article id) when it has one the viewer may read, else None.
    """

    kind: str  # ticket | complaint | weekly_survey | service_review | satisfaction_survey | monthly_report
    #            | kb_article | other
    number: Optional[str]
    subject: Optional[str]
    detail: Optional[str]
    page: Optional[str]
    process_name: str

    @property
    def is_ticket(self) -> bool:
        return self.kind == "ticket"


def identify(uow: UnitOfWork, instance: Any, process_key: str, process_name: str, viewer: Principal) -> Case:
    """The case ``instance`` (a ``ProcessInstance`` row) is, read inside the caller's transaction."""
    variables = instance.variables or {}
    kind, subject, detail = naming(process_key, variables)
    page = _page(uow, kind, instance.id, subject, variables, viewer) if subject or kind == "kb_article" else None
    return Case(kind, instance.business_key, subject, detail, page, process_name)


def _report_readable(variables: dict[str, Any], viewer: Principal) -> bool:
    """A month's report page exists once its figures are compiled; a draft is read by those who read figures."""
    if not variables.get("report_compiled") or not viewer.is_staff:
        return False
    return variables.get("report_state") == "published" or bool(viewer.groups & figures.READERS)


def _page(uow: UnitOfWork, kind: str, instance_id: str, subject: Optional[str], variables: dict[str, Any],
          viewer: Principal) -> Optional[str]:
    """The address of the case's own page, if it has one the viewer may read."""
    if kind == "weekly_survey" and viewer.groups & weekly_reports.READER_GROUPS:
        return subject
    if kind == "monthly_report" and _report_readable(variables, viewer):
        return subject
    if kind == "service_review" and service_reviews.may_read(viewer):
        return instance_id
    if kind == "satisfaction_survey" and viewer.groups & satisfaction.RESULT_GROUPS:
        return instance_id
    if kind == "kb_article" and viewer.is_staff:
        article_id = uow.session.scalar(select(KbArticle.id).where(KbArticle.instance_id == instance_id))
        return str(article_id) if article_id is not None else None
    return None
