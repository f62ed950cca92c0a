"""Every stand-alone link, button and form control is at least 24 x 24 CSS px (WCAG 2.2 2.5.8), on the pages
the journeys do not pass through; `check_page` applies the same check on every page they do."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.helpers import screenshot, too_small_targets


def test_the_size_check_flags_a_small_stand_alone_link_and_spares_a_link_in_a_sentence(page: Page) -> None:
    page.set_content(
        """<style>a, button { font: 14px/20px sans-serif; }</style>
        <ul><li><a href="/x" id="alone">Alone in its item</a></li></ul>
        <p>Read <a href="/y" id="inline">the rules</a> before you start.</p>
        <button style="height: 20px; padding: 0">Go</button>
        <p><a href="/z" style="display: inline-block; min-height: 24px; min-width: 24px">Fine</a></p>"""
    )
    flagged = too_small_targets(page)
    assert len(flagged) == 2, flagged
    assert flagged[0].startswith('a "Alone in its item"')
    assert flagged[1].startswith('button "Go"')


def test_signed_out_pages_have_targets_of_24_px(page: Page, check_page) -> None:
    for path, name in (
        ("/", "home"), ("/agencies", "agencies"), ("/account/login", "sign in"), ("/account/sign-up", "sign up"),
        ("/account/reset", "password reset"), ("/staff/login", "staff sign-in"),
    ):  # fmt: skip
        page.goto(path)
        check_page(name)
    page.goto("/account/login")
    page.locator("form button.button").last.click()  # empty: the error summary's links are targets too
    expect(page.locator(".error-summary")).to_be_visible()
    check_page("sign in with errors")


def test_staff_workspace_pages_have_targets_of_24_px(page: Page, check_page) -> None:
    page.goto("/staff/login")
    page.fill("#username", "chikan.clerk")
    page.fill("#password", "zhanjiang-staff-1")
    page.locator("form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    check_page("staff queue")
    screenshot(page, "staff-queue-pixel7")
    page.locator('table a[href^="/staff/cases/"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/cases/"))
    check_page("staff case")
    screenshot(page, "staff-case-pixel7")
    for path, name in (("/staff/proposals", "proposals"), ("/staff/account", "staff account")):
        page.goto(path)
        check_page(name)
