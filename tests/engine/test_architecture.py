"""The house's boundaries that import-linter's contract types cannot state, checked over the
import graph (grimp, the graph library import-linter is built on) and the source (ast):

- no import circle among the modules of `engine` and `gui` (a circle makes every module in it
  load-order dependent and impossible to understand alone);
- the GUI reaches into an engine package only through its facade (`engine.training`) or the
  submodules that package names public in its `__init__` (`PUBLIC_SUBMODULES`);
- no module imports another module's private name (`_name`): what others use is public.

The import-linter contracts in pyproject.toml state the layers and independences; this file states
the rest. Reading a failure: the message names the modules and what to do.
"""
from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("engine", "gui", include_external_packages=False,
                             exclude_type_checking_imports=True, cache_dir=None)


def _circles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles(graph):
    circles = _circles(graph)
    assert not circles, ("import circles (break each by moving the shared piece into a module both "
                         f"import, or by passing it in): {circles}")


def _public_submodules(package: str) -> set[str]:
    """The names in `PUBLIC_SUBMODULES = (...)` of a package's __init__ (read, not imported)."""
    init = ROOT / package.replace(".", "/") / "__init__.py"
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PUBLIC_SUBMODULES"
                                                for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def test_gui_uses_engine_facades(graph):
    """gui imports `engine`, `engine.X` (a module or a package's facade) or `engine.X.Y` where
    package engine.X lists Y in PUBLIC_SUBMODULES: never deeper, never an unlisted submodule."""
    wrong = []
    for module in sorted(m for m in graph.modules if m.split(".")[0] == "gui"):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            parts = imported.split(".")
            if parts[0] != "engine" or len(parts) <= 2:
                continue
            package = ".".join(parts[:2])
            if len(parts) > 3 or parts[2] not in _public_submodules(package):
                wrong.append(f"{module} -> {imported}")
    assert not wrong, ("the GUI reaches past an engine package's facade: import from the package, or "
                       f"name the submodule in the package's PUBLIC_SUBMODULES: {wrong}")


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("gui/**/*.py"), ROOT / "main.py"])


def test_no_private_names_across_modules():
    wrong = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ImportFrom) or node.module == "__future__":
                continue
            private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            if private:
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {', '.join(private)}")
    assert not wrong, f"private names used across modules (make them public, or move the code): {wrong}"


def test_circle_finder_finds_a_circle():
    """The checker itself: a two-module circle is reported, a chain is not."""
    class Fake:
        modules = {"a", "b", "c", "d"}
        imports = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": set()}

        def find_modules_directly_imported_by(self, module):
            return self.imports[module]

    assert _circles(Fake()) == [["a", "b"]]


def test_every_engine_module_has_its_place_in_the_layer_order():
    """The engine's layers contract (pyproject.toml) names every top-level engine module and package:
    a new module gets a place there, or import-linter would never check what it imports."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index('name = "Engine layers')
    block = text[text.index("layers = [", start):text.index("]", text.index("layers = [", start))]
    listed = {name.strip() for line in block.splitlines()[1:] for name in line.strip(' ",').split(":") if name.strip()}
    modules = {f"engine.{p.stem}" for p in (ROOT / "engine").glob("*.py") if p.stem != "__init__"}
    packages = {f"engine.{p.parent.name}" for p in (ROOT / "engine").glob("*/__init__.py")}
    missing = sorted((modules | packages) - listed)
    assert not missing, f"engine modules with no place in the engine layers contract (pyproject.toml): {missing}"
