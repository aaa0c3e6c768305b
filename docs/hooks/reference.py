"""MkDocs hook: fill the reference pages from the code at build time.

A page holds a marker line ``<!-- generated: NAME -->``; the hook replaces it with the
Markdown that ``GENERATORS[NAME]`` builds from the engine itself (the table schemas the
validator uses, the output schemas, the policy model, the typer app), so the reference
cannot drift from the code. An unknown marker stops the build.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference_cli  # noqa: E402
import reference_data  # noqa: E402
import reference_policy  # noqa: E402

GENERATORS = {
    "input-tables": reference_data.input_tables,
    "column-kinds": reference_data.column_kinds,
    "run-folder": reference_data.run_folder,
    "comparison-folder": reference_data.comparison_folder,
    "sweep-folder": reference_data.sweep_folder,
    "policy-options": reference_policy.policy_options,
    "tier-fields": reference_policy.tier_fields,
    "predicates": reference_policy.predicates,
    "tie-breaks": reference_policy.tie_breaks,
    "builtin-policies": reference_policy.builtin_policies,
    "mechanisms": reference_policy.mechanisms,
    "cli": reference_cli.cli_reference,
}
MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.MULTILINE)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 - hook API
    """Replace every generated-content marker of the page."""

    def generate(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise PluginError(f"{page.file.src_uri}: unknown generated section '{name}'; "
                              f"known: {', '.join(GENERATORS)}")
        return GENERATORS[name]()

    return MARKER.sub(generate, markdown)


def on_post_build(config) -> None:
    """Write ``assets/cjk-font.css``: the CJK glyphs the built pages use, as an embedded font."""
    from allocator.reports.page import font_face_css

    site = Path(config["site_dir"])
    characters = set()
    for page in site.rglob("*.html"):
        characters.update(char for char in page.read_text(encoding="utf-8") if ord(char) > 0x2E7F)
    css = font_face_css("".join(sorted(characters)))
    (site / "assets").mkdir(exist_ok=True)
    (site / "assets" / "cjk-font.css").write_text(css, encoding="utf-8")
