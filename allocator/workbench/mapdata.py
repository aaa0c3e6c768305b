"""The map's geometry, as the workbench uses it.

The pure geometry (projection, density, zone areas) lives in
:mod:`allocator.reports.geometry`, a layer the reports may import too, so the
printed report and the workbench draw the same catchment areas.
"""

from allocator.reports.geometry import (
    DENSITY_COLUMNS,
    MARGIN,
    WIDTH,
    Projection,
    density,
    home_zones,
    hull,
    map_geometry,
    projection_for,
    zone_areas,
)

__all__ = ["DENSITY_COLUMNS", "MARGIN", "WIDTH", "Projection", "density", "home_zones", "hull",
           "map_geometry", "projection_for", "zone_areas"]
