"""The limits of api/cost.py, as documents meet them (api/documents.py): what an operation costs,
that every legitimate document of the README, the explorer and GraphiQL passes, and that the
documents built to exhaust the server are refused before the spec's rules run."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from graphql import ASTValidationRule, get_introspection_query, parse

from api.errors import with_code
from api.graphql.execution import limits as cost
from api.graphql.execution import validation
from api.graphql.execution.limits import (
    MAX_ALIASES,
    MAX_DOCUMENT_CHARS,
    MAX_PAIRS,
    MAX_TOKENS,
    measures,
)
from api.graphql.schema import prepare, schema

ROOT = Path(__file__).resolve().parents[2]


def cost_of(text: str) -> int:
    (measure,) = measures(schema._schema, parse(text)).values()
    return measure.cost


def refusals(text: str) -> list[str]:
    """The messages of the QUERY_TOO_COMPLEX errors of a text."""
    errors = [with_code(error).formatted for error in prepare(text).errors]
    return [e["message"] for e in errors if e["extensions"]["code"] == "QUERY_TOO_COMPLEX"]


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on OrgUnit { name }"]
    fragments += [
        f"fragment F{i} on OrgUnit {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels)
    ]
    return f"{{ orgUnits {{ ...F{levels - 1} }} }} " + " ".join(fragments)


def test_fields_count_once_per_row_of_the_lists_they_are_in() -> None:
    staffing = 1 + (1 + 10 * 1)  # an object, then a list of ten rows of one field
    assert cost_of("{ orgUnits { name staffing { rows { current } } } }") == 1 + 100 * (
        1 + staffing
    )
    assert cost_of('{ orgUnit(id: "u") { name } }') == 2
    assert (
        cost_of('{ orgUnit(id: "u") { a: name b: name ...N } } fragment N on OrgUnit { id }') == 4
    )


def test_a_paged_field_counts_its_first() -> None:
    assert cost_of("{ events(first: 3) { edges { cursor } } }") == 1 + 3 * 2
    assert cost_of("{ events { edges { cursor } } }") == 1 + 100 * 2  # the default page
    assert cost_of("query($n: Int) { events(first: $n) { edges { cursor } } }") == 1 + 500 * 2
    assert cost_of("{ events(first: 100000) { edges { cursor } } }") == 1 + 500 * 2


def test_nested_children_add_a_level_not_a_factor() -> None:
    """A tree has fewer children than units: the deepest tree the depth limit lets through
    costs what its levels do."""
    chain = "{ orgUnits " + "{ children " * 14 + "{ name }" + " }" * 14 + " }"
    assert cost_of(chain) == 1 + 100 * 15
    assert prepare(chain).errors == []


def test_readme_explorer_and_graphiql_documents_pass() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r'"query": "((?:[^"\\]|\\.)*)"', readme)
    examples = [json.loads(f'"{text}"') for text in quoted]
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    assert examples
    for text in [*examples, introspection]:
        assert refusals(text) == [], text


class SpecRulesRan(ASTValidationRule):
    """Stands for the spec's rules: a document that reaches them fails the test."""

    def enter_document(self, *_: object) -> None:
        raise AssertionError("the spec's rules ran on a document the limits refuse")


@pytest.fixture
def no_spec_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "SPEC_RULES", (SpecRulesRan,))


def test_a_fragment_bomb_is_refused_before_the_spec_rules_run(no_spec_rules: None) -> None:
    """26 fragments each spreading the one before twice: 2^25 fields once expanded. The limits
    measure each fragment once (an expansion would take minutes, a hang rather than a figure)."""
    found = refusals(fragment_bomb(26) + f" # {uuid.uuid4()}")
    assert any(f"costs {1 + 100 * 2**25}" in message for message in found), found


def test_aliases_are_counted_through_fragments() -> None:
    aliases = " ".join(f"n{i}: name" for i in range(60))
    text = f'{{ orgUnit(id: "u") {{ ...A ...A }} }} fragment A on OrgUnit {{ {aliases} }}'
    assert refusals(text) == [f"'anonymous' uses 120 aliases; at most {MAX_ALIASES} are allowed"]


def test_a_field_repeated_at_one_place_is_refused_before_the_spec_rules_run(
    no_spec_rules: None,
) -> None:
    """graphql-core compares every pair of fields at one place: 555 copies of a field took
    seconds of the spec's rules; they never run on such a document."""
    text = "{ " + 'orgUnit(id: "u") { name } ' * 555 + f"}} # {uuid.uuid4()}"
    found = refusals(text)
    assert found == [
        "'anonymous' selects fields at one place too often "
        f"(616050 pairs to compare; at most {MAX_PAIRS})"
    ]


def test_the_depth_limit_counts_every_level() -> None:
    text = "query Deep { orgUnits " + "{ parent " * 15 + "{ name }" + " }" * 15 + " }"
    (error,) = [with_code(error).formatted for error in prepare(text).errors]
    assert error["message"] == "'Deep' exceeds maximum operation depth of 15"
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_document_past_the_token_or_length_limit_is_not_read() -> None:
    many = "{ " + "__typename " * MAX_TOKENS + "}"
    (error,) = prepare(many).errors  # the parser stops at the limit: the message says so
    assert f"more than {MAX_TOKENS} tokens" in error.message
    long = '{ orgUnit(id: "' + "u" * MAX_DOCUMENT_CHARS + '") { name } }'
    assert refusals(long) == [
        f"the document has {len(long)} characters; at most {MAX_DOCUMENT_CHARS} are read "
        "(send data as variables)"
    ]


def test_the_budget_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cost.MAX_COST_SETTING, "1000")
    assert cost.max_cost() == 1000
    monkeypatch.setenv(cost.MAX_COST_SETTING, "lots")
    with pytest.raises(ValueError, match="GOVLEDGER_MAX_QUERY_COST must be a whole number"):
        cost.max_cost()
    monkeypatch.setattr(cost, "MAX_COST", 1000)
    text = f"{{ orgUnits {{ name staffing {{ rows {{ current }} }} }} }} # {uuid.uuid4()}"
    assert refusals(text) == [
        "'anonymous' costs 1301 (fields selected, times the rows of the lists they are in); "
        "the budget is 1000 (GOVLEDGER_MAX_QUERY_COST)"
    ]


def test_an_operation_not_named_is_explained() -> None:
    document = prepare("query A { __typename } query B { __typename }")
    assert document.operation(None) is None and document.operation("A") is not None
    assert "several operations ('A', 'B'): operationName must name" in document.why_none(None)
    assert document.why_none("C").startswith("operationName 'C' names no operation")


def test_changes_count_the_work_of_computing_them() -> None:
    """A unit's changes compare its subtree's facts at two dates (a tenth of a second for the
    root of the Seoul data): one unit's pass, every unit's at once or ten copies do not."""
    changes = 'changes(from: "2020-01-31", to: "2020-03-31") { kind field old new }'
    assert refusals(f'{{ orgUnit(id: "u") {{ {changes} }} }}') == []
    assert cost_of(f'{{ orgUnit(id: "u") {{ {changes} }} }}') == 1 + 10_000 + 500 * 4
    copies = " ".join(f"c{i}: {changes}" for i in range(10))
    assert "costs" in " ".join(refusals(f'{{ orgUnit(id: "u") {{ {copies} }} }}'))
    assert "costs" in " ".join(refusals(f"{{ orgUnits {{ {changes} }} }}"))
