"""Signing in through the real page, in both languages, with no script errors (CSP included)."""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language, title, wrong", [("zh", "登录", "用户名或密码错误"),
                                                     ("en", "Sign in", "Unknown user or wrong password")])
def test_sign_in_page_speaks_the_browser_language_and_refuses_a_wrong_password(people, language, title, wrong):
    page = people.page(language)
    page.goto(f"{people.site}/login")
    assert page.locator("h1").inner_text() == title
    screenshot(page, f"login-{language}")
    page.fill("input[name=username]", "desk")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit].primary")
    assert wrong in page.locator(".field-error").inner_text()
    assert page.input_value("input[name=username]") == "desk"
    assert page.console_errors == []


def test_signed_in_person_sees_their_name_and_can_sign_out(people):
    page = people.signed_in("desk", then="/logout")
    assert page.url.endswith("/logout")
    assert "服务台小王" in page.locator(".whoami").inner_text()
    page.click(".topbar button:has-text('退出登录')")
    page.wait_for_url("**/login")
    assert "您已退出登录" in page.content()
    assert page.console_errors == []
