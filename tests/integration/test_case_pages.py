"""Cases that are not tickets read as what they are on the task page and the case page.

A weekly survey is "week 49's survey" linking to that week's report, a service review names its kind and
links to the review, a satisfaction campaign its title and its results page, a complaint its TS number;
variables that are lists, records or yes/no read as such beside the form, never as JSON; the inbox tells
the department surveys of one week apart, and any multi-instance task carries its element. A Flow-1 ticket keeps its number and its words (their own
tests). SQLite only: nothing here depends on the database.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app import clock
from app.db import UnitOfWork
from app.models import HumanTask
from app.services.case_identity import Case
from app.store import database
from app.web.case_words import case_title
from tests.helpers import deploy
from tests.integration.test_complaint_flow import complaint
from tests.integration.test_monthly_report_flow import first_of_the_month
from tests.integration.test_service_review_flow import ADDITIONAL
from tests.integration.test_standard_bpmn import MODELS, _start_with_list
from tests.integration.test_weekly_survey_flow import SHANGHAI, add_rows, fire, schedule_week, surveys, ticket
from tests.page_client import PageClient
from tests.satisfaction_helpers import CAMPAIGN, campaign_form

FRIDAY = datetime(2026, 12, 4, 16, 0, tzinfo=SHANGHAI)  # ISO week 2026-W49


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def week(app, api) -> str:
    """The weekly survey of 2026-W49, started by its Friday timer: one survey task per department."""
    schedule_week(api, FRIDAY)
    return fire(app, api, FRIDAY)


def _crumb(html: str) -> tuple[str, str]:
    """The task page's link to its case: (address, text)."""
    found = re.search(r'<p class="crumbs">.*?<a href="([^"]*)" class="case-link[^"]*">([^<]*)</a>', html, re.S)
    assert found, html[:2000]
    return found.group(1), unescape(found.group(2))


def _text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_a_weekly_survey_task_names_the_week_and_links_to_its_report(app, api, week):
    with clock.frozen(FRIDAY + timedelta(minutes=5)):
        task = surveys(api, week)["财务部"]
        for language, title in (("zh", "2026年第49周周调查"), ("en", "Weekly survey, week 49 of 2026")):
            html = PageClient(app, "desk", language).get(f"/tasks/{task['id']}").get_data(as_text=True)
            assert _crumb(html) == ("/surveys/weekly/2026-W49", title)
            assert "无编号工单" not in html and "Ticket without number" not in html
            assert "报告了问题" not in html and "reported the problem" not in html
            assert ("周调查报告已启动" if language == "zh" else "Weekly survey report started") in _text(html)



def test_beside_a_department_survey_lists_and_records_read_as_words_not_json(app, api):
    add_rows(app, ticket("t-0001", "财务部"))  # an open ticket: an open item, offered as a labelled choice
    schedule_week(api, FRIDAY)
    week = fire(app, api, FRIDAY)
    with clock.frozen(FRIDAY + timedelta(minutes=5)):
        task = surveys(api, week)["财务部"]
        for language, expected in (("zh", ("部门: 财务部 · 调查负责组: 服务台", "<li>", "周调查")),
                                   ("en", ("Department: 财务部 · Survey owner group: Service desk", "<li>",
                                           "Weekly survey"))):
            html = PageClient(app, "desk", language).get(f"/tasks/{task['id']}").get_data(as_text=True)
            aside = html[html.index('<aside class="ticket-aside">'):]
            assert "&#34;" not in aside and '{"' not in aside and '["' not in aside
            for text in expected:
                assert text in _text(aside) or text in aside, text
            # the facts are this department's, not those of the department whose survey opened last
            department = re.search(r'<dd class="fact-department">([^<]*)</dd>', aside).group(1)
            assert department == "财务部"
            options = re.search(r'<dd class="fact-open_item_options">(.*?)</dd>', aside, re.S).group(1)
            assert _text(options).strip() == "SD-20261130-0001 · 老周 · 2026-11-30"


def test_the_inbox_tells_the_department_surveys_of_one_week_apart(app, api, week):
    with clock.frozen(FRIDAY + timedelta(minutes=5)):
        html = PageClient(app, "desk", "zh").get("/inbox?tab=groups").get_data(as_text=True)
        rows = re.findall(r'<td class="col-task"><a [^>]*>(.*?)</a></td>', html, re.S)
        assert sorted(_text(row).strip() for row in rows) == ["填写周调查 · 人事部", "填写周调查 · 财务部"]
        cases = re.findall(r'<td class="col-ticket col-case"><a [^>]*>(.*?)</a></td>', html, re.S)
        assert cases == ["2026年第49周周调查"] * 2
        found = PageClient(app, "desk", "zh").get("/inbox?tab=groups&text=人事").get_data(as_text=True)
        assert [_text(row).strip() for row in re.findall(r'<td class="col-task"><a [^>]*>(.*?)</a></td>', found,
                                                         re.S)] == ["填写周调查 · 人事部"]


def test_a_multi_instance_task_on_its_own_carries_its_element_in_either_dialect(app, api):
    """Camunda's collection (parallel) and the standard loop data input (sequential): each task its element."""
    assert deploy(api, MODELS / "multi_instance.bpmn").status_code == 200
    parallel = _start_with_list(api, "mi_collection", "reviewers", ["tier1", "tier2"])
    sequential = _start_with_list(api, "mi_standard", "items", ["mouse", "keyboard"])
    assert sorted(_items(app, parallel)) == ["tier1", "tier2"]
    assert _items(app, sequential) == ["mouse"]
    task = api.only_task(sequential, "check")
    assert api.complete(task["id"], "desk", {}).status_code == 204
    assert sorted(_items(app, sequential)) == ["keyboard", "mouse"]


def _items(app, instance_id: str) -> list:
    """The ``item`` of every task the instance opened, as the projection wrote it."""
    with UnitOfWork(database(app), write=False) as uow:
        return list(uow.session.scalars(select(HumanTask.item).where(HumanTask.instance_id == instance_id)))


def test_a_service_review_names_its_kind_and_links_to_the_review_for_its_readers(app, api):
    response = PageClient(app, "sales", "zh").post_json("/reviews/new", {"values": ADDITIONAL})
    instance_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    task = api.only_task(instance_id, "select_review_stakeholders")
    html = PageClient(app, "pm", "zh").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert _crumb(html) == (f"/reviews/{instance_id}", "服务评审：追加评审（合同变更） · HT-2027-003")
    assert "销售部" in _text(html) and "申请了服务评审" in _text(html)
    english = PageClient(app, "pm", "en").get(f"/tickets/{instance_id}").get_data(as_text=True)
    assert "Service review: Additional (contract change) · HT-2027-003" in _text(english)
    assert f'href="/reviews/{instance_id}"' in english
    # tier 1 does not read reviews: the case links to the instance's own history instead
    page = PageClient(app, "tier1", "en").get(f"/tickets/{instance_id}").get_data(as_text=True)
    assert f'href="/reviews/{instance_id}"' not in page


def test_a_satisfaction_campaign_names_its_title_and_links_to_its_results(app, api):
    instance_id = api.start(CAMPAIGN, campaign_form(), user="servicedept")
    html = PageClient(app, "servicedept", "zh").get(f"/tickets/{instance_id}").get_data(as_text=True)
    title = campaign_form()["campaign_title"]
    assert f"满意度调查：{title}" in _text(html)
    assert f'href="/surveys/satisfaction/{instance_id}"' in html


def test_a_complaint_is_named_by_its_number_on_its_task_page_and_in_the_inbox(app, api):
    values = {key: value for key, value in complaint().items() if key != "complaint_source"}
    response = PageClient(app, "requester", "zh").post_json("/portal/complaint", {"values": values})
    assert response.status_code == 200, response.get_json()
    instance_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    [task] = api.tasks(instance_id)
    html = PageClient(app, "pm", "zh").get(f"/tasks/{task['id']}").get_data(as_text=True)
    address, title = _crumb(html)
    assert address == f"/tickets/{instance_id}" and re.fullmatch(r"投诉 TS-\d{8}-\d{4}", title), title
    assert "投诉编号" in _text(html) and "提交了投诉" in _text(html) and "投诉详情" in _text(html) and "提交了报障" not in html
    inbox = PageClient(app, "pm", "en").get("/inbox?tab=all").get_data(as_text=True)
    assert title.replace("投诉", "Complaint") in _text(inbox)


def test_a_monthly_report_task_names_the_month_and_links_to_the_draft_for_its_reviewers(app, api):
    with first_of_the_month(app) as (month, instance_id):
        task = api.only_task(instance_id, "review_monthly_report")
        year, number = month.split("-")
        html = PageClient(app, "servicedept", "zh").get(f"/tasks/{task['id']}").get_data(as_text=True)
        assert _crumb(html) == (f"/reports/monthly/{month}", f"{year}年{int(number)}月月报")
        # the draft is not for every member of staff: the desk reads the month's name, linked to the history
        page = PageClient(app, "desk", "en").get(f"/tickets/{instance_id}").get_data(as_text=True)
        assert "Monthly report, " in _text(page) and f'href="/reports/monthly/{month}"' not in page


@pytest.mark.parametrize("case, zh, en", [
    (Case("monthly_report", None, "2026-11", None, "2026-11", "服务月报"), "2026年11月月报",
     "Monthly report, November 2026"),
    (Case("kb_article", None, "打印机卡纸的处理", None, "7", "知识沉淀"), "知识文章：打印机卡纸的处理",
     "Knowledge article: 打印机卡纸的处理"),
    (Case("complaint", "TS-20261201-0001", None, None, None, "客户投诉处理"), "投诉 TS-20261201-0001",
     "Complaint TS-20261201-0001"),
    (Case("ticket", None, None, None, None, "IT 支持请求"), "无编号工单", "Ticket without number"),
])
def test_each_kind_of_case_has_its_title_in_both_languages(app, case, zh, en):
    for language, expected in (("zh", zh), ("en", en)):
        with app.test_request_context(headers={"Accept-Language": language}):
            with force_locale(language):
                assert case_title(case) == expected
