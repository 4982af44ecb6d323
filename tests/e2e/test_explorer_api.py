"""What the explorer reads besides the rest of the API (a unit's change dates and its figures at
each), and the pages and files it is served from, over HTTP without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from ledger.importing.importer import Importer
from tests.support.live import Live

DATA = Path(__file__).resolve().parents[2] / "data" / "seoul"
STATIC = Path(__file__).resolve().parents[2] / "api" / "http" / "static"

OVER_TIME = """query($id: ID!, $knownAt: DateTime) {
  orgUnit(id: $id, asOf: "2020-04-10", knownAt: $knownAt) {
    changeDates
    overTime { asOf staffing { referenceDate authorized current } } } }"""


@pytest.fixture
def seoul(live: Live) -> Live:
    Importer(live.runtime.ledger).import_folder(DATA)
    live.caught_up()
    return live


def unit_id(live: Live, name: str) -> str:
    units = live.data('{ orgUnits(asOf: "2020-04-10") { id name } }')["orgUnits"]
    return str(next(u["id"] for u in units if u["name"] == name))


def test_a_units_change_dates_and_its_figures_at_each(seoul: Live) -> None:
    found = seoul.data(OVER_TIME, {"id": unit_id(seoul, "시장비서실")})["orgUnit"]
    assert found["changeDates"] == ["2019-03-31", "2020-01-31", "2020-03-31"]
    figures = [
        (p["asOf"], p["staffing"]["authorized"], p["staffing"]["current"])
        for p in found["overTime"]
    ]
    assert figures == [("2019-03-31", 22, 22), ("2020-01-31", 22, 21), ("2020-03-31", 22, 20)]


def test_facts_true_at_every_date_are_no_change_date(seoul: Live) -> None:
    """행정국's indicators have names held at every date: only their points' dates count."""
    query = '{ orgUnits(asOf: "2020-04-10") { name changeDates(includeDescendants: false) } }'
    dates = {u["name"]: u["changeDates"] for u in seoul.data(query)["orgUnits"]}
    assert dates["행정국"][0] > "1900-01-01"
    assert all(day > "1900-01-01" for days in dates.values() for day in days)


def test_change_dates_follow_known_at(seoul: Live, editor: str) -> None:
    mayor = unit_id(seoul, "시장비서실")
    before = seoul.data("{ events(first: 500) { edges { node { recordedAt } } } }")
    known_at = before["events"]["edges"][-1]["node"]["recordedAt"]
    seoul.data(
        """mutation($input: RecordStaffingInput!) { recordStaffing(input: $input) { version } }""",
        {
            "input": {
                "orgUnitId": mayor,
                "referenceDate": "2020-04-01",
                "rows": [{"jobCategory": "일반직", "grade": "5급", "authorized": 2, "current": 2}],
            }
        },
        editor,
    )
    seoul.caught_up()
    now = seoul.data(OVER_TIME, {"id": mayor})["orgUnit"]
    then = seoul.data(OVER_TIME, {"id": mayor, "knownAt": known_at})["orgUnit"]
    assert now["changeDates"][-1] == "2020-04-01"
    assert now["overTime"][-1]["staffing"] == {
        "referenceDate": "2020-04-01",
        "authorized": 2,
        "current": 2,
    }
    assert then["changeDates"] == ["2019-03-31", "2020-01-31", "2020-03-31"]


def test_the_pages_and_their_files_come_from_this_server(live: Live) -> None:
    explorer = httpx.get(f"{live.url}/")
    assert explorer.status_code == 200
    assert "default-src 'self'" in explorer.headers["content-security-policy"]
    graphiql = httpx.get(f"{live.url}/graphql", headers={"accept": "text/html"})
    assert graphiql.status_code == 200
    assert graphiql.text == httpx.get(f"{live.url}/graphiql").text
    for page in (explorer.text, graphiql.text):
        assert not re.search(r"(src|href)=\"(https?:)?//", page), "a page loads from another host"
        for path in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page):
            served = httpx.get(f"{live.url}{path}")
            assert served.status_code == 200, path
            assert served.content == (STATIC / path.removeprefix("/static/")).read_bytes()
    assert httpx.get(f"{live.url}/static/../api/app.py").status_code == 404
