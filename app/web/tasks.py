"""The task page: claim, unclaim and complete one task with its form (form-js), the ticket's facts beside it.

Claiming and unclaiming are plain forms (CSRF token in the body, then back to the page with a message).
Completing is a fetch from ``static/js/task-form.js`` with JSON and the ``X-CSRFToken`` header, so that a
refusal (a field the server finds wrong, someone else faster, an expired session) is shown on the page
without a reload and nothing typed is lost. Every action goes through ``app.services.tasks``, which decides
who may do what; the page only hides buttons that would be refused anyway.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Conflict, ExcludedFromTask, FieldErrors, Forbidden, InvalidInput, NotFound
from app.models import HumanTask
from app.services import accounts, instances, tasks, ticket_view
from app.services.tasks import TaskQuery
from app.services.users import Principal
from app.store import new_uow
from app.web.forms import builtin_messages, field_messages, form_data, form_schema
from app.web.i18n import group_label, translated
from app.web.ticket_words import VALUE_WORDS

bp = Blueprint("tasks", __name__)

#: How the decision table's priorities read (the badge classes of app.css use the same words).
PRIORITY_LABELS = VALUE_WORDS["priority"]


def page_url(endpoint: str, literal: str, **values: Any) -> str:
    """``url_for(endpoint)``, or the agreed literal path while that area's blueprint is not registered."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, **values)
    return literal


def _ticket_url(instance_id: str) -> str:
    return page_url("tickets.show", f"/tickets/{instance_id}", instance_id=instance_id)


def _inbox_url() -> str:
    return page_url("inbox.index", "/inbox")


@bp.route("/tasks/<task_id>")
@login_required
def show(task_id: str) -> Any:
    user = current_user.principal
    task = tasks.get_task(new_uow(write=False), task_id, user)  # the service decides who may
    _, spec, variables = tasks.task_form_spec(new_uow(write=False), task_id, user)
    source = tasks.deployed_form(new_uow(write=False), task_id, user) if spec and spec.source == "camunda-form" else None
    instance = instances.get_instance(new_uow(write=False), task.instance_id, user)
    # beside the form: the ticket's facts and history, read as the ticket view reads them
    ticket = ticket_view.ticket(new_uow(write=False), task.instance_id, user, variables if task.item else None)
    return render_template(
        "tasks/show.html", task=task, instance=instance, summary=ticket.summary, timeline=ticket.timeline,
        priority=_known(variables.get("priority"), PRIORITY_LABELS), vip=variables.get("vip") is True,
        priority_label=PRIORITY_LABELS.get(_known(variables.get("priority"), PRIORITY_LABELS) or ""),
        queue_names=[group_label(group) for group in task.candidate_groups or ()],
        schema=form_schema(source, spec), data=form_data(variables), messages=builtin_messages(),
        assignee_name=_name_of(task.assignee, user), mine=task.assignee == user.id,
        may_claim=task.assignee is None and user.may_work_on(task.candidate_groups, task.candidate_users, None),
        may_complete=user.may_work_on(task.candidate_groups, task.candidate_users, task.assignee),
        ticket_url=_ticket_url(task.instance_id), inbox_url=_inbox_url())


def _known(value: Any, labels: dict[str, Any]) -> Optional[str]:
    """``value`` if it is one of the coded values ``labels`` names, else None."""
    return value if isinstance(value, str) and value in labels else None


def _name_of(user_id: Optional[str], viewer: Principal) -> Optional[str]:
    """The display name of an assignee, or their id where the viewer may not read profiles."""
    if user_id is None:
        return None
    try:
        return accounts.get_profile(new_uow(write=False), user_id, viewer).display_name
    except (Forbidden, NotFound):
        return user_id


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: str) -> Any:
    user = current_user.principal
    try:
        tasks.claim(new_uow(), task_id, user)
        flash(_("You have claimed this task."), "success")
    except Conflict:
        task = tasks.get_task(new_uow(write=False), task_id, user)
        flash(_("%(name)s claimed this task first. It is theirs now; nothing was changed.",
                name=_name_of(task.assignee, user) or _("someone else")), "warning")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: str) -> Any:
    tasks.unclaim(new_uow(), task_id, current_user.principal)
    flash(_("The task is back in its group's queue."), "info")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@login_required
def complete(task_id: str) -> Any:
    """JSON in (``{"values": {...}}``), JSON out: what was wrong, field by field, or what comes next."""
    user = current_user.principal
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("values"), dict):
        return jsonify({"error": _("The form could not be read. Reload the page and try again.")}), 400
    try:
        task = tasks.get_task(new_uow(write=False), task_id, user)  # the service decides who may
        tasks.complete(new_uow(), task_id, user, body["values"])
    except FieldErrors as exc:
        return jsonify({"error": _("Some fields need your attention; nothing was saved yet."),
                        "fields": field_messages(exc)}), 400
    except NotFound:
        return jsonify({"error": _("This task was completed or withdrawn meanwhile; what you typed was "
                                   "not saved.")}), 409
    except Conflict:
        return jsonify({"error": _("Someone else changed this ticket meanwhile. Copy what you typed, reload "
                                   "the page and try again.")}), 409
    except ExcludedFromTask:
        return jsonify({"error": _("Someone else must do this step: you wrote what it checks (four eyes). "
                                   "Nothing was saved.")}), 403
    except Forbidden:
        return jsonify({"error": _("You may not complete this task: someone else has claimed it, or it is "
                                   "not offered to you.")}), 403
    except InvalidInput as exc:
        return jsonify({"error": _("The form was not accepted: %(reason)s", reason=exc.message)}), 400
    return jsonify(_completed(task, user))


def _completed(task: HumanTask, user: Principal) -> dict[str, Any]:
    """The confirmation and the one next step: more work on this ticket, else the top of the inbox."""
    following = _next_task(task.instance_id, user)
    return {"message": _("Done: %(task)s.", task=translated(task.name)),
            "next": following and {"url": url_for("tasks.show", task_id=following.id),
                                   "name": translated(following.name)},
            "inbox": _inbox_url(), "ticket": _ticket_url(task.instance_id)}


def _next_task(instance_id: str, user: Principal) -> Optional[HumanTask]:
    """The next open task of the same ticket this person may work on, else the first of their inbox."""
    for candidate in tasks.list_tasks(new_uow(write=False), TaskQuery(instance_id=instance_id), user):
        if user.may_work_on(candidate.candidate_groups, candidate.candidate_users, candidate.assignee):
            return candidate
    inbox = tasks.list_tasks(new_uow(write=False), TaskQuery(candidate_user=user.id, limit=1), user)
    return inbox[0] if inbox else None
