"""Policy layer: eligibility, priority tiers, tie-breaks and the lottery.

Pure functions of (scenario tables, policy); nothing here knows a solver.
"""

from allocator.policy.config import Policy, Tier
from allocator.policy.loader import builtin_policy_names, load_builtin_policy, resolve_policy
from allocator.policy.lottery import LOTTERY_ALGORITHM, lottery_draws, lottery_numbers

__all__ = ["LOTTERY_ALGORITHM", "Policy", "Tier", "builtin_policy_names",
           "load_builtin_policy", "lottery_draws", "lottery_numbers", "resolve_policy"]
