"""The reports pages: figures over a period (/reports) and the monthly service reports, with who may read what.

Tickets and reports are rows written straight into the domain tables (the pages read only those); the
figures shown are compared with ``app.services.figures.compute`` over the same rows. SQLite only: the
pages add no SQL of their own (the figures' SQL is tested on both databases by the figures' tests, the
monthly report's table by the Flow-6 tests).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app import clock
from app.db import UnitOfWork
from app.domain import MonthlyReport, Ticket, TicketCallback
from app.services import figures
from app.store import database
from tests.page_client import PageClient

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


@pytest.fixture
def backend() -> str:
    return "sqlite"


def ticket(number: str, requested: datetime, priority: str = "normal", group: str = "tier1_hardware",
           engineer: str = "tier1", closed: bool = True, **columns) -> Ticket:
    """A Flow-1 ticket as its handlers leave it; closed tickets have a completion request and a close."""
    local = requested.astimezone(SHANGHAI)
    values = dict(instance_id=f"t-{number}", number=number, priority=priority, tier1_group=group, engineer=engineer,
                  status="closed" if closed else "open", requested_at=requested, requested_on=local.date(),
                  requested_month=f"{local.year:04d}-{local.month:02d}",
                  response_due_at=requested + timedelta(hours=4), first_response_at=requested,
                  completion_requested_at=requested if closed else None, closed_at=requested if closed else None,
                  close_due_at=requested + timedelta(days=2) if closed else None)
    values.update(columns)
    return Ticket(**values)


def insert(app, *rows) -> None:
    with UnitOfWork(database(app)) as uow:
        uow.session.add_all(rows)
        uow.commit()


def computed(app, start: date, end: date) -> dict:
    with app.app_context():
        return figures.compute(UnitOfWork(database(app), write=False), start, end)


def november(app) -> None:
    """Three November tickets (two closed and rated, one open) and one from October.

    Flow 1 copies the closing callback's ratings onto the ticket (what the figures count); both are written."""
    insert(app,
           ticket("SD-1", datetime(2026, 11, 2, 2, tzinfo=timezone.utc), "urgent", "tier1_network",
                  attitude=5, speed=4, effect=5),
           ticket("SD-2", datetime(2026, 11, 5, 2, tzinfo=timezone.utc), "normal", "tier1_hardware",
                  escalation_level=1, attitude=3, speed=3, effect=4),
           ticket("SD-3", datetime(2026, 11, 9, 2, tzinfo=timezone.utc), "important", closed=False),
           ticket("SD-0", datetime(2026, 10, 9, 2, tzinfo=timezone.utc)),
           TicketCallback(instance_id="t-SD-1", seq=1, at=datetime(2026, 11, 3, tzinfo=timezone.utc), solved=True,
                          attitude=5, speed=4, effect=5),
           TicketCallback(instance_id="t-SD-2", seq=1, at=datetime(2026, 11, 6, tzinfo=timezone.utc), solved=True,
                          attitude=3, speed=3, effect=4))


def cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([a-z_.0-9]+)">\s*<div class="figure-value">([^<]*)<', html))


def test_the_project_manager_reads_this_months_figures_with_charts_and_tables(app):
    november(app)
    with clock.frozen(NOW):
        page = PageClient(app, "pm", "zh")
        response = page.get("/reports")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    expected = computed(app, date(2026, 11, 1), date(2026, 11, 30))
    shown = cards(html)
    assert shown["tickets"] == str(expected["tickets"]) == "3"
    assert shown["closed"] == str(expected["closed"])
    assert shown["escalation_rate"] == f"{expected['escalation_rate'] * 100:.1f}%"
    assert 'value="2026-11-01"' in html and 'value="2026-11-30"' in html
    assert '<script type="application/json" id="report-chart-data">' in html
    assert "vendor/chart.js/chart.umd.js" in html and "js/reports.js" in html
    for words in ("紧急", "重要", "一线·网络", "一线李工 (tier 1)", "服务态度", "按优先级"):
        assert words in html, words
    assert 'href="/reports"' in html  # the navigation names the area for the project manager
    assert "此期间没有评分。" not in html  # two tickets were rated


def test_an_empty_period_shows_dashes_never_zero_percent(app):
    with clock.frozen(NOW):
        html = PageClient(app, "servicedept", "en").get("/reports?from=2025-01-01&to=2025-01-31").get_data(as_text=True)
    shown = cards(html)
    assert shown["tickets"] == "0"
    assert shown["escalation_rate"] == shown["satisfaction.attitude"] == "—"
    assert "0.0%" not in html and "No tickets were requested in this period." in html
    assert "No ratings in this period." in html


@pytest.mark.parametrize("query", ["from=2026-13-01&to=2026-12-31", "from=2026-12-31&to=2026-12-01",
                                   "from=yesterday&to=2026-12-01", "from=2020-01-01&to=2026-12-31"])
def test_a_period_that_is_no_period_is_a_400_saying_why(app, query):
    response = PageClient(app, "pm", "en").get(f"/reports?{query}")
    assert response.status_code == 400
    assert "write both dates as YYYY-MM-DD" in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["requester", "desk", "tier1"])
def test_only_the_project_manager_service_department_and_admins_read_the_figures(app, user):
    page = PageClient(app, user, "zh")
    assert page.get("/reports").status_code == 403
    assert 'href="/reports"' not in page.get("/kb").get_data(as_text=True)


def monthly(month: str, state: str, **figure_values) -> MonthlyReport:
    return MonthlyReport(month=month, instance_id=f"i-{month}", period_from=date(2026, 10, 1),
                         period_to=date(2026, 10, 31), state=state, reviewer="servicedept" if state == "published" else None,
                         comment="十月响应达标率偏低" if state == "published" else None,
                         figures={"tickets": 4, "closed": 2, "escalation_rate": None, "reopen_rate": 0.5,
                                  "breakdown": {"priority": {"urgent": {"tickets": 4, "closed": 2, "reopen_rate": 0.5}},
                                                "engineer": {"tier1": {"tickets": 4}}}, **figure_values},
                         created_at=NOW, compiled_at=NOW)


def test_monthly_reports_drafts_for_the_readers_only_published_for_all_staff(app):
    insert(app, monthly("2026-10", "published"), monthly("2026-11", "draft"))
    pm = PageClient(app, "pm", "zh")
    listing = pm.get("/reports/monthly").get_data(as_text=True)
    assert listing.index("2026-11") < listing.index("2026-10")  # newest first
    assert "草稿" in listing and "已发布" in listing
    assert 'href="/reports?from=2026-10-01&amp;to=2026-10-31"' in pm.get("/reports/monthly/2026-10").get_data(as_text=True)
    assert pm.get("/reports/monthly/2026-11").status_code == 200

    desk = PageClient(app, "desk", "zh")
    assert "2026-11" not in desk.get("/reports/monthly").get_data(as_text=True)
    assert desk.get("/reports/monthly/2026-11").status_code == 403
    assert desk.get("/reports/monthly/2026-11.xlsx").status_code == 403
    assert desk.get("/reports/monthly/2026-11/print").status_code == 403
    page = desk.get("/reports/monthly/2026-10").get_data(as_text=True)
    assert "十月响应达标率偏低" in page and "服务部周 (service dept)" in page and "50.0%" in page
    assert "/reports?from=" not in page  # the live figures are the readers' only

    requester = PageClient(app, "requester", "zh")
    assert requester.get("/reports/monthly").status_code == 403
    assert requester.get("/reports/monthly/2026-10").status_code == 403


@pytest.mark.parametrize("month", ["2026-09", "2026-13", "latest", "2026-10-01"])
def test_a_month_without_a_report_is_a_404(app, month):
    insert(app, monthly("2026-10", "published"))
    page = PageClient(app, "pm", "en")
    assert page.get(f"/reports/monthly/{month}").status_code == 404
    assert page.get(f"/reports/monthly/{month}.xlsx").status_code == 404


def test_the_printable_page_has_no_navigation_and_a_section_per_breakdown(app):
    insert(app, monthly("2026-10", "published"))
    html = PageClient(app, "pm", "zh").get("/reports/monthly/2026-10/print").get_data(as_text=True)
    assert 'class="mainnav"' not in html and "css/report-print.css" in html
    assert html.count('<section class="breakdown"') == 4
    assert "2026-10 服务月报" in html or "服务月报 2026-10" in html


def test_the_xlsx_has_the_headline_and_a_sheet_per_breakdown_in_the_readers_language(app):
    insert(app, monthly("2026-10", "published"))
    for language, figures_sheet, priority_sheet, urgent in (("zh", "指标", "按优先级", "紧急"),
                                                             ("en", "Figures", "By priority", "Urgent")):
        response = PageClient(app, "pm", language).get("/reports/monthly/2026-10.xlsx")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == 'attachment; filename="monthly-report-2026-10.xlsx"'
        book = load_workbook(BytesIO(response.data))
        assert book.sheetnames[:2] == [figures_sheet, priority_sheet] and len(book.sheetnames) == 5
        headline = {cell.value: book[figures_sheet].cell(cell.row, 2) for cell in book[figures_sheet]["A"] if cell.value}
        reopen = headline["Reopen rate" if language == "en" else "重开率"]
        assert (reopen.value, reopen.number_format) == (0.5, "0.0%")
        assert headline["Escalation rate" if language == "en" else "升级率"].value == "—"
        rows = list(book[priority_sheet].iter_rows(values_only=True))
        assert rows[1][0] == urgent and rows[1][1] == 4


def test_text_in_the_xlsx_never_becomes_a_formula(app):
    row = monthly("2026-10", "published")
    row.comment = '=HYPERLINK("http://example.com/steal","点此")'
    insert(app, row)
    book = load_workbook(BytesIO(PageClient(app, "pm", "en").get("/reports/monthly/2026-10.xlsx").data))
    [cell] = [r[1] for r in book["Figures"].iter_rows() if r[0].value == "Comment"]
    assert (cell.value, cell.data_type) == (row.comment, "s")



def test_the_months_questionnaires_and_improvement_actions_show_on_the_page_the_print_and_the_xlsx(app):
    survey = {"responses": 7, "callback_samples": 3, "actions": {"open": 1, "done": 2},
              "means": {"technical": 4.25, "response": 3.5, "resolution": None, "attitude": 4.8, "communication": 3.9}}
    insert(app, monthly("2026-10", "published", satisfaction_survey=survey), monthly("2026-09", "published"))
    page = PageClient(app, "pm", "zh")
    html = page.get("/reports/monthly/2026-10").get_data(as_text=True)
    section = html[html.index('id="satisfaction-survey"'):]
    for words in ("满意度调查与改进措施", "技术能力", "4.25", "3.50", "4.80", "—", "回访抽样"):
        assert words in section, words
    assert 'id="satisfaction-survey"' in page.get("/reports/monthly/2026-10/print").get_data(as_text=True)
    # a report compiled before the questionnaires were counted shows no empty section
    assert 'id="satisfaction-survey"' not in page.get("/reports/monthly/2026-09").get_data(as_text=True)

    book = load_workbook(BytesIO(PageClient(app, "pm", "en").get("/reports/monthly/2026-10.xlsx").data))
    values = {row[0]: row[1] for row in book["Satisfaction survey"].iter_rows(min_row=2, values_only=True)}
    assert values["Questionnaires answered"] == 7 and values["Technical ability"] == 4.25
    assert values["Timely resolution"] == "—" and values["Improvement actions done"] == 2
    assert "Satisfaction survey" not in load_workbook(BytesIO(
        PageClient(app, "pm", "en").get("/reports/monthly/2026-09.xlsx").data)).sheetnames
