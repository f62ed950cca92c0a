"""Every stand-alone link, button and form control is at least 24 x 24 CSS px (WCAG 2.2 2.5.8), on the pages
the journeys do not pass through; `check_page` applies the same check on every page they do."""

from __future__ import annotations

import re
import time

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
        expect(page).to_have_url(re.compile(re.escape(link)))  # axe must not run on the page being left
        check_page(name)
        screenshot(page, f"staff-{link.split('/')[2]}-pixel7")
    page.goto("/staff/service-minimum")
    page.locator('table a[href^="/staff/cases/"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/cases/ZJ"))
    check_page("staff case with the 12333 minimum and the ledger")
    screenshot(page, "staff-case-ledger-pixel7")


# The city administrator's authenticator, set up by whichever test signs in first; a code is used once only.
_ADMIN_TOTP: dict[str, object] = {}


def _city_admin_sign_in(page: Page, check_page=None) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/staff/login")
    page.fill("#username", "city.admin")
    page.fill("#password", "zhanjiang-staff-1")
    page.locator("form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff/login/(enrol|code)$"))  # administrators use a second factor
    if page.url.endswith("/enrol"):
        if check_page is not None:
            check_page("two-factor enrolment")
        _ADMIN_TOTP["secret"] = page.locator("code.secret").inner_text().strip()
    totp = pyotp.TOTP(str(_ADMIN_TOTP["secret"]))
    while time.time() // 30 == _ADMIN_TOTP.get("window"):
        time.sleep(1)  # the code of the last sign-in cannot be used again
    _ADMIN_TOTP["window"] = time.time() // 30
    page.fill("#code", totp.now())
    page.locator("main form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def test_city_administrators_pages_have_targets_of_24_px(page: Page, check_page) -> None:
    _city_admin_sign_in(page, check_page)
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


# ---- issue 10: the ledger, certification, vacancies, training, entrepreneurship and loans, the UI benefit ----------


def _staff_sign_in_here(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", "zhanjiang-staff-1")
    page.locator("form button.button").click()
    expect(page).to_have_url(re.compile(r"/staff$"))


def _resident_sign_in_here(page: Page, phone: str) -> None:
    page.context.clear_cookies()
    page.goto("/account/login")
    page.fill("#phone", phone)
    page.fill("#password", "zhanjiang-demo-case")
    page.locator("main form button.button").last.click()
    expect(page).to_have_url(re.compile(r"/account$"))


def test_the_county_pages_of_issue_10_have_targets_of_24_px_and_fit_a_phone(page: Page, check_page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    _staff_sign_in_here(page, "chikan.clerk")

    def check(name: str) -> None:
        check_page(name)
        screenshot(page, "issue10-" + re.sub(r"\W+", "-", name).strip("-"))

    for path, name in (
        ("/staff/ledger", "service ledger"), ("/staff/vacancies", "vacancies"),
        ("/staff/vacancies?show=closed", "closed vacancies"), ("/staff/vacancies/new", "a new vacancy"),
        ("/staff/vacancies/import", "vacancy import"), ("/staff/follow-ups", "follow-ups due"),
        ("/staff/follow-ups?show=done", "follow-ups done"), ("/staff/training", "training programmes"),
        ("/staff/training/new", "a new programme"), ("/staff/entrepreneurs", "people starting a business"),
        ("/staff/loans?show=all", "loan applications"), ("/staff/certifications", "certifications queue"),
        ("/staff/worklist", "worklist"), ("/staff/plans", "my plans"), ("/staff/plans?show=county", "all plans"),
        ("/staff/public-welfare-posts", "public-welfare posts"),
    ):  # fmt: skip
        page.goto(path)
        check(name)
    page.goto("/staff/plans")
    page.locator('main a[href^="/staff/plans/"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/plans/\d+$"))
    check("a plan with an overdue action")
    page.goto("/staff/public-welfare-posts")
    page.locator('main .card-title a[href^="/staff/public-welfare-posts/"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/public-welfare-posts/\d+$"))
    check("a public-welfare post and its placement")
    for listing, link, name in (
        ("/staff/vacancies", "/staff/vacancies/", "a vacancy and its matches"),
        ("/staff/training", "/staff/training/", "a training programme"),
        ("/staff/loans?show=all", "/staff/loans/", "a loan application with the lender"),
    ):
        page.goto(listing)
        page.locator(f'main a[href^="{link}"]:not([href$="/new"]):not([href$="/import"])').first.click()
        expect(page).to_have_url(re.compile(re.escape(link) + r"\w+"))
        check(name)
    for listing, name in (("/staff/training", "a programme's form"), ("/staff/vacancies", "a vacancy's form")):
        page.goto(listing)
        page.locator("main .card-title a").first.click()
        page.locator('main a[href$="/edit"]').first.click()
        expect(page).to_have_url(re.compile(r"/edit$"))
        check(name)
    page.goto("/staff/ledger")
    page.locator('main a[href^="/staff/cases/"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/cases/ZJ"))
    check("a case from the ledger")
    page.goto("/staff/tracking")
    page.get_by_role("link", name="黄海", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff/cases/ZJ"))
    check("a case with the unemployment insurance benefit granted")

    _staff_sign_in_here(page, "xiashan.clerk")
    for listing, link, name in (
        ("/staff/loans", "/staff/loans/", "a loan application being checked"),
        ("/staff/training", "/staff/training/", "a training programme in 霞山"),
        ("/staff/follow-ups", "/staff/cases/", "a person with a follow-up due"),
    ):
        page.goto(listing)
        check(f"{name}: its list")
        page.locator(f'main a[href^="{link}"]:not([href$="/new"])').first.click()
        expect(page).to_have_url(re.compile(re.escape(link) + r"\w+"))
        check(name)
    page.goto("/staff/entrepreneurs")
    check("people starting a business in 霞山")

    _city_admin_sign_in(page)
    for path, name in (
        ("/staff/difficulty-categories", "difficulty categories"), ("/staff/certifications", "certifications, city"),
        ("/staff/training", "training programmes, city"), ("/staff/vacancies", "vacancies, city"),
        ("/staff/loans?show=all", "loan applications, city"),
    ):  # fmt: skip
        page.goto(path)
        check(name)


def test_the_resident_pages_of_issue_10_have_targets_of_24_px_and_fit_a_phone(page: Page, check_page) -> None:
    page.set_viewport_size({"width": 360, "height": 800})

    def check(name: str) -> None:
        check_page(name)
        screenshot(page, "issue10-resident-" + re.sub(r"\W+", "-", name).strip("-"))

    for phone, who in (("13800138021", "陈建国"), ("13800138022", "吴小敏"), ("13800138062", "王海")):
        _resident_sign_in_here(page, phone)
        check(f"{who}'s account")
        for path, name in (
            ("/account/certification", "certification"), ("/account/vacancies", "vacancies"),
            ("/account/training", "training"), ("/account/loans", "loans"), ("/account/plan", "plan"),
            ("/account/public-welfare-post", "public-welfare post"),
        ):  # fmt: skip
            page.goto(path)
            check(f"{who}'s {name}")
        applications = page.locator('main a[href^="/account/loans/"]')
        if applications.count():
            applications.first.click()
            expect(page).to_have_url(re.compile(r"/account/loans/ZL"))
            check(f"{who}'s loan application")
    # The benefit claimed with the registration: granted with it (黄海), still waiting with it (李强).
    for phone, who in (("13800138012", "黄海"), ("13800138011", "李强")):
        _resident_sign_in_here(page, phone)
        page.locator('main a[href^="/account/applications/ZJ"]').first.click()
        expect(page.locator("#ui-benefit-title")).to_be_visible()
        check(f"{who}'s application with the unemployment insurance benefit")
    _resident_sign_in_here(page, "13800138061")
    page.goto("/account/loans")
    check("李梅's loan form")
    page.locator("main form button.button").last.click()  # empty: every field's error
    expect(page.locator(".error-summary")).to_be_visible()
    check("李梅's loan form with errors")

    # 王海 applies to be certified with a written commitment; the 赤坎 reviewer opens it.
    _resident_sign_in_here(page, "13800138062")
    page.goto("/account/certification")
    page.locator("#apply-form button.button").click()  # empty first
    expect(page.locator(".error-summary")).to_be_visible()
    check("certification form with errors")
    page.locator('#apply-form input[name="category"]').first.check()
    page.locator('#apply-form input[name="evidence"][value="commitment"]').check()
    page.fill("#commitment_name", "王海")
    page.locator("#apply-form button.button").click()
    expect(page.locator(".notice-success")).to_be_visible()
    check("a certification applied for")
    _staff_sign_in_here(page, "chikan.reviewer")
    page.goto("/staff/certifications")
    check("certifications queue with an application")
    page.locator('main a[href^="/staff/certifications/"]').first.click()
    expect(page.locator("#decide-form")).to_be_visible()
    check("a certification to decide")
