"""The package's one-way layering, checked on the source with ``ast``.

Data flows model -> policy -> problem -> solvers -> verify -> pipeline -> interfaces
(STYLE.md): a module may import ``allocator`` modules only from its own layer or an
earlier one. Every import counts, including imports inside functions and under
``TYPE_CHECKING``. Further rules:

- ``allocator/synthetic`` (the roster generator) may import only ``model``, or nothing
  from ``allocator``; only the interface layer (the ``generate`` command) may import it,
  so the engine never depends on the generator;
- ``reports`` and ``scenarios`` sit between pipeline and interfaces; ``service`` and
  ``store`` are interfaces (STYLE.md: "interfaces (CLI, service, store)"), and so is a
  ``__main__`` module;
- the top-level ``allocator/__init__.py`` is exempt, and ``import allocator`` /
  ``from allocator import __version__`` (the top-level package itself) is allowed anywhere;
- any other sub-package must be given a place here before it can be imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "allocator"

#: Rank of every layer; a module may import layers of equal or lower rank.
LAYER_RANK: dict[str, float] = {
    "model": 0, "policy": 1, "problem": 2, "solvers": 3, "verify": 4, "pipeline": 5,
    "reports": 6, "scenarios": 6, "season": 6, "interfaces": 7, "service": 7, "store": 7,
    "__main__": 7, "workbench": 7,
    "zoning": 6.5,  # catchment design: reads scenarios and reports, feeds interfaces
}
SIDE_PACKAGE = "synthetic"
SIDE_PACKAGE_MAY_IMPORT = frozenset({"model", SIDE_PACKAGE})
SIDE_PACKAGE_IMPORTERS = frozenset({"interfaces", "service", "store", "__main__", SIDE_PACKAGE})


def module_name(path: Path, root: Path = PACKAGE_ROOT) -> str:
    """Dotted module name of a file under the package root (``__init__`` = the package)."""
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, name: str, is_package: bool,
                     known: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, absolute module name) of every ``allocator`` import in ``source``.

    ``from allocator import x`` resolves to ``allocator.x`` when ``x`` is a known
    sub-package or module (``known``), else to ``allocator`` itself.
    """
    package = name.split(".") if is_package else name.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if target == "allocator" and alias.name in known:
                    found.append((node.lineno, f"allocator.{alias.name}"))
                else:
                    found.append((node.lineno, target))
    unique = dict.fromkeys(found)
    return [(line, module) for line, module in unique
            if module == "allocator" or module.startswith("allocator.")]


def layer_of(module: str) -> str | None:
    """First component below ``allocator`` (None for the top-level package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def violations(source_module: str, imports: list[tuple[int, str]]) -> list[str]:
    """Human-readable layering violations of one module's imports."""
    source_layer = layer_of(source_module)
    problems = []
    for line, target in imports:
        target_layer = layer_of(target)
        if target_layer is None or target_layer == source_layer:
            continue
        where = f"{source_module}:{line} imports {target}"
        if source_layer == SIDE_PACKAGE:
            if target_layer not in SIDE_PACKAGE_MAY_IMPORT:
                problems.append(f"{where}: synthetic may import only model")
        elif target_layer == SIDE_PACKAGE:
            if source_layer not in SIDE_PACKAGE_IMPORTERS:
                problems.append(f"{where}: only interfaces may import synthetic")
        elif source_layer not in LAYER_RANK:
            problems.append(f"{where}: layer '{source_layer}' has no place in LAYER_RANK")
        elif target_layer not in LAYER_RANK:
            problems.append(f"{where}: layer '{target_layer}' has no place in LAYER_RANK")
        elif LAYER_RANK[target_layer] > LAYER_RANK[source_layer]:
            problems.append(f"{where}: {source_layer} may not import the later layer "
                            f"{target_layer}")
    return problems


def package_modules() -> list[Path]:
    return sorted(path for path in PACKAGE_ROOT.rglob("*.py") if "__pycache__" not in path.parts)


def known_children() -> frozenset[str]:
    return frozenset(path.stem if path.is_file() else path.name
                     for path in PACKAGE_ROOT.iterdir()
                     if (path.is_dir() and (path / "__init__.py").exists())
                     or (path.suffix == ".py" and path.stem != "__init__"))


def test_every_layer_imports_only_its_own_or_earlier_layers():
    known = known_children()
    found = []
    for path in package_modules():
        name = module_name(path)
        if name == "allocator":
            continue  # the top-level __init__ is exempt
        imports = imported_modules(path.read_text(encoding="utf-8"), name,
                                   path.name == "__init__.py", known)
        found.extend(violations(name, imports))
    assert found == [], "\n".join(found)


def test_every_sub_package_has_a_place_in_the_layering():
    unplaced = sorted(child for child in known_children()
                      if child not in LAYER_RANK and child != SIDE_PACKAGE)
    assert unplaced == [], f"give these a layer in tests/test_layering.py: {unplaced}"


def test_the_scan_sees_the_package():
    names = {module_name(path) for path in package_modules()}
    for expected in ("allocator.model.scenario", "allocator.solvers.deferred_acceptance",
                     "allocator.interfaces.cli", "allocator.synthetic"):
        assert expected in names
    # the CLI really does import the pipeline lazily, inside a function: it must be seen
    cli = PACKAGE_ROOT / "interfaces" / "cli.py"
    imports = {module for _, module in imported_modules(
        cli.read_text(encoding="utf-8"), "allocator.interfaces.cli", False, known_children())}
    assert "allocator.pipeline.run" in imports


# --------------------------------------------------------------------------- the checker itself

KNOWN = frozenset({*LAYER_RANK, SIDE_PACKAGE})


@pytest.mark.parametrize(("module", "is_package", "source", "bad"), [
    ("allocator.model.schema", False, "from allocator.solvers import MECHANISMS", True),
    ("allocator.model.schema", False, "import allocator.policy.config", True),
    ("allocator.model.schema", False, "from ..policy import config", True),
    ("allocator.model", True, "from ..verify.checks import verify", True),
    ("allocator.model.schema", False, "def f():\n    from allocator.pipeline import load", True),
    ("allocator.model.schema", False,
     "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from allocator.problem import x",
     True),
    ("allocator.policy.tiers", False, "from allocator import pipeline", True),
    ("allocator.solvers.registry", False, "from allocator.synthetic import county", True),
    ("allocator.synthetic.county", False, "from allocator.policy import lottery", True),
    ("allocator.synthetic", True, "from ..problem import compile", True),
    ("allocator.pipeline.run", False, "from allocator.widgets import thing", True),
    ("allocator.solvers.registry", False, "from allocator.problem.compiled import X", False),
    ("allocator.solvers.registry", False, "from .result import Allocation", False),
    ("allocator.pipeline.run", False, "from allocator import __version__", False),
    ("allocator.verify.checks", False, "import numpy as np\nimport allocator", False),
    ("allocator.interfaces.cli", False, "from allocator.synthetic import write_scenario", False),
    ("allocator.synthetic.write", False, "from .county import generate_county", False),
    ("allocator.synthetic.write", False, "from allocator.model.schema import SCHOOLS", False),
])
def test_the_checker_flags_what_it_should(module, is_package, source, bad):
    imports = imported_modules(source, module, is_package, KNOWN)
    assert imports, "the import was not recognised"
    assert bool(violations(module, imports)) is bad
