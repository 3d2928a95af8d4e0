"""Filing a complaint (客户投诉反馈表): Flow 2 started from its own form, by the customer or by staff.

A customer files in the portal: the source is the portal's, set here, and a ticket number they give
must be one of their own tickets. Staff take complaints by phone or in person and say where each came
from. Either way a ticket number given is resolved to that ticket, so the complaint and the ticket link
to each other, and the complaint gets the next TS number of the day.
"""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import Row, select

from app.db import UnitOfWork
from app.errors import FieldErrors, NotFound
from app.models import ProcessInstance, User
from app.services import instances, starters
from app.services.definitions import definition_row, latest_definition_id
from app.services.forms import form_source, start_form
from app.services.problem_reports import PROCESS_KEY as TICKET_PROCESS_KEY
from app.services.problem_reports import ReportForm
from app.services.ticket_numbers import next_complaint_number
from app.services.users import Principal
from app.texts import N_

PROCESS_KEY = "complaint_handling"
PORTAL_SOURCE = "portal"
STAFF_SOURCE = "direct"
#: Start variables the server sets for a customer; the portal page does not ask for them.
SET_FOR_CUSTOMERS = ("complaint_source",)


def complaint_form(uow: UnitOfWork, user: Principal, ticket_number: Optional[str] = None) -> ReportForm:
    """The latest complaint form, with the complainant (a customer filing for themselves) filled in; refused
    to whom the model does not name as a starter."""
    with uow:
        definition_id = latest_definition_id(uow, PROCESS_KEY)
        if definition_id is None:
            raise NotFound(f"process definition {PROCESS_KEY} is not deployed")
        definition = definition_row(uow, definition_id)
        starters.check_may_start(user, definition)
        prefill: dict[str, Any] = {"ticket_business_key": ticket_number or ""}
        if user.is_staff:
            prefill["complaint_source"] = STAFF_SOURCE
        else:
            profile = uow.session.get(User, user.id)
            if profile is not None:
                prefill.update(complainant=profile.display_name, contact=profile.email or "")
        return ReportForm(form_source(uow, definition, None), start_form(uow, definition),
                          {key: value for key, value in prefill.items() if value})


def file_complaint(uow: UnitOfWork, user: Principal, values: dict[str, Any]) -> ProcessInstance:
    """Start complaint handling with the next complaint number; who files is checked first (before the ticket
    named is looked up), then the form as on every start.

    A complaint about a ticket belongs to the ticket's requester, so staff recording it by phone file it for
    them: the requester follows it in the portal, the history keeps who filed it."""
    starters.check_may_start_latest(uow, user, PROCESS_KEY)
    values = dict(values)
    if not user.is_staff:
        values["complaint_source"] = PORTAL_SOURCE
    number = str(values.get("ticket_business_key") or "").strip()
    values["ticket_business_key"] = number
    ticket = _ticket(uow, user, number) if number else None
    link = {"ticket_instance_id": ticket.id} if ticket is not None else {}
    return instances.start_instance(uow, user, values, key=PROCESS_KEY, business_key_from=next_complaint_number,
                                    decided=link, owner=ticket.started_by if ticket is not None else None)


def _ticket(uow: UnitOfWork, user: Principal, number: str) -> Row:
    """The ticket a complaint names (id, owner); a number that is not a ticket the filer may see is refused at
    its field."""
    with uow:
        row = uow.session.execute(select(ProcessInstance.id, ProcessInstance.started_by)
                                  .where(ProcessInstance.business_key == number,
                                         ProcessInstance.definition_key == TICKET_PROCESS_KEY)).first()
    if row is None or not user.may_see_instance(row.started_by):
        raise FieldErrors(f"field 'ticket_business_key': no ticket {number} of yours",
                          {"ticket_business_key": (N_("No ticket of yours has this number."), {})})
    return row
