"""Proof of the service figures: months of real Flow-1 and Flow-2 work, counted twice and compared.

A seed description — plain scenario records, each a list of timed actions (request, classify,
claim, tier-1/tier-2/vendor work, waiting for the requester, callbacks with ratings or
complaints, complaint handling) — is generated for 2026-08 … 2026-11, National Day and its
make-up days included. The records are driven through the real engine via the service layer
on a frozen clock, firing due timers as days pass. The expected figures are then computed in
plain Python from the records alone (own working-day calendar, own SLA hours, own rules), and
every figure and breakdown must equal ``figures.compute`` and ``GET /api/figures``.
"""
from __future__ import annotations

import heapq
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import clock, create_app
from app.db import UnitOfWork
from app.domain import Complaint
from app.models import HumanTask
from app.services import figures, instances, tasks
from app.services.users import Principal
from app.store import database
from scheduler import tick
from tests.conftest import _base_config
from tests.integration.signed_in import sign_in
from tests.integration.test_complaint_flow import CORRECTED, INVESTIGATED, SATISFIED, complaint
from tests.integration.test_support_request_flow import (TIER1_ESCALATE, TIER1_RESOLVED, TIER2_ESCALATE,
                                                         TIER2_RESOLVED, VENDOR_RESOLVED, intake)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# the 2026 schedule as the State Council published it, written out here rather than read from the app
HOLIDAYS = {date(2026, 9, 25), *(date(2026, 10, d) for d in (1, 2, 5, 6, 7))}
MAKE_UP_DAYS = {date(2026, 9, 20), date(2026, 10, 10)}
OPENS, CLOSES = time(9), time(18)
SLA_HOURS = {"urgent": 2, "important": 4, "normal": 8}   # urgent around the clock, the others in working hours
INTAKE_BY_PRIORITY = {"urgent": {"impact": "high", "urgency": "high"},
                      "important": {"impact": "high", "urgency": "medium"},
                      "normal": {"impact": "low", "urgency": "low"}}
GROUP_BY_CATEGORY = {"hardware": "tier1_hardware", "software": "tier1_software", "network": "tier1_network",
                     "other": "tier1"}
COMPLAINT_DAYS = 3                       # a general complaint is settled within 3 working days
NOW = datetime(2026, 12, 1, 12, tzinfo=SHANGHAI)  # when the figures are read: open complaints are judged then
PERIODS = [(date(2026, 8, 1), date(2026, 11, 30)), (date(2026, 9, 15), date(2026, 10, 20)),
           (date(2026, 11, 30), date(2026, 11, 30))]
EMPTY = (date(2026, 12, 5), date(2026, 12, 31))


# -- the calendar and clock arithmetic of the expectation (independent of app.workcal)

def working_day(day: date) -> bool:
    return day in MAKE_UP_DAYS or (day.weekday() < 5 and day not in HOLIDAYS)


def next_working_day(day: date) -> date:
    while not working_day(day):
        day += timedelta(days=1)
    return day


def at_work(moment: datetime) -> datetime:
    """The moment, or the next one someone at work would act on (09:00–17:00 on a working day)."""
    if moment.time() < OPENS:
        moment = datetime.combine(moment.date(), OPENS, SHANGHAI)
    if not working_day(moment.date()) or moment.time() > time(17):
        moment = datetime.combine(next_working_day(moment.date() + timedelta(days=1)), OPENS, SHANGHAI)
    return moment


def add_working_days(moment: datetime, days: int) -> datetime:
    """Same time of day, ``days`` working days later (``moment`` is within working hours)."""
    day = moment.date()
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1))
    return datetime.combine(day, moment.time(), SHANGHAI)


# -- the seed description

@dataclass
class Action:
    at: datetime
    kind: str            # classify, claim, tier1, reply, tier2, vendor, callback, handle_complaint
    user: str = ""
    outcome: str = ""    # tier1: resolved/escalate/wait; tier2: resolved/escalate_vendor; classify: first_contact/dispatch
    raise_priority: bool = False
    solved: bool = True
    complaint: str = ""
    ratings: tuple[int, int, int] = (5, 5, 5)
    about: Optional[datetime] = None   # handle_complaint: the callback the complaint was made at


@dataclass
class Scenario:
    number: str
    requested: datetime
    priority: str
    category: str
    actions: list[Action] = field(default_factory=list)


@dataclass
class DirectComplaint:
    number: str
    received: datetime
    closed: Optional[datetime]


def seed_description(count: int = 240) -> tuple[list[Scenario], list[DirectComplaint]]:
    """Tickets spread over four months with every path; the same records every run."""
    rnd = random.Random(20261001)
    scenarios = []
    start = date(2026, 8, 3)
    for index in range(count):
        day = start + timedelta(days=index * 118 // count)
        priority = rnd.choices(["urgent", "important", "normal"], [2, 3, 5])[0]
        if priority == "urgent":   # any hour, weekends and the holiday too
            requested = datetime.combine(day, time(rnd.randrange(0, 24), rnd.choice([0, 20, 40])), SHANGHAI)
        else:
            requested = datetime.combine(next_working_day(day), time(9, rnd.choice([0, 15, 30, 45])), SHANGHAI)
        scenario = Scenario(f"FIG-{index:04d}", requested, priority, rnd.choice(list(GROUP_BY_CATEGORY)))
        _plan(rnd, scenario)
        scenarios.append(scenario)
    direct = []
    for index in range(14):
        received = at_work(datetime.combine(date(2026, 8, 5) + timedelta(days=index * 8), time(10), SHANGHAI))
        closed = None if index % 4 == 3 else add_working_days(received, rnd.choice([1, 2, 5]))
        direct.append(DirectComplaint(f"direct-{index}", received, closed))
    return scenarios, direct


def _plan(rnd: random.Random, s: Scenario) -> None:
    """The actions of one ticket: a path, then callbacks; tickets of the last days stay open part-way."""
    act = s.actions.append
    t = at_work(s.requested + timedelta(minutes=rnd.choice([5, 30, 90])))
    path = rnd.choices(["first_contact", "tier1", "tier2", "vendor"], [2, 5, 2, 1])[0]
    act(Action(t, "classify", "desk", "first_contact" if path == "first_contact" else "dispatch"))
    if path == "first_contact":
        return
    open_until = s.requested.date() >= date(2026, 11, 23) and rnd.random() < 0.6
    late = rnd.random() < 0.3
    t = at_work(t + (timedelta(hours=rnd.choice([3, 9, 26])) if late else timedelta(minutes=rnd.choice([10, 40]))))
    engineer = rnd.choice(["tier1", "admin"])
    if rnd.random() < 0.5:
        act(Action(t, "claim", engineer))
        t = at_work(t + timedelta(hours=rnd.choice([1, 5, 30])))
    if open_until and rnd.random() < 0.5:
        return
    raise_priority = s.priority == "normal" and rnd.random() < 0.15
    if rnd.random() < 0.15:
        act(Action(t, "tier1", engineer, "wait", raise_priority))
        t = at_work(t + timedelta(days=rnd.choice([1, 3])))
        act(Action(t, "reply", engineer))
        t = at_work(t + timedelta(hours=2))
        raise_priority = False
    if path == "tier1":
        act(Action(t, "tier1", engineer, "resolved", raise_priority))
    else:
        act(Action(t, "tier1", engineer, "escalate", raise_priority))
        t = at_work(t + timedelta(hours=rnd.choice([2, 6])))
        specialist = rnd.choice(["tier2", "admin"])
        act(Action(t, "tier2", specialist, "escalate_vendor" if path == "vendor" else "resolved"))
        if path == "vendor":
            t = at_work(t + timedelta(days=rnd.choice([1, 4])))
            act(Action(t, "vendor", "vendor"))
    if open_until:
        return
    for round_ in range(3):
        later = add_working_days(at_work(t), rnd.choice([0, 1, 2, 2, 3])) + timedelta(minutes=rnd.choice([-30, 0, 30]))
        t = at_work(max(later, t + timedelta(minutes=20)))
        fate = rnd.choices(["solved", "not_solved", "complaint"], [6, 1, 1])[0] if round_ < 2 else "solved"
        ratings = (rnd.randint(1, 5), rnd.randint(2, 5), rnd.randint(3, 5))
        act(Action(t, "callback", "desk", solved=fate != "not_solved",
                   complaint="工程师多次未按约定时间联系" if fate == "complaint" else "", ratings=ratings))
        if fate == "complaint":
            handled = add_working_days(t, rnd.choice([1, 2, 4]))
            if handled < NOW and rnd.random() < 0.8:
                act(Action(handled, "handle_complaint", "desk", about=t))
        if fate == "solved":
            return
        t = at_work(t + timedelta(hours=rnd.choice([1, 20])))
        act(Action(t, *_rework(s, rnd)))


def _rework(s: Scenario, rnd: random.Random) -> tuple[str, str, str]:
    """Who resolves a ticket sent back: the tier that resolved it before."""
    kinds = [a.kind for a in s.actions]
    if "vendor" in kinds:
        return "vendor", "vendor", ""
    if "tier2" in kinds:
        return "tier2", rnd.choice(["tier2", "admin"]), "resolved"
    return "tier1", rnd.choice(["tier1", "admin"]), "resolved"


# -- the expected figures, from the records alone

@dataclass
class Expected:
    requested: datetime
    priority: str
    group: Optional[str]
    engineer: Optional[str]
    closed: bool
    first_contact: bool
    escalated: bool
    reopened: bool
    ratings: Optional[tuple[int, int, int]]
    on_time: bool
    close_in_time: Optional[bool]


def expected_ticket(s: Scenario) -> Expected:
    priority, first_response, engineer, completion, closed_at = s.priority, None, None, None, None
    callbacks = [a for a in s.actions if a.kind == "callback"]
    first_contact = s.actions[0].outcome == "first_contact"
    for a in s.actions:
        if a.kind == "classify" and first_contact:
            first_response, engineer, closed_at = a.at, a.user, a.at
        if a.kind in ("claim", "tier1") and first_response is None:
            first_response = a.at
        if a.kind == "tier1" and a.raise_priority:
            priority = "urgent"
        if (a.kind, a.outcome) in (("tier1", "resolved"), ("tier2", "resolved"), ("vendor", "")):
            engineer, completion = a.user, a.at
        if a.kind == "callback" and a.solved and not a.complaint:
            closed_at = a.at
    due = s.requested + timedelta(hours=SLA_HOURS[priority])
    closed = closed_at is not None
    return Expected(
        requested=s.requested, priority=priority, group=None if first_contact else GROUP_BY_CATEGORY[s.category],
        engineer=engineer, closed=closed, first_contact=first_contact,
        escalated=any(a.kind == "tier1" and a.outcome == "escalate" for a in s.actions),
        reopened=len(callbacks) > 1, ratings=callbacks[-1].ratings if closed and callbacks else None,
        on_time=first_response is not None and first_response <= due,
        close_in_time=closed_at <= add_working_days(completion, 2) if closed and completion else None)


def ratio(numerator: float, denominator: int, places: int = 4) -> Optional[float]:
    return round(numerator / denominator, places) if denominator else None


def ticket_figures(rows: list[Expected]) -> dict[str, Any]:
    closed = [r for r in rows if r.closed]
    rated = [r.ratings for r in closed if r.ratings]
    timed = [r for r in closed if r.close_in_time is not None]
    return {
        "tickets": len(rows), "closed": len(closed),
        "first_contact_resolution_rate": ratio(sum(r.first_contact for r in closed), len(closed)),
        "escalation_rate": ratio(sum(r.escalated for r in closed), len(closed)),
        "reopen_rate": ratio(sum(r.reopened for r in closed), len(closed)),
        "satisfaction": {name: ratio(sum(r[i] for r in rated), len(rated), 2)
                         for i, name in enumerate(("attitude", "speed", "effect"))},
        "response_sla_compliance": ratio(sum(r.on_time for r in rows), len(rows)),
        "closed_within_2_working_days_rate": ratio(sum(r.close_in_time for r in timed), len(timed)),
    }


def complaint_records(scenarios: list[Scenario], direct: list[DirectComplaint]) -> list[tuple[datetime, Optional[datetime]]]:
    """(received, closed) of every complaint: those made at callback and those filed directly."""
    found = [(c.received, c.closed) for c in direct]
    for s in scenarios:
        handled = {a.about: a.at for a in s.actions if a.kind == "handle_complaint"}
        found.extend((a.at, handled.get(a.at)) for a in s.actions if a.kind == "callback" and a.complaint)
    return found


def complaint_figures(records: list[tuple[datetime, Optional[datetime]]]) -> dict[str, Any]:
    def overdue(received: datetime, closed: Optional[datetime]) -> bool:
        due = add_working_days(received, COMPLAINT_DAYS)
        return closed > due if closed else due < NOW
    days = [(closed - received).total_seconds() / 86400 for received, closed in records if closed]
    return {"count": len(records), "overdue": sum(overdue(*r) for r in records),
            "mean_days_to_close": ratio(sum(days), len(days), 2)}


def expected_figures(scenarios: list[Scenario], direct: list[DirectComplaint], start: date, end: date) -> dict:
    rows = [r for r in map(expected_ticket, scenarios) if start <= r.requested.date() <= end]
    complaints = [c for c in complaint_records(scenarios, direct) if start <= c[0].date() <= end]
    keys: dict[str, Callable[[Expected], Optional[str]]] = {
        "priority": lambda r: r.priority, "group": lambda r: r.group, "engineer": lambda r: r.engineer,
        "month": lambda r: r.requested.strftime("%Y-%m")}
    breakdown = {}
    for name, key in keys.items():
        groups = defaultdict(list)
        for r in rows:
            if key(r) is not None:
                groups[key(r)].append(r)
        breakdown[name] = {k: ticket_figures(v) for k, v in sorted(groups.items())}
    months = defaultdict(list)
    for c in complaints:
        months[c[0].strftime("%Y-%m")].append(c)
    for month in months:
        breakdown["month"].setdefault(month, ticket_figures([]))
    for month, figures_ in breakdown["month"].items():
        figures_["complaints"] = complaint_figures(months.get(month, []))
    return {"from": start.isoformat(), "to": end.isoformat(), **ticket_figures(rows),
            "complaints": complaint_figures(complaints), "breakdown": breakdown}


# -- driving the records through the engine

GROUPS = {"desk": {"service_desk"}, "tier1": {"tier1", *GROUP_BY_CATEGORY.values()}, "tier2": {"tier2"},
          "vendor": {"vendor_liaison"}, "requester": {"requester"}}


def principal(user: str) -> Principal:
    if user == "admin":
        return Principal("admin", frozenset(set().union(*GROUPS.values()) | {"admin"}))
    return Principal(user, frozenset(GROUPS[user]))


class Driver:
    def __init__(self, app):
        self.app = app
        self.instances: dict[str, str] = {}

    def uow(self) -> UnitOfWork:
        return UnitOfWork(database(self.app))

    def task(self, instance_id: str, activity_id: str) -> str:
        with self.uow() as uow:
            ids = list(uow.session.scalars(select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.activity_id == activity_id,
                HumanTask.status == "open")))
        assert len(ids) == 1, (instance_id, activity_id, ids)
        return ids[0]

    def complete(self, instance_id: str, activity_id: str, user: str, values: dict[str, Any]) -> None:
        tasks.complete(self.uow(), self.task(instance_id, activity_id), principal(user), values)

    def request(self, s: Scenario) -> None:
        values = intake(occurred_at=s.requested.isoformat(), **INTAKE_BY_PRIORITY[s.priority])
        instance = instances.start_instance(self.uow(), principal("requester"), values, key="it_support_request",
                                            business_key=s.number)
        self.instances[s.number] = instance.id

    def act(self, s: Scenario, a: Action) -> None:
        iid = self.instances[s.number]
        if a.kind == "classify":
            self.complete(iid, "classify_request", a.user, {
                "request_type": "incident", "category": s.category,
                "resolved_at_first_contact": a.outcome == "first_contact", "first_contact_answer": "已远程解决"})
        elif a.kind == "claim":
            tasks.claim(self.uow(), self.task(iid, "tier1_diagnose"), principal(a.user))
        elif a.kind == "tier1":
            raised = any(b.raise_priority for b in s.actions[:next(i for i, b in enumerate(s.actions) if b is a) + 1])
            impact = INTAKE_BY_PRIORITY["urgent" if raised else s.priority]
            values = {"resolved": TIER1_RESOLVED, "escalate": TIER1_ESCALATE,
                      "wait": {**TIER1_ESCALATE, "tier1_outcome": "wait_requester"}}[a.outcome]
            self.complete(iid, "tier1_diagnose", a.user, {**values, **impact})
        elif a.kind == "reply":
            self.complete(iid, "wait_for_requester", a.user, {"waiting_for": "截图", "requester_reply": "已发送"})
        elif a.kind == "tier2":
            self.complete(iid, "tier2_resolve", a.user, TIER2_RESOLVED if a.outcome == "resolved" else TIER2_ESCALATE)
        elif a.kind == "vendor":
            self.complete(iid, "track_vendor_case", a.user, VENDOR_RESOLVED)
        elif a.kind == "callback":
            values = {"callback_solved": "yes" if a.solved else "no", "complaint": a.complaint,
                      "callback_note": "回访完成"}
            if a.solved:
                values.update(zip(("rating_attitude", "rating_speed", "rating_effect"), a.ratings))
            self.complete(iid, "callback_rating", a.user, values)
        elif a.kind == "handle_complaint":
            self.handle_complaint(self.complaint_of(iid, a.about))

    def complaint_of(self, ticket_id: str, received: datetime) -> str:
        """The complaint made at the ticket's callback at ``received`` (Flow 1 started it by message)."""
        with self.uow() as uow:
            return uow.session.scalars(select(Complaint.instance_id).where(
                Complaint.ticket_instance_id == ticket_id, Complaint.received_at == received)).one()

    def handle_complaint(self, instance_id: str) -> None:
        self.complete(instance_id, "investigate_complaint", "desk", INVESTIGATED)
        self.complete(instance_id, "take_corrective_action", "tier2", CORRECTED)
        self.complete(instance_id, "reply_to_customer", "desk", SATISFIED)

    def file_complaint(self, c: DirectComplaint) -> str:
        return instances.start_instance(self.uow(), principal("desk"), complaint(), key="complaint_handling").id


def drive(app, scenarios: list[Scenario], direct: list[DirectComplaint]) -> None:
    """Every action of every record in time order, the clock set to it; due timers fire as each new day begins."""
    driver = Driver(app)
    queue: list[tuple[datetime, int, int, Callable[[], None]]] = []
    order = iter(range(10**9))

    def plan(moment: datetime, step: Callable[[], None]) -> None:
        heapq.heappush(queue, (moment, next(order), 0, step))

    for s in scenarios:
        plan(s.requested, lambda s=s: driver.request(s))
        for a in s.actions:
            plan(a.at, lambda s=s, a=a: driver.act(s, a))
    filed: dict[str, str] = {}
    for c in direct:
        plan(c.received, lambda c=c: filed.__setitem__(c.number, driver.file_complaint(c)))
        if c.closed:
            plan(c.closed, lambda c=c: driver.handle_complaint(filed[c.number]))
    day = None
    while queue:
        moment, _, _, step = heapq.heappop(queue)
        with clock.frozen(moment):
            if moment.date() != day:
                day = moment.date()
                tick(app)
            step()


# -- the module's one seeded database

@pytest.fixture(scope="module")
def seeded(sqlite_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("figures") / "servicedesk.db"
    shutil.copyfile(sqlite_template, path)
    app = create_app(_base_config(f"sqlite:///{path}"))
    scenarios, direct = seed_description()
    with app.app_context():
        drive(app, scenarios, direct)
    yield app, scenarios, direct
    database(app).dispose()


def computed(app, start: date, end: date) -> dict:
    with app.app_context(), clock.frozen(NOW):
        return figures.compute(UnitOfWork(database(app), write=False), start, end)


def test_the_seed_covers_every_path(seeded):
    _, scenarios, direct = seeded
    expected = [expected_ticket(s) for s in scenarios]
    kinds = {(a.kind, a.outcome) for s in scenarios for a in s.actions}
    assert {("tier1", "wait"), ("tier2", "escalate_vendor"), ("claim", ""), ("handle_complaint", "")} <= kinds
    assert any(a.raise_priority for s in scenarios for a in s.actions)
    assert {True, False} == {r.on_time for r in expected} == {r.closed for r in expected}
    assert {True, False} == {r.close_in_time for r in expected if r.close_in_time is not None}
    assert sum(r.reopened for r in expected) >= 5 and sum(r.first_contact for r in expected) >= 20
    assert len({r.engineer for r in expected}) >= 5 and len({r.group for r in expected}) == 5
    assert not any(HOLIDAYS & {a.at.date() for a in s.actions} for s in scenarios)  # nobody works on holidays
    assert any(s.requested.date() in HOLIDAYS for s in scenarios)
    assert any(a.at.date() in MAKE_UP_DAYS for s in scenarios for a in s.actions)
    received = complaint_records(scenarios, direct)
    assert any(closed is None for _, closed in received) and len(received) >= 20


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"{p[0]}..{p[1]}")
def test_figures_equal_the_independent_computation(seeded, period):
    app, scenarios, direct = seeded
    expected = expected_figures(scenarios, direct, *period)
    result = computed(app, *period)

    assert result["breakdown"] == expected["breakdown"]
    assert result == expected


def test_the_api_returns_the_same_figures(seeded):
    app, scenarios, direct = seeded
    client = app.test_client()
    assert sign_in(client, "pm").status_code == 302
    start, end = PERIODS[0]
    with clock.frozen(NOW):
        response = client.get(f"/api/figures?from={start}&to={end}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == expected_figures(scenarios, direct, start, end)


def test_a_period_without_tickets_or_complaints_has_null_rates(seeded):
    app, scenarios, direct = seeded
    result = computed(app, *EMPTY)
    assert result == expected_figures(scenarios, direct, *EMPTY)
    assert result["tickets"] == 0 and result["escalation_rate"] is None
    assert result["satisfaction"] == {"attitude": None, "speed": None, "effect": None}
    assert result["complaints"] == {"count": 0, "overdue": 0, "mean_days_to_close": None}

