"""A ticket's first response that is no workflow step: the first claim of its tier-1 task.

The response SLA (004 §4.1) is met when an engineer takes the ticket up; claiming the tier-1
task is that moment, but a claim does not step the workflow, so no handler sees it. The claim
service records it here, in the claim's own transaction, on the ``ticket`` row the reports count.
"""
from __future__ import annotations

from app.db import UnitOfWork
from app.domain import Ticket
from app.models import HumanTask, utcnow

# the user task of Flow 1 (processes/it_support_request.bpmn) in which tier 1 works a ticket
TIER1_TASK = "tier1_diagnose"


def note_claim(uow: UnitOfWork, task: HumanTask) -> None:
    """The claim of a tier-1 task is the ticket's first response, unless it already has one.

    The condition is part of the UPDATE, so of a claim and a completion committing at once the
    earlier one's time stays (PostgreSQL re-checks it on the row the other one wrote).
    """
    if task.activity_id != TIER1_TASK:
        return
    uow.session.execute(Ticket.__table__.update().where(Ticket.instance_id == task.instance_id,
                                                        Ticket.first_response_at.is_(None))
                        .values(first_response_at=utcnow()))
