"""Many governments in one ledger (issue 19): each is a root of the organisation tree;
Query.governments lists the roots in force, orgUnits(root:) one government's tree, both at
any (asOf, knownAt)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.live import Live
from tests.support.mutations import register

NAMES = "query($on: Date, $k: DateTime) { governments(asOf: $on, knownAt: $k) { id name } }"
TREE = """query($root: ID!, $on: Date, $k: DateTime) {
  orgUnits(root: $root, asOf: $on, knownAt: $k) { name parent { name } } }"""
MOVE = """mutation($input: MoveOrgUnitInput!) { moveOrgUnit(input: $input) { orgUnit { id } } }"""


def two_governments(live: Live, token: str) -> dict[str, str]:
    ids = {name: register(live, token, name) for name in ("부산광역시", "서울특별시")}
    for child, parent in (("기획조정실", "서울특별시"), ("행정국", "서울특별시")):
        ids[child] = register(live, token, child, ids[parent])
    ids["총무과"] = register(live, token, "총무과", ids["행정국"])
    ids["기획관"] = register(live, token, "기획관", ids["부산광역시"])
    return ids


def test_governments_are_the_roots_and_each_lists_its_own_tree(live: Live, editor: str) -> None:
    ids = two_governments(live, editor)
    found = live.data(NAMES, {"on": "2020-01-01"})["governments"]
    assert found == [
        {"id": ids["부산광역시"], "name": "부산광역시"},
        {"id": ids["서울특별시"], "name": "서울특별시"},
    ]
    seoul = live.data(TREE, {"root": ids["서울특별시"], "on": "2020-01-01"})["orgUnits"]
    assert [u["name"] for u in seoul] == ["서울특별시", "기획조정실", "행정국", "총무과"]
    assert seoul[0]["parent"] is None and seoul[3]["parent"] == {"name": "행정국"}
    busan = live.data(TREE, {"root": ids["부산광역시"], "on": "2020-01-01"})["orgUnits"]
    assert [u["name"] for u in busan] == ["부산광역시", "기획관"]
    everything = live.data('{ orgUnits(asOf: "2020-01-01") { name } }')["orgUnits"]
    assert [u["name"] for u in everything] == [u["name"] for u in busan + seoul]


def test_governments_answer_as_of_and_as_known_at(live: Live, editor: str) -> None:
    ids = two_governments(live, editor)
    before_move = datetime.now(UTC).isoformat()
    moved = {"orgUnitId": ids["행정국"], "parentId": None, "validFrom": "2020-07-01"}
    live.data(MOVE, {"input": moved}, editor)
    on = [g["name"] for g in live.data(NAMES, {"on": "2020-07-01"})["governments"]]
    assert on == ["부산광역시", "서울특별시", "행정국"]
    assert [g["name"] for g in live.data(NAMES, {"on": "2020-06-30"})["governments"]] == [
        "부산광역시",
        "서울특별시",
    ]
    known = live.data(NAMES, {"on": "2020-07-01", "k": before_move})["governments"]
    assert [g["name"] for g in known] == ["부산광역시", "서울특별시"]


def test_a_root_not_in_force_has_no_tree_and_a_malformed_one_is_refused(
    live: Live, editor: str
) -> None:
    ids = two_governments(live, editor)
    assert live.data(TREE, {"root": ids["서울특별시"], "on": "2018-12-31"})["orgUnits"] == []
    body = live.gql(TREE, {"root": "not-an-id"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
