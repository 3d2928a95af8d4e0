"""The staff inbox page (/inbox) through Flask's test client, signed in with the real sign-in form.

Tickets are started and worked through the REST API, as in the Flow 1 tests; the page is read as HTML.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.models import HumanTask, InboxTicket, TaskCandidate
from app.store import database
from tests.conftest import DEMO_PASSWORD, ROOT
from tests.helpers import deploy, one_task_process
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, intake

ENGLISH = {"Accept-Language": "en"}


def csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def signed_in(app, user: str):
    """A test client signed in as ``user`` through the sign-in form (CSRF token included)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": user, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page(client, url: str = "/inbox", status: int = 200) -> str:
    response = client.get(url, headers=ENGLISH)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def tickets(html: str) -> list[str]:
    """The ticket numbers of the rows, top to bottom."""
    return re.findall(r'<td class="col-ticket"><a [^>]*>([^<]+)</a>', html)


def counts(html: str) -> dict[str, int]:
    return {tab: int(n) for tab, n in re.findall(r'data-tab="(\w+)"[^>]*>[^<]*<span class="count">(\d+)', html)}


def start(api, key: str, **overrides) -> str:
    return api.start(PROCESS, intake(**overrides), user="requester", business_key=key)


def classify(api, instance_id: str, category: str = "hardware") -> None:
    task = api.only_task(instance_id, "classify_request")
    assert api.complete(task["id"], "desk", {**CLASSIFY, "category": category}).status_code == 204


@pytest.fixture
def desk(app):
    return signed_in(app, "desk")


def test_a_requester_is_refused_and_a_stranger_is_sent_to_sign_in(app, client):
    assert client.get("/inbox").status_code == 302
    requester = signed_in(app, "requester")
    assert requester.get("/inbox", headers=ENGLISH).status_code == 403
    assert requester.get("/inbox/rows", headers=ENGLISH).status_code == 403


def test_queue_is_sorted_by_priority_then_response_deadline_with_badges(app, api, desk):
    start(api, "SR-N", impact="low", urgency="low")
    start(api, "SR-V", vip=True)
    start(api, "SR-I", impact="high", urgency="low")
    html = page(desk)
    assert tickets(html) == ["SR-V", "SR-I", "SR-N"]
    assert counts(html) == {"mine": 0, "groups": 3}
    rows = html.split('<tr data-task-id')[1:]
    assert "badge-vip" in rows[0] and "badge-urgent" in rows[0] and "Urgent" in rows[0]
    assert "badge-vip" not in rows[1] and "badge-important" in rows[1]
    assert "badge-normal" in rows[2]
    assert all("badge-sla-ok" in row and " left<" in row for row in rows)
    assert all(re.search(r'href="/tasks/[0-9a-f-]{36}"', row) for row in rows)


def test_response_badge_turns_amber_then_red(app, api, desk):
    at = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    with clock.frozen(at) as advance:
        start(api, "SR-SLA", vip=True)  # urgent: 2 h to respond
        assert "badge-sla-ok" in page(desk)
        advance(timedelta(hours=1, minutes=40))
        html = page(desk)
        assert "badge-sla-amber" in html and "20 min left" in html
        advance(timedelta(minutes=55))
        html = page(desk)
        assert "badge-sla-red" in html and "overdue 35 min" in html


def test_only_managers_have_the_all_tab(app, api, desk):
    start(api, "SR-1")
    assert 'data-tab="all"' not in page(desk)
    assert "not allowed" in page(desk, "/inbox?tab=all", 403)
    manager = signed_in(app, "pm")
    html = page(manager, "/inbox?tab=all")
    assert tickets(html) == ["SR-1"] and counts(html)["all"] == 1
    assert counts(html)["groups"] == 0  # the project manager's own queue is empty


def test_the_page_shows_only_the_tasks_of_the_viewers_queues_and_their_own(app, api, desk):
    first, second = start(api, "SR-A"), start(api, "SR-B")
    classify(api, first)  # now a tier-1 hardware task
    tier2 = signed_in(app, "tier2")
    assert tickets(page(tier2)) == [] and "Nothing waiting for your groups" in page(tier2)
    assert tickets(page(tier2, "/inbox?tab=mine")) == []
    assert tickets(page(desk)) == ["SR-B"]
    engineer = signed_in(app, "tier1")
    assert tickets(page(engineer)) == ["SR-A"]
    task = api.only_task(first, "tier1_diagnose")
    assert api.post(f"/task/{task['id']}/claim", user="tier1", json={"userId": "tier1"}).status_code == 204
    html = page(engineer)
    assert tickets(html) == [] and counts(html) == {"mine": 1, "groups": 0}
    assert tickets(page(engineer, "/inbox?tab=mine")) == ["SR-A"]
    assert "一线李工" in page(engineer, "/inbox?tab=mine")  # the assignee's name
    assert second


def test_a_task_offered_to_two_of_my_groups_is_listed_and_counted_once(app, api):
    assert deploy(api, one_task_process("twice", group="tier1,tier1_hardware")).status_code == 200
    api.post("/process-definition/key/twice/start", user="admin", json={"businessKey": "TW-1"})
    html = page(signed_in(app, "tier1"))
    assert tickets(html) == ["TW-1"] and counts(html)["groups"] == 1


def test_filters_narrow_the_list_and_stay_in_the_links(app, api, desk):
    hardware, network = start(api, "SR-HW", symptom="打印机卡纸"), start(api, "SR-NET", vip=True,
                                                                        symptom="VPN 连不上")
    classify(api, hardware, "hardware")
    classify(api, network, "network")
    start(api, "SR-NEW", symptom="显示器闪烁")
    manager = signed_in(app, "pm")
    assert tickets(page(manager, "/inbox?tab=all")) == ["SR-NET", "SR-HW", "SR-NEW"]
    assert tickets(page(manager, "/inbox?tab=all&category=network")) == ["SR-NET"]
    assert tickets(page(manager, "/inbox?tab=all&priority=normal")) == ["SR-HW", "SR-NEW"]
    assert tickets(page(manager, "/inbox?tab=all&text=vpn")) == ["SR-NET"]
    assert tickets(page(manager, "/inbox?tab=all&text=sr-hw")) == ["SR-HW"]
    assert tickets(page(manager, "/inbox?tab=all&text=分类")) == ["SR-NEW"]  # the task's name, as the model writes it
    assert tickets(page(manager, "/inbox?tab=all&group=tier1_network")) == ["SR-NET"]
    assert tickets(page(manager, f"/inbox?tab=all&process={PROCESS}")) == ["SR-NET", "SR-HW", "SR-NEW"]
    html = page(manager, "/inbox?tab=all&category=hardware&text=%25")
    assert tickets(html) == [] and "No task matches these filters" in html  # % is a character, not a wildcard
    html = page(manager, "/inbox?tab=all&priority=normal")
    assert 'href="/inbox?tab=mine&amp;priority=normal"' in html  # the tabs keep the filters
    assert counts(html) == {"mine": 0, "groups": 0, "all": 2}
    assert tickets(page(desk, "/inbox?group=service_desk")) == ["SR-NEW"]
    assert tickets(page(desk, "/inbox?group=tier2")) == []  # not one of the desk's queues: nothing


@pytest.mark.parametrize("query, named", [
    ("priority=high", "Unknown priority: “high”"), ("category=printer", "Unknown category: “printer”"),
    ("process=nope", "Unknown process: “nope”"), ("group=wizards", "Unknown group: “wizards”"),
    ("tab=everything", "Unknown list: “everything”"), ("page=0", "Unknown page: “0”"),
    ("page=abc", "Unknown page: “abc”")])
def test_a_bad_filter_value_is_named_not_a_crash(app, desk, query, named):
    html = unescape(page(desk, f"/inbox?{query}", 400))
    assert named in html and "Show the list without filters" in html


def test_symptom_markup_is_shown_as_text(app, api, desk):
    start(api, "SR-XSS", symptom='<img src=x onerror="alert(1)"><script>alert(2)</script>')
    html = page(desk)
    assert "<script>alert(2)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_paging_shows_fifty_rows_a_total_and_the_next_page(app, api, desk):
    assert deploy(api, one_task_process("bulk")).status_code == 200
    for number in range(53):
        api.post("/process-definition/key/bulk/start", user="admin", json={"businessKey": f"B-{number:02d}"})
    first = page(desk)
    assert len(tickets(first)) == 50 and "1–50 of 53" in first and 'rel="next"' in first
    assert tickets(first)[:2] == ["B-00", "B-01"]  # equal priority: oldest first
    second = page(desk, "/inbox?page=2")
    assert tickets(second) == ["B-50", "B-51", "B-52"] and "51–53 of 53" in second and 'rel="prev"' in second


def test_the_poll_answers_204_until_the_list_changes(app, api, desk):
    start(api, "SR-P1")
    html = page(desk)
    seen = re.search(r'data-fingerprint="(\w+)"', html).group(1)
    assert desk.get(f"/inbox/rows?tab=groups&seen={seen}", headers=ENGLISH).status_code == 204
    start(api, "SR-P2")
    response = desk.get(f"/inbox/rows?tab=groups&seen={seen}", headers=ENGLISH)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="inbox-list"') and "<html" not in fragment
    assert tickets(fragment) == ["SR-P1", "SR-P2"]


def test_an_ended_session_makes_the_poll_send_the_browser_to_sign_in(app, client):
    response = client.get("/inbox/rows?tab=mine", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/login?next=")


def test_saved_filter_round_trip_is_a_camunda_filter(app, api, desk):
    start(api, "SR-S", vip=True)
    html = page(desk, "/inbox?priority=urgent&text=SR")
    response = desk.post("/inbox/views", headers=ENGLISH, data={
        "csrf_token": csrf(html), "name": "Urgent SR", "tab": "groups", "priority": "urgent", "text": "SR"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?tab=groups&priority=urgent&text=SR"
    [saved] = api.get("/filter", user="desk").get_json()
    assert saved["name"] == "Urgent SR" and saved["owner"] == "desk" and saved["resourceType"] == "Task"
    assert saved["query"]["minPriority"] == 100 and saved["query"]["candidateUser"] == "${currentUser()}"
    assert saved["properties"]["inbox"] == {"tab": "groups", "priority": "urgent", "text": "SR"}
    listed = api.get(f"/filter/{saved['id']}/list", user="desk").get_json()
    assert [task["taskDefinitionKey"] for task in listed] == ["classify_request"]  # the same task via REST
    html = page(desk)
    assert "Urgent SR" in html and 'href="/inbox?tab=groups&amp;priority=urgent&amp;text=SR"' in html
    assert api.get("/filter", user="tier1").get_json() == []  # not shared
    refused = desk.post(f"/inbox/views/{saved['id']}/delete", data={}, headers=ENGLISH)
    assert refused.status_code == 400  # no CSRF token
    other = signed_in(app, "tier1")
    token = csrf(page(other))
    assert other.post(f"/inbox/views/{saved['id']}/delete", data={"csrf_token": token}).status_code == 404
    assert desk.post(f"/inbox/views/{saved['id']}/delete", data={"csrf_token": csrf(html)}).status_code == 302
    assert api.get("/filter", user="desk").get_json() == []


def test_a_filter_without_a_name_is_refused_and_nothing_is_saved(app, api, desk):
    html = page(desk)
    response = desk.post("/inbox/views", data={"csrf_token": csrf(html), "name": "  ", "tab": "groups"},
                         headers=ENGLISH, follow_redirects=True)
    assert "Give the filter a name" in response.get_data(as_text=True)
    assert api.get("/filter", user="desk").get_json() == []


def test_the_projection_is_rebuilt_by_the_migration(app, api, backend):
    """Revision 0008 backfills running instances; downgrading and upgrading gives the same rows."""
    instance_id = start(api, "SR-M", vip=True, symptom="硬盘 异响\n 严重")
    db = database(app)

    def snapshot():
        with UnitOfWork(db, write=False) as uow:
            ticket = uow.session.get(InboxTicket, instance_id)
            due = uow.session.scalars(select(HumanTask.inbox_due_at).where(HumanTask.instance_id == instance_id)).all()
            candidate = uow.session.scalars(select(TaskCandidate.inbox_due_at)).all()
            return (ticket.business_key, ticket.symptom, ticket.vip, ticket.response_due_at), due, candidate

    before = snapshot()
    assert before[0][:3] == ("SR-M", "硬盘 异响 严重", True) and before[1] == [before[0][3]] == before[2]
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        assert "inbox_ticket" not in _tables(connection)
        command.upgrade(config, "head")
    assert snapshot() == before


def _tables(connection) -> set[str]:
    from sqlalchemy import inspect
    return set(inspect(connection).get_table_names())
