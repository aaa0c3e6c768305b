"""A synthetic province: many counties of uneven size, each generated independently."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .county import generate_county

__all__ = ["county_seed", "generate_province", "iter_province", "province_plan",
           "province_n_schools"]

MIN_COUNTY_APPLICANTS = 50
_SIZE_SIGMA = 0.7  # lognormal spread of county sizes (small mountain counties to city districts)


def county_seed(seed: int, index: int) -> int:
    """Seed of county number ``index`` (1-based) of a province generated with ``seed``.

    Parameters
    ----------
    seed : int
        Province seed (non-negative).
    index : int
        1-based county number (``C001`` is 1).

    Returns
    -------
    int
        A 64-bit non-negative seed that depends only on ``(seed, index)``.
    """
    state = np.random.SeedSequence(int(seed), spawn_key=(int(index), 1)).generate_state(
        2, dtype=np.uint32
    )
    return (int(state[0]) << 32) | int(state[1])


def province_n_schools(n_applicants: int) -> int:
    """Number of schools of a county of ``n_applicants`` inside a generated province.

    Parameters
    ----------
    n_applicants : int
        Applicants of the county.

    Returns
    -------
    int
        ``n_applicants / 75`` up to 3,000 applicants (an average Shanxi county: 50-60
        schools); larger, more urban counties have larger schools, ``40 * (n / 3000) ** 0.45``.
        At least 3. With 1,000,000 applicants over 117 counties this gives about 7,000 schools.
    """
    if n_applicants <= 3000:
        return max(3, int(round(n_applicants / 75)))
    return max(3, int(round(40.0 * (n_applicants / 3000.0) ** 0.45)))


def province_plan(n_applicants: int, n_counties: int, seed: int) -> pd.DataFrame:
    """Split a province's applicants over its counties.

    Parameters
    ----------
    n_applicants : int
        Total applicants; at least ``50 * n_counties``.
    n_counties : int
        Number of counties (Shanxi has about 117 county-level units).
    seed : int
        Province seed (non-negative).

    Returns
    -------
    pandas.DataFrame
        One row per county with columns ``county`` (``C001`` ...), ``n_applicants`` (lognormal
        weights, at least 50 each, summing to ``n_applicants``), ``seed``
        (:func:`county_seed`), ``n_schools`` (:func:`province_n_schools`) and
        ``migrant_share`` (larger counties have more migrant children, 3-30 %). A county's
        weight, seed and migrant draw depend only on ``(seed, index)``.
    """
    if isinstance(n_counties, bool) or not isinstance(n_counties, (int, np.integer)):
        raise TypeError(f"n_counties must be an integer: {n_counties!r}")
    if n_counties < 1:
        raise ValueError(f"n_counties must be >= 1: {n_counties}")
    if int(seed) < 0:
        raise ValueError(f"seed must be >= 0: {seed}")
    if n_applicants < MIN_COUNTY_APPLICANTS * n_counties:
        raise ValueError(
            f"n_applicants must be >= {MIN_COUNTY_APPLICANTS} x n_counties "
            f"({MIN_COUNTY_APPLICANTS * n_counties}): {n_applicants}"
        )
    weights = np.empty(n_counties)
    noise = np.empty(n_counties)
    for k in range(1, n_counties + 1):
        rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(k, 0)))
        weights[k - 1] = rng.lognormal(0.0, _SIZE_SIGMA)
        noise[k - 1] = rng.lognormal(0.0, 0.3)
    spare = int(n_applicants) - MIN_COUNTY_APPLICANTS * n_counties
    raw = spare * weights / weights.sum()
    sizes = np.floor(raw).astype(np.int64)
    left = spare - int(sizes.sum())
    sizes[np.argsort(-(raw - sizes), kind="stable")[:left]] += 1
    sizes += MIN_COUNTY_APPLICANTS
    migrant = np.clip(0.06 * (sizes / 3000.0) ** 0.6 * noise, 0.03, 0.30)
    width = max(3, len(str(n_counties)))
    return pd.DataFrame(
        {
            "county": [f"C{k:0{width}d}" for k in range(1, n_counties + 1)],
            "n_applicants": sizes,
            "seed": [county_seed(seed, k) for k in range(1, n_counties + 1)],
            "n_schools": [province_n_schools(int(s)) for s in sizes],
            "migrant_share": np.round(migrant, 4),
        }
    )


def generate_province(
    n_applicants: int, n_counties: int, seed: int, **county_options
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate a province of ``n_counties`` counties of uneven size.

    Parameters
    ----------
    n_applicants : int
        Total applicants, at least 50 per county.
    n_counties : int
        Number of counties; ids ``C001`` .. (``C117`` for Shanxi's 117 county-level units).
    seed : int
        Province seed (non-negative).
    **county_options
        Passed to :func:`~allocator.synthetic.generate_county` for every county (``stage``,
        ``entry_year``, ``name_prefix``, ``centre``, ``n_schools``, ``migrant_share``).
        Without ``n_schools`` and ``migrant_share`` each county gets those of
        :func:`province_plan`.

    Returns
    -------
    schools : pandas.DataFrame
        All counties' schools, county by county, columns as in ``schools.csv``.
    applicants : pandas.DataFrame
        All counties' applicants, county by county, columns as in ``applicants.csv``.

    Notes
    -----
    County ``k`` is generated by ``generate_county(plan.county[k], plan.n_applicants[k],
    plan.seed[k], ...)`` with the row of :func:`province_plan`; its rows therefore do not
    depend on the other counties' random draws (only its size does, through the split).
    """
    schools, applicants = [], []
    for _county, county_schools, county_applicants in iter_province(
            n_applicants, n_counties, seed, **county_options):
        schools.append(county_schools)
        applicants.append(county_applicants)
    return (
        pd.concat(schools, ignore_index=True),
        pd.concat(applicants, ignore_index=True),
    )


def iter_province(
    n_applicants: int, n_counties: int, seed: int, **county_options
) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame]]:
    """The counties of :func:`generate_province`, one at a time (county-id order).

    Parameters
    ----------
    n_applicants, n_counties, seed, **county_options
        As in :func:`generate_province`.

    Yields
    ------
    county : str
        The county id (``C001`` ...).
    schools, applicants : pandas.DataFrame
        The county's rows, identical to its rows in :func:`generate_province`; only one
        county is held at a time, so a national roster is generated in bounded memory.
    """
    for key in ("county", "n_applicants", "seed"):
        if key in county_options:
            raise TypeError(f"{key!r} is set per county by generate_province")
    plan = province_plan(n_applicants, n_counties, seed)
    for row in plan.itertuples(index=False):
        options = {"n_schools": int(row.n_schools), "migrant_share": float(row.migrant_share)}
        options.update(county_options)
        schools, applicants = generate_county(row.county, int(row.n_applicants),
                                              int(row.seed), **options)
        yield row.county, schools, applicants
