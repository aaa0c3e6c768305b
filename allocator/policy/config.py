"""Policy configuration: a frozen, validated description of admission rules.

A policy is data, never code: tiers are built from the fixed predicate
vocabulary in :mod:`allocator.policy.predicates`, and anything else is refused.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from allocator.model.schema import CATEGORY_TAGS
from allocator.policy.predicates import PREDICATES

TIE_BREAKS: dict[str, str] = {
    "hukou_since": "earlier household registration (户籍) date first",
    "property_since": "earlier home purchase date first",
    "residence_permit_months": "longer residence permit (居住证) first",
    "social_insurance_months": "longer continuous social insurance (社保) first",
    "lottery": "lower lottery number first (always last)",
}


class Strict(BaseModel):
    """Base: frozen and refusing unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(Strict):
    """One rung of the priority ladder; an applicant's tier at a school is the first match."""

    name: str = Field(description="identifier written to the outputs")
    label_zh: str = Field("", description="Chinese label for reports")
    label_en: str = Field("", description="English label for reports")
    all_of: tuple[str, ...] = Field((), description="predicates that must all hold")
    any_of: tuple[str, ...] = Field((), description="at least one must hold (if given)")
    none_of: tuple[str, ...] = Field((), description="predicates that must not hold")
    stages: tuple[Literal["primary", "junior"], ...] = Field(
        (), description="stages the rung applies to (empty = every stage)")

    @field_validator("all_of", "any_of", "none_of")
    @classmethod
    def _known_predicates(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in PREDICATES]
        if unknown:
            raise ValueError(f"unknown predicate(s) {', '.join(unknown)}; "
                             f"the vocabulary is: {', '.join(sorted(PREDICATES))}")
        return names


class Migrants(Strict):
    """Rules for migrant children (随迁子女) holding a residence permit."""

    inflow_counties: tuple[str, ...] = Field(
        (), description="counties that are population-inflow districts (local rule)")
    inflow_minimum_permit_months: int = Field(12, ge=0, description="inflow: permit months")
    inflow_minimum_social_insurance_months: int = Field(
        12, ge=0, description="inflow: months of continuous social insurance")


class Overflow(Strict):
    """Placement beyond the catchment: nearest schools with seats, same group first."""

    enabled: bool = Field(True, description="add overflow schools to the effective list")
    candidates: int = Field(10, ge=0, description="nearest other schools added to the list")
    same_group_first: bool = Field(True, description="schools of the catchment school's group")
    final_sweep: bool = Field(
        True, description="after the mechanism, place anyone still unplaced at the nearest "
                          "school of the county with a free seat")


class Siblings(Strict):
    """Older-sibling requests (长幼随学) and siblings applying together (twins)."""

    older_sibling: Literal["within_tier", "own_tier", "tier_zero", "off"] = Field(
        "within_tier", description="where an older-sibling request ranks at the sibling's "
        "school: first inside the applicant's own tier, a tier of its own after the catchment "
        "tiers, in tier 0, or not honoured")
    together: Literal["required", "preferred"] = Field(
        "required", description="siblings of one sibling_group: always one school, or one "
        "school when possible and individually otherwise")


class Guarantee(Strict):
    """Groups every one of whom must be enrolled (应入尽入)."""

    categories: tuple[str, ...] = Field(
        ("left_behind", "unsupported", "orphan", "low_income"),
        description="category tags of the guaranteed groups")
    disabled_mainstream: bool = Field(True, description="disabled children in mainstream "
                                                        "classes are guaranteed too")


class Inclusion(Strict):
    """Disabled children in mainstream classes (随班就读)."""

    resource_room_radius_km: float = Field(
        5.0, ge=0, description="prefer the nearest school with a resource room within this "
                               "distance, ahead of the catchment school")


class SeatWarnings(Strict):
    """Seat warnings (学位预警): projected catchment demand / plan from which a school is
    flagged red, orange or yellow."""

    red: float = Field(1.2, gt=0, description="demand / plan at or above which: red")
    orange: float = Field(1.0, gt=0, description="... orange")
    yellow: float = Field(0.9, gt=0, description="... yellow")

    @model_validator(mode="after")
    def _ordered(self) -> SeatWarnings:
        if not self.red >= self.orange >= self.yellow:
            raise ValueError("seat warning thresholds must satisfy red >= orange >= yellow")
        return self


class Zoning(Strict):
    """Catchment design (划片): how ``allocator zoning`` builds and bounds its proposals."""

    neighbour_distance_km: float = Field(
        3.0, gt=0, description="without neighbours in zones.csv, communities are neighbours "
                               "when their Delaunay edge is at most this long")
    plan_slack: float = Field(
        0.05, ge=0, le=1, description="a proposal keeps each school's projected catchment "
        "demand within its plan plus this share (0.05 = 5 %), or within today's demand where "
        "today's zones already exceed that")
    max_moved_communities: int | None = Field(
        None, ge=0, description="hard cap on communities whose school changes (None: no cap)")


class Age(Strict):
    """Grade-1 age rule: aged ``minimum`` by the cut-off day of the entry year."""

    minimum: int = Field(6, ge=0, le=12, description="minimum age in years")
    cutoff_month: int = Field(8, ge=1, le=12, description="month of the cut-off day")
    cutoff_day: int = Field(31, ge=1, le=31, description="day of the cut-off day")


class Rounds(Strict):
    """Later rounds of the season (递补, 补录): defaults for responses and late applicants."""

    default_response: Literal["accept", "wait", "decline"] = Field(
        "accept", description="response of a placed applicant that gave none")
    late_applicants: Literal["after_on_time", "with_on_time"] = Field(
        "after_on_time", description="late applicants rank after on-time applicants of the "
        "same tier, or with them by the tie-breaks")


class Policy(Strict):
    """An admission policy: kind, ladder, tie-breaks and options."""

    name: str = Field(description="policy name, recorded in the manifest")
    kind: Literal["ladder", "explicit"] = Field(
        "ladder", description="'ladder': tiers from predicates; 'explicit': priorities.csv")
    description: str = Field("", description="free text")
    tiers: tuple[Tier, ...] = Field((), description="the priority ladder, best first")
    tie_breaks: tuple[str, ...] = Field(("lottery",), description="order inside a tier")
    certified_categories: tuple[str, ...] = Field(
        ("martyr", "military", "police_hero", "fire_rescue", "special_care"),
        description="category tags forming the certified groups (tier 0)")
    class_size: dict[str, int] = Field(
        {"primary": 45, "junior": 50}, description="seats per class by stage")
    class_size_ceiling: int = Field(56, ge=1, description="hard ceiling per class")
    age: Age = Field(default_factory=Age, description="grade-1 age rule")
    migrants: Migrants = Field(default_factory=Migrants, description="migrant-children rules")
    overflow: Overflow = Field(default_factory=Overflow, description="overflow placement")
    stated_choices_outside_catchment: bool = Field(
        False, description="honour stated public choices outside the applicant's catchment")
    siblings: Siblings = Field(default_factory=Siblings, description="sibling rules")
    guarantee: Guarantee = Field(default_factory=Guarantee, description="guaranteed groups")
    inclusion: Inclusion = Field(default_factory=Inclusion, description="inclusive education")
    private_round: bool = Field(True, description="private schools (公民同招) draw lots in a "
                                                  "round of their own before the public round")
    seat_warnings: SeatWarnings = Field(default_factory=SeatWarnings,
                                        description="seat-warning thresholds for reports")
    rounds: Rounds = Field(default_factory=Rounds, description="later rounds of the season")
    zoning: Zoning = Field(default_factory=Zoning, description="catchment design options")
    first_tier_up_to_ceiling: bool = Field(
        True, description="children of the first rung (certified groups) are placed at their "
                          "first public choice even beyond the plan, up to the class ceiling")

    @field_validator("tie_breaks")
    @classmethod
    def _known_tie_breaks(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in TIE_BREAKS]
        if unknown:
            raise ValueError(f"unknown tie-break(s) {', '.join(unknown)}; "
                             f"choose from {', '.join(TIE_BREAKS)}")
        if not names or names[-1] != "lottery" or names.count("lottery") != 1:
            raise ValueError("the tie-break chain must end with 'lottery', once")
        return names

    @field_validator("certified_categories")
    @classmethod
    def _known_categories(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in CATEGORY_TAGS]
        if unknown:
            raise ValueError(f"unknown category tag(s) {', '.join(unknown)}")
        return names

    @field_validator("guarantee")
    @classmethod
    def _known_guarantee_categories(cls, guarantee: Guarantee) -> Guarantee:
        unknown = [name for name in guarantee.categories if name not in CATEGORY_TAGS]
        if unknown:
            raise ValueError(f"unknown category tag(s) {', '.join(unknown)}")
        return guarantee

    @model_validator(mode="after")
    def _ladder_is_complete(self) -> Policy:
        if self.kind == "ladder":
            if not self.tiers:
                raise ValueError("a ladder policy needs at least one tier")
            last = self.tiers[-1]
            if last.all_of or last.any_of or last.none_of:
                raise ValueError("the last tier must have no conditions: everyone else")
            names = [tier.name for tier in self.tiers]
            if len(set(names)) != len(names):
                raise ValueError("tier names must be unique")
        if len(self.tiers) > 200:
            raise ValueError("at most 200 tiers")
        return self

    def ladder(self) -> tuple[Tier, ...]:
        """The tiers in force, with the older-sibling rule applied.

        ``own_tier`` inserts an ``older_sibling`` rung before the last (catch-all)
        rung; ``tier_zero`` lets an older-sibling request match the first rung.
        ``within_tier`` and ``off`` leave the ladder as written (``within_tier``
        acts inside a tier, see :func:`allocator.policy.tiers`).
        """
        tiers = list(self.tiers)
        if self.kind != "ladder":
            return tuple(tiers)
        rule = self.siblings.older_sibling
        sibling_rung = Tier(name="older_sibling", label_zh="长幼随学",
                            label_en="older sibling at this school",
                            all_of=("older_sibling_here",))
        if rule == "own_tier":
            tiers.insert(len(tiers) - 1, sibling_rung)
        elif rule == "tier_zero":
            first = tiers[0]
            if first.any_of and not first.all_of:
                tiers[0] = first.model_copy(
                    update={"any_of": (*first.any_of, "older_sibling_here")})
            else:
                tiers.insert(0, sibling_rung)
        return tuple(tiers)

    @property
    def uses_zones(self) -> bool:
        """Whether counties and catchment zones are required in the input."""
        return self.kind == "ladder"
