"""Filing a complaint (/portal/complaint) and how a ticket and its complaints point at each other."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.db import UnitOfWork
from app.domain import Complaint
from app.store import database
from tests.integration.test_complaint_flow import complaint
from tests.integration.test_support_request_flow import SOLVED, intake, step, walk_to_callback
from tests.page_client import PageClient

BACKENDS = ["sqlite"]  # what is checked here does not depend on the database (see tests/conftest.py)

NUMBER = re.compile(r"^TS-\d{8}-\d{4}$")


def _schema_keys(html: str) -> list[str]:
    schema = json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))
    return [component.get("key") for component in schema["components"]]


def _row(app, instance_id: str) -> Complaint:
    with app.app_context():
        uow = UnitOfWork(database(app))
        with uow:
            row = uow.session.scalar(select(Complaint).where(Complaint.instance_id == instance_id))
            uow.session.expunge_all()
            return row


def _file(page: PageClient, values: dict):
    return page.post_json("/portal/complaint", {"values": values})


def test_a_customer_files_about_their_own_ticket_and_both_pages_link(app, api):
    ticket_id = api.start("it_support_request", intake(), user="requester", business_key="SD-20261201-0007")
    customer = PageClient(app, "requester", "zh")
    html = customer.get("/portal/complaint?ticket=SD-20261201-0007").get_data(as_text=True)
    assert "complaint_source" not in _schema_keys(html)  # the portal is the source; nobody picks it
    assert '"ticket_business_key": "SD-20261201-0007"' in html and '"complainant": "张三 (requester)"' in html

    values = {key: value for key, value in complaint(ticket_business_key="SD-20261201-0007").items()
              if key != "complaint_source"}
    response = _file(customer, {**values, "complaint_source": "callback"})  # a tampered source is overruled
    assert response.status_code == 200, response.get_json()
    complaint_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    row = _row(app, complaint_id)
    assert (row.source, row.ticket_instance_id, row.ticket_business_key) == ("portal", ticket_id, "SD-20261201-0007")
    assert NUMBER.match(row.number)

    page = customer.get(f"/tickets/{complaint_id}").get_data(as_text=True)
    assert f"您的投诉已登记，编号 {row.number}" in page
    assert f'href="/tickets/{ticket_id}"' in page  # the complaint names its ticket
    ticket_page = customer.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert row.number in ticket_page and f'href="/tickets/{complaint_id}"' in ticket_page
    english = PageClient(app, "requester", "en").get(f"/tickets/{complaint_id}").get_data(as_text=True)
    assert "Source of the complaint" in english and "Service portal" in english


def test_a_customer_cannot_attach_a_complaint_to_someone_elses_or_an_unknown_ticket(app, api):
    api.start("it_support_request", intake(), user="vip", business_key="SD-20261201-0008")
    customer = PageClient(app, "requester", "en")
    for number in ("SD-20261201-0008", "SD-19990101-0001"):
        response = _file(customer, complaint(ticket_business_key=number))
        assert response.status_code == 400
        assert response.get_json()["fields"] == {"ticket_business_key": "No ticket of yours has this number."}


def test_staff_record_where_a_complaint_came_from(app):
    desk = PageClient(app, "desk", "en")
    html = desk.get("/portal/complaint").get_data(as_text=True)
    assert "complaint_source" in _schema_keys(html) and '"complaint_source": "direct"' in html
    response = _file(desk, complaint(complaint_source="weekly_survey"))
    assert response.status_code == 200, response.get_json()
    assert _row(app, response.get_json()["redirect"].rsplit("/", 1)[1]).source == "weekly_survey"


def test_a_refused_complaint_says_what_is_wrong_per_field(app):
    response = _file(PageClient(app, "requester", "zh"), complaint(complaint="差", severity="extreme"))
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"complaint", "severity"}


def test_a_callback_complaint_shows_on_the_ticket_for_staff(app, api):
    ticket_id = walk_to_callback(api, "tier1", "SD-20261201-0009")
    step(api, ticket_id, "callback_rating", ["service_desk"], "desk", {**SOLVED, "complaint": "态度冷淡"})
    page = PageClient(app, "pm", "zh").get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "本工单的投诉" in page and re.search(r"TS-\d{8}-\d{4}", page)


def test_the_portal_offers_filing_a_complaint(app):
    html = PageClient(app, "requester", "en").get("/portal").get_data(as_text=True)
    assert 'href="/portal/complaint"' in html and "File a complaint" in html


def _complaint_of(app, ticket_id: str) -> str:
    with app.app_context():
        uow = UnitOfWork(database(app))
        with uow:
            return uow.session.scalar(select(Complaint.instance_id).where(Complaint.ticket_instance_id == ticket_id))


def test_a_callback_complaint_is_the_requesters_and_the_desk_user_filed_it(app, api):
    ticket_id = walk_to_callback(api, "tier1", "SD-20261201-0010")
    step(api, ticket_id, "callback_rating", ["service_desk"], "desk", {**SOLVED, "complaint": "工程师态度冷淡"})
    complaint_id = _complaint_of(app, ticket_id)
    customer = PageClient(app, "requester", "zh")
    portal = customer.get("/portal").get_data(as_text=True)
    assert f'href="/tickets/{complaint_id}"' in portal  # in my requests, where the requester follows it
    response = customer.get(f"/tickets/{complaint_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "服务台小王 (desk) 提交了投诉" in page and "服务台小王 (desk) 于" in page  # who filed it is kept
    assert api.get(f"/history/process-instance/{complaint_id}").get_json()["startUserId"] == "requester"


def test_staff_filing_about_a_customers_ticket_file_it_for_the_customer(app, api):
    ticket_id = api.start("it_support_request", intake(), user="requester", business_key="SD-20261201-0013")
    response = _file(PageClient(app, "desk", "en"), complaint(ticket_business_key="SD-20261201-0013"))
    assert response.status_code == 200, response.get_json()
    complaint_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    assert _complaint_of(app, ticket_id) == complaint_id
    page = PageClient(app, "requester", "en").get(f"/tickets/{complaint_id}")
    assert page.status_code == 200
    assert "服务台小王 (desk) filed the complaint" in page.get_data(as_text=True)


def test_a_complaint_page_speaks_of_a_complaint_in_both_languages(app, api):
    """Its heading, how it began and its fields as the complaint feedback form (客户投诉反馈表) names them."""
    api.start("it_support_request", intake(), user="requester", business_key="SD-20261201-0014")
    response = _file(PageClient(app, "requester", "en"), complaint(ticket_business_key="SD-20261201-0014"))
    complaint_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    words = {"en": ("Complaint details", "张三 (requester) filed the complaint", "filed ", "Related ticket number",
                    "Complainant", "Source of the complaint"),
             "zh": ("投诉详情", "张三 (requester) 提交了投诉", "张三 (requester) 于 ", "相关工单号", "投诉人",
                    "投诉来源", "投诉内容", "严重程度")}
    ticket_words = {"en": ("Ticket details", "reported the problem"), "zh": ("工单信息", "提交了报障", "提交于")}
    for language in ("en", "zh"):
        page = PageClient(app, "requester", language).get(f"/tickets/{complaint_id}").get_data(as_text=True)
        assert all(text in page for text in words[language]), language
        assert not any(text in page for text in ticket_words[language]), language
