"""The knowledge base (知识沉淀): articles written from closed tickets through ``processes/kb_article.bpmn``,
found by full-text search in Chinese and English on SQLite (FTS5) and PostgreSQL (tsvector).

Search tests write article rows as the flow's handlers do (the index follows by itself); the flow
test drives the real model from a closed ticket to a published, searchable article.
"""
from __future__ import annotations

import re
import sqlite3

import pytest

from app import segmenter
from app.domain import KbArticle
from app.services import kb_search, knowledge
from app.services.users import Principal
from app.store import new_uow
from tests.conftest import typed
from tests.helpers import register_handler
from tests.integration.test_support_request_flow import SOLVED, step, walk_to_callback, walk_to_tier1
from tests.page_client import PageClient

STAFF = Principal("desk", frozenset({"service_desk"}))
REQUESTER = Principal("requester", frozenset({"requester"}))

NETWORK = dict(title="办公室网络连接中断", category="network", symptom="网络连接中断，网页打不开，微信能登录",
               cause="交换机端口被环路保护关闭", solution="在交换机上恢复端口，拔掉多余的网线")
PRINTER = dict(title="打印机卡纸无法打印", category="hardware", symptom="打印机提示卡纸，打印任务一直排队",
               cause="搓纸轮磨损", solution="打开后盖取出纸张，清洁搓纸轮")
VPN = dict(title="VPN cannot connect from home", category="network", symptom="The VPN client says authentication failed",
           cause="Password expired", solution="Change the password on the portal, then reconnect the VPN")
PRINTER_EN = dict(title="Printer prints blank pages", category="hardware", symptom="The office Printer feeds paper "
                  "but prints nothing", cause="Empty toner", solution="Replace the toner cartridge")


def add_article(app, state: str = "published", **content) -> int:
    """An article row as the flow's handlers write it (test set-up; the index follows by itself)."""
    with app.app_context():
        uow = new_uow()
        with uow:
            row = KbArticle(instance_id=f"test-{content['title']}", state=state, author="tier1", **content)
            uow.session.add(row)
            uow.commit()
            return row.id


def titles(app, query: str, viewer: Principal = STAFF, **kw) -> list[str]:
    with app.app_context():
        return [a.title for a in kb_search.search(new_uow(write=False), viewer, query, **kw).articles]


@pytest.fixture
def articles(app):
    return {name: add_article(app, **content) for name, content in
            (("network", NETWORK), ("printer", PRINTER), ("vpn", VPN), ("printer_en", PRINTER_EN))}


# ------------------------------------------------------------------ search
def test_a_two_character_chinese_word_finds_the_article(app, articles):
    assert titles(app, "网络") == [NETWORK["title"]]
    assert titles(app, "中断") == [NETWORK["title"]]


def test_a_plain_trigram_index_would_miss_it():
    """Why jieba: FTS5's trigram tokenizer finds nothing shorter than three characters."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE plain USING fts5(body, tokenize='trigram')")
    db.execute("CREATE VIRTUAL TABLE cut USING fts5(body, tokenize='unicode61')")
    db.execute("INSERT INTO plain VALUES (?)", (NETWORK["symptom"],))
    db.execute("INSERT INTO cut VALUES (?)", (segmenter.segmented(NETWORK["symptom"]),))
    assert db.execute("SELECT count(*) FROM plain WHERE plain MATCH '\"网络\"'").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM cut WHERE cut MATCH '\"网络\"'").fetchone() == (1,)


def test_a_chinese_word_finds_the_printer_articles(app, articles):
    assert titles(app, "打印机") == [PRINTER["title"]]
    assert titles(app, "卡纸 打印机") == [PRINTER["title"]]


@pytest.mark.parametrize("query, expected", [("VPN", [VPN["title"]]), ("vpn", [VPN["title"]]),
                                             ("PRINTER", [PRINTER_EN["title"]]), ("printer", [PRINTER_EN["title"]])])
def test_english_words_are_found_whatever_their_case(app, articles, query, expected):
    assert titles(app, query) == expected


def test_the_last_word_matches_as_a_prefix_while_typing(app, articles):
    assert titles(app, "卡") == [PRINTER["title"]]  # 卡纸
    assert titles(app, "vp") == [VPN["title"]]
    assert titles(app, "the vpn pass") == [VPN["title"]]


def test_a_word_in_the_title_ranks_first(app, articles):
    add_article(app, title="邮箱无法收信", symptom="收不到邮件", cause="网络设置", solution="检查网络")
    assert titles(app, "网络")[0] == NETWORK["title"]


def test_an_edited_article_is_found_by_its_new_words(app, articles):
    with app.app_context():
        uow = new_uow()
        with uow:
            uow.session.get(KbArticle, articles["vpn"]).solution = "重新安装客户端"
            uow.commit()
    assert titles(app, "客户端") == [VPN["title"]]
    assert titles(app, "reconnect") == []


def test_requesters_find_published_articles_only(app, articles):
    draft = add_article(app, state="draft", title="网络打印机草稿", symptom="网络打印机离线", solution="重启")
    assert titles(app, "网络", REQUESTER) == [NETWORK["title"]]
    assert set(titles(app, "网络")) == {NETWORK["title"], "网络打印机草稿"}
    assert titles(app, "网络", state="draft") == ["网络打印机草稿"]
    requester = PageClient(app, "requester")
    assert requester.get(f"/kb/{draft}").status_code == 404
    assert "网络打印机草稿" not in requester.get("/kb?q=网络&state=draft").get_data(as_text=True)
    assert [a["title"] for a in requester.get("/api/kb?q=网络").get_json()["articles"]] == [NETWORK["title"]]
    assert PageClient(app, "desk").get(f"/kb/{draft}").status_code == 200


# ------------------------------------------------------------------ pages
def test_search_page_marks_found_words_and_says_when_nothing_matches(app, articles):
    reader = PageClient(app, "requester")
    page = reader.get("/kb?q=网络").get_data(as_text=True)
    assert "办公室<mark>网络</mark>连接中断" in page
    assert "没有文章与“量子计算”匹配" in reader.get("/kb?q=量子计算").get_data(as_text=True)
    english = PageClient(app, "requester", language="en").get("/kb?q=quantum").get_data(as_text=True)
    assert "No article matches “quantum”" in english


def test_article_text_is_shown_as_text(app):
    article = add_article(app, title="<b>网络</b>", symptom="<script>alert(1)</script>网络", solution="x")
    page = PageClient(app, "desk").get(f"/kb/{article}?q=网络").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>网络</mark>" in page
    assert "<script>alert(1)" not in page


def test_suggestions_for_a_symptom_being_typed(app, articles):
    add_article(app, state="in_review", title="网络审核中", symptom="网络", solution="x")
    reader = PageClient(app, "requester")
    page = reader.get("/kb/suggest?q=我的电脑连不上网络了").get_data(as_text=True)
    assert NETWORK["title"].replace("网络", "<mark>网络</mark>") in page
    assert "网络审核中" not in page and 'target="_blank"' in page
    assert "暂无匹配的文章" in reader.get("/kb/suggest?q=量子计算").get_data(as_text=True)
    assert reader.get("/kb/suggest?q=").get_data(as_text=True).strip() == ""


def test_the_report_page_and_the_inbox_lead_to_the_knowledge_base(app):
    assert 'id="kb-suggest"' in PageClient(app, "requester").get("/portal/report").get_data(as_text=True)
    inbox = PageClient(app, "desk").get("/inbox").get_data(as_text=True)
    assert 'action="/kb"' in inbox and 'href="/kb"' in inbox


# ------------------------------------------------------------------ the flow
def close_ticket(api, business_key: str) -> str:
    ticket = walk_to_callback(api, "tier1", business_key)
    step(api, ticket, "callback_rating", ["service_desk"], "desk", SOLVED)
    return ticket


def article_of(app, ticket: str) -> KbArticle:
    with app.app_context():
        found = knowledge.for_ticket(new_uow(write=False), STAFF, ticket).article
        assert found is not None
        return found


def test_a_closed_ticket_becomes_a_published_article(app, api):
    ticket = close_ticket(api, "SD-KB-1")
    engineer = PageClient(app, "tier1")
    assert "撰写知识文章" in engineer.get(f"/tickets/{ticket}").get_data(as_text=True)
    response = engineer.post_form(f"/kb/from-ticket/{ticket}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/tasks/")
    draft = article_of(app, ticket)
    assert (draft.state, draft.symptom, draft.cause, draft.solution, draft.category, draft.ticket_key, draft.author) == \
        ("draft", "打印机无法打印", "驱动升级失败", "重装驱动", "hardware", "SD-KB-1", "tier1")
    instance = draft.instance_id
    edit = api.only_task(instance, "edit_article")
    assert edit["assignee"] == "tier1"
    written = {"title": "打印机驱动升级后无法打印", "category": "hardware", "symptom": "打印机无法打印，任务排队",
               "cause": "驱动升级失败", "solution": "卸载旧驱动，安装厂商新驱动"}
    assert api.complete(edit["id"], "tier1", written).status_code == 204
    assert article_of(app, ticket).state == "in_review"
    assert titles(app, "打印机", REQUESTER) == []

    review = api.only_task(instance, "review_article")
    assert "desk" in candidate_users(api, review["id"]) and "tier1" not in candidate_users(api, review["id"])
    assert api.complete(review["id"], "desk", {"review_decision": "send_back",
                                               "review_comment": "写明驱动版本"}).status_code == 204
    sent_back = article_of(app, ticket)
    assert (sent_back.state, sent_back.review_comment, sent_back.reviewer) == ("draft", "写明驱动版本", "desk")

    edit = api.only_task(instance, "edit_article")
    assert api.complete(edit["id"], "tier1", {**written, "solution": "卸载旧驱动，安装 3.2 版驱动"}).status_code == 204
    review = api.only_task(instance, "review_article")
    assert api.complete(review["id"], "owner", {"review_decision": "publish"}).status_code == 204
    published = article_of(app, ticket)
    assert (published.state, published.reviewer, published.solution) == ("published", "owner", "卸载旧驱动，安装 3.2 版驱动")
    assert published.published_at is not None
    assert api.history_state(instance) == "COMPLETED"
    assert titles(app, "驱动", REQUESTER) == ["打印机驱动升级后无法打印"]
    page = PageClient(app, "requester").get(f"/kb/{published.id}").get_data(as_text=True)
    assert "安装 3.2 版驱动" in page and "SD-KB-1" not in page  # the ticket is the desk's, not the reader's
    assert "SD-KB-1" not in PageClient(app, "requester").get("/kb?q=驱动").get_data(as_text=True)
    assert PageClient(app, "requester").get("/api/kb?q=驱动").get_json()["articles"][0]["ticket"] is None
    staff_page = PageClient(app, "desk").get(f"/kb/{published.id}").get_data(as_text=True)
    assert "SD-KB-1" in staff_page and "流程负责人" in staff_page  # the reviewer by name


def test_a_rejected_article_is_not_published_and_the_ticket_may_be_written_up_again(app, api):
    ticket = close_ticket(api, "SD-KB-2")
    PageClient(app, "desk").post_form(f"/kb/from-ticket/{ticket}")
    instance = article_of(app, ticket).instance_id
    edit = api.only_task(instance, "edit_article")
    assert api.complete(edit["id"], "desk", {"title": "一次性问题", "category": "other", "symptom": "x",
                                             "solution": "y"}).status_code == 204
    review = api.only_task(instance, "review_article")
    assert api.complete(review["id"], "owner", {"review_decision": "reject", "review_comment": "重复"}).status_code == 204
    with app.app_context():
        assert knowledge.for_ticket(new_uow(write=False), STAFF, ticket) == knowledge.TicketKnowledge(None, True)
    assert titles(app, "一次性问题", REQUESTER) == []
    assert titles(app, "一次性问题", state="rejected") == ["一次性问题"]


def candidate_users(api, task_id: str) -> set[str]:
    links = api.get(f"/task/{task_id}/identity-links").get_json()
    return {link["userId"] for link in links if link["type"] == "candidate" and link["userId"]}


def _submitted_by_its_author(app, api, business_key: str) -> tuple[str, dict]:
    """A desk member writes an article from a closed ticket and submits it: the desk also reviews articles."""
    ticket = close_ticket(api, business_key)
    PageClient(app, "desk").post_form(f"/kb/from-ticket/{ticket}")
    instance = article_of(app, ticket).instance_id
    edit = api.only_task(instance, "edit_article")
    assert api.complete(edit["id"], "desk", {"title": "打印机驱动", "category": "hardware", "symptom": "无法打印",
                                             "solution": "重装驱动"}).status_code == 204
    return ticket, api.only_task(instance, "review_article")


def test_the_author_is_not_offered_the_review_of_their_own_article(app, api):
    _, review = _submitted_by_its_author(app, api, "SD-KB-4")
    assert "desk" not in candidate_users(api, review["id"]) and "owner" in candidate_users(api, review["id"])
    offered = api.get("/task?candidateUser=desk", user="desk").get_json()
    assert review["id"] not in {task["id"] for task in offered}
    for tab in ("mine", "groups"):
        assert f'/tasks/{review["id"]}' not in PageClient(app, "desk").get(f"/inbox?tab={tab}").get_data(as_text=True)
    assert f'/tasks/{review["id"]}' in PageClient(app, "owner").get("/inbox?tab=groups").get_data(as_text=True)


def test_the_author_cannot_approve_their_own_article_however_they_try(app, api):
    ticket, review = _submitted_by_its_author(app, api, "SD-KB-5")
    refused = api.complete(review["id"], "desk", {"review_decision": "publish"})
    assert refused.status_code == 403 and "four eyes" in refused.get_json()["message"], refused.get_json()
    taken = api.post(f"/task/{review['id']}/assignee", user="desk", json={"userId": "desk"})
    assert taken.status_code == 403 and "four eyes" in taken.get_json()["message"]
    assert api.post(f"/task/{review['id']}/claim", user="admin", json={"userId": "desk"}).status_code == 403
    page = PageClient(app, "desk", "en").post_json(f"/tasks/{review['id']}/complete",
                                                   {"values": {"review_decision": "publish"}})
    assert page.status_code == 403 and "four eyes" in page.get_json()["error"]
    assert article_of(app, ticket).state == "in_review"
    assert api.complete(review["id"], "owner", {"review_decision": "publish"}).status_code == 204
    assert (article_of(app, ticket).state, article_of(app, ticket).reviewer) == ("published", "owner")


def test_only_staff_write_articles_and_only_from_closed_tickets(app, api):
    open_ticket = walk_to_tier1(api, "SD-KB-OPEN")
    closed = close_ticket(api, "SD-KB-3")
    requester = PageClient(app, "requester")
    assert requester.post_form(f"/kb/from-ticket/{closed}").status_code == 403
    assert "撰写知识文章" not in requester.get(f"/tickets/{closed}").get_data(as_text=True)
    desk = PageClient(app, "desk")
    assert "撰写知识文章" not in desk.get(f"/tickets/{open_ticket}").get_data(as_text=True)
    response = desk.post_form(f"/kb/from-ticket/{open_ticket}")
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{open_ticket}"
    with app.app_context():
        assert knowledge.for_ticket(new_uow(write=False), STAFF, open_ticket).article is None
    assert desk.post_form(f"/kb/from-ticket/{closed}").status_code == 302
    again = desk.post_form(f"/kb/from-ticket/{closed}")
    assert again.headers["Location"] == f"/tickets/{closed}"
    with app.app_context():
        assert len(kb_search.search(new_uow(write=False), STAFF, "").articles) == 1


def test_an_article_starts_only_from_a_closed_ticket_not_over_rest(app, api):
    """A REST start could name any ticket (an open one, one with a published article) and any author."""
    made_up = {"title": "假文章", "symptom": "x", "solution": "y", "category": "other", "kb_author": "owner",
               "ticket_instance_id": "no-such-ticket", "ticket_key": "SD-0", "review_comment": ""}
    for user in ("tier1", "admin"):
        for path in ("/process-definition/key/kb_article/start", "/process-definition/key/kb_article/submit-form"):
            response = api.post(path, user=user, json={"variables": typed(made_up)})
            assert response.status_code == 403, response.get_json()
            assert "cannot be started directly" in response.get_json()["message"]
    assert api.get("/process-instance?processDefinitionKey=kb_article").get_json() == []
    assert titles(app, "假文章", state="draft") == []
    assert api.get("/process-definition/key/kb_article").get_json()["startableInTasklist"] is False
    ticket = close_ticket(api, "SD-KB-6")  # the page still starts it, for the ticket it checked
    assert PageClient(app, "tier1").post_form(f"/kb/from-ticket/{ticket}").status_code == 302
    assert article_of(app, ticket).author == "tier1"


# ------------------------------------------------------------------ handlers updating a row
def _run_review_model(api, handler) -> str:
    register_handler("test_record", handler)
    instance = api.start("api_review", {}, user="desk")
    task = api.only_task(instance, "review")
    assert api.complete(task["id"], "desk", {"decision": "done", "note": "fine"}).status_code == 204
    return instance


def test_a_handler_updates_a_row_with_the_step_and_knows_who_made_it(app, api, review_model):
    add_article(app, **NETWORK)
    seen = []

    def handler(ctx):
        seen.append(ctx.actor)
        ctx.update(KbArticle, {"instance_id": f"test-{NETWORK['title']}"}, state="rejected", reviewer=ctx.actor)

    instance = _run_review_model(api, handler)
    assert seen == ["desk"] and api.history_state(instance) == "COMPLETED"
    assert titles(app, "网络", REQUESTER) == [] and titles(app, "网络", state="rejected") == [NETWORK["title"]]


def test_an_update_of_a_missing_row_changes_nothing_and_becomes_an_incident(app, api, review_model):
    add_article(app, **NETWORK)

    def handler(ctx):
        ctx.update(KbArticle, {"instance_id": f"test-{NETWORK['title']}"}, state="rejected")
        ctx.update(KbArticle, {"instance_id": "no-such-article"}, state="rejected")

    instance = _run_review_model(api, handler)
    incidents = api.get(f"/incident?processInstanceId={instance}").get_json()
    assert len(incidents) == 1 and "LookupError" in incidents[0]["incidentMessage"], incidents
    assert titles(app, "网络", REQUESTER) == [NETWORK["title"]]


def test_an_article_under_review_reads_without_raw_variable_names(app, api):
    """Who submitted the text and who may review it are labelled like the rest (提交人, 可审核人)."""
    _, review = _submitted_by_its_author(app, api, "SD-KB-LABELS")
    page = PageClient(app, "owner").get(f"/tickets/{review['processInstanceId']}").get_data(as_text=True)
    terms = [re.sub(r"<[^>]+>", "", term).strip() for term in re.findall(r"<dt[^>]*>(.*?)</dt>", page, re.S)]
    assert "提交人" in terms and "可审核人" in terms
    assert [term for term in terms if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", term)] == []
