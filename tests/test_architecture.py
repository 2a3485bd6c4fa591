"""The layers stay layers: no module imports a higher layer, and no import cycles.

Only imports that run when a module is loaded count: imports under ``TYPE_CHECKING``
are for type checkers, and imports inside functions load lower layers lazily.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

SRC = ROOT / "src"
LAYERS = ("config", "sim", "runs", "plots", "experiments", ("cli", "dashboard", "reference"))
"""From the bottom up; a layer may import its own and lower layers only."""


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "povsim" or len(parts) < 2:
        return None
    for rank, names in enumerate(LAYERS):
        if parts[1] in ((names,) if isinstance(names, str) else names):
            return rank
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class _LoadTimeImports(ast.NodeVisitor):
    """Collects imports that run at load time: not in functions, not under TYPE_CHECKING."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        pass

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        pass

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(a.name for a in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self.found.add(node.module)
            self.found.update(f"{node.module}.{a.name}" for a in node.names)


def _load_time_imports(path: Path) -> set[str]:
    visitor = _LoadTimeImports()
    visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in visitor.found if m.startswith("povsim")}


MODULES = {
    _module_name(p): p for p in sorted(SRC.rglob("*.py")) if _module_name(p) != "povsim.__main__"
}
GRAPH = {
    name: {m for m in _load_time_imports(path) if m in MODULES and m != name}
    for name, path in MODULES.items()
}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module: str) -> None:
    own = _layer(module)
    if own is None:
        return
    higher = sorted(m for m in GRAPH[module] if (_layer(m) or 0) > own)
    assert not higher, f"{module} (layer {LAYERS[own]}) imports {higher}"


def test_no_import_cycles() -> None:
    import graphlib

    # A package's __init__ may re-export its own modules: those edges are not cycles.
    edges = {
        m: {d for d in deps if not (m.count(".") < d.count(".") and d.startswith(m + "."))}
        for m, deps in GRAPH.items()
    }
    graphlib.TopologicalSorter(edges).prepare()  # raises CycleError on a cycle


def test_the_configuration_layer_does_not_name_the_simulation_even_for_type_checkers() -> None:
    # Reading a scenario is the layer every other one stands on: a type checker's import of
    # the simulation would draw it into one circle with the model (farm-studio's picture).
    config = SRC / "povsim" / "config"
    named = {
        str(path.relative_to(SRC))
        for path in config.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if any(
            name.startswith("povsim.sim")
            for name in (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
        )
    }
    assert not named


def test_every_built_in_program_kind_names_a_class_that_runs_it() -> None:
    """The registry finds a built-in kind's class by name (module ``kind``, class its settings
    less ``Config``), which the import graph cannot see: a class named otherwise passed
    `povsim check` and ended `povsim run` in a traceback."""
    from povsim.config.registry import BUILTIN_CONFIGS
    from povsim.sim.programs import Program, program_class

    for kind, config in BUILTIN_CONFIGS.items():
        cls = program_class(kind)
        assert issubclass(cls, Program), kind
        assert cls.Config is config, kind
