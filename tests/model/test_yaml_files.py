"""Bounded YAML reading: aliases, size, depth, tags, repeated keys and the seed's range."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import helpers  # noqa: E402

from allocator.model.problems import ProblemCollector  # noqa: E402
from allocator.model.yaml_files import MAX_DEPTH, parse_yaml  # noqa: E402


def alias_bomb(levels: int) -> str:
    """The billion-laughs document: each level lists the previous one nine times."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def problems_of(text: str) -> list[str]:
    problems = ProblemCollector()
    document = parse_yaml(text, "policy.yaml", problems)
    assert (document is None) == bool(problems)
    return [str(problem) for problem in problems.problems]


def test_alias_bomb_is_refused_quickly_with_its_line():
    started = time.perf_counter()
    messages = problems_of(alias_bomb(9))
    assert time.perf_counter() - started < 2
    assert len(messages) == 1
    assert messages[0].startswith("policy.yaml:")
    assert "alias bomb" in messages[0]
    assert int(messages[0].split(":")[1]) > 1


def test_a_few_aliases_and_merge_keys_still_work():
    problems = ProblemCollector()
    document = parse_yaml("a: &x {b: 1}\nc: *x\nd: {<<: *x, e: 2}\n", "f.yaml", problems)
    assert not problems
    assert document is not None
    assert document.data == {"a": {"b": 1}, "c": {"b": 1}, "d": {"b": 1, "e": 2}}


def test_recursive_alias_is_refused():
    assert problems_of("a: &x [*x]\n") == [
        "policy.yaml:1:a[0]: an alias refers to a value that contains it; write it out"]


def test_repeated_key_is_refused_with_both_lines_named_by_line():
    assert problems_of("name: x\nseed: 1\nseed: 2\n") == [
        "policy.yaml:3:seed: key 'seed' is given twice"]


def test_nested_repeated_key_names_its_path():
    assert problems_of("a:\n  b: 1\n  b: 2\n") == ["policy.yaml:3:a.b: key 'b' is given twice"]


def test_deep_nesting_is_a_clear_error_not_a_recursion_error():
    messages = problems_of("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert messages == [f"policy.yaml:1:: nested more than {MAX_DEPTH} levels deep; "
                        "flatten the structure"]


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['echo hi']\n",
    "a: !!python/name:os.system\n",
    "a: !custom 1\n",
])
def test_python_and_custom_tags_are_refused(text):
    messages = problems_of(text)
    assert len(messages) == 1 and "is not allowed" in messages[0]
    assert messages[0].startswith("policy.yaml:1:")


def test_oversized_text_is_refused():
    messages = problems_of("a: '" + "x" * 2_100_000 + "'\n")
    assert len(messages) == 1 and "larger than" in messages[0]


def test_policy_alias_bomb_through_validate(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s", policy_file=alias_bomb(9))
    started = time.perf_counter()
    outcome = helpers.run_cli("validate", folder)
    assert time.perf_counter() - started < 10
    assert outcome.exit_code == 2
    assert any(line.startswith("policy.yaml:") and "alias bomb" in line
               for line in outcome.problem_lines())


def test_repeated_seed_is_refused(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s", settings_text=(
        "name: x\nseed: 1\npolicy: shanxi-2025\nseed: 2\n"))
    outcome = helpers.run_cli("validate", folder)
    assert outcome.exit_code == 2
    assert "scenario.yaml:4:seed: key 'seed' is given twice" in outcome.problem_lines()


@pytest.mark.parametrize("seed_text, message", [
    ("true", "not true/false"),
    ("1" * 70, "from 0 to 18446744073709551615 (64 bits)"),
    ("-1", "from 0 to 18446744073709551615"),
    ("1.5", "fractional part"),
])
def test_seed_outside_64_bits_or_boolean_is_refused_at_validate(tmp_path, seed_text, message):
    folder = helpers.write_ladder(tmp_path / "s", settings_text=(
        f"name: x\nseed: {seed_text}\npolicy: shanxi-2025\n"))
    for command in (("validate", folder), ("run", folder, "--out", tmp_path / "out",
                                           "--no-reports", "-q")):
        outcome = helpers.run_cli(*command)
        assert outcome.exit_code == 2, outcome.stderr
        lines = outcome.problem_lines()
        assert len(lines) == 1 and lines[0].startswith("scenario.yaml:2:seed: ")
        assert message in lines[0]
    assert not (tmp_path / "out").exists()


def test_largest_seed_runs(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s", seed=2**64 - 1)
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "out", "--no-reports", "-q")
    assert outcome.exit_code == 0, outcome.stderr


def test_command_line_seed_outside_64_bits_is_refused(tmp_path):
    folder = helpers.write_ladder(tmp_path / "s")
    outcome = helpers.run_cli("run", folder, "--out", tmp_path / "out", "--no-reports",
                              "--seed", "1" * 70)
    assert outcome.exit_code == 2
    assert outcome.problem_lines() == [
        "command line::--seed: the seed must be a whole number from 0 to 18446744073709551615"]
    assert not (tmp_path / "out").exists()


def test_what_if_file_with_python_tag_is_refused(tmp_path):
    from allocator.model.problems import InputError
    from allocator.scenarios.spec import read_scenario_file

    path = tmp_path / "whatifs.yaml"
    path.write_text("base: .\noverrides: !!python/object/apply:os.system ['x']\n"
                    "scenarios: {a: []}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_scenario_file(path)
    assert [p.row for p in caught.value.problems] == [2]
