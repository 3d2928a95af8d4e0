"""Callback sampling (回访抽样): a share of each week's closed tickets gets a follow-up questionnaire.

``processes/callback_sampling.bpmn`` fires on Mondays (cron) or when the service department names a week.
The share comes from decision ``callback_sampling`` (10 % as shipped); the pick is the week's closed
tickets ordered by a hash of their number, so a rerun picks the same tickets, and none is sent twice.
"""
from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.domain import CallbackSample, SatisfactionResponse
from app.models import Notification, StartTimer
from app.store import database
from scheduler import tick
from tests.helpers import deploy
from tests.satisfaction_helpers import SHANGHAI, close_tickets, rows

PROCESS = "callback_sampling_survey"
PROCESSES = Path(__file__).resolve().parents[2] / "processes"
FORM = PROCESSES.parent / "forms" / "callback_sampling_week.form"
WEEK_48 = [datetime(2026, 11, 23, 0, 30, tzinfo=SHANGHAI) + timedelta(hours=7 * i) for i in range(24)]  # Mon–Sun


def _week_48(app) -> dict[str, str]:
    """24 tickets closed in ISO week 2026-W48 (Mon 23 – Sun 29 November), all reported by ``requester``;
    one closed just before and one just after the week. Returns number → instance id."""
    numbers = [f"SD-202611{closed.day:02d}-{index:04d}" for index, closed in enumerate(WEEK_48, 1)]
    ids = close_tickets(app, *[(n, "requester", at) for n, at in zip(numbers, WEEK_48)],
                        ("SD-20261122-9001", "requester", datetime(2026, 11, 22, 23, 59, tzinfo=SHANGHAI)),
                        ("SD-20261130-9002", "requester", datetime(2026, 11, 30, 0, 0, tzinfo=SHANGHAI)))
    return dict(zip(numbers, ids))


def _expected(numbers, percent: int) -> set[str]:
    """An independent computation of the sample: hash order, rounded-up share."""
    ordered = sorted(numbers, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
    return set(ordered[:math.ceil(len(ordered) * percent / 100)])


def _rerun(api, week: str = "2026-W48") -> dict:
    instance_id = api.start(PROCESS, {"sample_week": week}, user="servicedept")
    assert api.history_state(instance_id) == "COMPLETED"
    return api.variables_after_end(instance_id)



@pytest.fixture
def backend() -> str:
    """SQLite for most paths; the test marked for both backends shows the averages and JSON columns on PostgreSQL."""
    return "sqlite"

@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_share_of_the_week_is_sampled_reproducibly_and_never_twice(app, api):
    tickets = _week_48(app)
    first = _rerun(api)
    assert (first["closed_count"], first["sample_percent"], first["sampled_count"]) == (24, 10, 3)
    samples = rows(app, CallbackSample)
    assert {s.ticket_number for s in samples} == _expected(tickets, 10)
    assert {s.week for s in samples} == {"2026-W48"}
    responses = {r.id: r for r in rows(app, SatisfactionResponse)}
    assert {responses[s.response_id].ticket_instance_id for s in samples} == {s.ticket_instance_id for s in samples}
    assert all(r.requester == "requester" and r.campaign_instance_id is None for r in responses.values())
    with UnitOfWork(database(app), write=False) as uow:
        told = list(uow.session.scalars(select(Notification).where(Notification.user_id == "requester")))
    assert sorted(n.params["ticket"] for n in told) == sorted(s.ticket_number for s in samples)
    assert all(re.fullmatch(r"/portal/surveys/[0-9a-f-]{36}", n.params["link"]) for n in told)

    again = _rerun(api)   # the same week again: the same pick, all already sampled
    assert (again["closed_count"], again["sampled_count"]) == (24, 0)
    assert len(rows(app, CallbackSample)) == 3 and len(rows(app, SatisfactionResponse)) == 3


def test_a_changed_share_adds_only_tickets_not_sampled_before(app, api):
    tickets = _week_48(app)
    _rerun(api)
    patched = (PROCESSES / "callback_sampling.dmn").read_text(encoding="utf-8").replace("<text>10</text>",
                                                                                     "<text>25</text>")
    response = deploy(api, ("callback_sampling.bpmn", (PROCESSES / "callback_sampling.bpmn").read_bytes()),
                      ("callback_sampling.dmn", patched.encode()), ("callback_sampling_week.form", FORM.read_bytes()),
                      user="owner", name="sample a quarter")
    assert response.status_code == 200, response.get_json()
    second = _rerun(api)
    assert (second["sample_percent"], second["sampled_count"]) == (25, 3)   # 6 now, of which 3 already sent
    assert {s.ticket_number for s in rows(app, CallbackSample)} == _expected(tickets, 25)
    assert len(rows(app, SatisfactionResponse)) == 6


def test_the_monday_timer_samples_the_week_that_ended(app, api):
    tickets = _week_48(app)
    with UnitOfWork(database(app)) as uow:
        [timer] = uow.session.scalars(select(StartTimer).where(StartTimer.process_key == PROCESS))
        assert timer.activity_id == "weekly_sampling"
        timer.due_at = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI)   # as if deployed the week before
        uow.commit()
    with clock.frozen(datetime(2026, 11, 30, 9, 0, 5, tzinfo=SHANGHAI)):
        tick(app)
    [sampling] = api.get(f"/history/process-instance?processDefinitionKey={PROCESS}").get_json()
    variables = api.variables_after_end(sampling["id"])
    assert (variables["sample_week"], variables["closed_count"], variables["sampled_count"]) == ("2026-W48", 24, 3)
    assert {s.ticket_number for s in rows(app, CallbackSample)} == _expected(tickets, 10)
    [timer] = rows(app, StartTimer, StartTimer.process_key == PROCESS)
    assert timer.due_at == datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)   # next Monday


def test_a_ticket_whose_requester_has_no_account_is_recorded_without_a_questionnaire(app, api):
    close_tickets(app, ("SD-20261124-0001", "王五", datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)))
    result = _rerun(api)
    assert result["sampled_count"] == 1
    [sample] = rows(app, CallbackSample)
    assert sample.response_id is None and rows(app, SatisfactionResponse) == []


def test_a_week_that_is_not_an_iso_week_is_refused_by_the_form(api):
    response = api.post(f"/process-definition/key/{PROCESS}/start", user="servicedept",
                        json={"variables": {"sample_week": {"value": "last week", "type": "String"}}})
    assert response.status_code == 400 and "sample_week" in response.get_json()["message"]
