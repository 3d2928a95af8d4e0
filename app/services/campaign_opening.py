"""Opening a satisfaction survey (Flow 5) from its start form: only the service department, with dates that make sense.

The start form can check each date on its own, not how they relate; this is checked here, before the
instance starts, so a period that ends before it begins, or an answering window already over, is a
400 naming the field instead of a campaign that stops with an incident.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from app import clock, workcal
from app.db import UnitOfWork
from app.errors import FieldErrors, NotFound
from app.models import ProcessInstance
from app.services import instances, starters
from app.services.definitions import definition_row, latest_definition_id
from app.services.forms import form_source, start_form
from app.services.problem_reports import ReportForm
from app.services.users import Principal
from app.texts import N_

PROCESS_KEY = "satisfaction_survey"


def campaign_form(uow: UnitOfWork, reader: Principal) -> ReportForm:
    """The latest campaign start form, with the audience chosen (the one the practice knows); refused to
    whom the model does not name as a starter (the service department)."""
    with uow:
        definition_id = latest_definition_id(uow, PROCESS_KEY)
        if definition_id is None:
            raise NotFound(f"process definition {PROCESS_KEY} is not deployed")
        definition = definition_row(uow, definition_id)
        starters.check_may_start(reader, definition)
        return ReportForm(form_source(uow, definition, None), start_form(uow, definition),
                          {"audience": "closed_tickets"})


def _day(values: dict[str, Any], key: str) -> date | None:
    try:
        return date.fromisoformat(str(values.get(key) or "")[:10])
    except ValueError:
        return None  # the form's own check names it


def check_dates(values: dict[str, Any]) -> None:
    """The period runs forwards and answering is still possible on the closing day."""
    start, end, closes = (_day(values, key) for key in ("period_start", "period_end", "closes_on"))
    problems = {}
    if start and end and end < start:
        problems["period_end"] = (N_("The period cannot end before it starts."), {})
    today = clock.now().astimezone(workcal.current().hours.zone).date()
    if closes and closes < today:
        problems["closes_on"] = (N_("Choose today or a later day."), {})
    elif closes and start and closes < start:
        problems["closes_on"] = (N_("Answering cannot close before the period starts."), {})
    if problems:
        raise FieldErrors("campaign dates: " + ", ".join(f"field '{name}'" for name in problems), problems)


def open_campaign(uow: UnitOfWork, reader: Principal, values: dict[str, Any]) -> ProcessInstance:
    """Start a campaign; who starts it is checked first (a refused opener learns nothing about the dates),
    then the form as on every start, then how its dates relate."""
    starters.check_may_start_latest(uow, reader, PROCESS_KEY)
    check_dates(values)
    return instances.start_instance(uow, reader, dict(values), key=PROCESS_KEY)
