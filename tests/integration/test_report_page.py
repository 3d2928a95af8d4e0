"""Reporting a problem (/portal/report): Flow 1's start form, the portal channel, readable ticket numbers."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timezone

import pytest

from app import clock
from app.db import UnitOfWork
from app.errors import FieldErrors
from app.services import problem_reports
from app.services.users import Principal
from app.store import database
from tests.conftest import typed
from tests.integration.test_support_request_flow import intake
from tests.page_client import PageClient

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

REQUESTER = Principal("requester", frozenset({"requester"}))
NUMBER = re.compile(r"^SD-\d{8}-\d{4}$")


def _report(**overrides):
    values = intake(**overrides)
    del values["channel"]
    return values


def _schema(html: str) -> dict:
    return json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))


def _data(html: str) -> dict:
    return json.loads(re.search(r'id="form-data">(.*?)</script>', html, re.S).group(1))


def test_the_report_page_asks_everything_but_the_channel_and_knows_the_reporter(app):
    html = PageClient(app, "requester", "zh").get("/portal/report").get_data(as_text=True)
    keys = [component.get("key") for component in _schema(html)["components"]]
    assert "channel" not in keys and keys[:3] == ["requester", "contact", "department"]
    assert _schema(html)["components"][0]["label"] == "报障人"
    # the profile's name and e-mail fill in who reports and how to reach them
    assert _data(html) == {"requester": "张三 (requester)", "contact": "requester@example.com"}
    english = PageClient(app, "requester", "en").get("/portal/report").get_data(as_text=True)
    assert [c["label"] for c in _schema(english)["components"][:2]] == ["Requester", "Contact"]


def test_a_report_starts_a_numbered_ticket_from_the_portal_and_leads_to_it(app, api):
    page = PageClient(app, "requester", "en")
    response = page.post_json("/portal/report", {"values": _report()})
    assert response.status_code == 200, response.get_json()
    target = response.get_json()["redirect"]
    instance_id = target.rsplit("/", 1)[1]
    assert target == f"/tickets/{instance_id}"
    instance = api.get(f"/process-instance/{instance_id}").get_json()
    assert NUMBER.match(instance["businessKey"])
    assert api.variables(instance_id)["channel"] == "portal"
    assert api.get(f"/history/process-instance/{instance_id}").get_json()["startUserId"] == "requester"
    assert f"Your ticket number is {instance['businessKey']}" in page.get(target).get_data(as_text=True)


def test_the_browser_cannot_choose_another_channel(app, api):
    response = PageClient(app, "requester", "en").post_json("/portal/report", {"values": {**_report(),
                                                                                         "channel": "hotline"}})
    instance_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    assert api.variables(instance_id)["channel"] == "portal"


def test_vip_comes_from_the_account_never_from_the_form(app, api):
    """Only the ``vip`` group an administrator grants makes a portal ticket VIP (and so urgent)."""
    html = PageClient(app, "requester", "zh").get("/portal/report").get_data(as_text=True)
    assert "vip" not in [component.get("key") for component in _schema(html)["components"]]
    claimed = PageClient(app, "requester", "en").post_json("/portal/report", {"values": {**_report(), "vip": True}})
    granted = PageClient(app, "vip", "en").post_json("/portal/report", {"values": _report(vip=False)})
    for response, vip in ((claimed, False), (granted, True)):
        assert response.status_code == 200, response.get_json()
        variables = api.variables(response.get_json()["redirect"].rsplit("/", 1)[1])
        assert variables["vip"] is vip
    assert variables["priority"] == "urgent"


def test_a_refused_report_says_what_is_wrong_per_field_and_uses_no_number(app):
    page = PageClient(app, "requester", "zh")
    response = page.post_json("/portal/report", {"values": _report(symptom="坏了", impact="huge", department="")})
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"department": "此项必填。", "symptom": "至少 5 个字符。",
                                             "impact": "请从给出的选项中选择。"}
    with app.app_context():
        ticket = problem_reports.report_problem(UnitOfWork(database(app)), REQUESTER, _report())
    assert ticket.business_key.endswith("-0001")


def test_ticket_numbers_count_per_day_in_the_desks_time_zone(app):
    uow = lambda: UnitOfWork(database(app))  # noqa: E731
    with clock.frozen(datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc)) as advance:
        first = problem_reports.report_problem(uow(), REQUESTER, _report()).business_key
        second = problem_reports.report_problem(uow(), REQUESTER, _report()).business_key
        advance(datetime(2026, 11, 30, 16, 1, tzinfo=timezone.utc) - clock.now())  # 00:01 in Shanghai
        next_day = problem_reports.report_problem(uow(), REQUESTER, _report()).business_key
    assert (first, second, next_day) == ("SD-20261130-0001", "SD-20261130-0002", "SD-20261201-0001")


def test_ticket_numbers_stay_unique_under_concurrent_reports(app):
    numbers: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(8)

    def reporter() -> None:
        start.wait()
        try:
            for _ in range(3):
                numbers.append(problem_reports.report_problem(UnitOfWork(database(app)), REQUESTER,
                                                              _report()).business_key)
        except BaseException as exc:  # reported below, with the numbers drawn so far
            failures.append(exc)

    threads = [threading.Thread(target=reporter) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(numbers) == 24 and len(set(numbers)) == 24
    assert sorted(int(number[-4:]) for number in numbers) == list(range(1, 25))


def test_the_rest_api_start_is_unchanged_by_the_portal_rules(api):
    response = api.post("/process-definition/key/it_support_request/start", user="requester",
                        json={"variables": typed(_report())})
    assert response.status_code == 400  # the API's caller still names the channel
    assert response.get_json()["message"] == "field 'channel': required"


def test_field_errors_carry_each_field_for_pages(app):
    with app.app_context(), pytest.raises(FieldErrors) as refused:
        problem_reports.report_problem(UnitOfWork(database(app)), REQUESTER, _report(contact="x"))
    assert refused.value.fields == {"contact": ("must be at least {count} characters", {"count": 3})}
    assert refused.value.message == "field 'contact': must be at least 3 characters"
