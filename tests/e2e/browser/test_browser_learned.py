"""The explorer's known-at control comparing any two recordings of a unit (compare.js, reading
OrgUnit.learned), in a real browser as test_browser.py drives the explorer: Debian's
chromium, headless, offline but for the live server on the Seoul data; a page's error or a
request elsewhere fails the test. Two corrections of 시장비서실 (a staffing table, then a budget
line) are compared with the import and with each other, either way round: the cells that
differ (old -> new) and the recordings in between with what each changed. Screenshots under
GOVLEDGER_ARTIFACTS (default tests/artifacts)."""

from __future__ import annotations

import json
from typing import Any

from domain import ids
from tests.support.browser import RESPONSE, Offline, expect, query_of, shot
from tests.support.live import Live

MAYOR = str(ids.unit_id("mayors-office"))
TABLE = """query($id: ID!) { orgUnit(id: $id, asOf: "2020-02-15") {
  staffing(includeDescendants: false) { notes
    rows { seriesKey jobCategory grade authorized current women resolutions } }
  budget(fiscalYear: 2020) { lines { id account item budgeted executed referenceDate note } } } }"""
STAFF = """mutation($input: RecordStaffingInput!) {
  recordStaffing(input: $input) { events { recordedAt } } }"""
BUDGET = """mutation($input: RecordBudgetLineInput!) {
  recordBudgetLine(input: $input) { events { recordedAt } } }"""


def corrections(live: Live, token: str) -> tuple[str, str, dict[str, Any]]:
    """A staffing correction (일반직 5급 21 -> 22 in the table of 2020-01-31), then a budget
    line's executed figure corrected: the moments each was recorded, and the line."""
    found = live.data(TABLE, {"id": MAYOR})["orgUnit"]
    table, line = found["staffing"], found["budget"]["lines"][0]
    rows = [
        {
            **{k: r[k] for k in ("seriesKey", "jobCategory", "grade", "authorized", "women")},
            "current": r["current"] + (r["seriesKey"] == "general-5"),
            "resolution": r["resolutions"][0] if r["resolutions"] else None,
        }
        for r in table["rows"]
    ]
    staffing = {
        "orgUnitId": MAYOR,
        "referenceDate": "2020-01-31",
        "rows": rows,
        "note": table["notes"][0] if table["notes"] else None,
        "reason": "현원 오기 정정",
        "source": "정정 공문 1",
    }
    first = live.data(STAFF, {"input": staffing}, token)["recordStaffing"]["events"][0]
    budget = {
        "lineId": line["id"],
        "orgUnitId": MAYOR,
        "fiscalYear": 2020,
        **{k: line[k] for k in ("account", "item", "referenceDate", "budgeted", "note")},
        "executed": line["executed"] + 1_000,
        "reason": "집행액 정정",
        "source": "정정 공문 2",
    }
    second = live.data(BUDGET, {"input": budget}, token)["recordBudgetLine"]["events"][0]
    live.caught_up()
    return first["recordedAt"], second["recordedAt"], line


def test_two_recordings_compared_cell_by_cell_either_way(
    seoul: Live, offline: Offline, editor: str
) -> None:
    staffed, budgeted, line = corrections(seoul, editor)
    page = offline.page()
    page.goto(f"{seoul.url}/?unit={MAYOR}&asOf=2020-02-15")
    expect(page.locator("#staffing-current")).to_have_text("22")
    options = page.locator("#known-at option")
    expect(options.nth(1)).to_have_attribute("value", budgeted)  # latest, then newest first
    expect(options.nth(2)).to_have_attribute("value", staffed)
    imported = options.nth(3).get_attribute("value")
    assert imported and "importer" in (options.nth(3).text_content() or "")

    # The budget correction against the recording just before it (the default).
    page.select_option("#known-at", value=budgeted)
    panel = page.locator("#known-at-diff")
    expect(panel).to_contain_text("집행액 정정")
    cells = page.locator("#known-at-changes tbody tr")
    expect(cells).to_have_count(1)
    expect(cells.first.locator("td.new")).to_contain_text(f"{line['executed'] + 1_000:,}")
    expect(page.locator("#learned-between > li")).to_have_count(1)

    # The same against the import: both corrections, cell by cell, and both recordings.
    page.select_option("#compare-from", value=imported)
    assert query_of(page.url)["since"] == imported
    expect(cells).to_have_count(3)  # the staffing total, 일반직 5급, the line's executed
    expect(page.locator("#staffing-current del")).to_have_text("21")
    expect(page.locator("#staffing-current ins")).to_have_text("22")
    expect(page.locator("#budget-table .changed")).to_have_count(1)
    between = page.locator("#learned-between > li")
    expect(between).to_have_count(2)
    expect(between.nth(0)).to_contain_text("현원 오기 정정")
    chip = between.nth(0).locator("li.chip")
    expect(chip).to_have_count(1)  # the one value that correction changed: 일반직 5급's current
    expect(chip).to_contain_text("2020-01-31")
    expect(chip).to_contain_text("general-5")
    expect(between.nth(1)).to_contain_text("집행액 정정")
    shot(page, "explorer-compare-recordings.png", full_page=False)
    shot(page, "explorer-compare-recordings-full.png")

    # Either way round: the staffing correction known, compared from the later budget one.
    page.select_option("#known-at", value=staffed)
    page.select_option("#compare-from", value=budgeted)
    expect(cells).to_have_count(1)
    expect(cells.first.locator("td.old")).to_contain_text(f"{line['executed'] + 1_000:,}")
    expect(cells.first.locator("td.new")).to_contain_text(f"{line['executed']:,}")
    expect(page.locator("#learned-between > li")).to_have_count(1)
    expect(page.locator("#learned-between")).to_contain_text("집행액 정정")
    shot(page, "explorer-compare-recordings-reversed.png", full_page=False)

    # A shared link opens the same comparison; "latest" keeps comparing from since to now.
    shared = offline.page()
    shared.goto(page.url)
    expect(shared.locator("#compare-from")).to_have_value(budgeted)
    expect(shared.locator("#known-at-changes tbody tr")).to_have_count(1)
    shared.select_option("#known-at", value="")
    expect(shared.locator("#after-known-at")).to_have_text("현재 latest")
    expect(shared.locator("#known-at-diff")).to_contain_text("같습니다")
    shared.select_option("#compare-from", value=imported)
    expect(shared.locator("#known-at-changes tbody tr")).to_have_count(3)


def test_graphiql_has_a_tab_for_what_the_ledger_learned(seoul: Live, offline: Offline) -> None:
    page = offline.page()
    page.goto(f"{seoul.url}/graphiql")
    page.locator(".graphiql-tab", has_text="Learned").click()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("query Learned")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text('"recordedAt"')
    answer = json.loads(page.evaluate(RESPONSE))
    assert "errors" not in answer, answer
    own = answer["data"]["orgUnit"]["learned"]["edges"]
    assert own and all(edge["node"]["actor"] == "importer" for edge in own)
    kept = [c for edge in own for c in edge["node"]["changes"]]
    assert kept and all(c["validFrom"] <= "2020-12-31" for c in kept)  # valid in 2020
    whole = answer["data"]["learned"]["edges"]  # the import: one transaction of 500 facts at most
    assert [edge["node"]["reason"] for edge in whole] == ["import"]
    shot(page, "graphiql-learned-example.png", full_page=False)
