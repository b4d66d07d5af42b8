"""The layer check: reads the imports of every module of ours (without importing them) and
reports each import that points up, each forbidden library, and each import circle.

The layers are DESIGN.md's: each folder is one layer and imports only point down. Lazy
imports inside functions count too: they run sooner or later, and a circle through one is
still a circle.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass
from pathlib import Path

ROOT = "docintel"

# layer -> the layers of ours it may import (besides itself)
MAY_IMPORT: dict[str, set[str]] = {
    "config": set(),
    "models": {"config"},
    "store": {"config"},
    "migrations": {"store", "config"},
    "pipeline": {"config", "models"},
    "worker": {"pipeline", "store", "models", "config"},
    "watcher": {"store", "config"},
    "api": {"worker", "watcher", "pipeline", "store", "models", "config", "migrations"},
    "testkit": {"worker", "watcher", "pipeline", "store", "models", "config", "migrations"},
    "cli": {
        "api",
        "worker",
        "watcher",
        "pipeline",
        "store",
        "models",
        "config",
        "migrations",
        "testkit",
    },
}
# Single modules a layer may reach in a layer it otherwise may not: the watcher sends the
# first task by name through the Celery app, and never imports a task.
ALSO_MAY_IMPORT: dict[str, set[str]] = {"watcher": {f"{ROOT}.worker.app"}}
# Libraries a layer must not use: the domain knows nothing of Celery or SQL.
FORBIDDEN: dict[str, set[str]] = {
    "config": {"celery", "kombu", "sqlalchemy", "alembic", "torch", "transformers"},
    "models": {"celery", "kombu", "sqlalchemy", "alembic"},
    "store": {"celery", "kombu", "torch", "transformers"},
    "pipeline": {"celery", "kombu", "sqlalchemy", "alembic"},
}
PACKAGES = tuple(layer for layer in MAY_IMPORT if layer != "cli")


@dataclass(frozen=True)
class Problem:
    module: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.message}"


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != ROOT:
        return None
    if len(parts) > 1 and parts[1] in PACKAGES:
        return parts[1]
    return "cli"


def module_files() -> dict[str, Path]:
    """Every module of ours, by dotted name, found where the installed (or editable)
    packages say they are."""
    out: dict[str, Path] = {}
    root = importlib.util.find_spec(ROOT)
    assert root is not None and root.submodule_search_locations is not None
    places = [(ROOT, Path(p)) for p in root.submodule_search_locations]
    for package in PACKAGES:
        spec = importlib.util.find_spec(f"{ROOT}.{package}")
        if spec is not None and spec.submodule_search_locations is not None:
            places += [(f"{ROOT}.{package}", Path(p)) for p in spec.submodule_search_locations]
    for prefix, folder in places:
        for path in folder.rglob("*.py"):
            relative = path.relative_to(folder).with_suffix("")
            parts = [p for p in relative.parts if p != "__init__"]
            if prefix == ROOT and parts and parts[0] in PACKAGES:
                continue  # a folder of the same name inside docintel/ is not what is installed
            if any(not p.isidentifier() for p in parts):
                continue
            out[".".join([prefix, *parts])] = path
    return out


def _imports(module: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported module, line) of every import in the file, resolved to our modules where
    they are ours, else to the library's top-level name."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in known else base, node.lineno))
    return found


def _owner(name: str, known: set[str]) -> str:
    """The module of ours that ``name`` imports: itself, or its nearest known parent."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


def check_layers(files: dict[str, Path] | None = None) -> list[Problem]:
    files = files if files is not None else module_files()
    known = set(files)
    problems: list[Problem] = []
    graph: dict[str, set[str]] = {m: set() for m in files}
    for module, path in sorted(files.items()):
        layer = layer_of(module)
        assert layer is not None
        for name, line in _imports(module, path, known):
            top = name.split(".")[0]
            if top != ROOT:
                if top in FORBIDDEN.get(layer, set()):
                    problems.append(Problem(module, line, f"the {layer} layer imports {top}"))
                continue
            target = _owner(name, known)
            if not target or target == ROOT or target == module:
                continue
            graph[module].add(target)
            other = layer_of(target)
            if other == layer or other in MAY_IMPORT[layer]:
                continue
            if target in ALSO_MAY_IMPORT.get(layer, set()):
                continue
            problems.append(
                Problem(module, line, f"the {layer} layer imports {target} ({other} layer)")
            )
    problems += [Problem(c[0], 0, "import circle: " + " -> ".join(c)) for c in cycles(graph)]
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle per strongly connected group of modules (Tarjan), as a path that closes."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_close(group, graph) for group in groups]


def _close(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A path through ``group`` back to where it started, to show the circle."""
    members = set(group)
    start = min(group)
    path, seen, node = [start], {start}, start
    while True:
        nxt = sorted(n for n in graph[node] if n in members)
        back = start in nxt
        if back and len(path) > 1:
            return [*path, start]
        fresh = [n for n in nxt if n not in seen]
        if not fresh:
            return [*path, start]
        node = fresh[0]
        path.append(node)
        seen.add(node)
