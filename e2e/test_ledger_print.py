"""The ledger's record table printed to PDF the way a clerk prints it to file it: one A4 page per sheet, no
navigation, the form's header fields and a row per contact. The PDF and a print-media screenshot are kept in
test-results/ to look at."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from e2e.helpers import ARTIFACTS, screenshot, staff_sign_in

# A4 in PostScript points (210 x 297 mm), as Chromium writes the MediaBox.
A4_POINTS = (595.92, 842.88)


def test_a_persons_record_table_prints_as_a_clean_a4_page(browser: Browser, base_url: str) -> None:
    staff = staff_sign_in(browser, base_url, "chikan.clerk")
    staff.goto("/staff/ledger")
    staff.locator("tr", has_text="陈建国").first.locator('a[href$="/record-table"]').click()
    expect(staff).to_have_url(re.compile(r"/staff/ledger/ZJ\d{14}/record-table$"))
    expect(staff.locator("h1")).to_contain_text("失业人员定期联系情况记录表")
    rows = staff.locator(".record-rows tbody tr")
    assert rows.count() >= 3, "the demo person has months of contacts"
    staff.emulate_media(media="print")
    expect(staff.locator(".site-header")).to_be_hidden()
    expect(staff.locator(".no-print").first).to_be_hidden()
    screenshot(staff, "ledger-record-table-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = staff.pdf(path=str(ARTIFACTS / "ledger-record-table.pdf"), format="A4", print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes, "a PDF with pages"
    for width, height in boxes:
        assert abs(float(width) - A4_POINTS[0]) < 1
        assert abs(float(height) - A4_POINTS[1]) < 1
    assert len(boxes) <= 2, "half a year of contacts fits on a sheet or two"
