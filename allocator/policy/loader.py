"""Finding, merging and validating policies (built-in by name, or a planner's YAML)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.model.problems import ProblemCollector
from allocator.model.scenario import yaml_line
from allocator.model.schema import CATEGORY_TAGS, FORBIDDEN_NAME_PARTS
from allocator.model.yaml_files import line_index, nearest_line, parse_yaml, read_yaml
from allocator.policy.config import Policy
from allocator.policy.predicates import PREDICATES

BUILTIN_FOLDER = "builtin"
_FREE_TEXT_KEYS = frozenset({"description", "label_zh", "label_en", "name"})


def builtin_policy_names() -> list[str]:
    """Names of the policies shipped with the engine."""
    folder = resources.files("allocator.policy").joinpath(BUILTIN_FOLDER)
    return sorted(item.name.removesuffix(".yaml") for item in folder.iterdir()
                  if item.name.endswith(".yaml"))


def builtin_policy_data(name: str) -> dict[str, Any]:
    """Raw mapping of a built-in policy."""
    text = resources.files("allocator.policy").joinpath(BUILTIN_FOLDER, f"{name}.yaml")
    problems = ProblemCollector()
    document = parse_yaml(text.read_text(encoding="utf-8"), f"{name}.yaml", problems)
    problems.raise_if_any()
    assert document is not None
    return document.data


def load_builtin_policy(name: str) -> Policy:
    """Validated built-in policy called ``name``."""
    return Policy.model_validate(builtin_policy_data(name))


def resolve_policy(reference: str, folder: Path, problems: ProblemCollector,
                   settings_file: str = "scenario.yaml") -> tuple[Policy | None, Path | None]:
    """Resolve the scenario's ``policy`` setting to a validated policy.

    Parameters
    ----------
    reference : str
        A built-in name (``shanxi-2025``, ``explicit``) or a path relative to ``folder``.
    folder : Path
        The scenario folder.
    problems : ProblemCollector
        Receives every problem found in the policy.

    Returns
    -------
    (Policy or None, Path or None)
        The policy and, for a planner's file, its path (hashed into the manifest).
    """
    if reference in builtin_policy_names():
        return load_builtin_policy(reference), None
    path = folder / reference
    if not reference.endswith((".yaml", ".yml")) or not path.is_file():
        problems.add(settings_file, yaml_line(folder / settings_file, "policy"), "policy",
                     f"unknown policy '{reference}': use a built-in "
                     f"({', '.join(builtin_policy_names())}) or a path to a policy YAML")
        return None, None
    document = read_yaml(path, problems)
    if document is None:
        return None, path
    data = document.data
    if not isinstance(data, dict):
        problems.add(path.name, None, None, "a policy file must be a mapping")
        return None, path
    lines = line_index(document.node)
    before = len(problems.problems)
    _refuse_forbidden(data, path.name, problems, prefix=(), lines=lines)
    if len(problems.problems) > before:
        return None, path
    return _validate(_with_base(data, path.name, problems, lines), path, problems, lines), path


def _with_base(data: dict[str, Any], file: str, problems: ProblemCollector,
               lines: dict[tuple[str, ...], int]) -> dict[str, Any]:
    """Merge a planner's policy over the built-in named by its ``base`` key."""
    base_name = data.get("base")
    body = {key: value for key, value in data.items() if key != "base"}
    if base_name is None:
        return body
    if base_name not in builtin_policy_names():
        problems.add(file, nearest_line(lines, ("base",)), "base",
                     f"unknown base policy '{base_name}'")
        return body
    return deep_merge(builtin_policy_data(base_name), body)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Recursively merge mappings; lists and scalars in ``override`` replace the base's."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _refuse_forbidden(node: Any, file: str, problems: ProblemCollector, prefix: tuple[str, ...],
                      lines: dict[tuple[str, ...], int]) -> None:
    """Refuse any key or predicate that refers to tests, income or parents' jobs."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = (*prefix, str(key))
            _flag(str(key), path, file, problems, lines)
            if str(key) not in _FREE_TEXT_KEYS:
                _refuse_forbidden(value, file, problems, path, lines)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _refuse_forbidden(value, file, problems, (*prefix, str(index)), lines)
    elif isinstance(node, str):
        _flag(node, prefix, file, problems, lines)


def _dotted(path: tuple[str, ...]) -> str:
    """``("tiers", "0", "when")`` as ``tiers[0].when``, the way the policy docs name keys."""
    text = ""
    for part in path:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def _flag(text: str, path: tuple[str, ...], file: str, problems: ProblemCollector,
          lines: dict[tuple[str, ...], int]) -> None:
    if text in CATEGORY_TAGS or text in PREDICATES:
        return  # the fixed vocabulary ('low_income' is a guaranteed group, not a criterion)
    lowered = text.lower()
    hits = [word for word in FORBIDDEN_NAME_PARTS if word in lowered]
    if hits:
        problems.add(file, nearest_line(lines, path), _dotted(path),
                     f"'{text}' refers to {hits[0]}: admission may not depend on tests, "
                     "scores, income or parents' jobs (POLICY.md)")


def _validate(data: dict[str, Any], path: Path, problems: ProblemCollector,
              lines: dict[tuple[str, ...], int]) -> Policy | None:
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = tuple(str(part) for part in item["loc"])
            line = nearest_line(lines, location) if location else None
            problems.add(path.name, line, ".".join(location) or None, item["msg"])
        return None
