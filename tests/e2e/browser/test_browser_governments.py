"""The explorer on a ledger of two governments (issue 19): it picks a government first, shows
that government's tree alone, and keeps the pick in its link. In chromium as
tests/e2e/browser/test_browser.py drives the explorer; screenshots under GOVLEDGER_ARTIFACTS."""

from __future__ import annotations

from tests.support.browser import Offline, expect, query_of, shot
from tests.support.live import Live
from tests.support.mutations import register


def test_the_explorer_picks_a_government_then_shows_its_tree(
    seoul: Live, offline: Offline, editor: str
) -> None:
    busan = register(seoul, editor, "부산광역시")
    register(seoul, editor, "해양농수산국", busan)
    seoul.caught_up()
    page = offline.page()
    page.goto(f"{seoul.url}/?asOf=2020-02-15")
    picker = page.locator("#government")
    expect(picker).to_be_visible()
    expect(picker.locator("option")).to_have_text(["부산광역시", "서울특별시"])
    expect(page.locator('button.unit[data-unit="부산광역시"]')).to_be_visible()
    expect(page.locator('button.unit[data-unit="시장비서실"]')).to_have_count(0)

    picker.select_option(label="서울특별시")
    expect(page.locator('button.unit[data-unit="시장비서실"]')).to_be_visible()
    expect(page.locator('button.unit[data-unit="해양농수산국"]')).to_have_count(0)
    assert query_of(page.url) == {"gov": "서울특별시", "asOf": "2020-02-15"}
    page.locator('button.unit[data-unit="시장비서실"]').click()
    expect(page.locator("#staffing-current")).to_have_text("21")
    shot(page, "explorer-two-governments.png", full_page=False)

    linked = offline.page()  # a unit's link without a government opens that unit's government
    linked.goto(f"{seoul.url}/?unit=해양농수산국&asOf=2020-02-15")
    expect(linked.locator("#government")).to_have_value(busan)
    expect(linked.locator("#unit-name")).to_have_text("해양농수산국")
