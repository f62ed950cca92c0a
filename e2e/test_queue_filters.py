"""The staff queue's filters at 360 px: with JavaScript (htmx) the list changes in place, without a page load;
without JavaScript the same form's button loads the filtered page. Both end with the same list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import BROWSER_LOCALE, screenshot

PHONE = {"width": 360, "height": 740}


def _signed_in_reviewer(browser: Browser, base_url: str, *, javascript: bool) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale=BROWSER_LOCALE,
                                  java_script_enabled=javascript)  # fmt: skip
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#username", "chikan.reviewer")
    page.fill("#password", "zhanjiang-staff-1")
    page.locator("form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    return page


@pytest.fixture
def with_js(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    page = _signed_in_reviewer(browser, base_url, javascript=True)
    yield page
    page.context.close()


@pytest.fixture
def without_js(browser: Browser, base_url: str):  # type: ignore[no-untyped-def]
    page = _signed_in_reviewer(browser, base_url, javascript=False)
    yield page
    page.context.close()


def test_with_javascript_a_filter_changes_the_list_in_place(with_js: Page, check_page) -> None:
    page = with_js
    expect(page.locator("#queue-list .tag-submitted").first).to_be_visible()
    page.evaluate("window.loadedOnce = true")  # gone if the page were loaded again
    page.select_option("#status", "deferred")
    expect(page).to_have_url(re.compile(r"status=deferred"))  # the address follows, for Back and a reload
    expect(page.locator("#queue-list .tag-submitted")).to_have_count(0)
    expect(page.locator("#queue-list .tag-deferred").first).to_be_visible()
    assert page.evaluate("window.loadedOnce") is True
    check_page("queue filtered in place", page)
    screenshot(page, "staff-queue-filtered-htmx-360")


def test_without_javascript_the_filter_button_loads_the_filtered_queue(without_js: Page) -> None:
    page = without_js
    expect(page.locator("#queue-list .tag-submitted").first).to_be_visible()
    page.select_option("#status", "deferred")
    page.get_by_role("button", name=re.compile("筛选")).click()
    expect(page).to_have_url(re.compile(r"status=deferred"))
    expect(page.locator("#queue-list .tag-submitted")).to_have_count(0)
    expect(page.locator("#queue-list .tag-deferred").first).to_be_visible()
    # Axe needs JavaScript: the page it would check is the one checked above, drawn from the same templates.
    screenshot(page, "staff-queue-filtered-no-js-360")
