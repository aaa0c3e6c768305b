"""The workbench's state: the list of edits, undo and redo, and the current solve.

An edit is kept only if the scenario it leads to is valid and solves; a refused
edit changes nothing (the previous plan stays shown).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import yaml

from allocator.model.problems import InputError, ProblemCollector
from allocator.model.yaml_files import parse_yaml_or_refuse
from allocator.scenarios.merge import merge_scenario
from allocator.scenarios.spec import read_scenario_file
from allocator.workbench.edits import (
    OVERRIDE_NAME,
    check_edit_shape,
    edit_problem,
    edits_from_merged,
    scenario_yaml,
)
from allocator.workbench.engine import Engine, Solved
from allocator.workbench.proposal import Proposal

#: Plans kept for comparison at most (each holds a full result).
MAX_KEPT = 6
#: Names the comparison gives the base and the current plan.
RESERVED_NAMES = ("base", "current")


class Workbench:
    """One scenario's edits with undo and redo; every change re-solves at once.

    Parameters
    ----------
    engine : Engine
        The base scenario, solved, and the re-solver.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.edits: list[dict[str, Any]] = []
        self.undone: list[dict[str, Any]] = []
        self.current: Solved = engine.solve([])
        self.kept: dict[str, tuple[list[dict[str, Any]], Solved]] = {}
        self.proposal: Proposal | None = None
        self.rejected: set[str] = set()
        self.lock = threading.Lock()

    def keep(self, name: str) -> None:
        """Keep the current plan under ``name`` to compare it with later plans.

        Raises
        ------
        InputError
            If the name is empty, taken or ``MAX_KEPT`` plans are kept already.
        """
        name = name.strip()
        with self.lock:
            if not name or name in self.kept or name in RESERVED_NAMES:
                raise edit_problem(f"give the plan a new name (not '{name}')")
            if len(self.kept) >= MAX_KEPT:
                raise edit_problem(f"at most {MAX_KEPT} plans can be kept")
            self.kept[name] = (list(self.edits), self.current)

    def apply(self, edit: Any) -> Solved:
        """Add one edit (re-solved), or raise :class:`InputError` and keep everything."""
        with self.lock:
            edit = check_edit_shape(edit)
            solved = self.engine.solve([*self.edits, edit])
            self.edits.append(edit)
            self.undone.clear()
            self.current = solved
            return solved

    def apply_group(self, edits: list[dict[str, Any]], group: str) -> Solved:
        """Add several edits solved once, undone and redone together (accept all moves)."""
        with self.lock:
            grouped = [{**check_edit_shape(edit), "group": group} for edit in edits]
            solved = self.engine.solve([*self.edits, *grouped])
            self.edits.extend(grouped)
            self.undone.clear()
            self.current = solved
            return solved

    def undo(self) -> Solved:
        """Take back the last edit, or its whole group (nothing happens when there is none)."""
        with self.lock:
            if self.edits:
                count = _group_length(self.edits)
                solved = self.engine.solve(self.edits[:-count])
                self.undone.extend(reversed(self.edits[-count:]))
                del self.edits[-count:]
                self.current = solved
            return self.current

    def redo(self) -> Solved:
        """Put back the last edit taken back, or its whole group."""
        with self.lock:
            if self.undone:
                count = _group_length(self.undone)
                again = list(reversed(self.undone[-count:]))
                solved = self.engine.solve([*self.edits, *again])
                self.edits.extend(again)
                del self.undone[-count:]
                self.current = solved
            return self.current

    def set_proposal(self, proposal: Proposal) -> None:
        """Show ``proposal``'s moves (the edits stay as they are)."""
        with self.lock:
            self.proposal, self.rejected = proposal, set()

    def pending_moves(self) -> list[Any]:
        """The proposal's moves neither accepted (zone served as proposed) nor rejected."""
        if self.proposal is None:
            return []
        return [move for move in self.proposal.moves
                if move.zone not in self.rejected and not self.accepted(move)]

    def accepted(self, move: Any) -> bool:
        """The zone is served now exactly as ``move`` proposes (accepted, by any edit)."""
        served = self.current.document["overrides"][OVERRIDE_NAME].get("catchments", {})
        return list(served.get(move.zone, {}).get("serve", [])) == list(move.to_schools)

    def reset(self) -> Solved:
        """Back to the base scenario (the edits can be redone one by one)."""
        with self.lock:
            self.undone.extend(reversed(self.edits))
            self.edits.clear()
            self.current = self.engine.solve([])
            return self.current

    def scenario_file_text(self) -> str:
        """The edits as a scenario file for ``allocator scenarios``."""
        return scenario_yaml(self.current.document)

    def load_scenario_file(self, text: str, scenario: str | None = None) -> Solved:
        """Replace the edits by those of a scenario file's named scenario.

        The file's ``base`` is ignored: its overrides are applied to this
        workbench's scenario. Without ``scenario``, the ``workbench`` scenario
        is taken if present, else the first one that changes something.
        """
        with self.lock:
            edits = self._edits_of(text, scenario)
            solved = self.engine.solve(edits)
            self.edits, self.undone, self.current = edits, [], solved
            return solved

    def _edits_of(self, text: str, scenario: str | None) -> list[dict[str, Any]]:
        document = parse_yaml_or_refuse(text, "edit")
        if not isinstance(document, dict):
            raise edit_problem("expected a scenario file: a mapping with 'base', 'overrides', "
                               "'scenarios'")
        document["base"] = str(self.engine.folder)
        path = self.engine.work_folder / "loaded-scenario.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        scenario_file = read_scenario_file(path)
        names = scenario_file.scenario_names
        chosen = scenario or (OVERRIDE_NAME if OVERRIDE_NAME in names else next(
            (name for name in names if scenario_file.model.scenarios[name]), names[0]))
        if chosen not in names:
            raise edit_problem(f"no scenario named '{chosen}'; the file has {', '.join(names)}")
        problems = ProblemCollector()
        merged = merge_scenario(scenario_file, chosen, problems)
        problems.raise_if_any()
        return edits_from_merged(merged)


def _group_length(edits: list[dict[str, Any]]) -> int:
    """How many edits at the end of ``edits`` belong to the last one's group."""
    group = edits[-1].get("group")
    if group is None:
        return 1
    count = 0
    while count < len(edits) and edits[-1 - count].get("group") == group:
        count += 1
    return count


def open_workbench(folder: Path, work_folder: Path) -> Workbench:
    """Load and solve ``folder`` and return its workbench.

    Raises
    ------
    InputError
        If the scenario folder is invalid (every problem listed).
    """
    return Workbench(Engine(folder, work_folder))


__all__ = ["InputError", "Workbench", "open_workbench"]
