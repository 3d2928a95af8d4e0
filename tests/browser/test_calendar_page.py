"""The working-day calendar's administration page in a real browser, in English and Chinese.

The service runs on the real date (December 2026): chinese-calendar has no 2027, so the
page warns until the year is entered here.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.e2e

SCHEDULE = "2027-01-01 holiday 元旦\n2027-02-05 workday 春节调休\n2027-02-08 holiday 春节"


def test_an_admin_enters_2027_and_the_warning_goes(people):
    en = people.signed_in("admin", "en", then="/admin/calendar?year=2026")
    assert "Spring Festival" in en.locator("tr[data-day='2026-02-16']").inner_text()
    assert "Working day" in en.locator("tr[data-day='2026-02-14']").inner_text()
    assert "No holidays or make-up working days are known for 2027" in en.locator(".calendar-warning").inner_text()
    screenshot(en, "admin-calendar-2026-en")

    en.click(".calendar-warning a")
    en.wait_for_url("**/admin/calendar?year=2027")
    en.fill("#days", SCHEDULE + "\n2027-02-30 holiday nonsense")
    en.click("button[type=submit].primary")
    assert "Line 4: not a date" in en.locator(".field-error").inner_text()
    assert "2027-02-30 holiday nonsense" in en.input_value("#days")
    screenshot(en, "admin-calendar-error-en")

    zh = people.signed_in("admin", "zh", then="/admin/calendar?year=2027")
    assert "2027 年的节假日和调休上班日尚未录入" in zh.locator(".calendar-warning").inner_text()
    zh.fill("#days", SCHEDULE)
    zh.check("#complete")
    zh.click("button[type=submit].primary")
    assert "2027 年的工作日历已保存。" in zh.locator(".flash").inner_text()
    assert zh.locator(".calendar-warning").count() == 0
    assert "休息日" in zh.locator("tr[data-day='2027-02-08']").inner_text()
    assert "工作日" in zh.locator("tr[data-day='2027-02-05']").inner_text()
    screenshot(zh, "admin-calendar-2027-zh")
    assert en.console_errors == [] and zh.console_errors == []
