"""Policy files: the built-in vocabulary is never mistaken for a forbidden criterion,
and a planner's copy of a built-in policy reads back as the same policy."""

from pathlib import Path

import numpy as np
import yaml

from allocator.model.problems import ProblemCollector
from allocator.pipeline.load import load
from allocator.policy.loader import builtin_policy_data, load_builtin_policy, resolve_policy
from allocator.problem.compile import compile_problem

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo-county"


def test_a_dumped_builtin_policy_reads_back_identically(tmp_path):
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(builtin_policy_data("shanxi-2025"),
                                                       allow_unicode=True), encoding="utf-8")
    problems = ProblemCollector()
    policy, _ = resolve_policy("mine.yaml", tmp_path, problems)
    assert problems.problems == []
    assert policy == load_builtin_policy("shanxi-2025")


def test_a_real_criterion_is_still_refused(tmp_path):
    data = builtin_policy_data("shanxi-2025")
    data["tiers"][1]["all_of"] = ["household_income_band"]
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = ProblemCollector()
    policy, _ = resolve_policy("mine.yaml", tmp_path, problems)
    assert policy is None
    assert any("income" in p.message for p in problems.problems)


def test_warm_plan_change_equals_a_fresh_compile():
    loaded = load(DEMO)
    problem = compile_problem(loaded.scenario, loaded.policy, loaded.seed)
    plan = problem.school_plan.copy()
    plan[:20] = 0   # cuts below certified demand: the seats for them must be recomputed
    schools = loaded.scenario.schools.copy()
    schools["capacity"] = plan
    from dataclasses import replace
    fresh = compile_problem(replace(loaded.scenario, schools=schools), loaded.policy, loaded.seed)
    warm = problem.with_capacity(plan)
    assert (fresh.school_capacity > fresh.school_plan).any()
    assert np.array_equal(warm.school_capacity, fresh.school_capacity)
    assert np.array_equal(warm.school_plan, fresh.school_plan)


def test_seat_warning_thresholds_come_from_the_policy(tmp_path):
    import shutil

    from allocator.pipeline.run import run_scenario
    from allocator.reports.seat_warnings import seat_warnings

    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    default = seat_warnings(run_scenario(folder))
    assert (default["level"] == "red").any()
    (folder / "lenient.yaml").write_text(
        "base: shanxi-2025\nseat_warnings: {red: 50, orange: 40, yellow: 30}\n")
    settings = (folder / "scenario.yaml").read_text().replace(
        "policy: shanxi-2025", "policy: lenient.yaml")
    (folder / "scenario.yaml").write_text(settings)
    lenient = seat_warnings(run_scenario(folder))
    assert (lenient["level"] == "").all()
    (folder / "lenient.yaml").write_text(
        "base: shanxi-2025\nseat_warnings: {red: 0.5, orange: 1.0, yellow: 0.9}\n")
    from allocator.model.problems import InputError
    try:
        run_scenario(folder)
    except InputError as error:
        assert any("red >= orange >= yellow" in p.message for p in error.problems)
    else:
        raise AssertionError("unordered thresholds were accepted")


def test_policy_problems_found_after_parsing_name_their_yaml_line(tmp_path):
    # Regression: problems found by the policy model (a misspelt key, a forbidden
    # criterion, an unknown base) were reported without a line number.
    (tmp_path / "mine.yaml").write_text(
        "base: shanxi-2024\n"          # line 1: unknown base
        "lottery:\n"                    # line 2
        "  method: coin\n"
        "tiers:\n"
        "  - name: a\n"
        "    all_of: [household_income_band]\n",   # line 6: forbidden criterion
        encoding="utf-8")
    problems = ProblemCollector()
    policy, _ = resolve_policy("mine.yaml", tmp_path, problems)
    assert policy is None
    forbidden = [p for p in problems.problems if "income" in p.message]
    assert [(p.row, p.column) for p in forbidden] == [(6, "tiers[0].all_of[0]")]
    (tmp_path / "mine.yaml").write_text(
        "base: shanxi-2024\nlottery:\n  method: coin\n", encoding="utf-8")
    problems = ProblemCollector()
    resolve_policy("mine.yaml", tmp_path, problems)
    assert {(p.row, p.column) for p in problems.problems} >= {(1, "base")}
    (tmp_path / "mine.yaml").write_text(
        "base: shanxi-2025\nlottery:\n  method: coin\n", encoding="utf-8")
    problems = ProblemCollector()
    resolve_policy("mine.yaml", tmp_path, problems)
    assert [(p.row, p.column) for p in problems.problems] == [(2, "lottery")]
