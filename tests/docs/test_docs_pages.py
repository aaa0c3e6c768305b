"""The documentation says what the code does: the generated reference pages cover every column,
option and command, and the examples written by hand in the pages still work.

The site itself is built with ``mkdocs build --strict`` by ``.ci/run`` (broken links and
unknown generated sections fail it); these tests check the content of the generators and
the hand-written examples without building the site.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest
import typer
import yaml

from allocator.interfaces.cli import app
from allocator.model import outputs, schema, study_outputs
from allocator.pipeline.load import load
from allocator.policy import config, predicates

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
sys.path.insert(0, str(DOCS / "hooks"))

import reference_cli  # noqa: E402
import reference_data  # noqa: E402
import reference_policy  # noqa: E402


def test_the_data_reference_lists_every_input_and_output_column():
    page = (reference_data.input_tables() + reference_data.run_folder()
            + reference_data.comparison_folder() + reference_data.sweep_folder())
    for table in (schema.SCHOOLS, schema.APPLICANTS, schema.PRIORITIES):
        for column in table.columns:
            assert f"`{column.name}`" in page, f"{table.name}.{column.name}"
    for described in (*outputs.RUN_FOLDER, *study_outputs.COMPARISON_FOLDER,
                      *study_outputs.SWEEP_FOLDER):
        assert f"### {described.name}" in page
        for column in described.columns:
            assert f"`{column.name}`" in page, f"{described.name}:{column.name}"


def leaf_options(model: type, prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        nested = reference_policy.submodel(field.annotation)
        keys += leaf_options(nested, f"{prefix}{name}.") if nested else [prefix + name]
    return keys


def test_the_policy_reference_lists_every_option_predicate_and_tie_break():
    page = (reference_policy.policy_options() + reference_policy.tier_fields()
            + reference_policy.predicates() + reference_policy.tie_breaks())
    for key in leaf_options(config.Policy):
        if key != "tiers":
            assert f"`{key}`" in page, key
    for key in config.Tier.model_fields:
        assert f"`{key}`" in page, key
    for name in [*predicates.PREDICATES, *config.TIE_BREAKS]:
        assert f"`{name}`" in page, name


def command_paths(group, prefix: str = "allocator") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        paths.append(f"{prefix} {name}")
        if hasattr(command, "commands"):
            paths += command_paths(command, f"{prefix} {name}")
    return paths


def test_the_cli_reference_lists_every_command():
    page = reference_cli.cli_reference()
    for path in command_paths(typer.main.get_command(app)):
        assert f"### `{path}`" in page, path


def documentation_pages() -> list[Path]:
    return sorted(DOCS.glob("*.md")) + [REPO / "README.md", REPO / "scenarios/tiny/README.md"]


def test_every_command_the_pages_mention_exists():
    known = command_paths(typer.main.get_command(app))
    top = {path.split()[1] for path in known}
    mentioned, unknown = set(), []
    for page in documentation_pages():
        for block in re.findall(r"```(?:bash|text)\n(.*?)```", page.read_text(), re.S):
            for word in re.findall(r"(?:^|[\s/])allocator ([a-z][a-z-]+)", block, re.M):
                mentioned.add(word)
                if word not in top:
                    unknown.append(f"{page.name}: allocator {word}")
    assert unknown == []
    assert {"run", "validate", "explain", "scenarios", "compare", "job", "serve"} <= mentioned


def test_the_policy_example_of_the_policy_reference_is_a_valid_policy(tmp_path):
    page = (DOCS / "policy-reference.md").read_text()
    example = re.search(r"## Choosing a policy.*?```yaml\n(.*?)```", page, re.S).group(1)
    scenario = tmp_path / "scenario"
    shutil.copytree(REPO / "scenarios" / "tiny", scenario)
    (scenario / "policy.yaml").write_text(example, encoding="utf-8")
    settings = yaml.safe_load((scenario / "scenario.yaml").read_text(encoding="utf-8"))
    settings["policy"] = "policy.yaml"
    (scenario / "scenario.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    policy = load(scenario).policy
    assert policy.name == "taiyuan-xiaodian-2025"
    assert policy.siblings.older_sibling == "own_tier"
    assert policy.migrants.inflow_counties == ("140105",)
    assert policy.seat_warnings.red == pytest.approx(1.3)
    assert [tier.name for tier in policy.tiers][0] == "certified"


def test_the_python_example_of_the_api_page_runs(tmp_path, capsys):
    page = (DOCS / "api.md").read_text()
    example = re.search(r"```python\n(.*?)```", page, re.S).group(1)
    example = example.replace('"scenarios/', f'"{REPO}/scenarios/').replace(
        '"out/', f'"{tmp_path}/')
    namespace: dict = {}
    exec(compile(example, "api.md", "exec"), namespace)  # noqa: S102 - the page's own example
    assert capsys.readouterr().out.split() == ["3976", "True"]
    assert (tmp_path / "demo-42" / "report.html").is_file()
    assert len(namespace["table"]) == 4000
