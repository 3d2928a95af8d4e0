"""Reporting a problem in the portal: Flow 1 started from its own start form, numbered as a ticket.

The portal is one intake channel among several (DOMAIN.md, Flow 1 step 1), so the channel is set
here, never taken from the browser, and so is VIP: it comes from the reporter's account (the ``vip``
group an administrator grants), or anyone could tick it and jump the queue; the reporter's name and contact come from their profile as a
starting point they may correct. Everything else is the start form, checked like any other start.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from app.db import UnitOfWork
from app.errors import NotFound
from app.forms import FormSpec
from app.models import ProcessInstance, User
from app.services import instances, starters
from app.services.definitions import definition_row, latest_definition_id
from app.services.forms import form_source, start_form
from app.services.ticket_numbers import next_ticket_number
from app.services.users import VIP_GROUP, Principal

PROCESS_KEY = "it_support_request"
PORTAL_CHANNEL = "portal"
#: Start variables the server sets for a portal report; the page does not ask for them.
SET_BY_PORTAL = ("channel", "vip")


@dataclass(frozen=True)
class ReportForm:
    """What the report page shows: the start form as deployed (or its spec) and the values it starts with."""

    source: Optional[bytes]
    spec: Optional[FormSpec]
    prefill: dict[str, Any]


def report_form(uow: UnitOfWork, user: Principal) -> ReportForm:
    """The latest support-request start form, with the reporter's name and contact filled in; refused to
    whom the model does not name as a starter."""
    with uow:
        definition_id = latest_definition_id(uow, PROCESS_KEY)
        if definition_id is None:
            raise NotFound(f"process definition {PROCESS_KEY} is not deployed")
        definition = definition_row(uow, definition_id)
        starters.check_may_start(user, definition)
        profile = uow.session.get(User, user.id)
        prefill = {"requester": profile.display_name, "contact": profile.email} if profile else {}
        return ReportForm(form_source(uow, definition, None), start_form(uow, definition),
                          {key: value for key, value in prefill.items() if value})


def report_problem(uow: UnitOfWork, user: Principal, values: dict[str, Any]) -> ProcessInstance:
    """Start a support request with the next ticket number as its business key; the form is checked as
    on every start, and a refused report draws no number."""
    set_here = {"channel": PORTAL_CHANNEL, "vip": VIP_GROUP in user.groups}
    return instances.start_instance(uow, user, {**values, **set_here}, key=PROCESS_KEY,
                                    business_key_from=next_ticket_number)
