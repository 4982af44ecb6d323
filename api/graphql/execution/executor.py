"""Strawberry's executor with a shorter way for plain leaves.

Most of an answer is leaves read straight off an object (a staffing row's category, grade and
figures). graphql-core resolves each one as it would any field: a resolve info, a path, its
arguments, the awaitable checks, then the value's completion; and each row of a list as an
object of its own. A field that Strawberry resolves by plain attribute access (no resolver, no
field extension, no arguments) and whose type is a scalar or an enum is read here as the
attribute, coerced for output; an object, or a list of objects, whose selection holds only such
fields is read in one loop. Whenever a value is not what its type allows (a null where none may
be, a value that does not coerce), the object takes graphql-core's own way instead, which
reports the error as it always does; reading an attribute twice changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    execute,
    is_leaf_type,
)
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Coerce = Callable[[Any], Any]
Leaf = tuple[str, Coerce, bool]
"""A plain leaf field: the attribute it reads, its output coercion, and whether it is nullable."""
Plan = list[tuple[str, Leaf]]
"""The response keys of a selection of plain leaves, each with its leaf."""
_LEAVES: dict[int, Leaf | None] = {}


def plain_leaf(field: GraphQLField) -> Leaf | None:
    """How to read a field by plain attribute access, if that is how Strawberry reads it."""
    found = _LEAVES.get(id(field), False)
    if found is not False:
        return found  # type: ignore[return-value]
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    nullable = not isinstance(field.type, GraphQLNonNull)
    kind = field.type if nullable else field.type.of_type  # type: ignore[union-attr]
    leaf: Leaf | None = None
    if (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and definition.default_resolver is getattr
        and getattr(field.resolve, "_is_default", False)
        and not field.args
        and is_leaf_type(kind)
    ):
        leaf = (definition.python_name, _coerce(kind), nullable)
    _LEAVES[id(field)] = leaf
    return leaf


def _coerce(kind: GraphQLLeafType) -> Coerce:
    coerce: Coerce = getattr(kind, "coerce_output_value", None) or kind.serialize
    return coerce


def read(plan: Plan, source: Any) -> dict[str, Any] | None:
    """The object's leaves, or None when one of them is not what its type allows."""
    results: dict[str, Any] = {}
    for name, (attribute, coerce, nullable) in plan:
        value = getattr(source, attribute)
        if value is not None:
            try:
                value = coerce(value)
            except Exception:
                return None
            if value is None:
                return None
        elif not nullable:
            return None
        results[name] = value
    return results


class LedgerExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[object, Plan | None]] = {}
        self._plain = not getattr(self.middleware_manager, "middlewares", None)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan(parent_type, grouped_field_set)
        if plan is not None and (found := read(plan, source_value)) is not None:
            return found
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        item_type = return_type.of_type
        if isinstance(item_type, GraphQLNonNull):
            item_type = item_type.of_type
        if (
            isinstance(item_type, GraphQLObjectType)
            and item_type.is_type_of is None
            and isinstance(result, list)
        ):
            grouped_field_set = self.collect_subfields(item_type, field_details_list)[0]
            plan = self._plan(item_type, grouped_field_set)
            if plan is not None:
                rows = [read(plan, item) if item is not None else None for item in result]
                if all(row is not None for row in rows):
                    return rows
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        if self._plain:
            field = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            leaf = plain_leaf(field) if field is not None else None
            if leaf is not None and (found := read([("", leaf)], source)) is not None:
                return found[""]
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """The answer; then the executor lets go of itself. graphql-core's executor keeps its
        own bound methods (async_helpers), a cycle that made each request's execution, with
        its context and everything its loaders read, garbage that only the cyclic collector
        frees: a young pass every few dozen reads, each freeing thousands of objects at once
        (the reads' p99). Nothing runs on this executor once its response is built."""
        response = super().build_response(data)
        self.async_helpers = None  # type: ignore[assignment]
        return response

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """The plain leaves of a selection, if it selects nothing else; kept per selection
        (graphql-core keeps the selections themselves for the execution)."""
        found = self._plans.get(id(grouped_field_set))
        if found is not None and found[0] is grouped_field_set:
            return found[1]
        plan = self._make_plan(parent_type, grouped_field_set.items()) if self._plain else None
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def _make_plan(
        self, parent_type: GraphQLObjectType, selections: Iterable[tuple[str, Any]]
    ) -> Plan | None:
        plan: Plan = []
        for name, details in selections:
            field = self.schema.get_field(parent_type, details[0].node.name.value)
            leaf = plain_leaf(field) if field is not None else None
            if leaf is None:
                return None
            plan.append((name, leaf))
        return plan


def run(
    schema: GraphQLSchema,
    document: DocumentNode,
    context: object,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> ExecutionResult | Awaitable[ExecutionResult]:
    """A prepared document's result, or what to await for it once execution reaches a resolver
    that awaits (the database)."""
    return execute(
        schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        executor_class=LedgerExecutionContext,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
