"""Service-task handlers of Flow 3, the weekly survey report (周调查报告).

``processes/weekly_survey.bpmn`` calls these by topic. A timer starts the week every Friday;
each department named by decision ``survey_departments`` is surveyed by its owner group in
parallel; the answers become ``survey_answer`` / ``survey_item`` / ``accountability`` rows
(``app.domain.weekly_survey``) written with the step; the report is compiled from those rows
for the Monday meeting (例会), which gives each open problem an owner.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from app.domain import Accountability, SurveyAnswer, SurveyItem, Ticket
from app.texts import N_
from app.workcal import CalendarError
from handlers import HandlerContext, handler

#: How far the meeting may move past Monday before the calendar is deemed wrong (a month of holidays).
_MAX_DAYS = 31
#: Ticket statuses that leave nothing open to ask about.
_DONE = frozenset({"closed", "canceled"})
#: One line of the meeting's owner assignments: the problem's number, then its owner ("12 张三", "#12：zhangsan").
_ASSIGNMENT = re.compile(r"^#?(\d+)\s*[:：\s]\s*(\S.*)$")


def meeting_and_deadline(calendar: Any, now: datetime) -> tuple[datetime, datetime]:
    """When the Monday meeting (例会) is held and when the week's surveys are due, for a week starting at ``now``.

    The rule, on the working calendar (holidays and make-up working days, 调休, included):

    * the meeting is at opening time (09:00) of the first working day on or after the Monday that
      follows ``now`` — a holiday Monday moves it to the next working day;
    * the surveys are due at closing time (18:00) of the last working day before the meeting's day,
      so the report is complete when the meeting opens (a make-up Saturday counts as that day);
    * if that moment is not after ``now`` (a week started on a holiday Friday), the meeting itself
      is the deadline.
    """
    hours = calendar.hours
    today = now.astimezone(hours.zone).date()
    meeting_day = _working_day(calendar, today + timedelta(days=7 - today.weekday()), step=1)
    meeting = datetime.combine(meeting_day, hours.opens, hours.zone)
    last_day = _working_day(calendar, meeting_day - timedelta(days=1), step=-1)
    deadline = datetime.combine(last_day, hours.closes, hours.zone)
    return meeting, deadline if deadline > now else meeting


def _working_day(calendar: Any, day: date, step: int) -> date:
    """``day`` if it is worked, else the nearest worked day in the direction of ``step``."""
    for offset in range(_MAX_DAYS):
        candidate = day + timedelta(days=offset * step)
        if calendar.is_working_day(candidate):
            return candidate
    raise CalendarError(f"no working day within {_MAX_DAYS} days of {day}")


def week_of(calendar: Any, now: datetime) -> str:
    """The ISO week the survey belongs to, in the calendar's zone: ``2026-W49``."""
    year, week, _ = now.astimezone(calendar.hours.zone).isocalendar()
    return f"{year}-W{week:02d}"


def _text(variables: dict[str, Any], key: str) -> str:
    value = variables.get(key)
    return str(value).strip() if value is not None else ""


def _lines(variables: dict[str, Any], key: str) -> list[str]:
    """A textarea with one entry per line, blank lines dropped."""
    return [line.strip() for line in _text(variables, key).splitlines() if line.strip()]


def _choices(variables: dict[str, Any], key: str) -> set[str]:
    value = variables.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"{key} must be a list of open items, not {value!r}")
    return {str(choice) for choice in value}


@handler("prepare_weekly_survey")
def prepare_weekly_survey(ctx: HandlerContext) -> dict[str, Any]:
    """Name the week and fix the meeting and the survey deadline (see :func:`meeting_and_deadline`)."""
    meeting, deadline = meeting_and_deadline(ctx.calendar, ctx.now)
    return {"week": week_of(ctx.calendar, ctx.now), "survey_kind": "weekly", "meeting_at": meeting.isoformat(),
            "survey_deadline": deadline.isoformat(),
            # as the forms show them: local time, read the same in both languages
            "meeting_text": meeting.strftime("%Y-%m-%d %H:%M"),
            "survey_deadline_text": deadline.strftime("%Y-%m-%d %H:%M")}


@handler("prepare_department_survey")
def prepare_department_survey(ctx: HandlerContext) -> dict[str, Any]:
    """The department's open items, offered on the form as choices (resolved? satisfied?).

    They are the department's tickets not closed yet, and the problems earlier surveys left open
    (a problem that opened a ticket is followed through its ticket). Each carries who answers for
    it if it stays unresolved: the ticket's engineer, else its tier-1 group, else the service desk
    that has not dispatched it yet; for a problem, the owner the meeting gave it, else the
    department's survey owner group.
    """
    entry = ctx.variables.get("survey_department")
    if not isinstance(entry, dict) or not _text(entry, "department") or not _text(entry, "owner_group"):
        raise ValueError(f"survey_department {entry!r} from decision survey_departments needs a department "
                         "and an owner_group")
    department, owner_group = _text(entry, "department"), _text(entry, "owner_group")
    tickets = sorted((t for t in ctx.rows(Ticket, department=department) if t.status not in _DONE),
                     key=lambda t: t.requested_at)
    problems = sorted((p for p in ctx.rows(SurveyItem, department=department, kind="problem", status="open")
                       if p.instance_id != ctx.instance_id), key=lambda p: p.id)
    items = [{"key": f"ticket:{t.instance_id}", "label": f"{t.number or t.instance_id} · {t.requester or ''} · "
              f"{t.requested_on.isoformat()}", "ticket_instance_id": t.instance_id, "ticket_number": t.number,
              "assignee": t.engineer or t.tier1_group or "service_desk"} for t in tickets]
    items += [{"key": f"item:{p.id}", "label": f"#{p.id} {p.content}", "item_id": p.id,
               "assignee": p.owner or owner_group} for p in problems]
    return {"department": department, "owner_group": owner_group, "open_items": items,
            "open_item_options": [{"label": item["label"], "value": item["key"]} for item in items]}


@handler("register_weekly_survey")
def register_weekly_survey(ctx: HandlerContext) -> dict[str, Any]:
    """Record one department's answers: the review of each open item, the new problems, suggestions, complaints.

    An open item not ticked as resolved is held against who answers for it (问责); a resolved
    earlier problem is closed. A problem written under "needs a ticket" opens a Flow-1 ticket
    (message ``support_request_received``); every complaint starts Flow 2 (``complaint_received``).
    A choice that is not one of the offered open items is refused (an incident), nothing recorded.
    """
    variables = ctx.variables
    week, department = _text(variables, "week"), _text(variables, "department")
    items = {item["key"]: item for item in variables.get("open_items") or []}
    resolved, satisfied = _choices(variables, "resolved_items"), _choices(variables, "satisfied_items")
    if unknown := sorted((resolved | satisfied) - set(items)):
        raise ValueError(f"{', '.join(unknown)} are not open items of {department} this week")
    late = ctx.now > datetime.fromisoformat(_text(variables, "survey_deadline"))
    ctx.record(SurveyAnswer(
        instance_id=ctx.instance_id, week=week, department=department, owner_group=_text(variables, "owner_group"),
        recorder=_text(variables, "recorder"), surveyed_at=datetime.fromisoformat(_text(variables, "surveyed_at")),
        confirmed_by=_text(variables, "confirmed_by"), answered_by=ctx.actor, answered_at=ctx.now, late=late))
    for key, item in items.items():
        _review(ctx, week, department, item, key in resolved, key in satisfied)
    base = {"instance_id": ctx.instance_id, "week": week, "department": department, "recorded_at": ctx.now}
    for line in _lines(variables, "problems"):
        ctx.record(SurveyItem(**base, kind="problem", content=line, status="open"))
    for line in _lines(variables, "ticket_problems"):
        ctx.record(SurveyItem(**base, kind="problem", content=line, status="ticket", ticket_requested=True))
        ctx.send_message("support_request_received", **_ticket_intake(variables, line))
    for line in _lines(variables, "suggestions"):
        ctx.record(SurveyItem(**base, kind="suggestion", content=line, status="noted"))
    for line in _lines(variables, "complaints"):
        ctx.record(SurveyItem(**base, kind="complaint", content=line, status="sent"))
        ctx.send_message("complaint_received", complaint_source="weekly_survey", complaint=line,
                         complainant=_text(variables, "confirmed_by"), contact=_text(variables, "recorder"),
                         department=department, severity="general", ticket_business_key="",
                         survey_week=week, survey_instance_id=ctx.instance_id)
    return {"survey_late": late}


def _review(ctx: HandlerContext, week: str, department: str, item: dict[str, Any], resolved: bool,
            satisfied: bool) -> None:
    """One open item reviewed: a follow-up row; closed if resolved and it was a problem, else 问责."""
    ctx.record(SurveyItem(instance_id=ctx.instance_id, week=week, department=department, kind="follow_up",
                          content=item["label"], ticket_instance_id=item.get("ticket_instance_id"),
                          ticket_number=item.get("ticket_number"), follows_item_id=item.get("item_id"),
                          resolved=resolved, satisfied=satisfied, status="reviewed", recorded_at=ctx.now))
    if resolved and item.get("item_id") is not None:
        ctx.update(SurveyItem, {"id": item["item_id"]}, status="closed")
    elif not resolved:
        ctx.record(Accountability(instance_id=ctx.instance_id, week=week, department=department,
                                  assignee=item["assignee"], ticket_instance_id=item.get("ticket_instance_id"),
                                  ticket_number=item.get("ticket_number"), follows_item_id=item.get("item_id"),
                                  reason=f"unresolved at the weekly survey {week}: {item['label']}",
                                  registered_at=ctx.now))


def _ticket_intake(variables: dict[str, Any], problem: str) -> dict[str, Any]:
    """The intake a Flow-1 ticket needs (the fields of its start form), for a problem found on site."""
    return {"requester": _text(variables, "confirmed_by"), "contact": _text(variables, "recorder"),
            "department": _text(variables, "department"), "channel": "onsite", "symptom": problem,
            "occurred_at": _text(variables, "surveyed_at"), "impact_scope": _text(variables, "department"),
            "already_tried": "", "impact": "low", "urgency": "low", "vip": False, "business_stopped": False,
            "survey_week": _text(variables, "week")}


@handler("remind_weekly_survey")
def remind_weekly_survey(ctx: HandlerContext) -> dict[str, Any]:
    """The deadline passed with the department unanswered: remind its owner group, tell the project manager."""
    variables = ctx.variables
    params = {"department": _text(variables, "department"), "week": _text(variables, "week"),
              "deadline": _text(variables, "survey_deadline"), "meeting": _text(variables, "meeting_at")}
    ctx.notify(_text(variables, "owner_group"), N_("Weekly survey of %(department)s is overdue"),
               N_("The survey of %(department)s for %(week)s was due %(deadline)s; the meeting is at %(meeting)s."),
               **params)
    ctx.notify("project_manager", N_("Weekly survey of %(department)s is overdue"),
               N_("The survey of %(department)s for %(week)s was due %(deadline)s; the meeting is at %(meeting)s."),
               **params)
    return {"survey_reminded": True}


@handler("compile_weekly_report")
def compile_weekly_report(ctx: HandlerContext) -> dict[str, Any]:
    """The report the meeting reads: departments answered (late ones named), every open problem of any
    week with its number and current owner, and this week's 问责."""
    answers = sorted(ctx.rows(SurveyAnswer, instance_id=ctx.instance_id), key=lambda a: a.id)
    problems = sorted(ctx.rows(SurveyItem, kind="problem", status="open"), key=lambda p: p.id)
    held = sorted(ctx.rows(Accountability, instance_id=ctx.instance_id), key=lambda a: a.id)
    lines = [f"- #{p.id} · {p.department} · {p.content} · {p.owner or '—'}" for p in problems]
    held_lines = [f"- {a.ticket_number or ('#' + str(a.follows_item_id))} · {a.department} · {a.assignee}"
                  for a in held]
    return {"answered_departments": [a.department for a in answers],
            "late_departments": [a.department for a in answers if a.late],
            "report_problem_ids": [p.id for p in problems],
            "open_problems_text": "\n".join(lines) or "—",
            "accountability_text": "\n".join(held_lines) or "—"}


@handler("assign_problem_owners")
def assign_problem_owners(ctx: HandlerContext) -> dict[str, Any]:
    """Record the owner the meeting gave each problem ("12 张三" per line); a number not in the report is
    refused (an incident), nothing recorded."""
    listed = set(ctx.variables.get("report_problem_ids") or [])
    owners: dict[int, str] = {}
    for line in _lines(ctx.variables, "owner_assignments"):
        match = _ASSIGNMENT.match(line)
        if match is None or int(match.group(1)) not in listed:
            raise ValueError(f"owner assignment {line!r} does not name a problem of this week's report")
        owners[int(match.group(1))] = match.group(2).strip()
    for item_id, owner in owners.items():
        ctx.update(SurveyItem, {"id": item_id}, owner=owner, assigned_by=ctx.actor, assigned_at=ctx.now)
    return {"assigned_problems": len(owners)}
