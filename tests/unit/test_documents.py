"""Documents parsed and validated once per text (api/documents.py): what is wrong with a text
comes back as errors, never as an exception; the depth limit holds; a short text is prepared
once, a long one every time, with the same outcome."""

from __future__ import annotations

from graphql import GraphQLError, OperationType

from api.graphql.execution.documents import CACHED_TEXT_BYTES
from api.graphql.execution.limits import MAX_DEPTH
from api.graphql.schema import prepare

QUERY = '{ orgUnits(asOf: "2020-03-31") { name staffing { current } } }'


def nested(depth: int) -> str:
    """A query whose deepest field lies depth levels below orgUnits."""
    levels = depth - 1
    return "{ orgUnits " + "{ children " * levels + "{ name }" + " }" * levels + " }"


def messages(text: str) -> list[str]:
    return [error.message for error in prepare(text).errors]


def test_a_valid_document_has_its_node_and_no_errors() -> None:
    document = prepare(QUERY)
    assert document.errors == []
    assert document.node is not None
    operation = document.operation(None)
    assert operation is not None and operation.operation == OperationType.QUERY


def test_a_syntax_error_comes_back_as_an_error() -> None:
    document = prepare("{ orgUnits { name ")
    assert document.node is None
    assert len(document.errors) == 1
    assert isinstance(document.errors[0], GraphQLError)
    assert document.errors[0].message.startswith("Syntax Error")
    assert document.operation(None) is None


def test_validation_errors_come_back_as_errors() -> None:
    document = prepare("{ orgUnits { name noSuchField } unknownRoot }")
    assert document.node is not None
    found = " ".join(error.message for error in document.errors)
    assert len(document.errors) == 2
    assert "noSuchField" in found and "unknownRoot" in found


def test_a_variable_of_the_wrong_type_is_a_validation_error() -> None:
    found = messages("query($d: Int) { orgUnits(asOf: $d) { name } }")
    assert len(found) == 1 and "$d" in found[0]


def test_the_depth_limit_is_enforced() -> None:
    assert messages(nested(MAX_DEPTH)) == []
    too_deep = messages(nested(MAX_DEPTH + 1))
    assert too_deep == [f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}"]


def test_the_depth_limit_follows_fragments() -> None:
    """A fragment does not hide depth."""

    def through_fragment(depth: int) -> str:
        levels = depth - 1
        inner = "{ children " * levels + "{ name }" + " }" * levels
        return f"query Deep {{ orgUnits {{ ...deep }} }} fragment deep on OrgUnit {inner}"

    assert messages(through_fragment(MAX_DEPTH)) == []
    too_deep = messages(through_fragment(MAX_DEPTH + 1))
    assert too_deep == [f"'Deep' exceeds maximum operation depth of {MAX_DEPTH}"]


def test_the_same_text_gives_the_same_document() -> None:
    first = prepare(QUERY)
    assert prepare(QUERY) is first
    assert prepare(QUERY + " ") is not first
    broken = prepare("{ orgUnits { nope } }")
    assert prepare("{ orgUnits { nope } }") is broken


def test_a_text_longer_than_the_cached_size_is_prepared_every_time_and_right() -> None:
    padding = "#" + "x" * CACHED_TEXT_BYTES + "\n"
    long_text = padding + QUERY
    assert len(long_text) > CACHED_TEXT_BYTES
    first, second = prepare(long_text), prepare(long_text)
    assert first.errors == [] and second.errors == []
    assert first.node is not None and first is not second
    operation = first.operation(None)
    assert operation is not None and operation.operation == OperationType.QUERY
    wrong = messages(padding + "{ orgUnits { nope } }")
    assert len(wrong) == 1 and wrong[0].startswith("Cannot query field 'nope'")
    deep = messages(padding + nested(MAX_DEPTH + 1))
    assert deep == [f"'anonymous' exceeds maximum operation depth of {MAX_DEPTH}"]


def test_an_operation_is_found_by_name() -> None:
    document = prepare("query A { orgUnits { name } } mutation B { __typename }")
    assert document.errors == []
    a, b = document.operation("A"), document.operation("B")
    assert a is not None and a.operation == OperationType.QUERY
    assert b is not None and b.operation == OperationType.MUTATION
    assert document.operation(None) is None  # two operations and no name: none to run
    assert document.operation("C") is None
