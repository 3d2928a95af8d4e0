"""User administration and the account page in a real browser, in Chinese and English."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.e2e

PASSWORD = "spring-rain-2026"


def test_an_admin_creates_a_user_who_works_in_english_until_deactivated(people):
    admin = people.signed_in("admin", "zh", then="/admin/users")
    admin.click("a.button.primary")  # 新建用户
    admin.fill("#user_id", "wang.fang")
    admin.fill("#display_name", "王芳 (Wang Fang)")
    admin.fill("#email", "wang.fang@example.com")
    admin.select_option("#language", "en")
    admin.select_option("#time_zone", "Europe/London")
    admin.check("input[name=groups][value=service_desk]")
    admin.check("input[name=groups][value=tier1]")
    admin.fill("#password", PASSWORD)
    admin.click("button[type=submit].primary")
    admin.wait_for_url("**/admin/users/wang.fang")
    assert "用户 wang.fang 已创建。" in admin.locator(".flash").inner_text()
    assert admin.is_checked("input[name=groups][value=tier1]")

    fang = people.signed_in("wang.fang", "zh", password=PASSWORD, then="/account")
    assert fang.locator("html").get_attribute("lang") == "en"
    assert fang.locator("h1").inner_text().startswith("My account")
    assert fang.locator(".topbar").inner_text().count("Sign out") == 1
    assert fang.input_value("#time_zone") == "Europe/London"

    admin.click("button.danger")  # 停用
    assert "已停用" in admin.locator(".flash").inner_text()
    fang.reload()
    assert "/login" in fang.url
    assert "您的会话已结束" in fang.locator(".flash").inner_text()  # signed out: the browser's language again
    assert admin.console_errors == [] and fang.console_errors == []


@pytest.mark.parametrize("language, texts", [
    ("zh", {"users": "用户管理", "required": "此项必填。", "account": "我的账号", "deactivated": "已停用"}),
    ("en", {"users": "Users", "required": "Required.", "account": "My account", "deactivated": "Deactivated"}),
])
def test_admin_pages_in_both_languages(people, language, texts):
    page = people.signed_in("admin", language, then="/admin/users")
    assert page.locator("h1").inner_text() == texts["users"]
    assert page.locator("table.users tbody tr").count() >= 10
    assert texts["deactivated"] in page.locator("tr[data-user='wang.fang']").inner_text()
    screenshot(page, f"admin-users-{language}")

    page.goto(f"{people.site}/admin/users/new")
    page.fill("#user_id", "bad id!")
    page.fill("#email", "not-an-address")
    page.check("input[name=groups][value=tier2]")
    page.fill("#password", "short")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert page.input_value("#user_id") == "bad id!" and page.input_value("#email") == "not-an-address"
    assert page.is_checked("input[name=groups][value=tier2]")
    assert page.locator(".field.has-error").count() == 4  # id, name, e-mail, password
    assert page.locator(".field.has-error:has(#display_name) .field-error").inner_text() == texts["required"]
    screenshot(page, f"admin-user-new-error-{language}")

    page.goto(f"{people.site}/admin/users/desk")
    page.fill("#new_password", "desk")
    page.click("form[action$='/password'] button[type=submit]")
    page.wait_for_load_state()  # the click only waits for the answer to start: count on the page it brings
    assert page.locator(".field.has-error:has(#new_password)").count() == 1
    screenshot(page, f"admin-user-edit-error-{language}")

    page.click("a.whoami")
    page.wait_for_url("**/account")
    assert page.locator("h1").inner_text().startswith(texts["account"])
    assert page.input_value("#time_zone") == "Asia/Shanghai"
    screenshot(page, f"admin-account-{language}")
    assert page.console_errors == []


def test_a_person_switches_their_own_language_on_the_account_page(people):
    page = people.signed_in("tier2", "zh", then="/account")
    page.select_option("#language", "en")
    page.click("form[action='/account'] button[type=submit]")
    page.wait_for_url("**/account")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Your settings were saved." in page.locator(".flash").inner_text()
    page.select_option("#language", "")
    page.click("form[action='/account'] button[type=submit]")
    assert page.locator("html").get_attribute("lang") == "zh-CN"  # the browser asks for Chinese
    assert page.console_errors == []
