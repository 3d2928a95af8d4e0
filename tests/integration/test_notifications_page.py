"""The notifications page: one's own only, newest first, unread marked and counted in the top bar, marked read by a
CSRF-protected post, and ticket text shown as text."""
from __future__ import annotations

import re

from tests.integration.notify_helpers import tell  # noqa: F401 - fixture
from tests.integration.signed_in import csrf_token, sign_in

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)


def page(client) -> str:
    response = client.get("/notifications")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'data-notification="(\d+)"', html)]


def unread_badge(html: str) -> str:
    match = re.search(r'<span class="unread-count"[^>]*>(\d+)</span>', html)
    return match.group(1) if match else ""


def test_a_person_sees_their_own_newest_first_and_marks_them_read(app, client, tell):
    tell(group="project_manager", ticket="SD-PAGE-1")
    tell(user="pm", ticket="SD-PAGE-2")
    tell(user="desk", ticket="SD-PAGE-3")
    sign_in(client, "pm")

    html = page(client)
    assert "工单 SD-PAGE-2 已升级至二线" in html and "SD-PAGE-1" in html and "SD-PAGE-3" not in html
    first, second = shown_ids(html)
    assert first > second and html.index("SD-PAGE-2") < html.index("SD-PAGE-1")
    assert unread_badge(html) == "2" and html.count('class="notification unread"') == 2

    response = client.post(f"/notifications/{first}/read", data={"csrf_token": csrf_token(client, "/notifications")})
    assert response.status_code == 302
    html = page(client)
    assert unread_badge(html) == "1" and html.count('class="notification unread"') == 1
    assert unread_badge(client.get("/account").get_data(as_text=True)) == "1"  # on every page's top bar

    client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/notifications")})
    assert unread_badge(page(client)) == "" and 'class="notification unread"' not in page(client)


def test_nobody_reads_or_marks_another_persons_notification(app, client, tell):
    tell(user="pm", ticket="SD-PRIVATE")
    sign_in(client, "pm")
    [theirs] = shown_ids(page(client))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/notifications")})

    sign_in(client, "desk")
    assert "SD-PRIVATE" not in page(client) and shown_ids(page(client)) == []
    response = client.post(f"/notifications/{theirs}/read", data={"csrf_token": csrf_token(client, "/notifications")})
    assert response.status_code == 404
    client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/notifications")})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/notifications")})

    sign_in(client, "pm")
    assert unread_badge(page(client)) == "1"  # still unread for its owner
    assert client.get("/notifications").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/notifications")})
    assert client.get("/notifications").status_code == 302  # visitors go to the sign-in page


def test_marking_read_needs_the_csrf_token(app, client, tell):
    tell(user="pm")
    sign_in(client, "pm")
    [mine] = shown_ids(page(client))
    assert client.post(f"/notifications/{mine}/read").status_code == 400
    assert client.post(f"/notifications/{mine}/read", data={"csrf_token": "forged"}).status_code == 400
    assert unread_badge(page(client)) == "1"


def test_markup_in_ticket_text_is_shown_as_text(app, client, tell):
    tell(user="pm", reason='<script>alert("x")</script>', ticket="<b>SD-BOLD</b>")
    sign_in(client, "pm")
    html = page(client)
    assert "<script>alert" not in html and "<b>SD-BOLD" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;b&gt;SD-BOLD&lt;/b&gt;" in html


def test_the_page_speaks_english_to_an_english_reader(app, client, tell):
    tell(user="pm", reason="disk full", ticket="SD-EN")
    sign_in(client, "pm")
    client.post("/language", data={"language": "en", "next": "/notifications",
                                   "csrf_token": csrf_token(client, "/notifications")})
    html = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ticket SD-EN escalated to tier 2" in html and "Why: disk full" in html and "Mark as read" in html
