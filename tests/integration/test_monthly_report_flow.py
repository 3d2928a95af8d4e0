"""Flow 6, the monthly service report (服务月报, ``processes/monthly_report.bpmn``), every path.

The shipped timer start event fires at 08:00 (Asia/Shanghai) on the 1st: the clock is moved to its due
time and the scheduler ticked, and the report of the previous calendar month is compiled as a draft.
The service department then publishes it (the project manager and the service department are told), or
asks to recompute first, which renews the figures of the same report. Tickets are rows written
into the domain table as the Flow-1 handlers would; the stored figures must equal ``figures.compute``
over the month. SQLite, and PostgreSQL for the compile (JSON column, the handler's read transaction).
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import ImprovementAction, MonthlyReport, SatisfactionResponse
from app.models import Notification, ProcessInstance, StartTimer
from app.periods import month_bounds, previous_month
from app.services import figures
from app.store import database
from scheduler import tick
from tests.integration.test_reports_pages import insert, ticket
from tests.integration.test_support_request_flow import step

PROCESS = "monthly_report"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISH = {"review_decision": "publish", "review_comment": "响应达标率较上月提升，继续保持。"}
RECOMPUTE = {"review_decision": "recompute", "review_comment": "月底两张工单的回访刚补录，请重新统计。"}


@pytest.fixture
def backend() -> str:
    return "sqlite"


def _read(app, query):
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return rows


def _report(app) -> MonthlyReport:
    [row] = _read(app, select(MonthlyReport))
    return row


def _told(app, group: str, subject: str) -> list[Notification]:
    return _read(app, select(Notification).where(Notification.group_id == group, Notification.subject == subject))


def _requested_in(month: str, count: int, first_number: int = 1) -> list:
    """``count`` tickets requested on the month's first days at 10:00 Shanghai, alternately closed."""
    first, _last = month_bounds(month)
    return [ticket(f"SD-{month}-{n}", datetime.combine(first + timedelta(days=n), datetime.min.time(), SHANGHAI)
                   .replace(hour=10).astimezone(timezone.utc), closed=n % 2 == 0)
            for n in range(first_number, first_number + count)]


@contextmanager
def first_of_the_month(app) -> Iterator[tuple[str, str]]:
    """Hold the clock at the monthly timer's due time (checked to be 08:00 on a 1st in Shanghai) and fire it;
    yields the reported month and the new instance's id. Three tickets of that month, one of the month
    after and one of the month before are in the database when it fires."""
    [timer] = _read(app, select(StartTimer).where(StartTimer.process_key == PROCESS))
    due = timer.due_at.astimezone(SHANGHAI)
    assert (due.day, due.hour, due.minute) == (1, 8, 0), due
    month = previous_month(due.date())
    insert(app, *_requested_in(month, 3), *_requested_in(f"{due:%Y-%m}", 1, 10),
           *_requested_in(previous_month(month_bounds(month)[0]), 1, 20), *_questionnaires(month))
    with clock.frozen(timer.due_at - timedelta(seconds=1)) as advance:
        tick(app)
        assert _read(app, select(ProcessInstance).where(ProcessInstance.definition_key == PROCESS)) == []
        advance(timedelta(seconds=1))
        tick(app)
        [instance] = _read(app, select(ProcessInstance).where(ProcessInstance.definition_key == PROCESS))
        yield month, instance.id


#: Questionnaire answers of the reported month (technical, response, resolution, attitude, communication)
ANSWERS = ((5, 4, 4, 5, 3), (4, 4, 3, 5, 4))


def _questionnaires(month: str) -> list:
    """Two answers and an open improvement action in the reported month, one answer in the month before
    (not counted), and a questionnaire sent but never answered (not counted either)."""
    first, _last = month_bounds(month)
    noon = datetime.combine(first + timedelta(days=4), datetime.min.time(), SHANGHAI).replace(hour=12)
    rows = [SatisfactionResponse(id=f"answer-{n}", requester="requester", sent_at=noon.astimezone(timezone.utc),
                                 answered_at=(noon + timedelta(hours=n)).astimezone(timezone.utc),
                                 **dict(zip(("technical", "response", "resolution", "attitude", "communication"),
                                            scores)))
            for n, scores in enumerate(ANSWERS)]
    before = (noon - timedelta(days=10)).astimezone(timezone.utc)
    rows.append(SatisfactionResponse(id="answer-before", requester="requester", sent_at=before, answered_at=before,
                                     technical=1, response=1, resolution=1, attitude=1, communication=1))
    rows.append(SatisfactionResponse(id="unanswered", requester="requester", sent_at=noon.astimezone(timezone.utc)))
    rows.append(ImprovementAction(campaign_instance_id="campaign", dimension="communication", mean=3.5, target=4.0,
                                  measure="每周向用户通报处理进度", owner_group="service_desk",
                                  due_on=first + timedelta(days=20), created_at=noon.astimezone(timezone.utc)))
    return rows


def _expected_survey(month: str) -> dict:
    """What the report must say about the month's questionnaires, computed from ``ANSWERS`` by hand."""
    first, last = month_bounds(month)
    names = ("technical", "response", "resolution", "attitude", "communication")
    return {"from": first.isoformat(), "to": last.isoformat(), "responses": len(ANSWERS),
            "means": {name: round(sum(a[i] for a in ANSWERS) / len(ANSWERS), 2) for i, name in enumerate(names)},
            "callback_samples": 0, "actions": {"open": 1, "done": 0}}


def _month_figures(app, month: str) -> dict:
    """The report's figures: the tickets' (``figures.compute``) and the month's questionnaires."""
    first, last = month_bounds(month)
    with app.app_context():
        return {**figures.compute(UnitOfWork(database(app), write=False), first, last),
                "satisfaction_survey": _expected_survey(month)}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_timer_fires_on_the_first_and_compiles_the_previous_month_as_a_draft(app, api, backend):
    with first_of_the_month(app) as (month, instance_id):
        report = _report(app)
        assert (report.month, report.instance_id, report.state) == (month, instance_id, "draft")
        assert (report.period_from, report.period_to) == month_bounds(month)
        assert report.figures == _month_figures(app, month) and report.figures["tickets"] == 3
        assert report.created_at == report.compiled_at == clock.now()
        task = api.only_task(instance_id, "review_monthly_report")
        assert task["candidateGroups"] == ["service_dept"]
        assert api.variables(instance_id)["report_page"] == f"/reports/monthly/{month}"
        [note] = _told(app, "service_dept", "Monthly service report %(month)s to review")
        assert note.params == {"month": month, "tickets": "3", "closed": str(report.figures["closed"])}


def test_the_service_department_publishes_it_and_the_project_manager_is_told(app, api):
    with first_of_the_month(app) as (month, instance_id):
        task = api.only_task(instance_id, "review_monthly_report")
        assert api.complete(task["id"], "pm", PUBLISH).status_code == 403  # reviewing is the service dept's
        step(api, instance_id, "review_monthly_report", ["service_dept"], "servicedept", PUBLISH)
        published_at = clock.now()
    assert api.history_state(instance_id) == "COMPLETED"
    report = _report(app)
    assert (report.state, report.reviewer, report.comment, report.published_at) == \
        ("published", "servicedept", PUBLISH["review_comment"], published_at)
    for group in ("project_manager", "service_dept"):
        [note] = _told(app, group, "Monthly service report %(month)s published")
        assert note.params == {"month": month, "comment": PUBLISH["review_comment"]}


def test_asking_to_recompute_renews_the_figures_of_the_same_report_then_it_is_published(app, api):
    with first_of_the_month(app) as (month, instance_id):
        before = _report(app)
        insert(app, *_requested_in(month, 2, 5))  # late entries for the month
        step(api, instance_id, "review_monthly_report", ["service_dept"], "servicedept", RECOMPUTE)
        again = _report(app)
        assert (again.id, again.state, again.comment, again.reviewer) == \
            (before.id, "draft", RECOMPUTE["review_comment"], "servicedept")
        assert again.figures == _month_figures(app, month) and again.figures["tickets"] == 5
        step(api, instance_id, "review_monthly_report", ["service_dept"], "servicedept", PUBLISH)
    assert api.history_state(instance_id) == "COMPLETED"
    assert (_report(app).state, _report(app).figures["tickets"]) == ("published", 5)
    assert len(_told(app, "service_dept", "Monthly service report %(month)s to review")) == 2



def test_a_month_compiled_by_hand_and_a_second_report_for_it_is_an_incident_not_an_overwrite(app, api):
    """Started with ``report_month`` (a month the timer missed), the flow reports that month; another start
    for the same month stops at the compile with an incident naming the existing report."""
    insert(app, *_requested_in("2026-10", 2))
    first = api.start(PROCESS, {"report_month": "2026-10"}, user="admin")
    report = _report(app)
    assert (report.month, report.instance_id, report.figures["tickets"]) == ("2026-10", first, 2)

    second = api.start(PROCESS, {"report_month": "2026-10"}, user="admin")
    [incident] = api.get(f"/incident?processInstanceId={second}").get_json()
    assert incident["activityId"] == "compile_monthly_report"
    assert f"2026-10 already has a monthly report (instance {first})" in incident["incidentMessage"]
    assert _report(app).instance_id == first and api.tasks(second) == []
