"""The house stays as docs/architecture.md draws it: packages import only downwards, and no
module imports itself back through others (every import counts, whether at the top of a module,
inside a function or under TYPE_CHECKING)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS: dict[str, int] = {
    "cli": 6,
    "api": 5,
    "integrations": 4,
    "projections": 3,
    "ledger": 3,
    "reports": 2,
    "domain": 1,
}
"""A package may import packages of lower layers only (and itself); projections and ledger share a
layer and import neither each other."""
MAX_MODULES_PER_FOLDER = 20
MAX_SHARE_OF_CODE = 0.35


def modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imported(path: Path, name: str, known: set[str]) -> Iterator[str]:
    """The project's modules a module imports (a `from package import module` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    edges = {name: set(imported(path, name, known)) for name, path in found.items()}
    # importing a.b.c runs a/__init__ and a/b/__init__ first: not an edge worth a circle
    return {n: {t for t in targets if not n.startswith(t + ".")} for n, targets in edges.items()}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_back() -> None:
    assert circles(graph()) == []


def test_packages_import_only_downwards() -> None:
    upward = [
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if (top := source.split(".")[0]) != (other := target.split(".")[0])
        and LAYERS[other] >= LAYERS[top]
    ]
    assert upward == []


def test_folders_stay_small() -> None:
    crowded = {
        str(folder.relative_to(ROOT)): count
        for package in LAYERS
        for folder in [ROOT / package, *(ROOT / package).rglob("*/")]
        if folder.is_dir()
        and (count := len([p for p in folder.glob("*.py") if p.name != "__init__.py"]))
        > MAX_MODULES_PER_FOLDER
    }
    assert crowded == {}


def test_no_package_holds_most_of_the_code() -> None:
    lines = {package: lines_of(ROOT / package) for package in LAYERS}
    total = sum(lines.values())
    heavy = {p: round(n / total, 3) for p, n in lines.items() if n / total >= MAX_SHARE_OF_CODE}
    assert heavy == {}


def lines_of(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in folder.rglob("*.py"))


def test_the_test_finds_a_circle() -> None:
    """The checks above can fail: a made-up circle and an upward edge are found."""
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
