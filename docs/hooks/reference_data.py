"""The data reference: input tables from allocator.model.schema (what the validator checks)
and run-folder files from allocator.model.outputs."""

from __future__ import annotations

from markdown_table import code, table

from allocator.model import outputs, schema, study_outputs

INPUT_TABLES = (schema.SCHOOLS, schema.APPLICANTS, schema.PRIORITIES)
REQUIREMENT = {"always": "yes", "spatial": "yes*", "optional": "no"}
KINDS = {
    "id": "identifier: text, unique where it is the table's key",
    "text": "free text",
    "integer": "whole number",
    "number": "decimal number",
    "boolean": "true/false, 1/0, yes/no, 是/否 (empty = false)",
    "date": "ISO date, YYYY-MM-DD",
    "list": "several values in one cell, separated by `;`",
    "choice": "one of the listed values",
}


def chinese_name(column: object) -> str:
    """The column's Chinese name: the first Chinese header users write for it, where the
    schema has them (``aliases_zh``), else ``name_zh`` (output schemas)."""
    aliases = getattr(column, "aliases_zh", ()) or ()
    return str(aliases[0] if aliases else getattr(column, "name_zh", "") or "")


def meaning(column: object) -> str:
    """English meaning, followed by the Chinese one where the schema has it."""
    chinese = getattr(column, "description_zh", "") or ""
    return f"{column.description}<br>{chinese}" if chinese else column.description


def allowed_values(column: schema.Column) -> str:
    """Choices or range of an input column, as text."""
    if column.choices:
        return ", ".join(code(choice) for choice in column.choices)
    bounds = []
    if column.minimum is not None:
        bounds.append(f">= {column.minimum:g}")
    if column.maximum is not None:
        bounds.append(f"<= {column.maximum:g}")
    return ", ".join(bounds)


def input_tables() -> str:
    """One section per scenario table, one row per column."""
    sections = []
    for described in INPUT_TABLES:
        key = f" Key: {code(described.key)}." if described.key else ""
        rows = [(code(column.name), chinese_name(column), column.kind,
                 REQUIREMENT[column.required], meaning(column), allowed_values(column))
                for column in described.columns]
        sections.append(
            f"### {described.name}.csv\n\n"
            f"Also read as `{described.name}.xlsx` or `{described.name}.parquet`.{key}\n\n"
            + table(("column", "中文名", "type", "required", "meaning", "values"), rows))
    forbidden = ", ".join(code(part) for part in schema.FORBIDDEN_NAME_PARTS)
    personal = ", ".join(code(name) for name in schema.PERSONAL_COLUMNS)
    return ("\n".join(sections)
            + "\n`yes*`: required by every policy except `explicit`.\n\n"
            "Columns whose name contains any of " + forbidden + " are refused: admission "
            "may not depend on tests, income or parents' jobs.\n\n"
            "Personal columns a portal may send (" + personal + ") are never used, logged "
            "or written to any output.\n")


def column_kinds() -> str:
    """What each column type accepts."""
    return table(("type", "accepted values"), ((code(kind), text) for kind, text in
                                               KINDS.items()))


def notice_headers(name: str) -> tuple[str, str]:
    """The headers a public notice writes for column ``name``, in Chinese and English."""
    from allocator.model.vocabulary import column_label

    shown = name.replace("<tier>", "\x00")
    return tuple(column_label(shown, lang).replace("\x00", "<tier label>")
                 for lang in ("zh", "en"))  # type: ignore[return-value]


def folder_section(files: tuple[outputs.OutputFile, ...]) -> str:
    """One section per file; columns (or top-level keys) where it has them."""
    sections = []
    for described in files:
        contract = " Part of the [data contract](contract.md)." if described.contract else ""
        text = f"### {described.name}\n\n{described.name_zh}: {described.description}." \
               f"{contract}\n"
        if described.columns and described.localised:
            rows = [(code(column.name), *notice_headers(column.name), column.description)
                    for column in described.columns]
            text += "\n" + table(("source column", "中文表头", "English header", "meaning"),
                                  rows)
        elif described.columns:
            what = "key" if described.name.endswith(".json") else "column"
            rows = [(code(column.name), column.name_zh, column.kind, column.description,
                     ", ".join(code(choice) for choice in column.choices))
                    for column in described.columns]
            text += "\n" + table((what, "中文名", "type", "meaning", "values"), rows)
        sections.append(text)
    return "\n".join(sections)


def run_folder() -> str:
    """The files of a run folder (allocator run, scenarios, province)."""
    return folder_section(outputs.RUN_FOLDER)


def comparison_folder() -> str:
    """The files ``allocator compare --out`` writes."""
    return folder_section(study_outputs.COMPARISON_FOLDER)


def sweep_folder() -> str:
    """The files ``allocator sweep --out`` writes."""
    return folder_section(study_outputs.SWEEP_FOLDER)
