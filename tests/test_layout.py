"""The house rules of the layout, checked on the source: imports run one way, no cycles.

The import graph is read from the source (every ``import`` and ``from ... import``, at module
level and inside functions alike), so a cycle hidden in a function body counts too.
"""

from __future__ import annotations

import ast
import contextlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Subpackages of ``solvers`` by level: a module may import its own level or a lower one.
LEVELS = {
    "_cache": 0,
    "_records": 0,
    "dynamics": 1,
    "analysis": 1,
    "control": 3,
    "schedules": 2,
    "runs": 3,  # real training runs: fits on dynamics, recommendations through schedules
    "claims": 4,
    "plots": 4,
    "report": 5,
    "cli": 6,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the project modules that ``path`` imports (anywhere in the file)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            # ``from pkg import module`` imports the module
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def _lazy_exports(init: Path) -> dict[str, str]:
    """``name -> submodule`` that a lazy package serves through ``attach(__name__, {...})``
    (:mod:`theory._lazy`), read from its source: dict literals and ``**`` of module-level ones."""
    tree = ast.parse(init.read_text())
    consts = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
            with contextlib.suppress(ValueError):
                consts[target.id] = ast.literal_eval(node.value)
    out = {}

    def take(node):
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if k is None:
                    take(v)
                else:
                    with contextlib.suppress(ValueError):
                        out[ast.literal_eval(k)] = ast.literal_eval(v)
        elif isinstance(node, ast.Name) and isinstance(consts.get(node.id), dict):
            out.update(consts[node.id])

    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "attach":
            take(node.args[1])
    return out


def _graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports. A name imported from a lazy package
    (``from ..dynamics import simulate``) is an import of the submodule that serves it: without
    this, a cycle through a package's namespace (``analysis.fits`` importing ``dynamics``'
    ``simulate`` while ``dynamics.recursion`` imports ``analysis.fits``) went unseen."""
    files = sorted(ROOT.glob("solvers/**/*.py")) + sorted(ROOT.glob("theory/**/*.py"))
    mods = {_module_name(f): f for f in files}
    served = {
        f"{m}.{name}": f"{m}.{sub}"
        for m, f in mods.items()
        if f.name == "__init__.py"
        for name, sub in _lazy_exports(f).items()
    }
    graph = {}
    for m, f in mods.items():
        deps = {served.get(i, i) for i in _imports(f)}
        graph[m] = {i for i in deps if i in mods and i != m}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _without_package_inits(graph):
    """Edges into a package ``__init__`` from inside that package are how Python loads a
    submodule, not a dependency; the lazy ``solvers/__init__`` imports nothing eagerly."""
    return {
        m: {i for i in deps if not m.startswith(i + ".") and i != "solvers"}
        for m, deps in graph.items()
        if m != "solvers"
    }


def test_no_import_cycles():
    assert _cycles(_without_package_inits(_graph())) == []


def test_cycle_detector_finds_a_cycle():
    """The check can fail: a two-module cycle and a three-module cycle are found."""
    g = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": set()}
    assert sorted(_cycles(g)) == [["a", "b"], ["c", "d", "e"]]


def test_names_of_lazy_packages_resolve_to_their_modules():
    """The graph sees through the lazy namespaces: a name imported from a package is an edge to
    the submodule serving it (a literal table, and ``solvers``' ``**_PUBLIC``)."""
    assert _lazy_exports(ROOT / "solvers" / "dynamics" / "__init__.py")["simulate"] == "recursion"
    assert _lazy_exports(ROOT / "solvers" / "__init__.py")["fit_power_law"] == "analysis.fits"
    assert "solvers.dynamics.recursion" in _graph()["solvers.cli.simulate"]


def test_theory_imports_nothing_from_solvers():
    bad = {m: sorted(d) for m, d in _graph().items() if m.startswith("theory")
           for d in [{i for i in d if i.startswith("solvers")}] if d}  # fmt: skip
    assert bad == {}


def _level(mod: str) -> int | None:
    parts = mod.split(".")
    if parts[0] != "solvers" or len(parts) < 2:
        return None
    return LEVELS.get(parts[1])


def test_imports_run_one_way():
    """A module imports only from its own level of subpackages or a lower one."""
    upward = []
    for mod, deps in _without_package_inits(_graph()).items():
        lm = _level(mod)
        for dep in deps:
            ld = _level(dep)
            if lm is not None and ld is not None and ld > lm:
                upward.append(f"{mod} -> {dep}")
    assert upward == []


def test_every_solvers_module_has_a_home():
    """No flat modules left in ``solvers/`` besides the storage primitives (cache, records)."""
    flat = sorted(p.stem for p in (ROOT / "solvers").glob("*.py") if p.stem != "__init__")
    assert flat == ["_cache", "_records"]
    subpackages = sorted(p.parent.name for p in (ROOT / "solvers").glob("*/__init__.py"))
    assert set(subpackages) <= set(LEVELS)


@pytest.mark.parametrize("package", ["theory", "solvers"])
def test_no_project_module_loaded_by_string(package):
    """No ``importlib.import_module`` of the project's own modules, except the one lazy
    loader of the namespaces (``theory/_lazy.py``)."""
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == ROOT / "theory" / "_lazy.py":
            continue
        if "import_module(" in path.read_text():
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# -- sizes -------------------------------------------------------------------------------------

#: Largest function (lines from ``def`` to its end, docstring included) and module.
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 600
#: The phrase a longer module's docstring uses to say why it is one file.
LONG_MODULE_REASON = "longer than the house's"


def _sources() -> list[Path]:
    return sorted(p for pkg in ("theory", "solvers") for p in (ROOT / pkg).rglob("*.py"))


def _long_functions(tree: ast.AST, limit: int) -> list[tuple[str, int]]:
    return [
        (n.name, n.end_lineno - n.lineno + 1)
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n.end_lineno - n.lineno + 1 > limit
    ]


def test_no_function_over_80_lines():
    long = [
        f"{p.relative_to(ROOT)}:{name} ({n} lines)"
        for p in _sources()
        for name, n in _long_functions(ast.parse(p.read_text()), MAX_FUNCTION_LINES)
    ]
    assert not long, long


def test_size_checker_finds_a_long_function():
    src = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert _long_functions(ast.parse(src), MAX_FUNCTION_LINES) == [("f", MAX_FUNCTION_LINES + 1)]


def test_no_module_over_600_lines_without_a_reason():
    long = []
    for p in _sources():
        text = p.read_text()
        doc = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > MAX_MODULE_LINES and LONG_MODULE_REASON not in doc:
            long.append(f"{p.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    assert not long, long
