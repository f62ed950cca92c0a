"""Every stand-alone link, button and form control is at least 24 x 24 CSS px (WCAG 2.2 2.5.8), on the pages
the journeys do not pass through; `check_page` applies the same check on every page they do."""

from __future__ import annotations

import re

import pyotp
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
        ("/account/reset", "password reset"), ("/staff/login", "staff sign-in"), ("/services", "service list"),
        ("/privacy", "privacy notice"), ("/policies", "policies"), ("/policies/P06", "a policy"),
        ("/policies/check", "what might I get"), ("/notices", "public notices"),
        ("/objections/track", "follow an objection"),
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
    for path, name in (
        ("/staff/proposals", "proposals"), ("/staff/account", "staff account"),
        ("/staff/service-requests", "service requests"), ("/staff/service-minimum", "12333 minimum"),
        ("/staff/policy-applications", "policy applications"), ("/staff/notices", "notices"),
        ("/staff/notices/new", "compose a notice"), ("/staff/objections?show=all", "objections"),
        ("/staff/credit", "credit cases"), ("/staff/tracking", "tracking list"), ("/staff/ledger", "service ledger"),
    ):  # fmt: skip
        page.goto(path)
        check_page(name)
    for listing, link, name in (
        ("/staff/notices", "/staff/notices/GS", "a notice with an entry taken down"),
        ("/staff/objections?show=all", "/staff/objections/YY", "an objection being investigated"),
        ("/staff/credit", "/staff/credit/XY", "a credit case"),
    ):
        page.goto(listing)
        page.locator(f'table a[href^="{link}"]').first.click()
        check_page(name)
        screenshot(page, f"staff-{link.split('/')[2]}-pixel7")
    page.goto("/staff/service-minimum")
    page.locator('table a[href^="/staff/cases/"]').first.click()
    check_page("staff case with the 12333 minimum and the ledger")
    screenshot(page, "staff-case-ledger-pixel7")


def test_city_administrators_pages_have_targets_of_24_px(page: Page, check_page) -> None:
    page.goto("/staff/login")
    page.fill("#username", "city.admin")
    page.fill("#password", "zhanjiang-staff-1")
    page.locator("form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff/login/enrol$"))  # administrators use a second factor
    check_page("two-factor enrolment")
    page.fill("#code", pyotp.TOTP(page.locator("code.secret").inner_text().strip()).now())
    page.locator("main form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff$"))
    for path, name in (
        ("/staff/service-items", "service list upkeep"), ("/staff/service-items/S03", "a service item"),
        ("/staff/policies", "policies upkeep"), ("/staff/policies/P06", "a policy's versions"),
        ("/staff/credit-export", "credit listings export"),
    ):  # fmt: skip
        page.goto(path)
        check_page(name)
    screenshot(page, "admin-policy-pixel7")


def test_a_registered_residents_pages_have_targets_of_24_px(page: Page, check_page) -> None:
    page.goto("/account/login")
    page.fill("#phone", "13800138022")  # a demo resident with a request overdue
    page.fill("#password", "zhanjiang-demo-case")
    page.locator("main form button.button").last.click()
    expect(page).to_have_url(re.compile(r"/account$"))
    check_page("resident account")
    for path, name in (
        ("/account/policies", "checklist"), ("/account/service-requests", "requests"),
        ("/account/service-history", "service history"), ("/account/record-access", "record access"),
        ("/account/password", "new password"), ("/account/phone", "new number"),
    ):  # fmt: skip
        page.goto(path)
        check_page(name)
    page.goto("/account/service-requests")
    page.locator('a[href^="/account/service-requests/ZQ"]').first.click()
    expect(page.locator(".tag-overdue")).to_be_visible()
    check_page("an overdue request")
    page.goto("/account")
    page.locator('a[href^="/account/applications/ZJ"]').first.click()
    page.locator('a[href$="/answers"]').click()
    check_page("what you told us")
    screenshot(page, "resident-answers-pixel7")
    page.goto("/account/service-history")
    page.get_by_role("link", name="English").click()
    check_page("service history in English")
    screenshot(page, "resident-history-english-pixel7")
