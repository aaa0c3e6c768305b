"""Deterministic synthetic rosters (schools and applicants) for testing and benchmarks.

``generate_county`` builds one county, ``generate_province`` many counties of uneven size,
``write_scenario`` writes a scenario folder in the format of the data contract. The package
uses numpy, pandas and PyYAML only and imports nothing else from :mod:`allocator`.
"""

from .communities import ZONE_COLUMNS, split_into_communities
from .county import (
    APPLICANT_COLUMNS,
    CATEGORY_TAGS,
    CLASS_SIZE_CAP,
    SCHOOL_COLUMNS,
    default_n_schools,
    generate_county,
)
from .province import (
    county_seed,
    generate_province,
    iter_province,
    province_n_schools,
    province_plan,
)
from .write import write_partitioned, write_scenario

__all__ = [
    "APPLICANT_COLUMNS",
    "CATEGORY_TAGS",
    "CLASS_SIZE_CAP",
    "SCHOOL_COLUMNS",
    "ZONE_COLUMNS",
    "county_seed",
    "default_n_schools",
    "generate_county",
    "generate_province",
    "iter_province",
    "province_n_schools",
    "province_plan",
    "split_into_communities",
    "write_partitioned",
    "write_scenario",
]
