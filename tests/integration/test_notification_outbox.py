"""What leaves the relay is readable far from the site, and what cannot leave is not retried forever:
absolute links from SITE_URL (or HOST and PORT, warned about), no webhook rows without a webhook,
a delivery given up after RELAY_MAX_ATTEMPTS, listed at /admin/outbox and sent again by an administrator."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app import clock, create_app, links
from app.db import UnitOfWork
from app.models import AuditEntry, NotificationDelivery
from app.store import database
from tests.conftest import SITE_URL, _base_config
from tests.integration import notify_helpers
from tests.integration.notify_helpers import relay_pass
from tests.integration.signed_in import post, sign_in
from tests.integration.test_support_request_flow import PROCESS, intake

SECRET = "shared-with-the-receiver"
smtp, tell, webhook = notify_helpers.smtp, notify_helpers.tell, notify_helpers.webhook  # the fixtures used here


def deliveries(app, channel: str) -> list[NotificationDelivery]:
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(NotificationDelivery).where(NotificationDelivery.channel == channel)
                                         .order_by(NotificationDelivery.id)))


def assign_to_admin(api) -> str:
    """The project manager hands a ticket's first task to admin, who is told; returns the task's id."""
    instance_id = api.start(PROCESS, intake(), user="requester", business_key="SR-LINK")
    task = api.only_task(instance_id, "classify_request")
    assert api.post(f"/task/{task['id']}/assignee", user="pm", json={"userId": "admin"}).status_code == 204
    return task["id"]


def test_the_assignment_mail_and_webhook_carry_absolute_links_from_site_url(app, api, smtp, webhook):
    inbox, settings = smtp
    hook = {"WEBHOOK_URL": f"http://127.0.0.1:{webhook.server_port}/hook", "WEBHOOK_SECRET": SECRET}
    app.config.update(hook)
    task_id = assign_to_admin(api)

    assert relay_pass(app, {**settings, **hook, "SITE_URL": SITE_URL + "/"}) == 2  # the mail and the webhook
    [mail] = inbox.to("admin@example.com")
    body = mail.get_content()
    assert f"{SITE_URL}/tasks/{task_id}" in body and " /tasks/" not in body and "：/tasks/" not in body
    payload = json.loads(webhook.calls[0][1])
    assert payload["links"] == {"link": f"{SITE_URL}/tasks/{task_id}"}
    assert payload["body"]["en"].endswith(f"Open: {SITE_URL}/tasks/{task_id}")
    assert payload["body"]["zh"].endswith(f"{SITE_URL}/tasks/{task_id}")


def test_without_site_url_links_use_host_and_port_and_the_start_warns_once(database_url, api, smtp, caplog,
                                                                          monkeypatch):
    inbox, settings = smtp
    monkeypatch.setattr(links, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="app.links"):
        bare = create_app({**_base_config(database_url), "SITE_URL": "", "HOST": "127.0.0.1", "PORT": 8080})
        again = create_app({**_base_config(database_url), "SITE_URL": "", "HOST": "127.0.0.1", "PORT": 8080})
    try:
        warned = [r.getMessage() for r in caplog.records if r.name == "app.links"]
        assert len(warned) == 1 and "SITE_URL is not set" in warned[0] and "http://127.0.0.1:8080" in warned[0]
        health = bare.test_client().get("/health").get_json()
        assert health["status"] == "warning"
        assert health["siteUrl"]["status"] == "warning" and health["siteUrl"]["url"] == "http://127.0.0.1:8080"

        task_id = assign_to_admin(api)
        assert relay_pass(bare, {**bare.config, **settings}) == 1
        [mail] = inbox.to("admin@example.com")
        assert f"http://127.0.0.1:8080/tasks/{task_id}" in mail.get_content()
    finally:
        database(bare).dispose()
        database(again).dispose()


def test_site_url_that_is_no_web_address_stops_the_start(database_url):
    with pytest.raises(ValueError, match="SITE_URL must start with http"):
        create_app({**_base_config(database_url), "SITE_URL": "servicedesk.example.com"})


def test_derived_site_url_for_a_service_listening_everywhere_names_the_machine():
    import socket

    assert links.site_url({"HOST": "0.0.0.0", "PORT": 5000}) == f"http://{socket.getfqdn()}:5000"
    assert links.site_url({"HOST": "::1", "PORT": 8000}) == "http://[::1]:8000"
    assert links.absolute(SITE_URL, "https://elsewhere.example.com/x") == "https://elsewhere.example.com/x"


def test_no_webhook_row_is_queued_without_a_webhook_url(app, tell):
    assert not app.config["WEBHOOK_URL"]
    tell(group="tier2")
    assert deliveries(app, "webhook") == [] and len(deliveries(app, "mail")) == 2


def test_a_mail_that_keeps_failing_is_given_up_listed_and_sent_again_by_an_administrator(app, tell, smtp):
    inbox, settings = smtp
    settings = {**settings, "RELAY_MAX_ATTEMPTS": 3}
    app.config["RELAY_MAX_ATTEMPTS"] = 3
    inbox.refuse = 100
    with clock.frozen(datetime.now(timezone.utc)) as advance:
        tell(user="tier1", reason="磁盘已满", ticket="SD-OUTBOX-1")
        for _ in range(5):  # three attempts, then no more however long it waits
            assert relay_pass(app, settings) == 0
            advance(timedelta(hours=2))
        assert inbox.refused == 3
        [row] = deliveries(app, "mail")
        assert row.attempts == 3 and row.given_up_at is not None and "451" in row.last_error

        admin, desk = app.test_client(), app.test_client()
        assert sign_in(admin, "admin").status_code == 302 and sign_in(desk, "desk").status_code == 302
        page = admin.get("/admin/outbox", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "Notification outbox" in page and f'data-delivery="{row.id}" class="given-up"' in page
        assert "Ticket SD-OUTBOX-1 escalated to tier 2" in page and "451" in page and "Given up" in page
        assert 'href="/admin/outbox"' in page  # reachable from the administration's navigation
        zh = admin.get("/admin/outbox", headers={"Accept-Language": "zh"}).get_data(as_text=True)
        assert "通知发件箱" in zh and "已放弃" in zh and "重新发送" in zh

        assert desk.get("/admin/outbox").status_code == 403
        assert 'href="/admin/outbox"' not in desk.get("/inbox").get_data(as_text=True)
        assert post(desk, f"/admin/outbox/{row.id}/send-again", {}).status_code == 403
        assert admin.post(f"/admin/outbox/{row.id}/send-again").status_code == 400  # no CSRF token
        assert deliveries(app, "mail")[0].given_up_at is not None
        assert post(admin, f"/admin/outbox/{row.id + 1000}/send-again", {}).status_code == 404

        answer = post(admin, f"/admin/outbox/{row.id}/send-again", {}, token_from="/admin/outbox")
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/outbox")
        [row] = deliveries(app, "mail")
        assert (row.attempts, row.given_up_at, row.next_try_at) == (0, None, clock.now())
        inbox.refuse = 0
        assert relay_pass(app, settings) == 1
    assert len(inbox.to("tier1@example.com")) == 1
    [row] = deliveries(app, "mail")
    assert row.sent_at is not None and row.last_error is None
    with app.app_context(), UnitOfWork(database(app), write=False) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "notification.send_again"))
    assert entry.actor == "admin" and entry.data["attempts"] == 3 and "451" in entry.data["last_error"]
    assert "Every mail and webhook has been delivered." in admin.get(
        "/admin/outbox", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_stopping_the_scheduler_stops_the_relay_beside_it(database_url):
    from scheduler import shutdown

    running = create_app({**_base_config(database_url), "SCHEDULER_ENABLED": True})
    relay_clock = running.extensions["notification_relay"]
    try:
        assert relay_clock.running
        shutdown(running)
        assert not relay_clock.running and "notification_relay" not in running.extensions
    finally:
        database(running).dispose()
