"""The figures service over a few hand-written domain rows, on SQLite and PostgreSQL (the SQL differs).

Small enough to check by reading: which ticket counts where, a ticket's last callback wins,
empty denominators are null, complaints land in their local month. The figures of real
flows against an independent computation are in ``test_figures_proof.py``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from app import clock
from app.db import UnitOfWork
from app.domain import Complaint, ComplaintEvent, Ticket, TicketCallback
from app.services import figures
from app.store import database
from tests.integration.signed_in import sign_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as the aware moment the columns store."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def ticket(number: str, requested: str, **values) -> Ticket:
    moment = at(requested)
    defaults = {"priority": "normal", "status": "open", "vip": False, "reopen_count": 0, "escalation_level": 0,
                "first_contact": False}
    return Ticket(instance_id=f"i-{number}", number=number, requested_at=moment, requested_on=moment.date(),
                  requested_month=moment.strftime("%Y-%m"), **{**defaults, **values})


def callback(number: str, seq: int, solved: bool, ratings=(None, None, None)) -> TicketCallback:
    attitude, speed, effect = ratings
    return TicketCallback(instance_id=f"i-{number}", seq=seq, at=at("2026-11-20T10:00"), solved=solved,
                          attitude=attitude, speed=speed, effect=effect)


def complaint(number: str, received: str, due: str, closed: str | None) -> list:
    rows: list = [Complaint(instance_id=f"c-{number}", source="direct", content="…", severity="general",
                            agreed_working_days=3, received_at=at(received), due_at=at(due))]
    if closed:
        rows.append(ComplaintEvent(instance_id=f"c-{number}", kind="closed", at=at(closed), within_limit=None))
    return rows


def seed(app) -> None:
    closed = {"status": "closed", "closed_at": at("2026-11-05T10:00")}
    rows = [
        # first contact, answered on time
        ticket("T1", "2026-11-02T09:00", first_contact=True, engineer="desk", response_due_at=at("2026-11-02T17:00"),
               first_response_at=at("2026-11-02T09:10"), **closed),
        # tier 1, called back twice: not solved (5,5,5 never count), then solved with 2/3/4; late response
        ticket("T2", "2026-11-03T09:00", priority="urgent", tier1_group="tier1_hardware", engineer="eng1",
               reopen_count=1, response_due_at=at("2026-11-03T11:00"), first_response_at=at("2026-11-03T12:00"),
               completion_requested_at=at("2026-11-04T10:00"), close_due_at=at("2026-11-06T10:00"), **closed),
        callback("T2", 1, False, (5, 5, 5)), callback("T2", 2, True, (2, 3, 4)),
        # escalated to tier 2, closed after its close deadline, rated 4/4/4
        ticket("T3", "2026-11-30T23:30", tier1_group="tier1_hardware", engineer="eng2", escalation_level=1,
               response_due_at=at("2026-12-01T17:00"), first_response_at=at("2026-12-01T09:00"),
               completion_requested_at=at("2026-12-01T10:00"), close_due_at=at("2026-12-03T10:00"),
               status="closed", closed_at=at("2026-12-04T09:00")),
        callback("T3", 1, True, (4, 4, 4)),
        # still open, no response yet
        ticket("T4", "2026-12-01T07:00", tier1_group="tier1_network", response_due_at=at("2026-12-01T17:00")),
        # requested the day after the period (UTC still 2026-12-01): not counted
        ticket("T5", "2026-12-02T07:00", tier1_group="tier1_network"),
        *complaint("1", "2026-11-10T09:00", "2026-11-13T18:00", "2026-11-12T09:00"),       # 2 days, in time
        *complaint("2", "2026-12-01T07:00", "2026-12-02T18:00", "2026-12-04T19:00"),       # 3.5 days, late
        *complaint("3", "2026-12-01T07:30", "2026-12-02T18:00", None),                     # open, past due
        *complaint("4", "2026-11-30T23:59", "2026-12-30T18:00", None),                     # open, not yet due
    ]
    with app.app_context():
        uow = UnitOfWork(database(app))
        with uow:
            uow.session.add_all(rows)
            uow.commit()


@pytest.fixture
def seeded(app):
    seed(app)
    return app


def compute(app, start: date, end: date) -> dict:
    with app.app_context(), clock.frozen(datetime(2026, 12, 10, tzinfo=timezone.utc)):
        return figures.compute(UnitOfWork(database(app), write=False), start, end)


def test_the_figures_of_a_period_and_their_breakdowns(seeded):
    result = compute(seeded, date(2026, 11, 1), date(2026, 12, 1))

    assert (result["from"], result["to"], result["tickets"], result["closed"]) == ("2026-11-01", "2026-12-01", 4, 3)
    assert result["first_contact_resolution_rate"] == round(1 / 3, 4)
    assert result["escalation_rate"] == round(1 / 3, 4) and result["reopen_rate"] == round(1 / 3, 4)
    assert result["satisfaction"] == {"attitude": 3.0, "speed": 3.5, "effect": 4.0}
    assert result["response_sla_compliance"] == round(2 / 4, 4)
    assert result["closed_within_2_working_days_rate"] == 0.5
    assert result["complaints"] == {"count": 4, "overdue": 2, "mean_days_to_close": round((2 + 3.5) / 2, 2)}

    breakdown = result["breakdown"]
    assert sorted(breakdown["priority"]) == ["normal", "urgent"]
    assert breakdown["priority"]["urgent"]["satisfaction"] == {"attitude": 2.0, "speed": 3.0, "effect": 4.0}
    assert sorted(breakdown["group"]) == ["tier1_hardware", "tier1_network"]
    network = breakdown["group"]["tier1_network"]
    assert (network["tickets"], network["closed"], network["response_sla_compliance"]) == (1, 0, 0.0)
    assert network["first_contact_resolution_rate"] is None and network["satisfaction"]["attitude"] is None
    assert sorted(breakdown["engineer"]) == ["desk", "eng1", "eng2"]
    assert breakdown["engineer"]["desk"]["first_contact_resolution_rate"] == 1.0
    assert breakdown["engineer"]["desk"]["closed_within_2_working_days_rate"] is None
    months = breakdown["month"]
    assert sorted(months) == ["2026-11", "2026-12"]
    assert (months["2026-11"]["tickets"], months["2026-12"]["tickets"]) == (3, 1)
    assert months["2026-11"]["complaints"] == {"count": 2, "overdue": 0, "mean_days_to_close": 2.0}
    assert months["2026-12"]["complaints"] == {"count": 2, "overdue": 2, "mean_days_to_close": 3.5}
    assert "complaints" not in breakdown["priority"]["normal"]


def test_a_period_without_tickets_has_null_rates(seeded):
    result = compute(seeded, date(2026, 10, 1), date(2026, 10, 31))

    assert (result["tickets"], result["closed"]) == (0, 0)
    for name in ("first_contact_resolution_rate", "escalation_rate", "reopen_rate", "response_sla_compliance",
                 "closed_within_2_working_days_rate"):
        assert result[name] is None, name
    assert result["satisfaction"] == {"attitude": None, "speed": None, "effect": None}
    assert result["complaints"] == {"count": 0, "overdue": 0, "mean_days_to_close": None}
    assert result["breakdown"] == {"priority": {}, "group": {}, "engineer": {}, "month": {}}


def test_a_single_day_counts_by_the_local_date(seeded):
    result = compute(seeded, date(2026, 12, 1), date(2026, 12, 1))

    assert result["tickets"] == 1 and list(result["breakdown"]["group"]) == ["tier1_network"]
    assert result["complaints"] == {"count": 2, "overdue": 2, "mean_days_to_close": 3.5}
    assert result["closed_within_2_working_days_rate"] is None


def api_client(app, user: str | None):
    client = app.test_client()
    if user:
        assert sign_in(client, user).status_code == 302
    return client


@SQLITE_ONLY
@pytest.mark.parametrize("user", ["pm", "servicedept", "admin"])
def test_project_managers_the_service_department_and_admins_read_the_figures(seeded, user):
    with clock.frozen(datetime(2026, 12, 10, tzinfo=timezone.utc)):
        response = api_client(seeded, user).get("/api/figures?from=2026-11-01&to=2026-12-01")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == compute(seeded, date(2026, 11, 1), date(2026, 12, 1))


@SQLITE_ONLY
@pytest.mark.parametrize("user", ["desk", "tier1", "requester", "owner"])
def test_everyone_else_is_refused(seeded, user):
    response = api_client(seeded, user).get("/api/figures?from=2026-11-01&to=2026-12-01",
                                            headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "project managers" in response.get_json()["error"]


@SQLITE_ONLY
def test_without_a_session_there_are_no_figures(seeded):
    response = api_client(seeded, None).get("/api/figures?from=2026-11-01&to=2026-12-01",
                                            headers={"Accept": "application/json"})
    assert response.status_code == 401 and "figures" not in response.get_data(as_text=True)


@SQLITE_ONLY
@pytest.mark.parametrize("query, fragment", [
    ("", "from is missing"),
    ("?from=2026-11-01", "to is missing"),
    ("?from=2026-11-31&to=2026-12-01", "from=2026-11-31 is not a date"),
    ("?from=2026-11-01&to=tomorrow", "to=tomorrow is not a date"),
    ("?from=20261101&to=2026-12-01", "from=20261101 is not a date"),
    ("?from=2026-12-02&to=2026-12-01", "starts (2026-12-02) after it ends (2026-12-01)"),
])
def test_a_missing_or_bad_period_is_a_clear_400(seeded, query, fragment):
    client = api_client(seeded, "pm")
    response = client.get(f"/api/figures{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert fragment in response.get_json()["error"], response.get_json()
    chinese = client.get(f"/api/figures{query}", headers={"Accept-Language": "zh"}).get_json()["error"]
    assert chinese != response.get_json()["error"] and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
