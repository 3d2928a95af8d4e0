"""Each person's notifications (``/notifications``) and the unread count in the top bar.

What the service told a person — escalations, SLA breaches, returned tickets —
in their language, newest first, unread ones marked. Only one's own: the
service reads by the signed-in person, so another person's id is simply not found.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.services import notifications
from app.store import new_uow

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    """A function, not a number: only pages that show the top bar to a signed-in person pay the COUNT."""
    return {"unread_notifications": lambda: notifications.unread_count(new_uow(write=False), current_user.principal)}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every signed-in person has notifications; visitors go to the sign-in page."""


@bp.get("")
def index() -> Any:
    items = notifications.list_for(new_uow(write=False), current_user.principal)
    return render_template("notifications/index.html", items=items)


@bp.post("/<int:delivery_id>/read")
def mark_read(delivery_id: int) -> Any:
    notifications.mark_read(new_uow(), current_user.principal, delivery_id)
    return redirect(url_for("notifications.index"))


@bp.post("/read")
def mark_all_read() -> Any:
    notifications.mark_read(new_uow(), current_user.principal)
    return redirect(url_for("notifications.index"))
