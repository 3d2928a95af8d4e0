"""The knowledge base pages: search (``/kb``), an article (``/kb/<id>``), the portal's suggestions while a
symptom is typed (``/kb/suggest``), a JSON search (``/api/kb``) and writing an article from a closed ticket.

Who sees what is decided by ``app.services.kb_search`` and ``app.services.knowledge``: requesters
find published articles only, staff every state.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.domain.knowledge import STATES
from app.errors import Conflict
from app.services import kb_search, knowledge
from app.store import new_uow
from app.web.kb_text import STATE_LABELS, category_label, excerpt, highlight, state_label

bp = Blueprint("kb", __name__)
bp.add_app_template_filter(category_label, "kb_category")
bp.add_app_template_filter(state_label, "kb_state")
bp.add_app_template_global(highlight, "kb_highlight")
bp.add_app_template_global(excerpt, "kb_excerpt")

#: A search box takes a phrase, not a document.
MAX_QUERY = 200


def _query() -> str:
    return (request.args.get("q") or "").strip()[:MAX_QUERY]


def _state() -> str:
    state = request.args.get("state") or ""
    return state if state in STATES and current_user.is_staff else ""


@bp.get("/kb")
@login_required
def index() -> Any:
    """The search page; as the box is typed in, htmx asks again and swaps only the results."""
    query, state = _query(), _state()
    result = kb_search.search(new_uow(write=False), current_user.principal, query, state or None)
    template = "kb/_results.html" if request.headers.get("HX-Request") == "true" else "kb/index.html"
    return render_template(template, query=query, state=state, result=result, state_labels=STATE_LABELS)


@bp.get("/kb/<int:article_id>")
@login_required
def show(article_id: int) -> Any:
    found = knowledge.article(new_uow(write=False), current_user.principal, article_id)
    return render_template("kb/show.html", article=found.row, found=found, words=kb_search.words_of(_query()))


@bp.get("/kb/suggest")
@login_required
def suggest() -> Any:
    """Published articles for the symptom a requester is typing (an HTML fragment for the report page)."""
    query = _query()
    result = kb_search.suggest(new_uow(write=False), current_user.principal, query) if query else None
    return render_template("kb/_suggestions.html", query=query, result=result)


@bp.get("/api/kb")
@login_required
def api_search() -> Any:
    result = kb_search.search(new_uow(write=False), current_user.principal, _query(), _state() or None)
    return jsonify({"query": _query(), "words": list(result.words), "articles": [
        {"id": row.id, "title": row.title, "category": row.category, "state": row.state,
         "symptom": row.symptom, "cause": row.cause, "solution": row.solution,
         "ticket": row.ticket_key if current_user.is_staff else None,
         "publishedAt": row.published_at.isoformat() if row.published_at else None,
         "url": url_for("kb.show", article_id=row.id)} for row in result.articles]})


@bp.post("/kb/from-ticket/<ticket_id>")
@login_required
def write_from_ticket(ticket_id: str) -> Any:
    """Start the article flow from a closed ticket and open the author's draft at once."""
    try:
        instance = knowledge.start_from_ticket(new_uow(write=False), new_uow(), current_user.principal, ticket_id)
    except Conflict:
        flash(_("This ticket already has a knowledge article, or it is not closed yet."), "warning")
        return redirect(url_for("tickets.show", instance_id=ticket_id))
    task_id = knowledge.first_task(new_uow(write=False), instance.id)
    flash(_("Draft created from the ticket. Edit it, then send it for review."), "success")
    return redirect(url_for("tasks.show", task_id=task_id) if task_id else url_for("kb.index"))
