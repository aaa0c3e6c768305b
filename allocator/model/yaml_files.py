"""Bounded, safe reading of the YAML files a user gives (scenario, policy, what-if files).

Every YAML file the engine reads goes through :func:`parse_yaml` or
:func:`read_yaml`. Before anything is built, the text is checked in one pass
over PyYAML's event stream (iterative, so deep nesting cannot overflow the
stack) and over the composed node graph:

- size: at most :data:`MAX_CHARACTERS` characters;
- nesting: at most :data:`MAX_DEPTH` levels of mappings and sequences;
- aliases: at most :data:`MAX_ALIASES` aliases (``*name``), and the document
  with every alias expanded at most :data:`MAX_EXPANDED_VALUES` values (an
  "alias bomb" of a few hundred bytes otherwise expands to billions);
- tags: only YAML's standard types; ``!!python/...`` and custom tags are refused;
- keys: plain text, each at most once per mapping (PyYAML would silently keep
  the last of two ``seed:`` lines).

Problems are recorded as ``file:line::message`` (the row is the YAML line).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from allocator.model.problems import ProblemCollector

MAX_CHARACTERS = 2_000_000
MAX_DEPTH = 40
MAX_ALIASES = 100
MAX_EXPANDED_VALUES = 100_000
_STANDARD_TAG = "tag:yaml.org,2002:"
_ALLOWED_TYPES = frozenset({"str", "int", "float", "bool", "null", "map", "seq", "timestamp",
                            "binary", "merge", "set", "omap", "pairs", "value"})


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document: the plain data and the node graph (for line numbers)."""

    data: Any
    node: yaml.Node | None


def read_yaml(path: Path, problems: ProblemCollector, file: str | None = None,
              ) -> YamlDocument | None:
    """Read and parse the YAML file at ``path`` within the bounds of this module.

    Parameters
    ----------
    path : Path
        The file to read (UTF-8, a BOM is allowed).
    problems : ProblemCollector
        Receives every problem, named ``file`` (default: the file's name).
    file : str, optional
        Name used in problems.

    Returns
    -------
    YamlDocument or None
        None when the file cannot be read or is refused (problems recorded).
    """
    name = file or path.name
    try:
        if path.stat().st_size > 4 * MAX_CHARACTERS:
            problems.add(name, None, None, _too_large())
            return None
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(name, None, None, f"the file is not UTF-8 (bad byte at offset "
                                       f"{error.start}); save it as UTF-8")
        return None
    except OSError as error:
        problems.add(name, None, None, f"cannot read the file: {error.strerror or error}")
        return None
    return parse_yaml(text, name, problems)


def parse_yaml(text: str, file: str, problems: ProblemCollector) -> YamlDocument | None:
    """Parse YAML ``text`` safely; record problems under ``file`` and return None if refused.

    Parameters
    ----------
    text : str
        The YAML text.
    file : str
        File name used in problems.
    problems : ProblemCollector
        Receives every problem found.

    Returns
    -------
    YamlDocument or None
        The data (plain dicts, lists and scalars) and its node graph.
    """
    if len(text) > MAX_CHARACTERS:
        problems.add(file, None, None, _too_large())
        return None
    before = len(problems.problems)
    try:
        _check_events(text, file, problems)
        if len(problems.problems) > before:
            return None
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _check_nodes(node, file, problems)
        if len(problems.problems) > before:
            return None
        data = None if node is None else yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problems.add(file, None if mark is None else mark.line + 1, None,
                     f"not valid YAML: {_one_line(error)}")
        return None
    except RecursionError:  # a last resort: the bounds above should make this unreachable
        problems.add(file, None, None, f"nested too deeply (at most {MAX_DEPTH} levels)")
        return None
    return YamlDocument(data, node)


def _too_large() -> str:
    return (f"the file is larger than {MAX_CHARACTERS:,} characters; a settings or policy "
            "file is never that large")


def _one_line(error: yaml.YAMLError) -> str:
    return " ".join(str(error).split())


def _check_events(text: str, file: str, problems: ProblemCollector) -> None:
    """Depth, alias count and tags, from the event stream (no recursion, nothing built)."""
    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                problems.add(file, line, None,
                             f"nested more than {MAX_DEPTH} levels deep; flatten the structure")
                return
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                problems.add(file, line, None,
                             f"more than {MAX_ALIASES} aliases (*{event.anchor}); "
                             "write the values out")
                return
        tag = getattr(event, "tag", None)
        if tag and not _allowed_tag(tag):
            shown = "!!" + tag[len(_STANDARD_TAG):] if tag.startswith(_STANDARD_TAG) else tag
            problems.add(file, line, None,
                         f"the tag '{shown}' is not allowed: only plain YAML values are read "
                         "(nothing in a scenario is evaluated as code)")


def _allowed_tag(tag: str) -> bool:
    if tag == "!":  # the non-specific tag of a quoted scalar
        return True
    return tag.startswith(_STANDARD_TAG) and tag[len(_STANDARD_TAG):] in _ALLOWED_TYPES


def _check_nodes(root: yaml.Node, file: str, problems: ProblemCollector) -> None:
    """Expanded size (aliases followed) and repeated or non-text keys, in one walk."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str, bool]] = [(root, "", False)]
    while stack:
        node, path, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node, path)
        if not children_done:
            if id(node) in open_nodes:
                problems.add(file, node.start_mark.line + 1, path or None,
                             "an alias refers to a value that contains it; write it out")
                return
            open_nodes.add(id(node))
            stack.append((node, path, True))
            if isinstance(node, yaml.MappingNode):
                _check_keys(node, path, file, problems)
            stack.extend((child, child_path, False) for child, child_path in children
                         if id(child) not in sizes)
            continue
        open_nodes.discard(id(node))
        sizes[id(node)] = 1 + sum(sizes.get(id(child), 1) for child, _ in children)
        if sizes[id(node)] > MAX_EXPANDED_VALUES:
            problems.add(file, node.start_mark.line + 1, None,
                         f"aliases here expand to more than {MAX_EXPANDED_VALUES:,} values "
                         "(an alias bomb?); write the values out")
            return


def _children(node: yaml.Node, path: str) -> list[tuple[yaml.Node, str]]:
    """Child nodes with their dotted key paths (keys and values of a mapping, items)."""
    if isinstance(node, yaml.MappingNode):
        pairs = []
        for key_node, value_node in node.value:
            child_path = _join(path, str(key_node.value) if isinstance(
                key_node, yaml.ScalarNode) else "?")
            pairs += [(key_node, child_path), (value_node, child_path)]
        return pairs
    if isinstance(node, yaml.SequenceNode):
        return [(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
    return []


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_keys(node: yaml.MappingNode, path: str, file: str,
                problems: ProblemCollector) -> None:
    seen: set[str] = set()
    for key_node, _ in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            problems.add(file, line, path or None,
                         "a key must be plain text, not a list or mapping")
            continue
        if key_node.tag == _STANDARD_TAG + "merge":
            continue
        key = str(key_node.value)
        if key in seen:
            problems.add(file, line, _join(path, key), f"key '{key}' is given twice")
        seen.add(key)


def line_index(node: yaml.Node | None) -> dict[tuple[str, ...], int]:
    """The 1-based line of every mapping key and sequence item of a composed document.

    Keys are paths of mapping keys and sequence indexes as text, e.g.
    ``("tiers", "0", "predicate")``; ``()`` is the document itself.
    """
    lines: dict[tuple[str, ...], int] = {}
    if node is None:
        return lines
    pending: list[tuple[yaml.Node, tuple[str, ...]]] = [(node, ())]
    while pending:
        current, path = pending.pop()
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                child = (*path, str(key_node.value))
                lines[child] = key_node.start_mark.line + 1
                pending.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                child = (*path, str(index))
                lines[child] = item.start_mark.line + 1
                pending.append((item, child))
    return lines


def nearest_line(lines: dict[tuple[str, ...], int], key: tuple[str, ...]) -> int | None:
    """Line of ``key`` in a :func:`line_index`, else of its nearest ancestor present."""
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get(())


def parse_yaml_or_refuse(text: str, file: str) -> Any:
    """The data of YAML ``text`` within this module's bounds, or an InputError naming ``file``.

    For text that arrives without a file of its own (a what-if file uploaded to the
    workbench), so that it is held to the same bounds as every file the engine reads.
    """
    from allocator.model.problems import InputError

    problems = ProblemCollector()
    document = parse_yaml(text, file, problems)
    if problems.problems or document is None:
        raise InputError(list(problems.problems))
    return document.data
