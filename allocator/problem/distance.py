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
