"""The staff inbox (/inbox): tabs, filters kept in the URL, saved views, and a list that refreshes itself.

The list polls ``/inbox/rows`` every few seconds with the fingerprint of what it
shows; the answer is 204 (nothing to swap) until the rendered list changes, so a
task that arrives or is taken by someone else appears within seconds without a
reload, and an unchanged list never flickers.
"""
from __future__ import annotations

import hashlib
from typing import Any, Optional

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app import clock
from app.services import inbox, inbox_filters
from app.services.inbox import BadCriterion, InboxPage, InboxQuery
from app.store import new_uow
from app.web.i18n import group_label, translated
from app.web.inbox_view import (CATEGORY_LABELS, EMPTY, FIELD_LABELS, PRIORITY_LABELS, TAB_LABELS,
                                PageWords, shown_row)
from app.web.security import local_target

bp = Blueprint("inbox", __name__)

POLL_SECONDS = 5


def bad_criterion_message(error: BadCriterion) -> str:
    if error.field == "name":
        return _("Give the filter a name of at most %(count)d characters.", count=inbox_filters.NAME_LENGTH)
    return _("Unknown %(field)s: “%(value)s”. Choose one of the offered values.",
             field=FIELD_LABELS.get(error.field, error.field), value=error.value)


@bp.get("/inbox")
@login_required
def index() -> Any:
    """The inbox page; a bad filter value shows what is wrong above an empty list (400), never a crash."""
    try:
        query = inbox.parse_query(request.args)
        page = inbox.inbox_page(new_uow(write=False), query, current_user.principal)
    except BadCriterion as error:
        query = _lenient_query()
        return _render_page(query, None, bad_criterion_message(error)), 400
    return _render_page(query, page, None)


def _lenient_query() -> InboxQuery:
    """The tab of a refused URL, so the page around the error message still makes sense."""
    tab = request.args.get("tab")
    return InboxQuery(tab=tab if tab in inbox.visible_tabs(current_user.principal) else inbox.DEFAULT_TAB)


def _render_page(query: InboxQuery, page: Optional[InboxPage], error: Optional[str]) -> str:
    choices = inbox.filter_choices(new_uow(write=False), current_user.principal, query.tab)
    return render_template(
        "inbox/index.html", query=query, error=error, list_html=_list_html(page)[0] if page else None,
        processes=[(key, translated(name)) for key, name in choices.processes],
        groups=[(group, group_label(group)) for group in choices.groups],
        views=inbox_filters.saved_views(new_uow(write=False), current_user.principal),
        priority_labels=PRIORITY_LABELS, category_labels=CATEGORY_LABELS, tab_labels=TAB_LABELS)


@bp.get("/inbox/rows")
def rows() -> Any:
    """The list alone, for the page's poll: 204 while it is what the page already shows (``seen``)."""
    if not current_user.is_authenticated:
        flash(_("Your session has ended. Sign in again to continue."), "warning")
        target = url_for("signin.login", next=_page_path())
        if request.headers.get("HX-Request") != "true":
            return redirect(target)  # opened as a page: go to sign-in like every other page
        # htmx would swap a followed redirect's sign-in page into the list; it reads this header instead
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    try:
        query = inbox.parse_query(request.args)
    except BadCriterion as error:
        return bad_criterion_message(error), 400
    html, fingerprint = _list_html(inbox.inbox_page(new_uow(write=False), query, current_user.principal))
    return Response(status=204) if request.args.get("seen") == fingerprint else html


def _page_path() -> str:
    criteria = {k: v for k, v in request.args.items() if k != "seen"}
    return url_for("inbox.index", **criteria)


def _list_html(page: InboxPage) -> tuple[Markup, str]:
    """Tabs, rows and pager, wrapped in the element that polls for changes of exactly this content;
    with the fingerprint of that content."""
    words = PageWords(clock.now())
    body = render_template("inbox/_list_body.html", page=page, rows=[shown_row(row, words) for row in page.rows],
                           tab_labels=TAB_LABELS, empty=EMPTY[page.query.tab], pager=_pager(page))
    fingerprint = hashlib.sha1(body.encode()).hexdigest()[:16]
    poll_url = url_for("inbox.rows", **page.query.criteria(), page=page.query.page)
    html = render_template("inbox/_list.html", body=Markup(body), fingerprint=fingerprint, poll_url=poll_url,
                           poll_seconds=POLL_SECONDS)
    return Markup(html), fingerprint


def _pager(page: InboxPage) -> dict[str, Any]:
    criteria = page.query.criteria()
    number = page.query.page
    return {"first": (number - 1) * inbox.PAGE_SIZE + 1,
            "previous": url_for("inbox.index", **criteria, page=number - 1) if number > 1 else None,
            "next": url_for("inbox.index", **criteria, page=number + 1) if number < page.pages else None}


@bp.post("/inbox/views")
@login_required
def save_view() -> Any:
    """Save the current view under a name (a Camunda filter); back to the same view either way."""
    try:
        query = inbox.parse_query(request.form)
        view = inbox_filters.save_view(new_uow(), current_user.principal, request.form.get("name", ""), query)
    except BadCriterion as error:
        flash(bad_criterion_message(error), "error")
        return redirect(local_target(request.form.get("next")) or url_for("inbox.index"))
    flash(_("Filter “%(name)s” saved.", name=view.name), "success")
    return redirect(url_for("inbox.index", **query.criteria()))


@bp.post("/inbox/views/<filter_id>/delete")
@login_required
def delete_view(filter_id: str) -> Any:
    inbox_filters.delete_view(new_uow(), current_user.principal, filter_id)
    flash(_("Filter deleted."), "info")
    return redirect(local_target(request.form.get("next")) or url_for("inbox.index"))
