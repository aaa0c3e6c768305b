"""The fixed vocabulary of tier predicates.

Each predicate is a documented, named condition on an applicant, or on an
applicant at a school (``*_in_catchment``). Policies refer to them by name;
nothing in a policy file is ever evaluated as code.
"""

from __future__ import annotations

PREDICATES: dict[str, str] = {
    "certified_group": "has a tag of the policy's certified_categories "
                       "(martyr, military, ... children; 优抚对象)",
    "disabled_mainstream": "disabled child whose plan is a mainstream class (随班就读)",
    "hukou_in_catchment": "household registration (户籍) in a zone this school serves",
    "property_in_catchment": "a parent owns a home (房产) in a zone this school serves",
    "residence_in_catchment": "the child lives in a zone this school serves",
    "hukou_in_county": "household registration anywhere in the county",
    "hukou_in_city": "household registration in the county or the same prefecture-level city",
    "owns_home_in_county": "a parent owns a home in the county",
    "residence_permit": "holds a valid residence permit (居住证); in inflow counties at least "
                        "the policy's months of permit and of social insurance",
    "older_sibling_here": "an older sibling attends this school (长幼随学 request)",
    "feeder_school_here": "junior stage: the applicant's primary school feeds this school",
    "nine_year_continuing": "junior stage: the applicant finished primary at this nine-year "
                            "school (九年一贯制)",
    "listed_by_school": "explicit policy: listed in priorities.csv for this school",
}

#: Predicates whose truth depends on the school as well as the applicant.
SCHOOL_DEPENDENT: frozenset[str] = frozenset({
    "hukou_in_catchment", "property_in_catchment", "residence_in_catchment",
    "older_sibling_here", "feeder_school_here", "nine_year_continuing", "listed_by_school",
})
