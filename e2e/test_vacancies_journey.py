"""Issue 10 point 8 end to end, on a Pixel 7: a 赤坎 clerk works through the tracking list and learns that a newly
registered electrician wants a service, enters an electrician's vacancy and recommends it to him from the people
it matches; he signs in and says he is interested; the clerk records the follow-up "hired", and a 赤坎 reviewer
confirms the reason-1 proposal it made, so the registration ends as employed. Each new page is checked and
photographed at 412 px wide."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import apply_in_chikan, screenshot, staff_sign_in
from portal.clock import local_today
from portal.rules.idnumber import check_digit

ID_NUMBER = "44080219870707003" + check_digit("44080219870707003")
PHONE = "13912340081"
PIXEL_7 = {"width": 412, "height": 915}


def _apply_as_an_electrician(page: Page) -> str:
    """Sign up and apply in 赤坎, saying at the skills step what work he wants and the certificate he holds."""
    return apply_in_chikan(page, phone=PHONE, name="郑海明", id_number=ID_NUMBER,
                           skills={"skills": "工厂设备维护六年", "certificates": "低压电工证",
                                   "occupation_intention": "电工"})  # fmt: skip


def test_tracking_recommendation_interest_hired_and_employed_on_a_phone(
    page: Page, browser: Browser, base_url: str, check_page
) -> None:
    number = _apply_as_an_electrician(page)
    reviewer = staff_sign_in(browser, base_url, "chikan.reviewer")
    reviewer.goto(f"/staff/cases/{number}")
    reviewer.locator('form[action$="/compare"] button').click()
    reviewer.locator('input[name="outcome"][value="register"]').check()
    reviewer.locator('form[action$="/decide"] button').click()
    expect(reviewer.locator(".tag-registered")).to_be_visible()

    # The clerk, on a phone, works through the tracking list: reached him, and he wants a service.
    clerk = staff_sign_in(browser, base_url, "chikan.clerk")
    clerk.set_viewport_size(PIXEL_7)
    clerk.goto("/staff/tracking?show=first")
    row = clerk.locator(f"#row-{number}")
    row.locator(f"#channel-{number}").select_option("phone")
    row.locator(f"#reached-{number}").select_option("yes")
    row.locator(f"#learned-{number}").select_option("wants_service")
    row.locator("button.button").click()
    expect(clerk.locator(f"#row-{number} .notice-success")).to_be_visible()

    # A vacancy for an electrician, entered by the clerk: he is among the people it matches, and why.
    clerk.goto("/staff/vacancies")
    check_page("staff vacancies", clerk)
    screenshot(clerk, "vacancies-list-412")
    clerk.locator('main a[href="/staff/vacancies/new"]').click()
    check_page("new vacancy", clerk)
    screenshot(clerk, "vacancies-new-412")
    clerk.fill("#employer", "湛江示例电气安装公司")
    clerk.fill("#post", "维修电工")
    clerk.fill("#pay_min", "4500")
    clerk.fill("#pay_max", "6500")
    clerk.fill("#requirements", "持证上岗，能倒班")
    clerk.fill("#skills", "电工证")
    clerk.fill("#closing_on", (local_today() + timedelta(days=30)).isoformat())
    clerk.locator("main form button.button").click()
    expect(clerk.locator(".notice-success")).to_be_visible()
    match = clerk.locator(f"#match-{number}")
    expect(match).to_contain_text(re.compile("(技能|skill).{0,3}电工证"))
    check_page("vacancy and its matches", clerk)
    screenshot(clerk, "vacancies-vacancy-412")
    match.locator("button.button").click()  # htmx replaces his row
    expect(clerk.locator(f"#match-{number} .tag-match")).to_be_visible()

    clerk.goto("/staff/vacancies/import")
    check_page("import vacancies", clerk)
    screenshot(clerk, "vacancies-import-412")

    # He signs in and says he is interested.
    page.goto("/account")
    page.locator('main a[href="/account/vacancies"]').click()
    recommendation = page.locator("li.card").filter(has_text="维修电工")
    expect(recommendation).to_contain_text("湛江示例电气安装公司")
    expect(recommendation).to_contain_text("持证上岗，能倒班")
    check_page("recommended vacancies")
    recommendation.locator('button[value="interested"]').click()
    expect(page.locator("li.card .notice-success")).to_be_visible()
    expect(page.locator("li.card").filter(has_text="维修电工")).to_contain_text(re.compile("您的回复|Your answer"))
    screenshot(page, "vacancies-resident-412")

    # The clerk follows it up (not due yet, so under "not due yet"): he sees the answer, and records "hired".
    clerk.goto("/staff/follow-ups?show=waiting")
    follow_up = clerk.locator("li.card").filter(has_text=number)
    expect(follow_up).to_contain_text(re.compile("感兴趣|Interested"))
    check_page("follow-ups", clerk)
    screenshot(clerk, "vacancies-follow-ups-412")
    follow_up.locator("select[name=result]").select_option("hired")
    follow_up.locator("input[name=note]").fill("已签劳动合同")
    follow_up.locator("button.button").click()
    expect(clerk.locator("li.card .notice-success")).to_contain_text("等待审核")

    # The reviewer confirms the reason-1 proposal: the registration ends as employed.
    reviewer.goto("/staff/proposals")
    proposal = reviewer.locator("section.card").filter(has_text=number)
    expect(proposal).to_contain_text(re.compile("推荐岗位|recommended vacancy"))
    proposal.locator('input[name="end_date"]').fill(local_today().isoformat())
    proposal.locator('form[action$="/confirm"] input[name="note"]').fill("推荐岗位回访：已被录用，劳动合同已签")
    proposal.locator('form[action$="/confirm"] button').click()
    expect(reviewer.locator(".notice-success")).to_be_visible()
    reviewer.goto(f"/staff/cases/{number}")
    expect(reviewer.locator(".tag-employed")).to_be_visible()
