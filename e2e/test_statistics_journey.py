"""Issue 11 on a Pixel 7: a city viewer opens the county assessment and the month's statistics and follows a figure
to the people behind it; a city administrator uploads a statistical report with a difference and explains it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.helpers import ARTIFACTS, screenshot
from e2e.test_touch_targets import _city_admin_sign_in, _staff_sign_in_here


def test_a_figure_followed_to_its_people_and_a_report_difference_explained(page: Page, check_page) -> None:
    _staff_sign_in_here(page, "city.viewer")
    page.goto("/staff/assessment")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()  # the charts, each with its table
    check_page("the county assessment, city")
    screenshot(page, "issue11-assessment")

    page.goto("/staff/statistics")
    check_page("monthly statistics")
    page.locator('a[href*="/staff/statistics/people"][href*="figure=registered"]').first.click()
    expect(page).to_have_url(re.compile(r"/staff/statistics/people\?.*figure=registered"))
    people = page.locator('main table a[href^="/staff/cases/"]')
    expect(people.first).to_be_visible()
    check_page("the people behind a figure")
    screenshot(page, "issue11-figure-people")

    _city_admin_sign_in(page)
    page.goto("/staff/consistency")
    month = page.locator("#month").input_value()
    ARTIFACTS.mkdir(exist_ok=True)
    report = ARTIFACTS / "statistical-report.csv"
    report.write_text("figure,what,value\nregistered,登记失业人员,99999\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(report))
    page.get_by_role("button", name=re.compile("比对|Compare")).click()
    expect(page).to_have_url(re.compile(r"/staff/consistency/\d+$"))
    expect(page.locator("h1")).to_contain_text(month)
    difference = page.locator("#figure-registered")
    expect(difference).to_contain_text("99999")
    check_page("a consistency check with a difference")
    difference.locator("textarea").fill("报表数为示例数，含其他系统转入的人员")
    difference.get_by_role("button").click()
    expect(page.locator("#figure-registered")).to_contain_text("报表数为示例数，含其他系统转入的人员")
    screenshot(page, "issue11-consistency")
