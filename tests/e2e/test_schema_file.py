"""schema.graphql is what the code exports, and it keeps the whole public contract's surface."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from api.schema import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_is_what_the_code_exports() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `govledger schema > schema.graphql`"
    )


def test_schema_graphql_is_valid_sdl_with_the_three_roots() -> None:
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema.query_type and schema.mutation_type and schema.subscription_type
