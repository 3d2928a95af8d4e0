"""One week's survey report as people read it (``/surveys/weekly/<week>``): answers, items and 问责.

The rows are those Flow 3's handlers wrote (``app.domain.weekly_survey``); this only reads them.
Who answers for service quality reads it: the project manager who holds the meeting, the service
desk that surveys, administrators.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app.db import UnitOfWork
from app.domain import Accountability, SurveyAnswer, SurveyItem
from app.errors import Forbidden, InvalidInput
from app.services.users import ADMIN_GROUP, Principal

READER_GROUPS = frozenset({"project_manager", "service_desk", ADMIN_GROUP})
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    answers: list[SurveyAnswer]
    items: list[SurveyItem]
    accountability: list[Accountability]


def check_week(text: str) -> str:
    """An ISO week such as ``2026-W49``; anything else (``2026-W54``, ``49``) is refused with the form to use."""
    match = _WEEK.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise InvalidInput(f"week {text!r} is not an ISO week such as 2026-W49") from None
    return text


def weekly_report(uow: UnitOfWork, viewer: Principal, week: str) -> WeeklyReport:
    """The week's answers by department, its items and who is held to account; readers in READER_GROUPS only."""
    if not viewer.groups & READER_GROUPS:
        raise Forbidden(f"user {viewer.id} may not read the weekly survey report")
    week = check_week(week)
    with uow:
        session = uow.session
        answers = list(session.scalars(select(SurveyAnswer).where(SurveyAnswer.week == week)
                                       .order_by(SurveyAnswer.department, SurveyAnswer.id)))
        items = list(session.scalars(select(SurveyItem).where(SurveyItem.week == week)
                                     .order_by(SurveyItem.department, SurveyItem.id)))
        held = list(session.scalars(select(Accountability).where(Accountability.week == week)
                                    .order_by(Accountability.department, Accountability.id)))
        session.expunge_all()
    return WeeklyReport(week, answers, items, held)
