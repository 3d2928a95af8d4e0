"""The notification outbox (``/admin/outbox``): mails and webhooks not delivered, why, and "send again".

Only administrators: every view calls a service that checks the ``admin`` group,
so anyone else gets the 403 page. "Send again" is a CSRF-protected POST that puts
the delivery back in the relay's queue; the relay sends it on its next pass.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import outbox
from app.services.notifications import MAIL
from app.store import new_uow

bp = Blueprint("admin_outbox", __name__, url_prefix="/admin/outbox")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Anonymous visitors go to the sign-in page; who may do what is the services' decision."""


@bp.get("")
def index() -> Any:
    box = outbox.undelivered(new_uow(write=False), current_user.principal)
    return render_template("admin/outbox.html", box=box, mail=MAIL,
                           max_attempts=current_app.config["RELAY_MAX_ATTEMPTS"])


@bp.post("/<int:delivery_id>/send-again")
def send_again(delivery_id: int) -> Any:
    outbox.send_again(new_uow(), current_user.principal, delivery_id)
    flash(_("Notification %(id)s will be sent again on the relay's next pass.", id=delivery_id), "success")
    return redirect(url_for("admin_outbox.index"))
