"""The reports in a real chromium against a real run.py: charts drawn from the period's figures in zh and en,
a new period by a preset and by the date fields, a monthly report with its Excel download (opened with
openpyxl and compared with the figures) and its printable page (screenshot and PDF).

Tickets and the monthly report are rows written into the service's own SQLite database, as the Flow-1
and Flow-6 handlers would leave them; the figures to compare with come from ``figures.compute`` on it.
Screenshots: test-output/screenshots/reports-*.png.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from typing import Iterator
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.db import UnitOfWork, connect
from app.domain import MonthlyReport, TicketCallback
from app.periods import month_bounds, previous_month
from app.services import figures
from tests.browser.conftest import DEMO_PASSWORD, SCREENSHOTS, screenshot
from tests.conftest import typed
from tests.e2e.servers import ServiceProcess, call
from tests.integration.test_reports_pages import ticket

pytestmark = pytest.mark.e2e
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Does a canvas hold anything drawn? (any pixel that is not fully transparent)
DRAWN = """id => { const c = document.getElementById(id); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false; }"""


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[ServiceProcess]:
    """This module's own service, whose database the test writes tickets and a report into."""
    folder = tmp_path_factory.mktemp("reports-service")
    url = f"sqlite:///{folder / 'servicedesk.db'}"
    process = ServiceProcess(url, folder, scheduler=True, demo=True, extra_env={"DEMO_PASSWORD": DEMO_PASSWORD})
    process.site = f"http://127.0.0.1:{process.port}"
    process.database = connect(url)
    yield process
    process.database.dispose()
    process.stop()


def _today() -> date:
    return datetime.now(SHANGHAI).date()


@pytest.fixture(scope="module")
def tickets(service) -> dict[str, int]:
    """Tickets this month and in the two months before, in three groups, most closed and rated; returns how
    many were requested this month and this year."""
    today = _today()
    months = [today.replace(day=1)]
    for _ in range(2):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    rows, count = [], {"month": 0, "year": 0}
    groups = ("tier1_hardware", "tier1_software", "tier1_network")
    priorities = ("urgent", "important", "normal")
    for m, first in enumerate(months):
        for n in range(3 + 2 * m):
            requested = datetime.combine(first, datetime.min.time(), SHANGHAI).replace(hour=9) \
                .astimezone(timezone.utc) + timedelta(hours=n)
            number = f"SD-{first:%Y%m}-{n:04d}"
            # the closing callback's ratings are on the ticket too, as Flow 1 writes them
            ratings = dict(attitude=3 + n % 3, speed=2 + (n + m) % 4, effect=4) if n % 4 != 3 else {}
            rows.append(ticket(number, requested, priorities[n % 3], groups[(n + m) % 3],
                               engineer=("tier1", "tier2")[n % 2], closed=n % 4 != 3,
                               escalation_level=int(n % 3 == 1), reopen_count=int(n % 5 == 2),
                               first_contact=n % 6 == 0, **ratings))
            if ratings:
                rows.append(TicketCallback(instance_id=f"t-{number}", seq=1, at=requested + timedelta(hours=3),
                                           solved=True, **ratings))
            count["month"] += first == months[-1]
            count["year"] += first.year == today.year
    with UnitOfWork(service.database) as uow:
        uow.session.add_all(rows)
        uow.commit()
    return count


def _card(page, figure: str) -> str:
    return page.locator(f'[data-figure="{figure}"] .figure-value').inner_text()


def _charts_drawn(page) -> None:
    page.wait_for_function("window.reportCharts && window.reportCharts.length === 3")
    for canvas in ("chart-volume", "chart-rates", "chart-satisfaction"):
        assert page.evaluate(DRAWN, canvas), f"{canvas} is blank"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_reports_page_draws_its_charts_and_a_new_period_reloads_the_figures(people, service, tickets, language):
    page = people.signed_in("pm", language, then="/reports")
    assert _card(page, "tickets") == str(tickets["month"])
    _charts_drawn(page)
    screenshot(page, f"reports-this-month-{language}")

    page.get_by_role("link", name="今年" if language == "zh" else "This year").click()
    page.wait_for_load_state("networkidle")
    assert f"from={_today().year}-01-01" in page.url
    assert _card(page, "tickets") == str(tickets["year"])
    _charts_drawn(page)
    assert page.evaluate("window.reportCharts[0].data.labels.length") == min(3, _today().month)  # a bar group per month of this year
    screenshot(page, f"reports-this-year-{language}")

    first, last = month_bounds(previous_month(_today()))
    page.fill("input[name=from]", first.isoformat())
    page.fill("input[name=to]", last.isoformat())
    page.click(".period-picker button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert _card(page, "tickets") == "5"
    _charts_drawn(page)

    page.goto(f"{service.site}/reports?from=2020-01-01&to=2020-01-31")  # nothing to count: dashes, not 0 %
    assert (_card(page, "tickets"), _card(page, "escalation_rate")) == ("0", "—")
    screenshot(page, f"reports-empty-{language}")
    assert page.console_errors == []


def _monthly_report(service, month: str) -> dict:
    first, last = month_bounds(month)
    computed = figures.compute(UnitOfWork(service.database, write=False), first, last)
    with UnitOfWork(service.database) as uow:
        uow.session.add(MonthlyReport(month=month, instance_id=f"browser-{month}", period_from=first, period_to=last,
                                      figures=computed, state="published", reviewer="servicedept",
                                      comment="响应达标率需继续提升；网络组满意度偏低。",
                                      published_at=datetime.now(timezone.utc)))
        uow.commit()
    return computed


def test_the_monthly_report_its_excel_download_and_its_printable_page(people, service, tickets):
    month = previous_month(_today())
    computed = _monthly_report(service, month)
    page = people.signed_in("servicedept", "zh", then="/reports/monthly")
    screenshot(page, "reports-monthly-list-zh")
    page.click(f"a[href='/reports/monthly/{month}']")
    page.wait_for_load_state("networkidle")
    assert _card(page, "tickets") == str(computed["tickets"])
    assert "网络组满意度偏低" in page.locator(".report-comment").inner_text()
    screenshot(page, "reports-monthly-zh")

    with page.expect_download() as downloading:
        page.click("#download-xlsx")
    saved = SCREENSHOTS.parent / f"monthly-report-{month}.xlsx"
    downloading.value.save_as(saved)
    book = load_workbook(BytesIO(saved.read_bytes()))
    assert book.sheetnames == ["指标", "按优先级", "按一线组", "按工程师", "按月份"]
    headline = {row[0]: row[1] for row in book["指标"].iter_rows(values_only=True) if row and row[0]}
    assert headline["月份"] == month and headline["工单数"] == computed["tickets"]
    assert headline["已关闭"] == computed["closed"]
    for label, key in (("升级率", "escalation_rate"), ("重开率", "reopen_rate"), ("响应达标率", "response_sla_compliance")):
        assert headline[label] == (computed[key] if computed[key] is not None else "—"), label
    groups = {row[0]: row for row in book["按一线组"].iter_rows(min_row=2, values_only=True)}
    assert groups["一线·网络"][1] == computed["breakdown"]["group"]["tier1_network"]["tickets"]

    english = people.signed_in("pm", "en", then=f"/reports/monthly/{month}")
    screenshot(english, "reports-monthly-en")
    printable = people.signed_in("pm", "zh", then=f"/reports/monthly/{month}/print")
    assert printable.locator(".mainnav").count() == 0
    screenshot(printable, "reports-monthly-print-zh")
    printable.emulate_media(media="print")
    screenshot(printable, "reports-monthly-print-media-zh")  # as the printer gets it, pages run together
    pdf = printable.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 5  # headline + a page each
    (SCREENSHOTS / f"reports-monthly-{month}.pdf").write_bytes(pdf)
    assert page.console_errors == [] and printable.console_errors == []


def test_the_service_department_reviews_and_publishes_a_report_by_clicking(people, service, tickets):
    """Flow 6's review task in the browser: the form links to the report, the comment is published with it."""
    month = previous_month(month_bounds(previous_month(_today()))[0])  # two months back: no report yet
    status, started = call(service.base, "POST", "/process-definition/key/monthly_report/start", "admin",
                           DEMO_PASSWORD, {"variables": typed({"report_month": month})})
    assert status == 200, started
    status, tasks = call(service.base, "GET", f"/task?processInstanceId={started['id']}", "admin", DEMO_PASSWORD)
    assert status == 200 and [t["taskDefinitionKey"] for t in tasks] == ["review_monthly_report"], tasks
    page = people.signed_in("servicedept", "zh", then=f"/tasks/{tasks[0]['id']}")
    page.wait_for_selector(".fjs-form .fjs-form-field")
    assert page.locator(f".fjs-form a[href='/reports/monthly/{month}']").count() == 1
    page.locator("textarea[id$='-field_review_comment']").fill("本月数据完整，同意发布。")
    page.get_by_label("发布月报", exact=True).check()
    screenshot(page, "reports-review-task-zh")
    page.click("#form-submit")
    page.wait_for_selector(".form-done")
    page.goto(f"{service.site}/reports/monthly/{month}")
    assert "本月数据完整，同意发布。" in page.locator(".report-comment").inner_text()
    assert page.locator(".report-facts .badge").inner_text() == "已发布"
    page.goto(f"{service.site}/tickets/{started['id']}")  # the flow's own page draws its diagram
    page.wait_for_selector("#diagram .djs-element[data-element-id=review_monthly_report]")
    screenshot(page, "reports-flow-diagram-zh")
    assert page.console_errors == []
