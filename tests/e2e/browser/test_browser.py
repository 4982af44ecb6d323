"""The explorer at / and GraphiQL at /graphiql in a real browser: Debian's chromium, headless,
driven by Playwright, against a live server on the Seoul data. Every request to another host is
blocked, and the tests fail if a page attempted one or logged an error (a script that did not
load, a Content-Security-Policy violation). Screenshots are saved under GOVLEDGER_ARTIFACTS
(default tests/artifacts)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import PHONE, RESPONSE, Offline, expect, query_of, shot
from tests.support.live import Live


def set_date(page: Any, day: str) -> None:
    page.fill("#as-of", day)
    page.locator("#as-of").dispatch_event("change")


def test_explorer_steps_through_time_and_opens_a_shared_link(seoul: Live, offline: Offline) -> None:
    page = offline.page()
    page.goto(f"{seoul.url}/")
    expect(page.locator("#intro")).to_be_visible()
    page.locator('button.unit[data-unit="시장비서실"]').click()
    expect(page.locator("#unit-name")).to_have_text("시장비서실")

    set_date(page, "2020-02-15")
    expect(page.locator("#shown-as-of")).to_have_text("2020-02-15")
    expect(page.locator("#staffing-authorized")).to_have_text("22")
    expect(page.locator("#staffing-current")).to_have_text("21")
    expect(page.locator("#staffing-reference")).to_have_text("2020-01-31")
    assert query_of(page.url) == {"unit": "시장비서실", "asOf": "2020-02-15"}
    expect(page.locator("#budget-table tbody tr")).not_to_have_count(0)
    expect(page.locator("#chart-headcount circle.dot.current")).not_to_have_count(0)
    expect(page.locator("#events li").first).to_contain_text("importer")
    page.locator("#as-of").blur()
    shot(page, "explorer-2020-02-15.png", full_page=False)

    set_date(page, "2020-04-10")
    expect(page.locator("#shown-as-of")).to_have_text("2020-04-10")
    expect(page.locator("#staffing-current")).to_have_text("20")
    expect(page.locator("#changes-table")).to_contain_text("기관운영업무추진비")
    expect(page.locator("#changes-from")).to_have_value("2020-01-31")
    shot(page, "explorer-2020-04-10-full.png")

    page.locator("#as-of-slider").focus()
    page.keyboard.press("Home")
    expect(page.locator("#as-of")).to_have_value("2019-03-31")
    page.go_back()
    expect(page.locator("#as-of")).to_have_value("2020-04-10")
    expect(page.locator("#staffing-current")).to_have_text("20")

    shared = offline.page(viewport=PHONE, is_mobile=True, has_touch=True)
    shared.goto(page.url)
    expect(shared.locator("#unit-name")).to_have_text("시장비서실")
    expect(shared.locator("#as-of")).to_have_value("2020-04-10")
    expect(shared.locator("#staffing-authorized")).to_have_text("22")
    expect(shared.locator("#staffing-current")).to_have_text("20")
    expect(shared.locator('button.unit[aria-current="true"]')).to_have_text("시장비서실")
    overflow = shared.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone's screen"
    shot(shared, "explorer-phone-shared-link.png")


STAFFING = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-02-15") {
  staffing(includeDescendants: false) { notes
    rows { seriesKey jobCategory grade authorized current women resolutions } } } }"""

CORRECT = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { staffing { current } events { recordedAt } } }"""


def correct_general_5(live: Live, unit_id: str, token: str) -> str:
    """Record the 2020-01-31 table again with one more 일반직 5급: a correction. Returns the
    moment it was recorded."""
    table = live.data(STAFFING, {"id": unit_id})["orgUnit"]["staffing"]
    rows = [
        {
            "seriesKey": r["seriesKey"],
            "jobCategory": r["jobCategory"],
            "grade": r["grade"],
            "authorized": r["authorized"],
            "current": r["current"] + (r["seriesKey"] == "general-5"),
            "women": r["women"],
            "resolution": r["resolutions"][0] if r["resolutions"] else None,
        }
        for r in table["rows"]
    ]
    note = table["notes"][0] if table["notes"] else None
    recorded = live.data(
        CORRECT,
        {
            "input": {
                "orgUnitId": unit_id,
                "referenceDate": "2020-01-31",
                "rows": rows,
                "note": note,
                "reason": "현원 오기 정정 (5급 1명 누락)",
                "source": "정정 공문 (browser test)",
            }
        },
        token,
    )["recordStaffing"]
    assert recorded["staffing"]["current"] == 22
    live.caught_up()
    moment: str = recorded["events"][0]["recordedAt"]
    return moment


def test_known_at_shows_a_correction_before_and_after(
    seoul: Live, offline: Offline, editor: str
) -> None:
    units = seoul.data('{ orgUnits(asOf: "2020-02-15") { id name } }')["orgUnits"]
    mayor = next(u["id"] for u in units if u["name"] == "시장비서실")
    corrected_at = correct_general_5(seoul, mayor, editor)

    page = offline.page()
    page.goto(f"{seoul.url}/?unit={mayor}&asOf=2020-02-15")
    expect(page.locator("#staffing-current")).to_have_text("22")
    expect(page.locator("#known-at-diff")).to_be_hidden()

    page.select_option("#known-at", value=corrected_at)
    assert query_of(page.url)["knownAt"] == corrected_at
    expect(page.locator("#known-at-diff")).to_be_visible()
    expect(page.locator("#known-at-diff")).to_contain_text("현원 오기 정정")
    expect(page.locator("#staffing-current del")).to_have_text("21")
    expect(page.locator("#staffing-current ins")).to_have_text("22")
    expect(page.locator('#staffing-table tr[data-series="general-5"] .changed')).to_have_count(1)
    changed = page.locator("#known-at-changes tbody tr")
    expect(changed).to_have_count(2)  # the total and the 일반직 5급 row, current only
    expect(changed.first.locator("td.old")).to_have_text("21")
    expect(changed.first.locator("td.new")).to_have_text("22")
    expect(page.locator("#events li.mine")).to_contain_text("editor-kim")
    expect(page.locator("#events li.mine")).to_contain_text("정정 공문 (browser test)")
    shot(page, "explorer-known-at-correction.png", full_page=False)

    before = page.locator("#known-at option").nth(2)  # latest, the correction, then the import
    page.select_option("#known-at", value=before.get_attribute("value"))
    expect(page.locator("#staffing-current")).to_have_text("21")
    expect(page.locator("#staffing-authorized")).to_have_text("22")
    expect(page.locator("#events li.later")).to_contain_text("editor-kim")
    shot(page, "explorer-known-at-before-correction.png", full_page=False)

    page.select_option("#known-at", value="")
    expect(page.locator("#staffing-current")).to_have_text("22")
    expect(page.locator("#known-at-diff")).to_be_hidden()


def test_graphiql_runs_its_first_example_offline(seoul: Live, offline: Offline) -> None:
    from playwright import sync_api  # not at the top: the module imports without playwright

    page = offline.page()
    page.goto(f"{seoul.url}/graphiql")
    expect(page.locator(".graphiql-tab")).to_have_count(8)
    expect(page.locator(".graphiql-query-editor")).to_contain_text("query AsOf")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text('"orgUnits"')
    # The editor draws only the lines in view: read the whole answer from it.
    answer = json.loads(page.evaluate(RESPONSE))
    units = {u["name"]: u["staffing"] for u in answer["data"]["orgUnits"]}
    assert units["시장비서실"] == {
        "referenceDate": "2020-01-31",
        "authorized": 22,
        "current": 21,
        "women": units["시장비서실"]["women"],
    }
    shot(page, "graphiql-first-example.png", full_page=False)

    page.goto(f"{seoul.url}/graphql")
    expect(page).to_have_title("govledger · GraphiQL")
    expect(page.locator(".graphiql-execute-button")).to_be_visible()

    # Both guards work (and are then forgiven): the page's policy refuses a script's request
    # to another host, and the context notes and blocks what the policy does not cover.
    page.evaluate("fetch('http://192.0.2.1/probe').catch(() => null)")
    for _ in range(50):
        if any("Content Security Policy" in error for error in offline.errors):
            break
        page.wait_for_timeout(100)
    assert any("Content Security Policy" in error for error in offline.errors), offline.errors
    with pytest.raises(sync_api.Error):
        page.goto("http://192.0.2.1/probe")
    assert offline.foreign == ["http://192.0.2.1/probe"]
    offline.foreign.clear()
    offline.errors.clear()
