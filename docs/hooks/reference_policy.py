"""The policy reference: every option of the policy model (allocator.policy.config), the
predicate vocabulary, the tie-breaks and the built-in policies, read from the code."""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Iterator

from markdown_table import code, table
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from allocator.policy import config, loader
from allocator.policy import predicates as predicates_module


def type_text(annotation: object) -> str:
    """A short readable type: ``int``, ``bool``, ``one of a, b``, ``list of str``."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(code(value) for value in arguments)
    if origin is tuple:
        return "list of " + type_text(arguments[0])
    if origin is dict:
        return f"mapping {type_text(arguments[0])} -> {type_text(arguments[1])}"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def default_text(field: FieldInfo) -> str:
    """The default value as YAML-like text (required fields say so)."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, tuple):
        value = list(value)
    return code(json.dumps(value, ensure_ascii=False))


def submodel(annotation: object) -> type[BaseModel] | None:
    """The nested model class of a field, if it is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def option_rows(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, ...]]:
    """(key, type, default, meaning) of every leaf option, nested models flattened."""
    for name, field in model.model_fields.items():
        nested = submodel(field.annotation)
        if nested is not None:
            yield from option_rows(nested, f"{prefix}{name}.")
        elif name != "tiers":
            yield (code(prefix + name), type_text(field.annotation), default_text(field),
                   field.description or "")


def policy_options() -> str:
    """Every option of a policy file, with its sections' docstrings."""
    sections = [table(("key", "type", "default", "meaning"),
                      [row for row in option_rows(config.Policy) if "." not in row[0]])]
    for name, field in config.Policy.model_fields.items():
        nested = submodel(field.annotation)
        if nested is None:
            continue
        doc = inspect.cleandoc(nested.__doc__ or "")
        sections.append(f"### `{name}`\n\n{doc}\n\n"
                        + table(("key", "type", "default", "meaning"),
                                option_rows(nested, f"{name}.")))
    return "\n".join(sections)


def tier_fields() -> str:
    """The fields of one rung of the ladder."""
    return table(("key", "type", "default", "meaning"),
                 [(code(name), type_text(field.annotation), default_text(field),
                   field.description or "") for name, field in config.Tier.model_fields.items()])


def predicates() -> str:
    """The predicate vocabulary."""
    return table(("predicate", "holds when", "depends on the school"),
                 [(code(name), text, "yes" if name in predicates_module.SCHOOL_DEPENDENT
                   else "no") for name, text in predicates_module.PREDICATES.items()])




def tie_breaks() -> str:
    """The tie-breaks a ladder may use inside a tier."""
    return table(("tie-break", "order"), [(code(name), text) for name, text in
                                          config.TIE_BREAKS.items()])


def conditions(tier: config.Tier) -> str:
    """A tier's condition in words: all of / any of / none of."""
    parts = []
    if tier.all_of:
        parts.append("all of " + ", ".join(code(name) for name in tier.all_of))
    if tier.any_of:
        parts.append("any of " + ", ".join(code(name) for name in tier.any_of))
    if tier.none_of:
        parts.append("none of " + ", ".join(code(name) for name in tier.none_of))
    return "; ".join(parts) or "none (everyone else)"


def builtin_policies() -> str:
    """Each built-in policy: description, ladder and the options it sets."""
    sections = []
    for name in loader.builtin_policy_names():
        policy = loader.load_builtin_policy(name)
        text = f"### `{name}`\n\n{' '.join(policy.description.split())}\n\n"
        if policy.tiers:
            rows = [(position, code(tier.name), tier.label_zh, tier.label_en,
                     ", ".join(tier.stages) or "all", conditions(tier))
                    for position, tier in enumerate(policy.tiers)]
            text += table(("rung", "name", "中文", "English", "stages", "condition"), rows)
            text += "\nTie-breaks: " + ", ".join(code(b) for b in policy.tie_breaks) + ".\n"
        sections.append(text)
    return "\n".join(sections)


def mechanisms() -> str:
    """The registered mechanisms with their capability flags."""
    from allocator.solvers.registry import MECHANISMS

    return table(("mechanism", "stable (no justified envy, checked)", "fast (re-solved in "
                  "what-ifs)", "what it does"),
                 [(code(name), "yes" if mechanism.stable else "no",
                   "yes" if mechanism.fast else "no", mechanism.description)
                  for name, mechanism in MECHANISMS.items()])
