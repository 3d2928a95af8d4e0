"""Service-task handlers of Flow 4, service review (服务评审).

``processes/service_review.bpmn`` calls these by topic. A review is opened by the semiannual timer or
by a person's request (an additional review around a contract change, or an ad-hoc one the customer
asked for); each step that settles something writes it on the ``service_review`` row, and the minutes
go to ``review_minutes`` and by mail to every department taking part.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from app.domain import ReviewMinutes, ServiceReview
from app.domain.reviews import REVIEW_INPUTS
from app.texts import N_
from handlers import HandlerContext, handler

#: The kinds a person may ask for (the semiannual review comes from the timer only).
REQUESTED_KINDS = ("additional", "ad_hoc")
CONTRACT_PHASES = ("before", "after")
#: The departments that may take part; each gets the minutes by mail.
DEPARTMENTS = ("service_desk", "tier1", "tier2", "vendor_liaison", "service_dept", "sales", "project_manager")
_ACTION_LINE = re.compile(r"([^;；|]+)[;；|]([^;；|]+)[;；|]\s*(\d{4}-\d{2}-\d{2})")


def _text(variables: dict[str, Any], key: str) -> Optional[str]:
    value = variables.get(key)
    text = str(value).strip() if value is not None else ""
    return text or None


def _day(variables: dict[str, Any], key: str) -> Optional[date]:
    """A form date (``2026-12-10``, or a date-time whose day counts); None when not given."""
    text = _text(variables, key)
    return date.fromisoformat(text[:10]) if text else None


def _where(ctx: HandlerContext) -> dict[str, str]:
    return {"instance_id": ctx.instance_id}


@handler("open_semiannual_review")
def open_semiannual_review(ctx: HandlerContext) -> dict[str, Any]:
    """The six months are up: open the review and tell the project manager, who prepares it."""
    ctx.record(ServiceReview(instance_id=ctx.instance_id, kind="semiannual", opened_at=ctx.now, state="opened"))
    ctx.notify("project_manager", N_("Semiannual service review due"),
               N_("The semiannual service review is due. Pick the stakeholders and gather the inputs in your inbox."))
    return {"review_kind": "semiannual"}


@handler("open_requested_review")
def open_requested_review(ctx: HandlerContext) -> None:
    """Open the review someone asked for; what it is about depends on its kind.

    An additional review names the contract change and whether it comes before or after it; an ad-hoc
    review keeps the customer's request. Anything else is refused (an incident) rather than filed wrongly.
    """
    variables = ctx.variables
    kind = _text(variables, "review_kind")
    if kind not in REQUESTED_KINDS:
        raise ValueError(f"review_kind {kind!r} is not one of {', '.join(REQUESTED_KINDS)}")
    phase = _text(variables, "contract_phase") if kind == "additional" else None
    if kind == "additional" and phase not in CONTRACT_PHASES:
        raise ValueError(f"contract_phase {phase!r} is not one of {', '.join(CONTRACT_PHASES)}")
    reason = _reason(variables, kind)
    ctx.record(ServiceReview(
        instance_id=ctx.instance_id, kind=kind, reason=reason, contract_phase=phase,
        contract_change_ref=_text(variables, "contract_change_ref") if kind == "additional" else None,
        requested_by=ctx.actor, opened_at=ctx.now, planned_on=_day(variables, "planned_on"), state="opened"))
    ctx.notify("project_manager", N_("Service review requested"),
               N_("A service review was requested by %(requester)s.\nWhy: %(reason)s"),
               requester=ctx.actor or "", reason=reason or "")


def _reason(variables: dict[str, Any], kind: str) -> Optional[str]:
    """What the review is about: the contract change, or the customer's request with who made it."""
    if kind == "additional":
        return _text(variables, "change_summary")
    contact, request = _text(variables, "customer_contact"), _text(variables, "customer_request")
    return f"{contact}: {request}" if contact else request


@handler("record_review_preparation")
def record_review_preparation(ctx: HandlerContext) -> None:
    """Keep who takes part and what the review looks at; an input neither provided nor explained is refused."""
    variables = ctx.variables
    groups = variables.get("stakeholder_groups") or []
    unknown = [group for group in groups if group not in DEPARTMENTS]
    if not groups or unknown:
        raise ValueError(f"stakeholder_groups {groups!r}: pick one or more of {', '.join(DEPARTMENTS)}")
    stakeholders = {"groups": list(groups), "customer": _text(variables, "customer_participants"),
                    "suppliers": _text(variables, "supplier_participants")}
    ctx.update(ServiceReview, _where(ctx), stakeholders=stakeholders, inputs=_inputs(variables),
               planned_on=_day(variables, "planned_on"), state="prepared")


def _inputs(variables: dict[str, Any]) -> dict[str, dict[str, Optional[str]]]:
    checklist = {}
    for item in REVIEW_INPUTS:
        state, note = _text(variables, f"input_{item}"), _text(variables, f"input_{item}_note")
        if state not in ("provided", "not_applicable") or (state == "not_applicable" and not note):
            raise ValueError(f"input {item}: neither provided nor marked not applicable with a reason")
        checklist[item] = {"state": state, "note": note if state == "not_applicable" else None}
    return checklist


def parse_actions(text: str) -> list[dict[str, str]]:
    """``措施；责任人；YYYY-MM-DD`` per line (the form's pattern) as rows.

    The minutes are already taken when this runs, so a due date the pattern lets through but the calendar
    lacks (30 February) is kept as written rather than failing the distribution.
    """
    actions = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        match = _ACTION_LINE.fullmatch(line)
        if match is None:
            raise ValueError(f"action {line!r} is not 'action; owner; YYYY-MM-DD'")
        action, owner, due = (part.strip() for part in match.groups())
        actions.append({"action": action, "owner": owner, "due": due})
    return actions


@handler("distribute_review_minutes")
def distribute_review_minutes(ctx: HandlerContext) -> dict[str, Any]:
    """Record the minutes and mail them to the members of every department taking part (the relay sends them)."""
    variables = ctx.variables
    actions = parse_actions(_text(variables, "actions") or "")
    groups = list(variables.get("stakeholder_groups") or [])
    attendees, decisions = _text(variables, "attendees") or "", _text(variables, "decisions") or ""
    ctx.record(ReviewMinutes(review_instance_id=ctx.instance_id, attendees=attendees, decisions=decisions,
                             actions=actions, recorded_by=ctx.actor, recorded_at=ctx.now, distributed_to=groups,
                             distributed_at=ctx.now))
    agreed = _text(variables, "revision_agreed") == "yes"
    ctx.update(ServiceReview, _where(ctx), held_on=_day(variables, "held_on"), revision_agreed=agreed,
               state="minuted")
    listed = "\n".join(f"- {a['action']} ({a['owner']}, {a['due']})" for a in actions)
    for group in groups:
        ctx.notify(group, N_("Minutes of the service review held on %(held_on)s"),
                   N_("Attendees: %(attendees)s\nDecisions: %(decisions)s\nActions:\n%(actions)s"),
                   held_on=_text(variables, "held_on") or "", attendees=attendees, decisions=decisions,
                   actions=listed)
    return {"minutes_distributed_to": groups}


@handler("record_review_report")
def record_review_report(ctx: HandlerContext) -> dict[str, Any]:
    """Keep the service review report, and the revision of the contract or plan if one was made; the review is done."""
    variables = ctx.variables
    revision = _text(variables, "revision_summary") if _text(variables, "revision_agreed") == "yes" else None
    ctx.update(ServiceReview, _where(ctx), report_summary=_text(variables, "report_summary"),
               revision_summary=revision, reported_at=ctx.now, state="reported")
    return {"review_state": "reported"}
