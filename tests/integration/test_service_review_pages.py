"""The service review pages: asking for a review (/reviews/new) and reading reviews (/reviews, /reviews/<id>).

Sales see only the additional review, the project manager only the ad-hoc one; requesters and staff outside
the reviewing groups are refused. A finished review reads the same facts in Chinese and in English.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_service_review_flow import (ADDITIONAL, AD_HOC, INPUTS_READY, MEETING, PM, REPORT,
                                                        REVISED, STAKEHOLDERS, minutes, step)
from tests.page_client import PageClient

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def _kinds(html: str) -> list[str]:
    schema = json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))
    [kind] = [component for component in schema["components"] if component.get("key") == "review_kind"]
    return [option["value"] for option in kind["values"]]


def _request(page: PageClient, values: dict):
    return page.post_json("/reviews/new", {"values": values})


def test_sales_ask_for_an_additional_review_and_land_on_it(app):
    sales = PageClient(app, "sales", "zh")
    assert _kinds(sales.get("/reviews/new").get_data(as_text=True)) == ["additional"]
    response = _request(sales, ADDITIONAL)
    assert response.status_code == 200, response.get_json()
    target = response.get_json()["redirect"]
    assert re.fullmatch(r"/reviews/[0-9a-f-]{36}", target)
    page = sales.get(target).get_data(as_text=True)
    assert "服务评审已申请" in page and "追加评审（合同变更）" in page
    assert "HT-2027-003 (变更前)" in page and "服务范围增加两个分支机构的桌面运维" in page
    listing = sales.get("/reviews").get_data(as_text=True)
    assert target in listing and "准备中" in listing and 'href="/reviews"' in listing


def test_the_project_manager_asks_for_an_ad_hoc_review_only(app):
    pm = PageClient(app, "pm", "en")
    assert _kinds(pm.get("/reviews/new").get_data(as_text=True)) == ["ad_hoc"]
    assert _request(pm, ADDITIONAL).status_code == 403
    refused = _request(pm, {"review_kind": "ad_hoc", "customer_contact": "李经理"})
    assert refused.status_code == 400 and "customer_request" in refused.get_json()["fields"]
    for kind in (["ad_hoc"], "semiannual"):  # not a kind anyone asks for: refused at its field
        odd = _request(pm, {**AD_HOC, "review_kind": kind})
        assert odd.status_code == 400 and "review_kind" in odd.get_json()["fields"]
    assert _request(pm, AD_HOC).status_code == 200


def test_requesters_and_other_staff_are_refused(app):
    requester = PageClient(app, "requester", "zh")
    for path in ("/reviews", "/reviews/new"):
        assert requester.get(path).status_code == 403
    assert _request(requester, AD_HOC).status_code == 403
    assert "/reviews" not in requester.get("/portal").get_data(as_text=True)
    tier1 = PageClient(app, "tier1", "en")
    assert tier1.get("/reviews").status_code == 403
    assert tier1.get("/reviews/new").status_code == 403


def test_a_post_without_the_csrf_token_or_for_an_unknown_review_is_refused(app):
    sales = PageClient(app, "sales", "en")
    assert _request(sales, ADDITIONAL).status_code == 200
    before = sales.get("/reviews").get_data(as_text=True).count('href="/reviews/')
    assert sales.post_json("/reviews/new", {"values": ADDITIONAL}, token=False).status_code == 400
    assert sales.post_json("/reviews/new", ["not", "a", "form"]).status_code == 400
    assert sales.get("/reviews").get_data(as_text=True).count('href="/reviews/') == before
    assert sales.get("/reviews/no-such-review").status_code == 404


def test_a_finished_review_reads_the_same_in_both_languages(app, api):
    response = _request(PageClient(app, "sales", "zh"), ADDITIONAL)
    instance_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    step(api, instance_id, "hold_review_meeting", PM, "pm", MEETING)
    step(api, instance_id, "record_review_minutes", PM, "pm", minutes(revision=True))
    step(api, instance_id, "revise_contract_plan", ["sales", "project_manager"], "sales", REVISED)
    step(api, instance_id, "write_review_report", PM, "pm", REPORT)

    chinese = PageClient(app, "servicedept", "zh").get(f"/reviews/{instance_id}").get_data(as_text=True)
    for text in ("会议纪要", "补充夜间值班人员", "服务部周", "2027-01-31", "二线运维, 销售部门", "不适用：本期没有范围变更",
                 "同意修订", "合同附件二已修订并经双方确认", REPORT["report_summary"], "已完成",
                 f'href="/tickets/{instance_id}"'):
        assert text in chinese, text
    english = PageClient(app, "pm", "en").get(f"/reviews/{instance_id}").get_data(as_text=True)
    for text in ("Minutes", "Owner", "Tier-2 engineers", "not applicable: 本期没有范围变更", "agreed",
                 "Report filed", "Monthly service reports"):
        assert text in english, text


def test_the_minutes_form_says_what_an_action_line_looks_like_in_the_readers_language(app, api):
    response = _request(PageClient(app, "pm", "zh"), AD_HOC)
    instance_id = response.get_json()["redirect"].rsplit("/", 1)[1]
    step(api, instance_id, "select_review_stakeholders", PM, "pm", STAKEHOLDERS)
    step(api, instance_id, "gather_review_inputs", PM, "pm", INPUTS_READY)
    step(api, instance_id, "hold_review_meeting", PM, "pm", MEETING)
    task_id = api.only_task(instance_id, "record_review_minutes")["id"]
    html = PageClient(app, "pm", "en").get(f"/tasks/{task_id}").get_data(as_text=True)
    schema = json.loads(re.search(r'id="form-schema">(.*?)</script>', html, re.S).group(1))
    [actions] = [component for component in schema["components"] if component.get("key") == "actions"]
    assert actions["validate"]["patternErrorMessage"] == "One per line: action; owner; due date (YYYY-MM-DD)"
    assert actions["description"] == actions["validate"]["patternErrorMessage"]
    for fact in ("Kind of review", "Ad hoc (customer request)", "Tier-2 engineers", "Not applicable", "Venue"):
        assert fact in html, fact  # the review's facts beside the form, in the reader's words
