"""Catchment design (划片): communities as the unit, a CP-SAT proposal, its guarantees.

Modules, each importing only the ones before it: :mod:`.communities` (reading
``zones.csv``/``zones.geojson`` through :mod:`allocator.model.zone_files` and
:mod:`allocator.model.polygons`; Delaunay neighbours), :mod:`.instance` (one
county and stage), :mod:`.contiguity`, :mod:`.model` (CP-SAT, lexicographic),
:mod:`.baseline` (nearest school), :mod:`.checks`, :mod:`.design` (the whole run),
:mod:`.evaluate` (the engine through a what-if file), :mod:`.report` and :mod:`.outputs`.
"""
