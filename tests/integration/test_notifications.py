"""Notifications leave by mail and webhook through the relay: in each person's language, retried with
back-off, exactly once, never while the step's transaction is open, and never lost when nothing is configured."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from app import clock, create_app
from app.db import UnitOfWork
from app.models import NotificationDelivery
from app.services import accounts, notifications, relay
from app.services.users import Principal
from app.store import database
from scheduler import shutdown, tick
from tests.conftest import _base_config
from tests.integration.notify_helpers import relay_pass, smtp, tell, webhook  # noqa: F401 - fixtures
from tests.integration.test_response_sla import fast_sla  # noqa: F401 - fixture
from tests.integration.test_support_request_flow import CLASSIFY, PROCESS, intake, step

SECRET = "s3cret-shared-with-the-receiver"


def set_language(app, user: str, language: str) -> None:
    with app.app_context():
        accounts.set_settings(UnitOfWork(database(app)), Principal(user, frozenset()), language, "Asia/Shanghai")


def deliveries(app, channel: str) -> list[NotificationDelivery]:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == channel)
                                         .order_by(NotificationDelivery.id)))


def test_each_member_reads_the_mail_in_their_own_language(app, tell, smtp):
    inbox, settings = smtp
    set_language(app, "tier2", "en")  # admin, the group's other member, keeps the default: Chinese
    tell(group="tier2", reason="磁盘已满", ticket="SD-20261201-0001")

    assert relay_pass(app, settings) == 2
    [english] = inbox.to("tier2@example.com")
    [chinese] = inbox.to("admin@example.com")
    assert english["Subject"] == "Ticket SD-20261201-0001 escalated to tier 2"
    assert english.get_content().strip() == "Why: 磁盘已满"
    assert chinese["Subject"] == "工单 SD-20261201-0001 已升级至二线"
    assert chinese.get_content().strip() == "原因：磁盘已满"
    assert english["From"] == "desk@example.com" and english["Message-ID"] != chinese["Message-ID"]
    assert relay_pass(app, settings) == 0 and len(inbox.messages) == 2  # sent is sent


def test_a_refusing_server_gets_the_mail_once_it_accepts(app, tell, smtp):
    inbox, settings = smtp
    inbox.refuse = 1
    tell(user="tier1")

    assert relay_pass(app, settings) == 0  # 451: kept, one attempt counted, next try pushed out
    [row] = deliveries(app, "mail")
    assert (row.sent_at, row.attempts, row.claimed_by) == (None, 1, None) and "451" in row.last_error
    assert row.next_try_at - clock.now() > timedelta(seconds=20)
    assert relay_pass(app, settings) == 0 and inbox.refused == 1  # not due yet: the server is not asked again

    with clock.frozen(datetime.now(timezone.utc) + timedelta(seconds=31)):
        assert relay_pass(app, settings) == 1
        assert relay_pass(app, settings) == 0
    assert len(inbox.messages) == 1 and "<tier1@example.com>" in inbox.messages[0]["To"]
    [row] = deliveries(app, "mail")
    assert row.sent_at is not None and row.attempts == 2 and row.last_error is None


def test_back_off_doubles_up_to_an_hour():
    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert [relay.next_try(start, n) - start for n in (1, 2, 3, 8, 30)] == [
        timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120), timedelta(hours=1), timedelta(hours=1)]


def test_without_smtp_mail_waits_in_the_outbox_and_shows_in_the_app(app, tell, smtp):
    inbox, settings = smtp
    tell(user="vendor", reason="等待备件")

    assert relay_pass(app, {"MAIL_FROM": "desk@example.com"}) == 0  # no SMTP_HOST: nothing leaves
    [row] = deliveries(app, "mail")
    assert (row.sent_at, row.attempts, row.claimed_by) == (None, 0, None)
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        [shown] = notifications.list_for(UnitOfWork(database(app), write=False),
                                         Principal("vendor", frozenset({"vendor_liaison"})))
    assert (shown.subject, shown.body, shown.read) == ("工单 SD-TEST-1 已升级至二线", "原因：等待备件", False)

    assert relay_pass(app, settings) == 1  # configured later: the waiting mail goes out
    assert len(inbox.messages) == 1 and "<vendor@example.com>" in inbox.messages[0]["To"]


def test_the_webhook_receives_a_signed_body_and_is_retried(app, tell, webhook):
    webhook.answers = [503]
    settings = {"WEBHOOK_URL": f"http://127.0.0.1:{webhook.server_port}/hook", "WEBHOOK_SECRET": SECRET}
    app.config.update(settings)  # the step queues a webhook only where one is configured
    instance_id = tell(group="tier2", reason="<b>断网</b>", ticket="SD-20261201-0002")

    assert relay_pass(app, settings) == 0  # 503: tried again later
    with clock.frozen(datetime.now(timezone.utc) + timedelta(seconds=31)):
        assert relay_pass(app, settings) == 1
    assert len(webhook.calls) == 2
    headers, body = webhook.calls[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Servicedesk-Signature"], expected)
    payload = json.loads(body)
    assert payload["instance_id"] == instance_id and payload["group"] == "tier2"
    assert payload["subject"] == {"zh": "工单 SD-20261201-0002 已升级至二线",
                                  "en": "Ticket SD-20261201-0002 escalated to tier 2"}
    assert payload["body"]["en"] == "Why: <b>断网</b>" and payload["links"] == {}
    tampered = body.replace(b"tier2", b"tier1")
    assert "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest() != expected


def test_two_relays_at_once_send_every_mail_exactly_once(app, tell, smtp):
    inbox, settings = smtp
    for number in range(12):
        tell(group="tier1", ticket=f"SD-RACE-{number}")  # tier1 and admin: 24 mails
    start = threading.Barrier(2)
    totals: dict[str, int] = {}

    def run(worker: str) -> None:
        start.wait()
        total = 0
        while True:
            sent = relay_pass(app, settings, worker=worker, limit=3)
            if not sent:
                break
            total += sent
            time.sleep(0.01)  # let the other relay in between batches
        totals[worker] = total

    relays = [threading.Thread(target=run, args=(f"relay-{n}",)) for n in (1, 2)]
    for thread in relays:
        thread.start()
    for thread in relays:
        thread.join(timeout=60)

    ids = [message["Message-ID"] for message in inbox.messages]
    assert len(ids) == 24 and len(set(ids)) == 24
    assert sum(totals.values()) == 24 and all(totals.values()), totals  # both relays took part
    assert all(row.sent_at is not None and row.attempts == 1 for row in deliveries(app, "mail"))


def test_a_relay_that_died_holding_a_claim_is_taken_over_when_its_lease_ends(app, tell, smtp):
    inbox, settings = smtp
    tell(user="desk")
    with app.app_context():
        [held] = relay.claim(UnitOfWork(database(app)), ["mail"], "relay-that-dies", 10)

    assert relay_pass(app, settings, worker="relay-b") == 0  # leased: nobody else may send it
    with clock.frozen(datetime.now(timezone.utc) + relay.LEASE + timedelta(seconds=1)):
        assert relay_pass(app, settings, worker="relay-b") == 1
    assert len(inbox.to("desk@example.com")) == 1
    [row] = deliveries(app, "mail")
    assert row.id == held.id and row.sent_at is not None and row.claimed_by is None


def test_the_relay_runs_by_itself_where_the_scheduler_runs(database_url, tell, smtp):
    inbox, settings = smtp
    tell(user="owner")
    running = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True, "RELAY_POLL_SECONDS": 0.2,
                          **settings})
    try:
        deadline = time.monotonic() + 15
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        shutdown(running)  # the timer clock and, on PostgreSQL, its LISTEN thread stop with the relay
        database(running).dispose()
    assert len(inbox.to("owner@example.com")) == 1


def in_app(app, user: str) -> list[notifications.InAppNotification]:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return notifications.list_for(UnitOfWork(database(app), write=False), Principal(user, frozenset()))


def test_a_task_handed_to_someone_tells_them_and_taking_one_oneself_does_not(app, api):
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-ASSIGN")
    task = api.only_task(instance_id, "classify_request")
    assert api.post(f"/task/{task['id']}/claim", user="desk", json={"userId": "desk"}).status_code == 204
    assert in_app(app, "desk") == []

    assert api.post(f"/task/{task['id']}/assignee", user="pm", json={"userId": "admin"}).status_code == 204
    assert api.post(f"/task/{task['id']}/delegate", user="admin", json={"userId": "desk"}).status_code == 204
    [told_admin] = in_app(app, "admin")
    [told_desk] = in_app(app, "desk")
    assert told_admin.subject.startswith("Task assigned to you: ")
    assert told_admin.body == f"Ticket: SR-ASSIGN\nAssigned by: pm\nOpen: /tasks/{task['id']}"  # in-app: the site's path
    assert "Assigned by: admin\n" in told_desk.body


def test_a_response_sla_breach_reaches_the_project_manager_by_mail(app, api, fast_sla, smtp):
    inbox, settings = smtp
    set_language(app, "pm", "en")
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-SLA-MAIL")
    step(api, instance_id, "classify_request", ["service_desk"], "desk", CLASSIFY)
    relay_pass(app, settings)  # tier 1 may be warned already: three quarters of the second have passed
    assert inbox.to("pm@example.com") == []  # nothing for the project manager yet

    time.sleep(1.2)  # the one-second response SLA passes with the tier-1 task open
    tick(app)
    relay_pass(app, settings)
    [mail] = inbox.to("pm@example.com")
    assert mail["Subject"] == "Response SLA breached: ticket SR-SLA-MAIL"
    assert "Priority: " in mail.get_content() and "SLA: PT1S" in mail.get_content()
    # the admin is in every group and reads Chinese
    breached = [m for m in inbox.to("admin@example.com") if m["Subject"].startswith("响应超时")]
    assert [m["Subject"] for m in breached] == ["响应超时：工单 SR-SLA-MAIL"]
