"""How a ticket reads in the reader's language: labels of its fields, words for coded values, history lines.

The variables of Flow 1 carry codes (``channel = "hotline"``, ``priority =
"urgent"``); people read 服务热线 and 紧急, or Hotline and Urgent. The msgids
are English and the zh catalog carries the desk's own terms (DOMAIN.md). A
variable or value this module does not know is shown as stored, so a new
process owner's field is still readable, only not translated.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, Optional

from flask_babel import format_timedelta, gettext as _
from markupsafe import Markup, escape
from flask_babel import lazy_gettext as _l

from app.domain.reviews import REVIEW_INPUTS
from app.web.i18n import group_label, show_datetime, translated

FACT_LABELS = {
    "business_key": _l("Ticket number"), "requester": _l("Requester"), "contact": _l("Contact"),
    "department": _l("Department"), "channel": _l("Channel"), "symptom": _l("Symptom"),
    "occurred_at": _l("Occurred at"), "impact_scope": _l("Scope of impact"), "impact": _l("Impact"),
    "urgency": _l("Urgency"), "business_stopped": _l("Business stopped"), "already_tried": _l("Already tried"),
    "request_type": _l("Request type"), "category": _l("Category"), "priority": _l("Priority"),
    "vip": _l("VIP requester"), "ticket_status": _l("Ticket status"),
    "resolved_at_first_contact": _l("Resolved at first contact"), "first_contact_answer": _l("Answer given"),
    "tier1_outcome": _l("Tier-1 outcome"), "diagnosis": _l("Diagnosis"), "attempted_steps": _l("Steps tried"),
    "cause": _l("Cause"), "solution": _l("Solution"), "steps": _l("Steps taken"),
    "change_ref": _l("Change reference"), "kb_candidate": _l("Knowledge-base candidate"),
    "tier2_outcome": _l("Tier-2 outcome"), "tier2_diagnosis": _l("Tier-2 diagnosis"),
    "tier2_attempted_steps": _l("Tier-2 steps tried"), "progress_note": _l("Progress note"),
    "vendor_name": _l("Vendor"), "vendor_escalation_info": _l("Information for the vendor"),
    "vendor_case_no": _l("Vendor case number"), "vendor_progress": _l("Vendor tracking notes"),
    "vendor_resolution": _l("Vendor resolution"), "callback_solved": _l("Solved at callback"),
    "rating_attitude": _l("Attitude rating"), "rating_speed": _l("Speed rating"),
    "rating_effect": _l("Effect rating"), "complaint": _l("Complaint"), "callback_note": _l("Callback note"),
    "requested_at": _l("Requested at"), "response_sla": _l("Response time limit"),
    "response_due_at": _l("Response due"), "tier1_group": _l("Tier-1 group"),
    "escalation_level": _l("Escalation level"), "reopen_count": _l("Times sent back"),
    "resolver_tier": _l("Resolved at tier"), "resolver_group": _l("Resolving group"),
    "returned_reason": _l("Reason sent back"), "complaints": _l("Complaints"),
    "closed_by_callback": _l("Closed after callback"), "first_contact_resolution": _l("First-contact resolution"),
    "kb_article_requested": _l("Knowledge article requested"), "response_sla_breached": _l("Response time exceeded"),
    "close_overdue": _l("Closing overdue"),
    "complainant": _l("Complainant"), "complaint_source": _l("Source of the complaint"),
    "severity": _l("Severity"), "complaint_status": _l("Complaint status"),
    "ticket_business_key": _l("Related ticket number"), "ticket_instance_id": _l("Ticket (internal id)"),
    "investigation": _l("Findings"), "responsible_group": _l("Responsible group"),
    "corrective_action": _l("Corrective action"), "reply": _l("Reply to the customer"),
    "customer_satisfied": _l("Customer satisfied"), "customer_feedback": _l("Customer's feedback"),
    "agreed_working_days": _l("Agreed limit (working days)"), "complaint_due_at": _l("To be settled by"),
    "complaint_escalated": _l("Referred to the project manager"),
    "closed_within_limit": _l("Closed within the agreed limit"),
    "resolution_sla": _l("Resolution time limit"), "sla_calendar": _l("SLA calendar"),
    "resolution_due_at": _l("Resolution due"), "responded_at": _l("First response at"),
    "completion_requested_at": _l("Completion requested at"), "close_due_at": _l("Close due"),
    "resolution_breached": _l("Resolution time exceeded"), "waiting_group": _l("Waiting group"),
    "sla_pauses": _l("SLA pauses"), "waiting_for": _l("Waiting for"), "requester_reply": _l("Requester's reply"),
    "response_warn_at": _l("Response warning at"), "resolution_warn_at": _l("Resolution warning at"),
    "close_reminder_at": _l("Closing reminder at"),
    # fields of the satisfaction survey's and callback sampling's forms
    "campaign_title": _l("Survey name"), "period_start": _l("Survey period from"),
    "period_end": _l("Survey period to"), "closes_on": _l("Questionnaire closes on"), "audience": _l("Surveyed people"),
    "improvement_measure": _l("Improvement measure"), "action_owner_group": _l("Responsible department"),
    "action_due_on": _l("Due by"), "action_result": _l("Result"), "sample_week": _l("Sampled week"),
    # the knowledge-article flow (processes/kb_article.bpmn)
    "title": _l("Title"), "ticket_key": _l("From ticket"),
    "kb_author": _l("Author"), "kb_editor": _l("Submitted by"), "kb_reviewers": _l("Reviewers offered"), "kb_state": _l("Article state"), "review_decision": _l("Review decision"),
    "review_comment": _l("Review comment"),
    # the monthly report (processes/monthly_report.bpmn)
    "report_month": _l("Report month"), "report_compiled": _l("Figures compiled"),
    "report_state": _l("Report state"), "report_page": _l("Report page"),
    # the weekly survey report (processes/weekly_survey.bpmn)
    "week": _l("Week"), "survey_kind": _l("Survey kind"), "meeting_at": _l("Meeting"),
    "survey_deadline": _l("Survey due"), "meeting_text": _l("Meeting (local time)"),
    "survey_deadline_text": _l("Survey due (local time)"), "survey_departments": _l("Departments surveyed"),
    "survey_department": _l("Department surveyed"), "owner_group": _l("Survey owner group"),
    "open_items": _l("Open items"), "open_item_options": _l("Open items offered"), "recorder": _l("Recorder"),
    "surveyed_at": _l("Surveyed at"), "resolved_items": _l("Resolved items"),
    "satisfied_items": _l("Items the user is satisfied with"), "problems": _l("Leftover or new problems"),
    "ticket_problems": _l("Problems that need a ticket"), "suggestions": _l("Suggestions"),
    "confirmed_by": _l("Confirmed by"), "user_confirmed": _l("User confirmed"), "survey_late": _l("Answered late"),
    "survey_reminded": _l("Reminded"), "answered_departments": _l("Departments answered"),
    "late_departments": _l("Departments answered late"), "report_problem_ids": _l("Problems in the report"),
    "open_problems_text": _l("Problems to assign"), "accountability_text": _l("Held to account"),
    "owner_assignments": _l("Problem owners"), "meeting_notes": _l("Meeting minutes"),
    "assigned_problems": _l("Problems assigned"),
    # the service review flow (processes/service_review.bpmn)
    "review_kind": _l("Kind of review"), "contract_phase": _l("Contract change"),
    "contract_change_ref": _l("Contract change reference"), "change_summary": _l("What changes"),
    "customer_contact": _l("Customer contact who asked"), "customer_request": _l("What the customer asks for"),
    "planned_on": _l("Planned for"), "stakeholder_groups": _l("Departments"),
    "customer_participants": _l("Customer participants"), "supplier_participants": _l("Supplier participants"),
    "input_service_contract": _l("Service contract"), "input_project_plan": _l("Project plan"),
    "input_schedule": _l("Schedule"), "input_summary_report": _l("Summary report"),
    "input_monthly_reports": _l("Monthly service reports"),
    "input_business_needs": _l("Current and forecast business needs"), "input_scope_changes": _l("Scope changes"),
    "input_service_contract_note": _l("Why the service contract does not apply"),
    "input_project_plan_note": _l("Why the project plan does not apply"),
    "input_schedule_note": _l("Why the schedule does not apply"),
    "input_summary_report_note": _l("Why the summary report does not apply"),
    "input_monthly_reports_note": _l("Why the monthly service reports do not apply"),
    "input_business_needs_note": _l("Why the business needs do not apply"),
    "input_scope_changes_note": _l("Why scope changes do not apply"),
    "held_on": _l("Held on"), "venue": _l("Venue"), "attendees": _l("Attendees"), "decisions": _l("Decisions"),
    "actions": _l("Actions"), "revision_agreed": _l("Revision of contract or plan"),
    "revision_scope": _l("What is to be revised"), "minutes_distributed_to": _l("Minutes mailed to"),
    "revised_documents": _l("Documents revised"), "revision_summary": _l("What was revised"),
    "revision_ref": _l("Contract or plan change reference"), "report_summary": _l("Conclusions of the review"),
    "next_review_focus": _l("Focus of the next review"), "review_state": _l("Review state"),
}

_LEVELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
_TIERS = {"tier1": _l("Tier 1"), "tier2": _l("Tier 2"), "vendor": _l("Vendor")}
_INPUT_STATES = {"provided": _l("Provided"), "not_applicable": _l("Not applicable")}
VALUE_WORDS: dict[str, dict[str, Any]] = {
    "channel": {"hotline": _l("Hotline"), "portal": _l("Web portal"), "im": _l("Instant messaging"),
                "onsite": _l("On site"), "email": _l("Email")},
    "request_type": {"incident": _l("Incident"), "service_request": _l("Service request"),
                     "consultation": _l("Consultation")},
    "category": {"hardware": _l("Hardware"), "software": _l("Software"), "network": _l("Network"),
                 "other": _l("Other")},
    "priority": {"urgent": _l("Urgent"), "important": _l("Important"), "normal": _l("Normal")},
    "kb_state": {"draft": _l("Draft"), "in_review": _l("In review"), "published": _l("Published"),
                 "rejected": _l("Rejected")},
    "review_decision": {"publish": _l("Publish"), "send_back": _l("Send back for changes"),
                        "reject": _l("Do not publish"), "recompute": _l("Recompute the figures")},
    "report_state": {"draft": _l("Draft"), "published": _l("Published")},
    "impact": _LEVELS, "urgency": _LEVELS,
    "ticket_status": {"open": _l("Being worked on"), "escalated": _l("Escalated"),
                      "resolved": _l("Resolved, awaiting callback"), "reopened": _l("Sent back for more work"),
                      "closed": _l("Closed"), "waiting": _l("Waiting for the requester")},
    "tier1_outcome": {"resolved": _l("Resolved"), "escalate": _l("Escalate to tier 2"),
                      "wait_requester": _l("Wait for the requester")},
    "tier2_outcome": {"resolved": _l("Resolved"), "escalate_vendor": _l("Escalate to the vendor"),
                      "wait_requester": _l("Wait for the requester")},
    "callback_solved": {"yes": _l("Yes, solved"), "no": _l("No, not solved")},
    "resolver_tier": _TIERS,
    "complaint_source": {"portal": _l("Service portal"), "direct": _l("Directly (phone, in person)"),
                         "callback": _l("Ticket callback"), "weekly_survey": _l("Weekly survey"),
                         "satisfaction_survey": _l("Satisfaction survey")},
    "severity": {"general": _l("General"), "serious": _l("Serious")},
    "complaint_status": {"open": _l("Being handled"), "closed": _l("Closed")},
    "customer_satisfied": {"yes": _l("Satisfied"), "no": _l("Not satisfied")},
    "sla_calendar": {"24x7": _l("Around the clock"), "working": _l("Working time")},
    "review_kind": {"semiannual": _l("Semiannual"), "additional": _l("Additional (contract change)"),
                    "ad_hoc": _l("Ad hoc (customer request)")},
    "contract_phase": {"before": _l("Before the change"), "after": _l("After the change")},
    "revision_agreed": {"yes": _l("Revision agreed"), "no": _l("No revision needed")},
    "revised_documents": {"service_contract": _l("Service contract"), "project_plan": _l("Project plan")},
    "review_state": {"reported": _l("Report filed")},
    "survey_kind": {"weekly": _l("Weekly survey")},
    **{f"input_{item}": _INPUT_STATES for item in REVIEW_INPUTS},
}

_GROUP_VALUED = frozenset({"tier1_group", "resolver_group", "responsible_group", "waiting_group", "owner_group",
                           "stakeholder_groups", "minutes_distributed_to"})

STATE_WORDS = {"open": _l("Open"), "waiting": _l("Waiting for you"), "resolved": _l("Resolved"),
               "closed": _l("Closed"), "canceled": _l("Cancelled")}

#: One line of history per audit action; ``who`` is a person (or "the system"), ``step`` a step's name.
ACTION_LINES = {
    "instance_started": _l("%(who)s reported the problem"),
    "task_created": _l("%(step)s is waiting to be done"),
    "task_claimed": _l("%(who)s took on %(step)s"),
    "task_unclaimed": _l("%(who)s gave %(step)s back to the group"),
    "task_assigned": _l("%(who)s assigned %(step)s"),
    "task_delegated": _l("%(who)s delegated %(step)s"),
    "task_resolved": _l("%(who)s handed %(step)s back"),
    "task_completed": _l("%(who)s completed %(step)s"),
    "handler_completed": _l("%(step)s was done automatically"),
    "incident": _l("%(step)s failed"),
    "incident_retry": _l("%(who)s retried %(step)s"),
    "incident_annotated": _l("%(who)s noted on the failure of %(step)s"),
    "timer_fired": _l("The time limit of %(step)s was reached"),
    "timer_moved": _l("%(who)s moved the time limit of %(step)s"),
    "timer_executed": _l("%(who)s triggered the time limit of %(step)s now"),
    "comment_added": _l("%(who)s added a comment"),
    "variables_modified": _l("%(who)s changed the ticket's data"),
    "instance_suspended": _l("%(who)s suspended the ticket"),
    "instance_activated": _l("%(who)s resumed the ticket"),
    "instance_canceled": _l("%(who)s cancelled the ticket"),
    "instance_completed": _l("The ticket was closed"),
    "message_received": _l("%(step)s received a message"),
    "signal_received": _l("%(step)s received a signal"),
    "start_timer_fired": _l("Started on schedule (%(step)s)"),
}

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DURATION = re.compile(r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")


def fact_label(name: str) -> str:
    label = FACT_LABELS.get(name)
    return str(label) if label is not None else name


def fact_value(value: Any, name: str = "") -> str:
    """A variable's value as plain text in the reader's language (the template escapes it)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        return _text_value(value, name)
    if isinstance(value, list):
        return ", ".join(fact_value(item, name) for item in value) or "—"
    if isinstance(value, dict):
        if _labelled(value):
            return value["label"]
        return " · ".join(f"{fact_label(str(key))}: {fact_value(item, str(key))}" for key, item in value.items()) or "—"
    return str(value)


def fact_html(value: Any, name: str = "") -> Markup:
    """A variable's value for a page: lists of words comma-separated, records as "label: value" pairs, a
    list of records as a small list, each word in the reader's language; never the stored JSON."""
    if isinstance(value, dict):
        return _record(value)
    if isinstance(value, list) and value:
        if any(isinstance(item, (dict, list)) for item in value):
            return Markup('<ul class="value-list">{}</ul>').format(
                Markup("").join(Markup("<li>{}</li>").format(fact_html(item, name)) for item in value))
        return Markup(escape(", ".join(fact_value(item, name) for item in value)))
    return Markup(escape(fact_value(value, name)))


def _labelled(value: dict[str, Any]) -> bool:
    """A choice as forms offer it ({"label": ..., "value": ...}, an open item): its label is what people read."""
    return isinstance(value.get("label"), str) and bool(value["label"].strip())


def _record(value: dict[str, Any]) -> Markup:
    if not value:
        return Markup("—")
    if _labelled(value):
        return Markup(escape(value["label"]))
    return Markup(" · ").join(Markup('<span class="value-pair">{}: {}</span>').format(fact_label(str(key)),
                                                                                    fact_html(item, str(key)))
                              for key, item in value.items())


def _text_value(value: str, name: str) -> str:
    word = VALUE_WORDS.get(name, {}).get(value)
    if word is not None:
        return str(word)
    if name in _GROUP_VALUED:
        return group_label(value)
    if _ISO_DATETIME.match(value):
        return _datetime_text(value)
    duration = _ISO_DURATION.match(value)
    if duration and any(duration.groupdict().values()):
        return " ".join(format_timedelta(timedelta(**{unit: int(amount)}))  # "1 天 4 小时", not a rounded "1 天"
                        for unit, amount in duration.groupdict().items() if amount)
    return value


def _datetime_text(value: str) -> str:
    """A stored time with its zone in the reader's zone; a time without one as it was typed."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value.replace("T", " ")
    return show_datetime(moment)


def state_label(state: str) -> str:
    word = STATE_WORDS.get(state)
    return str(word) if word is not None else state


def step_name(name: Optional[str]) -> str:
    """A step (task or activity) name from the model, in the reader's language where the catalog has it."""
    return translated(name) if name else ""


def actor_text(entry: Any) -> str:
    """Who did what a history entry records: a person's name, else "the system"."""
    return entry.actor_name or (_("the system") if entry.actor is None else entry.actor)


def history_line(entry: Any) -> str:
    """'服务台小王 completed 分类与首次处理': one history entry as a sentence."""
    who = actor_text(entry)
    step = step_name(entry.activity_name) or entry.activity_id or ""
    line = ACTION_LINES.get(entry.action)
    if line is None:
        return _("%(who)s: %(action)s", who=who, action=entry.action)
    return str(line) % {"who": who, "step": step}


FILTERS = {"fact_label": fact_label, "fact_value": fact_value, "fact_html": fact_html, "group_label": group_label,
           "state_label": state_label, "step_name": step_name, "history_line": history_line}
