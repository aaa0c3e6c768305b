"""Great-circle distances and applicant positions."""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                 lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km between paired WGS84 points (NaN if any is missing)."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    half_dphi = (phi2 - phi1) / 2.0
    half_dlambda = np.radians(lon2 - lon1) / 2.0
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlambda) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def applicant_positions(applicant_lat: np.ndarray, applicant_lon: np.ndarray,
                        zone_codes: list[np.ndarray], zone_lat: np.ndarray,
                        zone_lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Home position per applicant: given coordinates, else the centre of their zone.

    ``zone_codes`` are tried in order (residence, hukou, property); a zone's
    centre is the mean position of the schools serving it.
    """
    lat = applicant_lat.astype(np.float64).copy()
    lon = applicant_lon.astype(np.float64).copy()
    for codes in zone_codes:
        missing = np.isnan(lat) | np.isnan(lon)
        usable = missing & (codes >= 0)
        if not usable.any():
            continue
        lat[usable] = zone_lat[codes[usable]]
        lon[usable] = zone_lon[codes[usable]]
    return lat, lon


def zone_centres(zone_count: int, zone_school_start: np.ndarray, zone_schools: np.ndarray,
                 school_lat: np.ndarray, school_lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean position of the schools serving each zone (NaN where none has a position)."""
    counts = np.diff(zone_school_start)
    zone_of_entry = np.repeat(np.arange(zone_count), counts)
    lat = school_lat[zone_schools]
    lon = school_lon[zone_schools]
    known = ~(np.isnan(lat) | np.isnan(lon))
    total = np.bincount(zone_of_entry[known], minlength=zone_count).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_lat = np.bincount(zone_of_entry[known], lat[known], minlength=zone_count) / total
        mean_lon = np.bincount(zone_of_entry[known], lon[known], minlength=zone_count) / total
    return mean_lat, mean_lon


def arc_distance_km(applicant: np.ndarray, school: np.ndarray,
                    positions: tuple[np.ndarray, ...]) -> np.ndarray:
    """:func:`haversine_km` of each arc (applicant ``applicant[i]`` to school ``school[i]``).

    The same values as ``haversine_km`` on the gathered positions (the same operations
    in the same order), with the radians and cosines taken once per applicant and per
    school instead of once per arc, and the arc terms computed in place.
    """
    applicant_lat, applicant_lon, school_lat, school_lon = positions
    applicant_phi, school_phi = np.radians(applicant_lat), np.radians(school_lat)
    phi1, phi2 = applicant_phi[applicant], school_phi[school]
    half_dphi = np.subtract(phi2, phi1, out=phi2)
    np.divide(half_dphi, 2.0, out=half_dphi)
    first = np.sin(half_dphi, out=half_dphi)
    np.square(first, out=first)
    half_dlambda = np.subtract(school_lon[school], applicant_lon[applicant])
    np.radians(half_dlambda, out=half_dlambda)
    np.divide(half_dlambda, 2.0, out=half_dlambda)
    second = np.sin(half_dlambda, out=half_dlambda)
    np.square(second, out=second)
    cosines = np.multiply(np.cos(applicant_phi)[applicant], np.cos(school_phi)[school],
                          out=phi1)
    np.multiply(cosines, second, out=cosines)
    a = np.add(first, cosines, out=first)
    np.clip(a, 0.0, 1.0, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    return np.multiply(a, 2.0 * EARTH_RADIUS_KM, out=a)
