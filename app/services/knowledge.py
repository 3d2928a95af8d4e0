"""The knowledge base (知识沉淀): writing an article from a closed ticket, and reading articles.

An article is written by ``processes/kb_article.bpmn`` (draft → review → published); this
module starts that flow from a ticket, with the ticket's own words as the first draft,
and reads the ``kb_article`` rows its handlers write. Search is ``kb_search``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.domain import KbArticle
from app.domain.knowledge import CATEGORIES
from app.errors import Conflict, NotFound
from app.models import HumanTask, ProcessInstance
from app.services import instances, starters
from app.services.problem_reports import PROCESS_KEY as TICKET_PROCESS
from app.services.ticket_view import display_names, ticket_state
from app.services.users import Principal

PROCESS_KEY = "kb_article"
#: Where a ticket keeps each part of the fix, first found wins: tier 1/2 write ``solution``, the desk
#: answering at first contact ``first_contact_answer``, the vendor liaison ``vendor_resolution``.
_TICKET_SOURCES = {"symptom": ("symptom",), "cause": ("cause", "tier2_diagnosis", "diagnosis"),
                   "solution": ("solution", "first_contact_answer", "vendor_resolution")}


@dataclass(frozen=True)
class Article:
    """An article as its page shows it, with the open step of its flow (staff only) to act on it."""

    row: KbArticle
    open_task_id: Optional[str]
    open_task_name: Optional[str]
    author_name: Optional[str] = None  # staff only, as pages call people
    reviewer_name: Optional[str] = None


@dataclass(frozen=True)
class TicketKnowledge:
    """What the ticket page offers: the ticket's article if one is under way or published, or writing one."""

    article: Optional[KbArticle]
    may_write: bool


def start_from_ticket(uow_read: UnitOfWork, uow: UnitOfWork, user: Principal, ticket_id: str) -> ProcessInstance:
    """Start an article from a closed support ticket, its symptom, cause, solution and category as the draft.
    Who may write one is the model's (its candidateStarterGroups), asked before the ticket is read. One
    ticket has at most one article under way or published. The only way an article starts: the model keeps
    it from direct starts (isStartableInTasklist false), so a REST start cannot make up a ticket or an author."""
    starters.check_may_start_latest(uow_read, user, PROCESS_KEY, directly=False)
    with uow_read:
        ticket = _closed_ticket(uow_read, ticket_id)
        variables = _draft_from(ticket, user)

    def checked_key(write_uow: UnitOfWork) -> str:
        """Checked again in the start's own transaction: two clicks must not write two articles."""
        if _current_article(write_uow, ticket_id) is not None:
            raise Conflict(f"ticket {ticket_id} already has a knowledge article")
        return f"{ticket.business_key or ticket.id[:8]}-KB"

    return instances.start_instance(uow, user, variables, key=PROCESS_KEY, business_key_from=checked_key,
                                    directly=False)


def _closed_ticket(uow: UnitOfWork, ticket_id: str) -> ProcessInstance:
    ticket = uow.session.get(ProcessInstance, ticket_id)
    if ticket is None or ticket.definition_key != TICKET_PROCESS:
        raise NotFound(f"ticket {ticket_id} does not exist")
    if ticket_state(ticket.status, ticket.variables or {}, False) != "closed":
        raise Conflict(f"ticket {ticket_id} is not closed; write the article once the fix is confirmed")
    if _current_article(uow, ticket_id) is not None:
        raise Conflict(f"ticket {ticket_id} already has a knowledge article")
    return ticket


def _draft_from(ticket: ProcessInstance, user: Principal) -> dict[str, Any]:
    values = ticket.variables or {}
    draft = {part: next((str(values[name]) for name in names if values.get(name)), "")
             for part, names in _TICKET_SOURCES.items()}
    category = values.get("category")
    first_line = draft["symptom"].strip().splitlines()[0] if draft["symptom"].strip() else ""
    return {**draft, "title": first_line[:60], "category": category if category in CATEGORIES else "other",
            "ticket_instance_id": ticket.id, "ticket_key": ticket.business_key, "kb_author": user.id,
            "review_comment": ""}


def _current_article(uow: UnitOfWork, ticket_id: str) -> Optional[KbArticle]:
    return uow.session.scalars(select(KbArticle).where(KbArticle.ticket_instance_id == ticket_id,
                                                       KbArticle.state != "rejected")
                               .order_by(KbArticle.id.desc()).limit(1)).first()


def for_ticket(uow: UnitOfWork, viewer: Principal, ticket_id: str) -> TicketKnowledge:
    """The ticket's article for staff, and whether they may start one now (closed ticket, none yet, and the
    model names them as a starter)."""
    if not viewer.is_staff:
        return TicketKnowledge(None, False)
    may_write = starters.may_start_latest(uow, viewer, PROCESS_KEY)
    with uow:
        ticket = uow.session.get(ProcessInstance, ticket_id)
        if ticket is None or ticket.definition_key != TICKET_PROCESS:
            return TicketKnowledge(None, False)
        article = _current_article(uow, ticket_id)
        closed = ticket_state(ticket.status, ticket.variables or {}, False) == "closed"
        return TicketKnowledge(article, may_write and closed and article is None)


def article(uow: UnitOfWork, viewer: Principal, article_id: int) -> Article:
    """One article; requesters read published ones only (any other is "not found", not "forbidden")."""
    with uow:
        row = uow.session.get(KbArticle, article_id)
        if row is None or (row.state != "published" and not viewer.is_staff):
            raise NotFound(f"knowledge article {article_id} does not exist")
        if not viewer.is_staff:
            return Article(row, None, None)
        task = uow.session.scalars(select(HumanTask).where(HumanTask.instance_id == row.instance_id,
                                                           HumanTask.status == "open")).first()
        names = display_names(uow, {row.author, row.reviewer})
        return Article(row, task.id if task else None, task.name if task else None,
                       names.get(row.author or ""), names.get(row.reviewer or ""))


def first_task(uow: UnitOfWork, instance_id: str) -> Optional[str]:
    """The open task of a just-started article flow (the author's draft), to go straight to it."""
    with uow:
        return uow.session.scalar(select(HumanTask.id).where(HumanTask.instance_id == instance_id,
                                                             HumanTask.status == "open"))
