"""Validation: the limits first (QueryLimits), and the spec's rules only on a document within
them, since some of those take time that grows with the square of a document's size."""

from __future__ import annotations

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, specified_rules
from strawberry.schema.schema import validate_document

from api.graphql.execution.limits import QueryLimits

RULES: tuple[type[ASTValidationRule], ...] = (QueryLimits,)
"""Depth, aliases, repeats and cost (limits.py; Strawberry's own depth and alias limiters expand
fragments without memory, which a fragment bomb turns into minutes)."""
SPEC_RULES: tuple[type[ASTValidationRule], ...] = tuple(specified_rules)


def validate(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    """The errors of a document: those of RULES, else those of the spec's rules."""
    return validate_document(schema, document, RULES) or validate_document(
        schema, document, SPEC_RULES
    )
