"""Service reviews (服务评审, Flow 4): asking for one, and reading reviews with their minutes.

The semiannual review starts itself (timer start event). The others are asked for by people with a
stake in them: sales before and after a major contract change (追加评审), the project manager or the
service desk when the customer asks (临时评审). Reviews are internal: the pages listing them are for the
groups that run or take part in them, never for requesters.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from sqlalchemy import select

from app.db import UnitOfWork
from app.errors import Forbidden, NotFound
from app.models import ProcessInstance
from app.domain import ReviewMinutes, ServiceReview
from app.services import instances, starters
from app.services.definitions import definition_row, latest_definition_id
from app.services.forms import form_source, start_form
from app.services.problem_reports import ReportForm
from app.services.users import Principal

PROCESS_KEY = "service_review"
#: Which kind of review each group may ask for (DOMAIN.md, Flow 4), within who the model lets start a review
#: at all (its candidateStarterGroups): the service department asks on behalf of the customer too.
STARTERS: dict[str, frozenset[str]] = {
    "additional": frozenset({"sales"}),
    "ad_hoc": frozenset({"project_manager", "service_desk", "service_dept"}),
}
#: Who may read reviews and their minutes: the groups that run them, ask for them or act on them.
READERS = frozenset({"project_manager", "sales", "service_dept", "service_desk", "admin"})


@dataclass
class ReviewRecord:
    """One review as its page shows it, with the minutes of its meeting (once recorded)."""

    review: ServiceReview
    minutes: list[ReviewMinutes]


def kinds_for(user: Principal) -> list[str]:
    """The kinds of review ``user`` may ask for, in the form's order."""
    return [kind for kind, groups in STARTERS.items() if user.groups & groups]


def may_read(user: Principal) -> bool:
    return bool(user.groups & READERS)


def may_request(uow: UnitOfWork, user: Principal) -> bool:
    """Whether the page offers to ask for a review: the model lets ``user`` start one, of a kind they may ask for."""
    return bool(kinds_for(user)) and starters.may_start_latest(uow, user, PROCESS_KEY)


def request_form(uow: UnitOfWork, user: Principal) -> ReportForm:
    """The latest request form; refused to someone who may ask for no kind of review or whom the model
    does not name as a starter."""
    _check_may_request(user, None)
    with uow:
        definition_id = latest_definition_id(uow, PROCESS_KEY)
        if definition_id is None:
            raise NotFound(f"process definition {PROCESS_KEY} is not deployed")
        definition = definition_row(uow, definition_id)
        starters.check_may_start(user, definition)
        kinds = kinds_for(user)
        return ReportForm(form_source(uow, definition, None), start_form(uow, definition),
                          {"review_kind": kinds[0]} if len(kinds) == 1 else {})


def request_review(uow: UnitOfWork, user: Principal, values: dict) -> ProcessInstance:
    """Start a review of the kind asked for, if ``user``'s group may ask for that kind; the model's starters
    and the form are checked as on every start."""
    kind = values.get("review_kind") if isinstance(values, dict) else None
    _check_may_request(user, kind if isinstance(kind, str) and kind in STARTERS else None)
    return instances.start_instance(uow, user, values, key=PROCESS_KEY)


def _check_may_request(user: Principal, kind: Optional[str]) -> None:
    allowed = kinds_for(user)
    if not allowed or (kind is not None and kind not in allowed):
        wanted = f"an {kind} review" if kind else "a service review"
        raise Forbidden(f"user {user.id} may not ask for {wanted}")


def list_reviews(uow: UnitOfWork, viewer: Principal) -> list[ServiceReview]:
    """Every review, newest first."""
    _check_reader(viewer)
    with uow:
        rows = list(uow.session.scalars(select(ServiceReview).order_by(ServiceReview.opened_at.desc())))
        uow.session.expunge_all()
        return rows


def review(uow: UnitOfWork, viewer: Principal, instance_id: str) -> ReviewRecord:
    """One review and its minutes; NotFound for an id that is no review."""
    _check_reader(viewer)
    with uow:
        row = uow.session.get(ServiceReview, instance_id)
        if row is None:
            raise NotFound(f"no service review {instance_id}")
        minutes = list(uow.session.scalars(select(ReviewMinutes).where(ReviewMinutes.review_instance_id == instance_id)
                                           .order_by(ReviewMinutes.id)))
        uow.session.expunge_all()
        return ReviewRecord(row, minutes)


def _check_reader(viewer: Principal) -> None:
    if not may_read(viewer):
        raise Forbidden(f"user {viewer.id} may not read service reviews")
