"""The inbox's category and text filters, read from their own indexes, on SQLite and PostgreSQL.

Tickets are started and worked through the REST API (Flow 1), the inbox page read as HTML; the
search rows are checked against the open tasks after every kind of step that changes them.
"""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from app.db import UnitOfWork
from app.models import HumanTask, InboxSearch
from app.store import database
from tests.conftest import ROOT
from tests.integration.test_web_inbox import classify, counts, page, signed_in, start, tickets


def _put_variable(api, instance_id: str, name: str, value: str) -> None:
    response = api.put(f"/process-instance/{instance_id}/variables/{name}", json={"value": value, "type": "String"})
    assert response.status_code == 204, response.get_json()


def _indexed(app) -> tuple[list[str], list[str]]:
    """The open tasks' ids and the ids the search rows name, both sorted: they must be the same."""
    with UnitOfWork(database(app), write=False) as uow:
        open_ids = sorted(uow.session.scalars(select(HumanTask.id).where(HumanTask.status == "open")))
        return open_ids, sorted(uow.session.scalars(select(InboxSearch.task_id)))


def test_chinese_two_character_words_and_english_in_any_case(app, api):
    start(api, "SD-20261201-0001", symptom="网络连接中断，VPN 登录失败")
    start(api, "SD-20261201-0002", symptom="打印机卡纸")
    start(api, "SD-20261201-0003", symptom="Outlook keeps asking for the password")
    manager = signed_in(app, "pm")
    assert tickets(page(manager, "/inbox?tab=all&text=网络")) == ["SD-20261201-0001"]
    assert tickets(page(manager, "/inbox?tab=all&text=打印")) == ["SD-20261201-0002"]
    for typed in ("vpn", "VPN", "Vpn"):
        assert tickets(page(manager, f"/inbox?tab=all&text={typed}")) == ["SD-20261201-0001"], typed
    assert tickets(page(manager, "/inbox?tab=all&text=PASSWORD outlook")) == ["SD-20261201-0003"]
    assert tickets(page(manager, "/inbox?tab=all&text=网络 打印")) == []  # every word must be there
    assert tickets(page(manager, "/inbox?tab=all&text=张三")) == [  # the requester, in inbox order
        "SD-20261201-0001", "SD-20261201-0002", "SD-20261201-0003"]


def test_a_ticket_number_whole_or_as_it_is_being_typed(app, api):
    for key in ("SD-20261201-0001", "SD-20261201-0002", "SD-20261202-0001"):
        start(api, key)
    manager = signed_in(app, "pm")
    assert tickets(page(manager, "/inbox?tab=all&text=SD-20261201-0002")) == ["SD-20261201-0002"]
    assert tickets(page(manager, "/inbox?tab=all&text=sd-20261201-000")) == ["SD-20261201-0001", "SD-20261201-0002"]
    assert len(tickets(page(manager, "/inbox?tab=all&text=SD-2026120"))) == 3
    html = page(manager, "/inbox?tab=all&text=%25")
    assert tickets(html) == [] and "No task matches these filters" in html  # punctuation alone finds nothing


def test_category_and_text_with_tabs_and_priority(app, api):
    printer, network = start(api, "SR-PRN", symptom="打印机卡纸"), start(api, "SR-NET", symptom="网络打印机掉线")
    urgent = start(api, "SR-VIP", vip=True, impact="high", urgency="high", business_stopped=True, symptom="打印机冒烟")
    classify(api, printer, "hardware")
    classify(api, network, "network")
    classify(api, urgent, "hardware")
    manager, tier1 = signed_in(app, "pm"), signed_in(app, "tier1")
    assert tickets(page(manager, "/inbox?tab=all&category=hardware")) == ["SR-VIP", "SR-PRN"]
    html = page(manager, "/inbox?tab=all&category=hardware&text=打印")
    assert tickets(html) == ["SR-VIP", "SR-PRN"] and counts(html)["all"] == 2
    assert tickets(page(manager, "/inbox?tab=all&category=hardware&priority=normal&text=打印")) == ["SR-PRN"]
    assert tickets(page(manager, "/inbox?tab=all&category=network&text=打印")) == ["SR-NET"]
    assert tickets(page(manager, "/inbox?tab=all&category=software")) == []
    html = page(tier1, "/inbox?category=hardware&text=打印机")  # my groups: tier 1's queues
    assert tickets(html) == ["SR-VIP", "SR-PRN"] and counts(html) == {"mine": 0, "groups": 2}
    task = api.only_task(printer, "tier1_diagnose")
    assert api.post(f"/task/{task['id']}/claim", user="tier1", json={"userId": "tier1"}).status_code == 204
    html = page(tier1, "/inbox?tab=mine&category=hardware&text=卡纸")
    assert tickets(html) == ["SR-PRN"] and counts(html) == {"mine": 1, "groups": 0}
    assert tickets(page(tier1, "/inbox?tab=mine&category=network")) == []


def test_a_task_that_moves_on_is_found_by_its_new_name(app, api):
    instance_id = start(api, "SR-MOVE", symptom="显示器闪烁")
    manager = signed_in(app, "pm")
    assert tickets(page(manager, "/inbox?tab=all&text=分类")) == ["SR-MOVE"]  # 分类与首次处理
    assert tickets(page(manager, "/inbox?tab=all&category=hardware")) == []  # not classified yet
    classify(api, instance_id, "hardware")
    assert tickets(page(manager, "/inbox?tab=all&text=分类")) == []
    assert tickets(page(manager, "/inbox?tab=all&text=诊断")) == ["SR-MOVE"]  # 一线诊断
    assert tickets(page(manager, "/inbox?tab=all&category=hardware&text=显示器")) == ["SR-MOVE"]
    open_ids, indexed = _indexed(app)
    assert open_ids == indexed and len(open_ids) == 1  # the finished task's row went with it


def test_a_changed_symptom_and_category_reach_the_open_task(app, api):
    instance_id = start(api, "SR-EDIT", symptom="键盘按键失灵")
    classify(api, instance_id, "hardware")
    manager = signed_in(app, "pm")
    _put_variable(api, instance_id, "symptom", "Wi-Fi 网络时断时续")
    _put_variable(api, instance_id, "category", "network")
    assert tickets(page(manager, "/inbox?tab=all&text=键盘")) == []
    assert tickets(page(manager, "/inbox?tab=all&text=wi-fi")) == ["SR-EDIT"]
    assert tickets(page(manager, "/inbox?tab=all&category=network&text=网络")) == ["SR-EDIT"]
    assert tickets(page(manager, "/inbox?tab=all&category=hardware")) == []
    open_ids, indexed = _indexed(app)
    assert open_ids == indexed and len(open_ids) == 1


def test_a_deleted_instance_leaves_no_search_rows(app, api):
    keep, drop = start(api, "SR-KEEP"), start(api, "SR-DROP")
    assert api.client.delete(f"/engine-rest/process-instance/{drop}", headers=api.headers("admin")).status_code == 204
    open_ids, indexed = _indexed(app)
    assert open_ids == indexed and len(open_ids) == 1
    assert tickets(page(signed_in(app, "pm"), "/inbox?tab=all&text=打印机")) == ["SR-KEEP"] and keep


def test_the_migration_builds_the_index_for_open_tasks(app, api):
    """Revision 0034 backfills the category and search words of the tasks open when it runs."""
    instance_id = start(api, "SD-20261201-0009", symptom="网络打印机 Offline")
    classify(api, instance_id, "network")
    start(api, "SD-20261201-0010", symptom="显示器闪烁")
    db = database(app)

    def snapshot():
        with UnitOfWork(db, write=False) as uow:
            return sorted(uow.session.execute(
                select(HumanTask.id, HumanTask.category, InboxSearch.words)
                .join(InboxSearch, InboxSearch.task_id == HumanTask.id).where(HumanTask.status == "open")).all())

    before = snapshot()
    assert [row.category for row in before].count("network") == 1 and len(before) == 2
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with db.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0033")
        command.upgrade(config, "head")
    assert snapshot() == before
    manager = signed_in(app, "pm")
    assert tickets(page(manager, "/inbox?tab=all&category=network&text=offline 打印")) == ["SD-20261201-0009"]
    assert tickets(page(manager, "/inbox?tab=all&text=sd-20261201-0010")) == ["SD-20261201-0010"]
