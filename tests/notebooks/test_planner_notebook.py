"""The planner's notebook runs top to bottom (executed, not just opened)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "planner.ipynb"
PUBLIC = {"allocator.pipeline", "allocator.scenarios"}


def test_the_notebook_imports_only_the_public_api():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    modules = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.ImportFrom) and node.module.startswith("allocator"):
                    modules.add(node.module)
    assert modules == PUBLIC


def test_the_notebook_executes(monkeypatch):
    monkeypatch.setenv("PLANNER_NOTEBOOK_SEEDS", "4")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    text = "".join(o.get("text", "") for o in outputs)
    assert "warm re-solve" in text and "0 failed" in text
