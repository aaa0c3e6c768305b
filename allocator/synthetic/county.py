"""Synthetic roster of one county: schools, catchment zones and applicants.

Everything here is deterministic given the arguments and vectorised over applicants, so that a
county of a million applicants takes seconds. Only numpy and pandas are used; nothing is
imported from the rest of :mod:`allocator`.

This module checks the arguments, draws the random streams and builds the schools frame; the
steps live beside it, each importing only the ones before it: :mod:`.contract` (columns and
tags), :mod:`.cells` (string cells), :mod:`.layout` (positions, classes, capacities),
:mod:`.zones` (catchments and demand), :mod:`.names` (school names) and :mod:`.applicants`.

The model, in short:

* a county seat (城关) with a dense cluster of large schools around the county centre, and
  townships (乡镇) further out, each with a central school (镇中心小学) and a few village schools;
* every public school has a catchment: most serve one zone of their own (单校划片), about a fifth
  of the zones are multi-school zones (多校划片) served by two or three nearby schools, some of them
  an extra zone shared by schools that also keep their own zone;
* intake capacity is a whole number of classes (1-8) of 40-45 pupils (45-50 for junior), about
  1.05-1.15 times the county's applicants, but demand is uneven: the central town schools get
  1.2-2 times their seats, outer schools have surplus;
* applicants live in a zone; their hukou / property / residence-permit facts follow the tier mix
  of the Shanxi 2025 policy, with twins, older-sibling requests, special groups and private-school
  applications mixed in at realistic rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .applicants import applicants_frame
from .cells import bool_column, contract_frame, fixed6_column, int_column, lookup_column, to_latlon
from .contract import APPLICANT_COLUMNS, CATEGORY_TAGS, CLASS_SIZE_CAP, SCHOOL_COLUMNS
from .layout import Layout, place_schools, set_capacities, set_school_extras
from .names import school_names
from .zones import Zones, draw_zone_demand, draw_zones

__all__ = [
    "APPLICANT_COLUMNS",
    "CATEGORY_TAGS",
    "CLASS_SIZE_CAP",
    "SCHOOL_COLUMNS",
    "default_n_schools",
    "generate_county",
]

# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def default_n_schools(n_applicants: int) -> int:
    """Default number of schools of a county with ``n_applicants`` applicants.

    Parameters
    ----------
    n_applicants : int
        Number of applicants of the county.

    Returns
    -------
    int
        ``round(n_applicants / 75)``, at least 3 (an average intake of about 75 per school,
        as in an average Shanxi county: 3,000-3,500 entrants and 50-60 schools).
    """
    return max(3, int(round(n_applicants / 75)))


def generate_county(
    county: str,
    n_applicants: int,
    seed: int,
    *,
    n_schools: int | None = None,
    migrant_share: float = 0.12,
    stage: str = "primary",
    entry_year: int = 2025,
    name_prefix: str | None = None,
    centre: tuple[float, float] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the schools and applicants of one synthetic county.

    Parameters
    ----------
    county : str
        County id (ASCII, no ``;`` or ``,``); used in every id: schools ``{county}-S001``,
        zones ``{county}-Z001``, groups ``{county}-G1``, applicants ``{county}-000001``,
        sibling groups ``{county}-T00001``.
    n_applicants : int
        Number of applicants (rows of the applicants frame), >= 1.
    seed : int
        Non-negative seed; the same arguments always give identical frames.
    n_schools : int, optional
        Number of schools (public and private). Default :func:`default_n_schools`, i.e. about
        ``n_applicants / 75`` and at least 3.
    migrant_share : float, default 0.12
        Share of migrant children (随迁子女: no hukou and no property in the county, living in a
        zone, mostly with a residence permit). Realistic values are 0.03-0.30; 0-0.6 is accepted.
    stage : {"primary", "junior"}, default "primary"
        Intake grade: grade 1 (class-size cap 45) or grade 7 (cap 50, birth dates six years
        earlier). ``feeder_school`` is always left empty.
    entry_year : int, default 2025
        School year of entry; birth dates and ``*_since`` dates are relative to it.
    name_prefix : str, optional
        Prepended to every school's display name (e.g. a county name such as ``"榆次区"``).
    centre : (float, float), optional
        ``(lat, lon)`` of the county centre. Default: drawn from the seed inside Shanxi
        (35.5-40.0 N, 111-114 E).

    Returns
    -------
    schools : pandas.DataFrame
        One row per school, columns exactly :data:`SCHOOL_COLUMNS`.
    applicants : pandas.DataFrame
        One row per applicant, columns exactly :data:`APPLICANT_COLUMNS`.

    Notes
    -----
    All values are strings, formatted as they are written to CSV: the empty string is a missing
    value, lists are joined by ``;``, booleans are ``true``/``false``, dates are ISO
    ``YYYY-MM-DD`` and coordinates have six decimals.

    Public schools serve catchment zones; private schools (about 5 %, none in very small
    counties, at least one from 30 schools on) serve none. Public capacity is about
    1.05-1.15 times the number of applicants (less only when ``n_schools`` is too small to
    seat them with at most 8 classes per school).
    """
    n_applicants = _check_int("n_applicants", n_applicants, minimum=1)
    seed = _check_int("seed", seed, minimum=0)
    if n_schools is None:
        n_schools = default_n_schools(n_applicants)
    n_schools = _check_int("n_schools", n_schools, minimum=1)
    entry_year = _check_int("entry_year", entry_year, minimum=1900)
    if not isinstance(county, str) or not county or any(c in county for c in ';,\n\r"'):
        raise ValueError(f"county must be a non-empty id without ';' ',' or quotes: {county!r}")
    if stage not in CLASS_SIZE_CAP:
        raise ValueError(f"stage must be one of {sorted(CLASS_SIZE_CAP)}: {stage!r}")
    migrant_share = float(migrant_share)
    if not 0.0 <= migrant_share <= 0.6:
        raise ValueError(f"migrant_share must be within [0, 0.6]: {migrant_share}")

    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    rng_geo, rng_cap, rng_app, rng_names = streams

    if centre is None:
        centre = (float(rng_geo.uniform(35.5, 40.0)), float(rng_geo.uniform(111.0, 114.0)))
    else:
        rng_geo.uniform(size=2)  # keep the stream aligned with the default case
        centre = (float(centre[0]), float(centre[1]))

    layout = place_schools(rng_geo, n_schools, n_applicants)
    set_capacities(rng_cap, layout, n_applicants, CLASS_SIZE_CAP[stage])
    zones = draw_zones(rng_geo, layout)
    demand = draw_zone_demand(rng_cap, layout, zones, n_applicants)
    set_school_extras(rng_geo, layout)
    names = school_names(rng_names, layout, stage, name_prefix)

    schools = _schools_frame(county, stage, layout, zones, names, centre)
    applicants = applicants_frame(
        rng_app,
        county,
        stage,
        entry_year,
        migrant_share,
        n_applicants,
        layout,
        zones,
        demand,
        centre,
    )
    return schools, applicants


# --------------------------------------------------------------------------------------------
# argument checks and the schools frame
# --------------------------------------------------------------------------------------------


def _check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}: {value}")
    return int(value)


def _schools_frame(
    county: str,
    stage: str,
    lay: Layout,
    zones: Zones,
    names: list[str],
    centre: tuple[float, float],
) -> pd.DataFrame:
    n, n_pub = lay.n, lay.n_pub
    zone_ids = [f"{county}-Z{k + 1:03d}" for k in range(zones.n)]
    lat, lon = to_latlon(lay.x, lay.y, centre)
    data = {
        "school_id": [f"{county}-S{j + 1:03d}" for j in range(n)],
        "name": names,
        "county": county,
        "stage": stage,
        "kind": lookup_column(["public", "private"], lay.private.astype(np.int64)),
        "capacity": int_column(lay.capacity),
        "classes": int_column(lay.classes),
        "zones": [";".join(zone_ids[z] for z in zones.of_school[j]) for j in range(n_pub)]
        + [""] * (n - n_pub),
        "lat": fixed6_column(lat),
        "lon": fixed6_column(lon),
        "resource_room": bool_column(lay.resource_room),
        "nine_year": bool_column(lay.nine_year),
        "group": [f"{county}-G{g}" if g else "" for g in lay.group.tolist()],
        "feeds_into": "",  # one stage per county: no feeder links are generated
    }
    return contract_frame(SCHOOL_COLUMNS, data, n)
