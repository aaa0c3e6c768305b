"""The CLI reference, read from the typer app (allocator.interfaces.cli.app).

Typer builds click-style command objects (its own vendored copy of click in recent
versions), so they are read by duck typing rather than by ``isinstance``.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import typer
from markdown_table import code, table

from allocator.interfaces.cli import app


def type_text(parameter: Any, context: Any) -> str:
    """The parameter's type as help shows it (typer >= 0.20 or click's own types)."""
    if getattr(parameter, "is_flag", False):
        return "flag"
    if hasattr(parameter, "display_type"):
        return code(parameter.display_type(context).strip("<>"))
    choices = getattr(parameter.type, "choices", None)
    if choices:
        return "one of " + ", ".join(code(choice) for choice in choices)
    return code(parameter.type.name)


def parameter_row(parameter: Any, context: Any) -> tuple[str, ...]:
    """(name, type, default, meaning) of one argument or option."""
    if parameter.param_type_name == "argument":
        name = code((parameter.metavar or parameter.name).upper())
        default = "required" if parameter.required else ""
    else:
        names = list(parameter.opts) + list(parameter.secondary_opts)
        name = " / ".join(code(flag) for flag in names)
        default = default_text(parameter)
    kind = type_text(parameter, context)
    meaning = getattr(parameter, "help", None) or ""
    if getattr(parameter, "envvar", None):
        meaning += f" (environment variable {code(parameter.envvar)})"
    return name, kind, default, meaning


def default_text(option: Any) -> str:
    """The option's default, or 'required'."""
    if option.required:
        return "required"
    if option.default is None or callable(option.default):
        return ""
    if isinstance(option.default, bool):
        if option.secondary_opts:
            return code(option.opts[0] if option.default else option.secondary_opts[0])
        return "on" if option.default else "off"
    return code(option.default)


def command_section(path: str, command: Any) -> list[str]:
    """The Markdown of one command (and, for a group, of each subcommand)."""
    help_text = inspect.cleandoc(command.help or "")
    parameters = [p for p in command.params if not getattr(p, "hidden", False)]
    context = type(command).context_class(command, info_name=path)
    usage = " ".join(command.collect_usage_pieces(context))
    usage = re.sub(r"\{(\w+)\}", lambda match: match.group(1).upper(), usage)
    lines = [f"### `{path}`\n", help_text + "\n", f"```text\n{path} {usage}\n```\n"]
    if parameters:
        lines.append(table(("argument / option", "type", "default", "meaning"),
                           (parameter_row(parameter, context) for parameter in parameters)))
    if hasattr(command, "commands"):
        for name, subcommand in command.commands.items():
            if not subcommand.hidden:
                lines += command_section(f"{path} {name}", subcommand)
    return lines


def cli_reference() -> str:
    """Every command of ``allocator``, in the order the app registers them."""
    root = typer.main.get_command(app)
    lines = []
    for name, command in root.commands.items():
        if not command.hidden:
            lines += command_section(f"allocator {name}", command)
    return "\n".join(lines)
