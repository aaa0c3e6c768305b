"""Command ``workbench``: the planners' workbench for one scenario, in the browser."""

from __future__ import annotations

import secrets
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from allocator.model.problems import InputError

EXIT_INVALID_INPUT = 2
LOOPBACK = "127.0.0.1"


def workbench(
    scenario: Annotated[Path | None, typer.Argument(help="scenario folder (or --store)")]
    = None,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0: any free port)")] = 8765,
    host: Annotated[str, typer.Option(help="address to listen on; anything but loopback "
                                           "exposes the scenario to the network")] = LOOPBACK,
    token: Annotated[str | None, typer.Option(help="access token (default: a random one)")]
    = None,
    work_dir: Annotated[Path | None, typer.Option(help="the workbench's own folder (default: "
                                                       "a new temporary folder)")] = None,
    store: Annotated[str | None, typer.Option(help="open a scenario of the portal's store "
                                                   "(URL) instead of a folder")] = None,
    stored: Annotated[str | None, typer.Option("--scenario", help="stored scenario name "
                                                                  "(with --store)")] = None,
    county: Annotated[str | None, typer.Option(help="one county of the stored scenario")]
    = None,
    rounds: Annotated[list[Path] | None, typer.Option(
        "--round", help="a later round's run folder ('allocator run --after'), shown in the "
                        "Season panel; repeat for several rounds")] = None,
    tiles: Annotated[str | None, typer.Option(
        help="map tiles under the map: a URL template with {z}, {x} and {y} (off by default; "
             "the tile server then sees which area is viewed)")] = None,
    tiles_attribution: Annotated[str, typer.Option(
        help="attribution shown on the map with --tiles (the tile server's terms)")] = "",
) -> None:
    """Serve SCENARIO in the browser: a map, the figures, and every edit re-solved at once.

    The first line of standard output is the address to open, with its access token.
    """
    import socket

    import uvicorn

    from allocator.workbench.app import create_app
    from allocator.workbench.mapdata import map_geometry
    from allocator.workbench.season import read_rounds
    from allocator.workbench.state import open_workbench

    folder = work_dir or Path(tempfile.gettempdir()) / f"allocator-workbench-{secrets.token_hex(6)}"
    if (scenario is None) == (store is None):
        print("give a scenario folder or --store URL (one of them)", file=sys.stderr)
        raise typer.Exit(EXIT_INVALID_INPUT)
    try:
        tile_layer = tile_setting(tiles, tiles_attribution)
        season = read_rounds(list(rounds or []))
        if store is not None:
            from allocator.workbench.stored import stored_scenario_folder

            scenario = stored_scenario_folder(store, stored, county, folder)
        assert scenario is not None
        bench = open_workbench(scenario, folder)
    except InputError as error:
        for problem in error.problems:
            print(str(problem), file=sys.stderr)
        print(f"{len(error.problems)} problem(s); the workbench was not started.",
              file=sys.stderr)
        raise typer.Exit(EXIT_INVALID_INPUT) from None
    loaded = bench.engine.loaded.scenario
    _, layers = map_geometry(bench.engine.folder, loaded.schools, loaded.applicants)
    access = token or secrets.token_urlsafe(24)
    application = create_app(bench, access, layers, season, tile_layer)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)  # connections wait in the backlog from the moment the address prints
    bound = listener.getsockname()[1]
    print(f"http://{host}:{bound}/?token={access}", flush=True)
    print(f"workbench folder: {folder}; stop with Ctrl+C", file=sys.stderr, flush=True)
    config = uvicorn.Config(application, log_level="warning")
    uvicorn.Server(config).run(sockets=[listener])


def tile_setting(template: str | None, attribution: str) -> dict[str, str] | None:
    """The ``--tiles`` setting for the page, or an :class:`InputError` naming what is wrong.

    Parameters
    ----------
    template : str or None
        ``http(s)://host/.../{z}/{x}/{y}...``; ``None`` leaves tiles off.
    attribution : str
        Text shown on the map (the tile server's attribution).
    """
    from urllib.parse import urlsplit

    from allocator.model.problems import InputProblem

    if template is None:
        return None
    problems = []
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append("give an http:// or https:// address")
    missing = [key for key in ("{z}", "{x}", "{y}") if key not in template]
    if missing:
        problems.append(f"the template lacks {', '.join(missing)}")
    if problems:
        raise InputError([InputProblem("command line", None, "--tiles", message)
                          for message in problems])
    return {"url": template, "attribution": attribution.strip()}


def register(app: typer.Typer) -> None:
    """Add the ``workbench`` command to the ``allocator`` app."""
    app.command()(workbench)
