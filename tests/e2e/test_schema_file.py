"""schema.graphql is what the code exports, and it keeps the whole public contract's surface."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from api.graphql.schema import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_what_the_code_exports() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `govledger schema > schema.graphql`"
    )


def test_schema_graphql_is_valid_sdl_with_the_three_roots() -> None:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema.query_type and schema.mutation_type and schema.subscription_type


async def test_a_query_deeper_than_the_limit_is_refused_before_it_runs() -> None:
    from api.graphql.execution.limits import MAX_DEPTH
    from api.graphql.schema import schema

    nested = "children { " * MAX_DEPTH + "id" + " }" * MAX_DEPTH
    result = await schema.execute("{ orgUnits { " + nested + " } }")
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message
    assert result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
