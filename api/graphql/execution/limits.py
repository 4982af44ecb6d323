"""What a document may ask for, decided before anything runs: its size, tokens, depth, aliases,
repeats and cost.

The cost counts the fields an operation selects once its fragments are expanded, aliases
included, each field below a list counted once per row the list is expected to hold: the
`first` of a paged field (events, history: absent means the default page, a variable the
largest page), else an estimate per list field (LIST_SIZES; DEFAULT_LIST_SIZE for the others).
`{ orgUnits { name staffing { rows { current } } } }` costs 1 + 100 × (1 + 1 + (1 + 10 × 1)) =
1,301. Each fragment is measured once, so a document of fragments that spread each other many
times over is measured in microseconds, however many fields it expands to.

The limits are one validation rule (QueryLimits), which both transports run before the spec's
rules (validation.py); the length and token limits apply before parsing (documents.py, and
Strawberry's MaxTokensLimiter for a text left to Strawberry to report as a syntax error)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from api.errors import TooComplex
from api.graphql import cursors
from ledger.settings import MAX_QUERY_COST as MAX_COST_SETTING
from ledger.settings import Settings

MAX_DEPTH = 15
"""Deep enough for an explorer's tree of units; shallow enough that no query walks it forever."""
MAX_ALIASES = 30
"""Aliases are how one request asks for the same field many times over (the tests use 7 at most)."""
MAX_PAIRS = 10_000
"""Pairs of fields at one place in the answer (Σ n² over its places, n the fields each holds):
the spec's rule that fields merge compares each, some microseconds apiece, so a document of a
few kilobytes that repeats a field at one place could keep the process busy for seconds."""
MAX_TOKENS = 5_000
"""Several times GraphiQL's introspection query; parsing that many tokens takes milliseconds."""
MAX_DOCUMENT_CHARS = 64 * 1024
"""Data belongs in variables: a document longer than this is refused before it is parsed."""

DEFAULT_LIST_SIZE = 10
LIST_SIZES: dict[tuple[str, str], int] = {
    ("Query", "orgUnits"): 100,
    ("Query", "rollup"): 250,  # a row a government: the nation has 243
    # A tree has fewer children than units: nested `children` add a level, not a factor.
    ("OrgUnit", "children"): 1,
    ("OrgUnit", "changes"): 500,  # the root of the Seoul data has 670 between 2019 and 2020
    ("OrgUnit", "tasks"): 20,
    ("Budget", "lines"): 20,
    ("Budget", "byAccount"): 4,
    ("Staffing", "byCategory"): 5,
    ("Staffing", "rows"): 10,
    ("Change", "events"): 2,
    ("Task", "milestones"): 5,
    # The connection's `first` counts its rows already.
    ("EventConnection", "edges"): 1,
    ("RecordingConnection", "edges"): 1,
    # A mutation's recording holds an event or two; an import's chunk, hundreds.
    ("Recording", "events"): 5,
    ("Recording", "changes"): 10,
}
"""Rows expected of a list field whose size no argument gives (introspection's: list_sizes)."""
WEIGHTS: dict[tuple[str, str], int] = {("OrgUnit", "changes"): 10_000}
"""What a field costs besides its rows, where its resolver computes: `changes` reads the facts
of the unit's subtree at both dates and compares them (about a tenth of a second for the root
of the Seoul data; every other field reads through a loader shared by the whole request)."""
PAYLOADS = [
    *("Mutation", "OrgUnit", "RegisterOrgUnit", "RecordStaffing", "RecordBudgetLine"),
    *("RecordTask", "RecordIndicatorValue", "RetractFact"),
]
LIST_SIZES.update({(f"{name}Payload", "events"): 1 for name in PAYLOADS})
"""A mutation records an event or two."""


def too_long(text: str) -> GraphQLError | None:
    """The refusal of a document too long to read, before it is parsed."""
    if len(text) <= MAX_DOCUMENT_CHARS:
        return None
    message = (
        f"the document has {len(text)} characters; at most {MAX_DOCUMENT_CHARS} are read "
        "(send data as variables)"
    )
    return GraphQLError(message, original_error=TooComplex(message))


def max_cost() -> int:
    """The budget of one document: GOVLEDGER_MAX_QUERY_COST (ledger/settings.py)."""
    return Settings.from_env().api.max_query_cost


MAX_COST = max_cost()
"""Read once, when the process starts: a wrong setting stops it there."""


@dataclass(frozen=True)
class Measure:
    cost: int = 0
    depth: int = 0
    aliases: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            self.cost + other.cost, max(self.depth, other.depth), self.aliases + other.aliases
        )


NOTHING = Measure()


@lru_cache(maxsize=4)
def list_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """LIST_SIZES, and introspection's lists at this schema's averages (the introspection query
    reads every type once, each with its own fields, each field with its own arguments)."""
    types = list(schema.type_map.values())
    objects = [t for t in types if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)]
    fields = [f for t in objects for f in t.fields.values()]
    inputs = sum(len(t.fields) for t in types if isinstance(t, GraphQLInputObjectType))
    enums = sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType))
    directives = schema.directives
    return {
        **LIST_SIZES,
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(directives),
        ("__Type", "fields"): mean(len(fields), len(types)),
        ("__Type", "inputFields"): mean(inputs, len(types)),
        ("__Type", "enumValues"): mean(enums, len(types)),
        ("__Type", "interfaces"): mean(sum(len(t.interfaces) for t in objects), len(types)),
        ("__Type", "possibleTypes"): mean(len(objects), len(types)),
        ("__Field", "args"): mean(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): mean(sum(len(d.args) for d in directives), len(directives)),
    }


def mean(total: int, count: int) -> int:
    """Rounded up, and at least one."""
    return max(1, -(-total // max(count, 1)))


class Analysis:
    """Measures the operations of one document, each fragment once."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments
        self.sizes = list_sizes(schema)
        self._measured: dict[str, Measure] = {}
        self._open: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        return self.selections(node.selection_set, self.schema.get_root_type(node.operation))

    def selections(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Measure:
        total = NOTHING
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, kind)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> Measure:
        found = self._measured.get(name)
        if found is not None:
            return found
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return NOTHING  # unknown or cyclic: the spec's own rules say so
        self._open.add(name)
        kind = self.schema.get_type(definition.type_condition.name.value)
        found = self._measured[name] = self.selections(definition.selection_set, kind)
        self._open.discard(name)
        return found

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        alias = 1 if node.alias else 0
        if node.selection_set is None:
            return Measure(1, 0, alias)
        definition = self.definition(parent, node.name.value)
        kind = get_named_type(definition.type) if definition else None
        below = self.selections(node.selection_set, kind)
        rows = self.rows(parent, node, definition) if parent and definition else 1
        weight = WEIGHTS.get((parent.name, node.name.value), 1) if parent else 1
        # Introspection fields add no depth (as Strawberry's depth limiter has it).
        depth = 0 if node.name.value.startswith("__") else 1 + below.depth
        return Measure(weight + rows * below.cost, depth, alias + below.aliases)

    def definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if parent is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def rows(self, parent: GraphQLNamedType, node: FieldNode, definition: GraphQLField) -> int:
        if "first" in definition.args:
            return first(node)
        if not is_list_type(get_nullable_type(definition.type)):  # type: ignore[arg-type]
            return 1
        return self.sizes.get((parent.name, node.name.value), DEFAULT_LIST_SIZE)


def first(node: FieldNode) -> int:
    """The rows a paged field asks for: its `first`, the default page without one, the largest
    page when a variable gives it."""
    argument = next((a for a in node.arguments or () if a.name.value == "first"), None)
    value = argument.value if argument else None
    if isinstance(value, IntValueNode):
        return min(max(int(value.value), 0), cursors.MAX_PAGE)
    if isinstance(value, VariableNode):
        return cursors.MAX_PAGE
    if value is None or isinstance(value, NullValueNode):
        return cursors.DEFAULT_PAGE
    return cursors.DEFAULT_PAGE  # not an Int: the spec's rules refuse it


def measures(schema: GraphQLSchema, document: DocumentNode) -> dict[str, Measure]:
    """The measure of each operation of a document, by name ('anonymous' for none)."""
    definitions = document.definitions
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    analysis = Analysis(schema, fragments)
    return {
        d.name.value if d.name else "anonymous": analysis.operation(d)
        for d in definitions
        if isinstance(d, OperationDefinitionNode)
    }


Place = tuple[str, ...]
"""A place in the answer: the response keys from the operation down."""


class Places:
    """How many fields a selection puts at each place, each fragment counted once."""

    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self._counted: dict[str, Counter[Place]] = {}
        self._open: set[str] = set()

    def of(self, node: SelectionSetNode) -> Counter[Place]:
        found: Counter[Place] = Counter()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                found[(key,)] += 1
                if selection.selection_set:
                    below = self.of(selection.selection_set)
                    found.update({(key, *place): n for place, n in below.items()})
            elif isinstance(selection, InlineFragmentNode):
                found.update(self.of(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                found.update(self.fragment(selection.name.value))
        return found

    def fragment(self, name: str) -> Counter[Place]:
        found = self._counted.get(name)
        if found is not None:
            return found
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return Counter()
        self._open.add(name)
        found = self._counted[name] = self.of(definition.selection_set)
        self._open.discard(name)
        return found


def pairs(places: Counter[Place]) -> int:
    return sum(n * n for n in places.values())


class QueryLimits(ValidationRule):
    """Refuses an operation deeper than MAX_DEPTH (GRAPHQL_VALIDATION_FAILED), and one with more
    than MAX_ALIASES aliases, MAX_PAIRS pairs or a cost past the budget (QUERY_TOO_COMPLEX)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        definitions = context.document.definitions
        fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
        analysis, places = Analysis(context.schema, fragments), Places(fragments)
        for operation in definitions:
            if isinstance(operation, OperationDefinitionNode):
                self.check(operation, analysis, places, MAX_COST)

    def check(
        self, operation: OperationDefinitionNode, analysis: Analysis, places: Places, budget: int
    ) -> None:
        name = operation.name.value if operation.name else "anonymous"
        try:
            measure = analysis.operation(operation)
            compared = pairs(places.of(operation.selection_set))
        except RecursionError:
            self.refuse(f"'{name}' nests too deeply to be read", operation)
            return
        if measure.depth > MAX_DEPTH:  # a shape the API does not serve, as before this module
            message = f"'{name}' exceeds maximum operation depth of {MAX_DEPTH}"
            self.report_error(GraphQLError(message, operation))
        if measure.aliases > MAX_ALIASES:
            self.refuse(
                f"'{name}' uses {measure.aliases} aliases; at most {MAX_ALIASES} are allowed",
                operation,
            )
        if compared > MAX_PAIRS:
            self.refuse(
                f"'{name}' selects fields at one place too often ({compared} pairs to compare; "
                f"at most {MAX_PAIRS})",
                operation,
            )
        if measure.cost > budget:
            self.refuse(
                f"'{name}' costs {measure.cost} (fields selected, times the rows of the lists "
                f"they are in); the budget is {budget} ({MAX_COST_SETTING})",
                operation,
            )

    def refuse(self, message: str, operation: OperationDefinitionNode) -> None:
        error = GraphQLError(message, operation, original_error=TooComplex(message))
        self.report_error(error)
