"""Service-task handlers of the knowledge-article flow (``processes/kb_article.bpmn``, 知识沉淀).

Each one writes the ``kb_article`` row of its instance through the context (a new row
at the start, changes afterwards), so the article, its search index and the step commit
together; the article's text comes from the draft form's variables.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.domain import KbArticle
from app.domain.knowledge import CONTENT_FIELDS
from app.models import Membership, User
from app.texts import N_
from handlers import HandlerContext, handler

#: Who reviews articles (README: the service desk or a process owner), less the article's own writers.
REVIEWER_GROUPS = ("service_desk", "process_owner")


def _content(variables: dict[str, Any]) -> dict[str, Any]:
    """The article's text as the author left it; fields never filled read as empty text."""
    values = {name: str(variables.get(name) or "").strip() for name in CONTENT_FIELDS}
    values["category"] = values["category"] or None
    return values


def _this_article(ctx: HandlerContext) -> dict[str, str]:
    return {"instance_id": ctx.instance_id}


@handler("kb_create_draft")
def create_draft(ctx: HandlerContext) -> dict[str, Any]:
    """The article exists from the start as a draft, prefilled from its ticket, so it can be found and followed."""
    variables = ctx.variables
    content = _content(variables)
    content["title"] = content["title"] or content["symptom"][:200]
    ctx.record(KbArticle(instance_id=ctx.instance_id, ticket_instance_id=variables.get("ticket_instance_id"),
                         ticket_key=variables.get("ticket_key"), author=variables.get("kb_author"),
                         state="draft", created_at=ctx.now, updated_at=ctx.now, **content))
    return {"kb_state": "draft"}


@handler("kb_submit_for_review")
def submit_for_review(ctx: HandlerContext) -> dict[str, Any]:
    """The author's text replaces the draft and waits for the desk or a process owner to review it.

    Four eyes: the review is offered by name to the reviewers who neither began the article nor submitted
    this text (whoever took over a draft given back wrote it too), listed now, as they are when it waits."""
    ctx.update(KbArticle, _this_article(ctx), state="in_review", updated_at=ctx.now, **_content(ctx.variables))
    ctx.notify("service_desk", N_("Knowledge article to review: %(title)s"), N_("Ticket: %(ticket)s"),
               title=_content(ctx.variables)["title"], ticket=ctx.variables.get("ticket_key") or "")
    writers = {ctx.variables.get("kb_author"), ctx.actor}
    reviewers = ctx.read(select(Membership.user_id).distinct().join(User, User.id == Membership.user_id)
                         .where(Membership.group_id.in_(REVIEWER_GROUPS), User.active.is_(True))
                         .order_by(Membership.user_id))
    return {"kb_state": "in_review", "kb_editor": ctx.actor or "",
            "kb_reviewers": [row.user_id for row in reviewers if row.user_id not in writers]}


@handler("kb_publish")
def publish(ctx: HandlerContext) -> dict[str, Any]:
    """Published articles are what requesters find in the portal and everyone finds in the search."""
    ctx.update(KbArticle, _this_article(ctx), state="published", reviewer=ctx.actor, published_at=ctx.now,
               updated_at=ctx.now, review_comment=str(ctx.variables.get("review_comment") or "").strip() or None)
    return {"kb_state": "published"}


@handler("kb_send_back")
def send_back(ctx: HandlerContext) -> dict[str, Any]:
    """Back to the author as a draft, with the reviewer's comment beside the text to change."""
    comment = str(ctx.variables.get("review_comment") or "").strip()
    ctx.update(KbArticle, _this_article(ctx), state="draft", reviewer=ctx.actor, review_comment=comment or None,
               updated_at=ctx.now)
    author = ctx.variables.get("kb_author")
    if author:
        ctx.notify_user(author, N_("Knowledge article sent back: %(title)s"), N_("Reviewer's comment: %(comment)s"),
                        title=ctx.variables.get("title") or "", comment=comment)
    return {"kb_state": "draft"}


@handler("kb_reject")
def reject(ctx: HandlerContext) -> dict[str, Any]:
    """Not worth publishing (a one-off, a duplicate): kept as rejected, so the ticket may be written up again."""
    comment = str(ctx.variables.get("review_comment") or "").strip()
    ctx.update(KbArticle, _this_article(ctx), state="rejected", reviewer=ctx.actor, review_comment=comment or None,
               updated_at=ctx.now)
    return {"kb_state": "rejected"}
