"""The explorer's report ingest page (/ingest) in a real browser, as test_browser.py
drives the explorer: Debian's chromium, headless, offline but for the live server on the Seoul
data; a page's error or a request elsewhere fails the test. An editor pastes 001 reissued, sees
the correction old -> new beside its highlighted source line, applies it and sees what was
recorded; a report whose total disagrees, uploaded, is shown refused with its problem line.
Screenshots under GOVLEDGER_ARTIFACTS (default tests/artifacts)."""

from __future__ import annotations

from typing import Any

from tests.support.browser import Offline, expect, shot
from tests.support.live import Live
from tests.support.report_texts import disagreeing, mayor_text, reissued


def head(live: Live) -> int | None:
    return live.runtime.ledger.recorder.max_notification_id()


def open_ingest(live: Live, offline: Offline, token: str) -> Any:
    """The ingest page, reached from the explorer's link, with the editor's token entered."""
    page = offline.page()
    page.goto(f"{live.url}/")
    page.locator("#ingest-link").click()
    expect(page).to_have_url(f"{live.url}/ingest")
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    expect(page.locator("#apply")).to_be_disabled()
    page.fill("#token", token)
    return page


def test_paste_review_see_the_correction_then_apply(
    seoul: Live, offline: Offline, editor: str
) -> None:
    name, text = mayor_text()
    page = open_ingest(seoul, offline, editor)
    page.fill("#report-text", reissued(text))
    page.fill("#report-name", name)
    before = head(seoul)
    page.locator("#review").click()
    expect(page.locator("body")).to_have_attribute("data-state", "reviewed")
    expect(page.locator("#outcome")).to_have_class("ok")
    expect(page.locator("#count-corrected")).to_have_text("1")
    expect(page.locator("#count-new")).to_have_text("0")

    fact = page.locator("#corrections li.fact")
    expect(fact).to_have_count(1)
    expect(fact).to_contain_text("staffing of 시장비서실 at 2020-03-31")
    cell = fact.locator("table.cells tbody tr")
    expect(cell).to_have_count(1)
    expect(cell.locator("td").first).to_contain_text("별정직 4급상당 현원")
    expect(cell.locator("td.old del")).to_have_text("1")
    expect(cell.locator("td.new ins")).to_have_text("2")

    source = page.locator("#source")
    expect(source.locator(".line")).to_have_count(len(text.split("\n")))
    expect(source.locator("#L25")).to_have_class("line fact check current")
    expect(source.locator("#L25 .text")).to_contain_text("정 원")
    budget = page.locator("#checks details.table-checks", has_text="예산 집행현황")
    if budget.get_attribute("open") is None:
        budget.locator("summary").click()
    budget.locator("button.at").first.click()
    expect(source.locator(".line.current")).to_have_id("L35")
    fact.locator("button.fact-link").click()
    expect(source.locator(".line.current")).to_have_count(1)
    expect(source.locator("#L25")).to_have_class("line fact check current")
    expect(source.locator("#L25")).to_be_in_viewport()
    assert head(seoul) == before
    assert page.evaluate("sessionStorage.getItem('govledger.token')") == editor
    assert page.evaluate("localStorage.length") == 0 and editor not in page.url
    shot(page, "ingest-review.png")

    expect(page.locator("#apply")).to_be_enabled()
    page.locator("#apply").click()
    expect(page.locator("body")).to_have_attribute("data-state", "applied")
    recorded = page.locator("#recorded")
    expect(recorded).to_be_visible()
    expect(recorded.locator("ul.events li")).to_have_text(["StaffingRecorded × 1"])
    expect(page.locator("#apply")).to_be_disabled()
    expect(page.locator("#apply-note")).to_contain_text("applied")
    shot(page, "ingest-applied.png")
    after = head(seoul)
    assert before is not None and after == before + 1

    page.locator("#recorded-link").click()
    expect(page.locator("#unit-name")).to_have_text("시장비서실")
    expect(page.locator("#staffing-reference")).to_have_text("2020-03-31")
    expect(page.locator("#staffing-current")).to_have_text("21")


def test_an_uploaded_report_whose_total_disagrees_is_refused(
    seoul: Live, offline: Offline, editor: str
) -> None:
    name, text = mayor_text()
    page = open_ingest(seoul, offline, editor)
    page.set_input_files(
        "#report-upload",
        files=[{"name": name, "mimeType": "text/plain", "buffer": disagreeing(text).encode()}],
    )
    expect(page.locator("#report-name")).to_have_value(name)
    expect(page.locator("#report-text")).to_have_value(disagreeing(text))
    before = head(seoul)
    page.locator("#review").click()
    expect(page.locator("body")).to_have_attribute("data-state", "refused")
    expect(page.locator("#outcome")).to_have_class("refused")
    expect(page.locator("#count-problems")).to_have_text("1")
    problem = page.locator("#problems li")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(f"{name}:26")
    expect(problem).to_contain_text("현원 · 별정직 소계")
    expect(problem.locator(".figures-line")).to_contain_text("printed 13")
    expect(problem.locator(".figures-line")).to_contain_text("computed 14")
    expect(page.locator("#L26")).to_have_class("line check problem current")
    expect(page.locator("#L26")).to_be_in_viewport()
    expect(page.locator("#corrections")).to_be_hidden()
    expect(page.locator("#checks tr.disagrees")).to_have_count(1)
    expect(page.locator("#apply")).to_be_disabled()
    expect(page.locator("#apply-note")).to_contain_text("cannot be applied")
    shot(page, "ingest-refused.png")
    assert head(seoul) == before
