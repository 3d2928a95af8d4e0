"""Camunda's cron cycles (Quartz) and the occurrences of timer start events, without a database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.cron import CronError, looks_like_cron, next_fire, parse_cron
from app.modelcheck import check_bpmn
from app.errors import DeploymentError
from app.start_schedule import due_after_firing, first_due, read_schedule

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)  # Tuesday 11:00 in Shanghai


def fires(text: str, count: int = 3, after: datetime = NOW) -> list[datetime]:
    trigger, found = parse_cron(text, "Asia/Shanghai"), []
    for _ in range(count):
        after = next_fire(trigger, after)
        found.append(after.astimezone(SHANGHAI).replace(tzinfo=None))
    return found


def test_every_friday_at_four_in_shanghai() -> None:
    assert fires("0 0 16 ? * FRI") == [datetime(2026, 12, 4, 16), datetime(2026, 12, 11, 16),
                                       datetime(2026, 12, 18, 16)]
    assert fires("0 0 16 ? * 6", 1) == [datetime(2026, 12, 4, 16)]  # Quartz numbers days from 1 = Sunday


def test_monthly_semiannual_and_yearly_forms() -> None:
    assert fires("0 0 9 1 * ?") == [datetime(2027, 1, 1, 9), datetime(2027, 2, 1, 9), datetime(2027, 3, 1, 9)]
    assert fires("0 0 9 1 1,7 ?") == [datetime(2027, 1, 1, 9), datetime(2027, 7, 1, 9), datetime(2028, 1, 1, 9)]
    assert fires("0 30 8 ? JAN-MAR MON 2027", 2) == [datetime(2027, 1, 4, 8, 30), datetime(2027, 1, 11, 8, 30)]
    assert next_fire(parse_cron("0 0 9 1 1 ? 2025", "UTC"), NOW) is None  # a year gone by: no more


def test_ranges_steps_and_last_days() -> None:
    assert fires("0/20 * * * * ?", 3) == [datetime(2026, 12, 1, 11, 0, 20), datetime(2026, 12, 1, 11, 0, 40),
                                          datetime(2026, 12, 1, 11, 1)]
    assert [d.weekday() for d in fires("0 0 9 ? * MON-FRI", 5)] == [2, 3, 4, 0, 1]
    assert [d.weekday() for d in fires("0 0 9 ? * 2-6", 5)] == [2, 3, 4, 0, 1]
    assert [d.weekday() for d in fires("0 0 9 ? * FRI-MON", 4)] == [4, 5, 6, 0]  # wraps past Sunday
    assert fires("0 0 9 L * ?", 2) == [datetime(2026, 12, 31, 9), datetime(2027, 1, 31, 9)]
    assert fires("0 0 9 ? * 6L", 1) == [datetime(2026, 12, 25, 9)]  # last Friday
    assert fires("0 0 9 ? * 6#3", 1) == [datetime(2026, 12, 18, 9)]  # third Friday


@pytest.mark.parametrize("text, fragment", [
    ("0 0 9 1 * *", "exactly one of day-of-month and day-of-week must be '?'"),
    ("0 0 9 ? * ?", "exactly one of day-of-month and day-of-week must be '?'"),
    ("0 0 25 ? * *", "hour '25'"),
    ("0 61 * ? * *", "minute '61'"),
    ("0 0 9 32 * ?", "day-of-month '32'"),
    ("0 0 9 ? 13 MON", "month '13'"),
    ("0 0 9 ? * 8", "day-of-week '8'"),
    ("0 0 9 ? * FOO", "'FOO' is no day"),
    ("0 0 9 1W * ?", "W (nearest weekday)"),
    ("0 9 * * 1", "6 or 7 fields"),
])
def test_invalid_cron_says_which_field_and_why(text: str, fragment: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(text, "UTC")
    assert fragment in str(caught.value)


def test_cron_is_told_apart_from_iso_and_python() -> None:
    assert looks_like_cron("0 0 16 ? * FRI") and looks_like_cron("0 0 9 1 1,7 ? 2027")
    assert not looks_like_cron("R/PT4S") and not looks_like_cron("cycle_variable")


def _start_model(timer: str, element: str = "timeCycle", event: str = "startEvent") -> bytes:
    start = (f'<bpmn:startEvent id="tick"><bpmn:outgoing>f1</bpmn:outgoing><bpmn:timerEventDefinition>'
             f'<bpmn:{element}>{timer}</bpmn:{element}></bpmn:timerEventDefinition></bpmn:startEvent>')
    if event != "startEvent":
        start = ('<bpmn:startEvent id="begin"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>'
                 '<bpmn:sequenceFlow id="f0" sourceRef="begin" targetRef="tick" />'
                 f'<bpmn:{event} id="tick"><bpmn:incoming>f0</bpmn:incoming><bpmn:outgoing>f1</bpmn:outgoing>'
                 f'<bpmn:timerEventDefinition><bpmn:{element}>{timer}</bpmn:{element}></bpmn:timerEventDefinition>'
                 f'</bpmn:{event}>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    {start}
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="tick" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>""".encode()


@pytest.mark.parametrize("timer, expression", [
    ("0 0 16 ? * FRI", "'0 0 16 ? * FRI'"),
    ('"0 0 9 1 1,7 ?"', '"0 0 9 1 1,7 ?"'),
    ("R/PT4S", '"R/PT4S"'),
    ("R3/2026-12-02T09:00:00+08:00/PT1H", '"R3/2026-12-02T09:00:00+08:00/PT1H"'),
])
def test_model_check_accepts_cron_and_iso_cycles_on_start_events(timer: str, expression: str) -> None:
    [info] = check_bpmn(_start_model(timer), "p.bpmn")
    assert info.timer_starts == [("tick", "timeCycle", expression)]


@pytest.mark.parametrize("timer, event, fragment", [
    ("0 0 9 1 * *", "startEvent", "exactly one of day-of-month and day-of-week must be '?'"),
    ("0 0 25 ? * FRI", "startEvent", "hour '25'"),
    ("0 9 * * 1", "startEvent", "has 5 fields; Camunda's cron has 6 or 7"),
    ("0 0 16 ? * FRI", "intermediateCatchEvent", "supported on timer start events only"),
])
def test_model_check_refuses_bad_cron_naming_the_element(timer: str, event: str, fragment: str) -> None:
    with pytest.raises(DeploymentError) as caught:
        check_bpmn(_start_model(timer, event=event), "p.bpmn")
    [problem] = caught.value.problems
    assert problem.element_id == "tick" and fragment in problem.message, problem.message


def test_occurrences_of_each_form() -> None:
    cycle = read_schedule("timeCycle", '"R/PT4S"', "Asia/Shanghai")
    assert first_due(cycle, NOW) == NOW + timedelta(seconds=4)
    four = NOW + timedelta(seconds=4)
    assert due_after_firing(cycle, four, 1, four + timedelta(seconds=1)) == four + timedelta(seconds=4)
    weekly = read_schedule("timeCycle", '"R/2026-01-02T16:00:00+08:00/P7D"', "Asia/Shanghai")
    assert first_due(weekly, NOW) == datetime(2026, 12, 4, 16, tzinfo=SHANGHAI)
    three = read_schedule("timeCycle", '"R3/PT10S"', "Asia/Shanghai")
    assert due_after_firing(three, NOW, 2, NOW) == NOW + timedelta(seconds=10)
    assert due_after_firing(three, NOW, 3, NOW) is None  # three firings: done
    once = read_schedule("timeDate", '"2026-12-01T11:00:02+08:00"', "Asia/Shanghai")
    assert first_due(once, NOW) == NOW + timedelta(seconds=2)
    assert due_after_firing(once, NOW + timedelta(seconds=2), 1, NOW + timedelta(seconds=2)) is None
    assert first_due(once, NOW + timedelta(hours=1)) == NOW + timedelta(seconds=2)  # deployed after its date: at once
    cron = read_schedule("timeCycle", "'0 0 16 ? * FRI'", "Asia/Shanghai")
    assert first_due(cron, NOW) == datetime(2026, 12, 4, 16, tzinfo=SHANGHAI)


def test_catch_up_fires_once_and_keeps_the_grid() -> None:
    """Down for a day and a half: the next occurrence after the one fired late is on the grid, after now."""
    weekly = read_schedule("timeCycle", '"R/2026-01-02T16:00:00+08:00/P7D"', "Asia/Shanghai")
    missed = datetime(2026, 12, 4, 16, tzinfo=SHANGHAI)
    late = missed + timedelta(days=15, hours=3)
    assert due_after_firing(weekly, missed, 1, late) == datetime(2026, 12, 25, 16, tzinfo=SHANGHAI)
    cycle = read_schedule("timeCycle", '"R/PT4S"', "Asia/Shanghai")
    resumed = NOW + timedelta(hours=36, seconds=1)
    assert due_after_firing(cycle, NOW, 1, resumed) == NOW + timedelta(hours=36, seconds=4)
    cron = read_schedule("timeCycle", "'0 0 16 ? * FRI'", "Asia/Shanghai")
    assert due_after_firing(cron, missed, 1, late) == datetime(2026, 12, 25, 16, tzinfo=SHANGHAI)
