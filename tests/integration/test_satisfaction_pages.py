"""The questionnaire in the portal (/portal/surveys/<id>) and the campaign page (/surveys/satisfaction/<instance>).

A requester sees an open questionnaire on /portal and answers it once; someone else's is 403, scores
outside 1..5 or missing are refused beside their question with nothing saved, a second answer or one
after the survey closed is 409, a post without the CSRF token is refused. The service department (only)
reads the campaign: responses, means against targets, actions.
"""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest

from app import clock
from app.domain import Complaint, SatisfactionCampaign, SatisfactionResponse
from app.models import ProcessInstance
from scheduler import tick
from tests.page_client import PageClient
from tests.satisfaction_helpers import ALL_FIVES, CAMPAIGN, SHANGHAI, campaign_form, close_tickets, november, rows

OPENED = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)



@pytest.fixture(autouse=True)
def without_weekly_sampling(api) -> None:
    """The shipped Monday sampling would fire while these tests move the clock over days; it has its own tests."""
    response = api.put("/process-definition/key/callback_sampling_survey/suspended", user="admin",
                       json={"suspended": True, "includeProcessInstances": False})
    assert response.status_code == 204, response.get_json()

@pytest.fixture
def backend() -> str:
    """Pages do not depend on the database: SQLite, except where two answers race."""
    return "sqlite"


@pytest.fixture
def campaign(app, api) -> str:
    """A campaign open until the end of 10 December, sent to ``requester`` and ``vip``."""
    close_tickets(app, ("SD-20261103-0001", "requester", november(3)), ("SD-20261104-0002", "vip", november(4)))
    with clock.frozen(OPENED):
        return api.start(CAMPAIGN, campaign_form(), user="servicedept")


def _survey_of(app, user: str) -> SatisfactionResponse:
    [row] = rows(app, SatisfactionResponse, SatisfactionResponse.requester == user)
    return row


def test_the_requester_finds_the_survey_on_the_portal_and_answers_it_once(app, campaign):
    survey = _survey_of(app, "requester")
    page = PageClient(app, "requester", "zh")
    with clock.frozen(OPENED + timedelta(hours=1)):
        portal = page.get("/portal").get_data(as_text=True)
        assert f"/portal/surveys/{survey.id}" in portal and "2026年11月客户满意度调查" in portal
        form = page.get(f"/portal/surveys/{survey.id}").get_data(as_text=True)
        assert "技术能力" in form and "沟通" in form and 'name="csrf_token"' in form
        response = page.post_form(f"/portal/surveys/{survey.id}", {**ALL_FIVES, "communication": 3, "comment": "很好"})
        assert response.status_code == 302 and response.headers["Location"].endswith("/portal")
        assert f"/portal/surveys/{survey.id}" not in page.get("/portal").get_data(as_text=True)

        again = page.post_form(f"/portal/surveys/{survey.id}", {**ALL_FIVES, "comment": "改主意了"})
        assert again.status_code == 409 and "您已于" in again.get_data(as_text=True)
    [answered] = rows(app, SatisfactionResponse, SatisfactionResponse.id == survey.id)
    assert (answered.communication, answered.technical, answered.comment) == (3, 5, "很好")


@pytest.mark.parametrize("language, changes, message", [
    ("en", {"attitude": "6"}, "Choose a score from 1 to 5."),
    ("en", {"technical": "0"}, "Choose a score from 1 to 5."),
    ("en", {"response": "abc"}, "Choose a score from 1 to 5."),
    ("zh", {"resolution": ""}, "请选择一个分数。"),
    ("zh", {"comment": "长" * 2001}, "最多输入 2000 个字符。"),
    ("zh", {"complaint": "长" * 2001}, "最多输入 2000 个字符。"),
])
def test_bad_answers_are_refused_beside_their_question_and_nothing_is_saved(app, campaign, language, changes,
                                                                            message):
    survey = _survey_of(app, "requester")
    page = PageClient(app, "requester", language)
    with clock.frozen(OPENED + timedelta(hours=1)):
        response = page.post_form(f"/portal/surveys/{survey.id}", {**ALL_FIVES, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    [field] = changes
    marked = re.findall(r'class="question has-error" id="q-([a-z]+)"', html)
    assert marked == ([] if field in ("comment", "complaint") else [field])
    assert 'value="5" checked' in html   # what was chosen is kept
    assert _survey_of(app, "requester").answered_at is None


def test_someone_elses_survey_is_forbidden_and_an_unknown_one_not_found(app, campaign):
    survey = _survey_of(app, "vip")
    page = PageClient(app, "requester", "en")
    with clock.frozen(OPENED + timedelta(hours=1)):
        assert page.get(f"/portal/surveys/{survey.id}").status_code == 403
        assert page.post_form(f"/portal/surveys/{survey.id}", ALL_FIVES).status_code == 403
        assert page.get("/portal/surveys/no-such-survey").status_code == 404
    assert _survey_of(app, "vip").answered_at is None


def test_a_post_without_the_csrf_token_is_refused(app, campaign):
    survey = _survey_of(app, "requester")
    page = PageClient(app, "requester", "en")
    with clock.frozen(OPENED + timedelta(hours=1)):
        assert page.post_form(f"/portal/surveys/{survey.id}", ALL_FIVES, token=False).status_code == 400
    assert _survey_of(app, "requester").answered_at is None


def test_after_the_closing_time_answers_are_refused(app, campaign):
    survey = _survey_of(app, "requester")
    with clock.frozen(datetime(2026, 12, 11, 0, 1, tzinfo=SHANGHAI)):
        page = PageClient(app, "requester", "en")
        assert "This survey has closed" in page.get(f"/portal/surveys/{survey.id}").get_data(as_text=True)
        assert page.post_form(f"/portal/surveys/{survey.id}", ALL_FIVES).status_code == 409
        assert f"/portal/surveys/{survey.id}" not in page.get("/portal").get_data(as_text=True)
    assert _survey_of(app, "requester").answered_at is None


def test_the_service_department_reads_the_campaign_and_nobody_else_does(app, api, campaign):
    requester = PageClient(app, "requester", "en")
    with clock.frozen(OPENED + timedelta(hours=1)) as advance:
        requester.post_form(f"/portal/surveys/{_survey_of(app, 'requester').id}",
                            {**ALL_FIVES, "attitude": 3, "response": 3})
        dept = PageClient(app, "servicedept", "en")
        listing = dept.get("/surveys/satisfaction").get_data(as_text=True)
        assert f"/surveys/satisfaction/{campaign}" in listing and "Collecting answers" in listing
        html = dept.get(f"/surveys/satisfaction/{campaign}").get_data(as_text=True)
        assert "3.00" in html and "below target" in html and "Actions are planned after the survey closes" in html
        for other in ("requester", "desk"):
            assert PageClient(app, other, "en").get(f"/surveys/satisfaction/{campaign}").status_code == 403
        assert dept.get("/surveys/satisfaction/unknown").status_code == 404

        advance(timedelta(days=10))
        tick(app)
        plans = [t for t in api.tasks(campaign) if t["taskDefinitionKey"] == "plan_improvement_action"]
        assert len(plans) == 2
        assert api.complete(plans[0]["id"], "servicedept", {"improvement_measure": "服务态度专项培训",
                                                             "action_owner_group": "tier1",
                                                             "action_due_on": "2026-12-31"}).status_code == 204
        zh = PageClient(app, "servicedept", "zh").get(f"/surveys/satisfaction/{campaign}").get_data(as_text=True)
    assert "服务态度专项培训" in zh and "一线工程师" in zh and "未达标" in zh


def test_the_service_department_opens_a_survey_from_its_page_with_dates_that_make_sense(app):
    dept = PageClient(app, "servicedept", "en")
    with clock.frozen(OPENED):
        html = dept.get("/surveys/satisfaction/new").get_data(as_text=True)
        assert '"key": "period_start"' in html and '"audience": "closed_tickets"' in html
        backwards = dept.post_json("/surveys/satisfaction/new",
                                   {"values": campaign_form(period_start="2026-11-30", period_end="2026-11-01")})
        assert backwards.status_code == 400
        assert backwards.get_json()["fields"] == {"period_end": "The period cannot end before it starts."}
        past = dept.post_json("/surveys/satisfaction/new", {"values": campaign_form(closes_on="2026-11-30")})
        assert past.get_json()["fields"] == {"closes_on": "Choose today or a later day."}
        assert dept.post_json("/surveys/satisfaction/new", {"values": campaign_form(period_start="11/01")}
                              ).status_code == 400
        assert rows(app, SatisfactionCampaign) == []

        opened = dept.post_json("/surveys/satisfaction/new", {"values": campaign_form()})
        assert opened.status_code == 200, opened.get_json()
        [campaign] = rows(app, SatisfactionCampaign)
        assert opened.get_json()["redirect"] == f"/surveys/satisfaction/{campaign.instance_id}"
        assert campaign.opened_by == "servicedept"
        assert "The survey is open" in dept.get(opened.get_json()["redirect"]).get_data(as_text=True)

        requester = PageClient(app, "requester", "en")
        assert requester.get("/surveys/satisfaction/new").status_code == 403
        assert requester.post_json("/surveys/satisfaction/new", {"values": campaign_form()}).status_code == 403
        assert dept.post_json("/surveys/satisfaction/new", {"values": campaign_form()}, token=False).status_code == 400
    assert len(rows(app, SatisfactionCampaign)) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_answers_sent_at_once_keep_exactly_one(app, campaign):
    """Two tabs posting together: the row is filled only while unanswered, so one wins and one is told."""
    survey = _survey_of(app, "requester")
    tabs = [PageClient(app, "requester", "en") for _ in range(2)]
    statuses, start = [], threading.Barrier(2)

    def send(page, attitude: int) -> None:
        start.wait()
        statuses.append(page.post_form(f"/portal/surveys/{survey.id}", {**ALL_FIVES, "attitude": attitude}).status_code)

    with clock.frozen(OPENED + timedelta(hours=1)):
        threads = [threading.Thread(target=send, args=(tab, score)) for tab, score in zip(tabs, (1, 2))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses) == [302, 409]
    assert _survey_of(app, "requester").attitude in (1, 2)


def test_a_sampled_ticket_questionnaire_is_answered_like_a_campaign_one(app, api):
    close_tickets(app, ("SD-20261124-0042", "requester", datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)))
    assert api.put("/process-definition/key/callback_sampling_survey/suspended", user="admin",
                   json={"suspended": False}).status_code == 204
    with clock.frozen(OPENED):
        api.start("callback_sampling_survey", {"sample_week": "2026-W48"}, user="servicedept")
        page = PageClient(app, "requester", "zh")
        portal = page.get("/portal").get_data(as_text=True)
        assert "工单 SD-20261124-0042 的服务您满意吗？" in portal and "2026-12-15 截止" in portal   # 14 days after it was sent
        survey = _survey_of(app, "requester")
        assert survey.campaign_instance_id is None and survey.ticket_instance_id is not None
        form = page.get(f"/portal/surveys/{survey.id}").get_data(as_text=True)
        assert "您的工单最近已关闭" in form
        assert page.post_form(f"/portal/surveys/{survey.id}", ALL_FIVES).status_code == 302
    assert _survey_of(app, "requester").answered_at is not None


def test_a_complaint_in_the_questionnaire_starts_complaint_handling_linked_to_the_sampled_ticket(app, api):
    close_tickets(app, ("SD-20261124-0043", "requester", datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)))
    assert api.put("/process-definition/key/callback_sampling_survey/suspended", user="admin",
                   json={"suspended": False}).status_code == 204
    with clock.frozen(OPENED):
        api.start("callback_sampling_survey", {"sample_week": "2026-W48"}, user="servicedept")
        survey = _survey_of(app, "requester")
        page = PageClient(app, "requester", "zh")
        assert 'name="complaint"' in page.get(f"/portal/surveys/{survey.id}").get_data(as_text=True)
        answered = page.post_form(f"/portal/surveys/{survey.id}",
                                  {**ALL_FIVES, "attitude": 1, "complaint": "工程师上门迟到两小时，也没有提前通知"})
        assert answered.status_code == 302
    [complaint] = rows(app, Complaint)
    assert (complaint.source, complaint.complainant, complaint.content) == (
        "satisfaction_survey", "requester", "工程师上门迟到两小时，也没有提前通知")
    assert (complaint.ticket_instance_id, complaint.ticket_business_key) == (survey.ticket_instance_id,
                                                                             "SD-20261124-0043")
    [flow2] = rows(app, ProcessInstance, ProcessInstance.id == complaint.instance_id)
    assert flow2.definition_key == "complaint_handling" and flow2.status == "ACTIVE"
    assert flow2.started_by == "requester"  # theirs to follow in the portal, as every complaint about a ticket
    assert _survey_of(app, "requester").attitude == 1


def test_an_answer_without_a_complaint_files_none(app, campaign):
    survey = _survey_of(app, "requester")
    with clock.frozen(OPENED + timedelta(hours=1)):
        response = PageClient(app, "requester", "en").post_form(f"/portal/surveys/{survey.id}",
                                                              {**ALL_FIVES, "complaint": "   "})
        assert response.status_code == 302
    assert rows(app, Complaint) == []
