"""The workbench's web app (FastAPI): one scenario, on 127.0.0.1, behind an access token.

Every route but ``/health`` needs the token, given as ``?token=`` (the printed
address, as Jupyter does) or as ``Authorization: Bearer``. No route takes a
path: the app reads the scenario folder it was started on and writes only in
its own work folder.
"""

from __future__ import annotations

import hmac
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from allocator.model.problems import InputError
from allocator.reports.labels import words
from allocator.reports.page import font_face_css
from allocator.service.security import BodyLimit
from allocator.workbench import figures
from allocator.workbench.downloads import attachment_header, zipped_plan
from allocator.workbench.payload import proposal_payload, state_payload
from allocator.workbench.proposal import (
    available_proposals,
    proposal_from_work_folder,
    proposal_problem,
    read_proposal,
)
from allocator.workbench.season_runs import SeasonRunner, responses_files
from allocator.workbench.state import Workbench

#: Largest request body accepted (a loaded scenario file).
MAX_BODY_BYTES = 1024 * 1024


def static_text(name: str) -> str:
    """A file of ``allocator/workbench/static`` as text."""
    return resources.files("allocator.workbench").joinpath("static", name).read_text(
        encoding="utf-8")


def page_glyphs(workbench: Workbench, page: str) -> str:
    """Every non-ASCII character the page can show: its words, school names, tier labels."""
    schools = workbench.engine.tables.schools
    texts = [page, *schools["name"].astype(str), *words("zh").values(), *words("en").values()]
    texts += [f"{tier.label_zh}{tier.label_en}" for tier in workbench.engine.loaded.policy.tiers]
    return "".join(sorted({char for item in texts for char in item if ord(char) > 127}))


def content_policy(tiles: dict[str, str] | None) -> str:
    """The page's Content-Security-Policy: nothing but its own server (and the tile server)."""
    images = "'self' data:"
    if tiles:
        parts = urlsplit(tiles["url"])
        images += f" {parts.scheme}://{parts.netloc}"
    # inline script and style (the page is one response); eval stays allowed so that
    # browser checks can evaluate expressions in the page (CONTRACT.md's page hooks)
    return ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
            f"style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src {images}; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def create_app(workbench: Workbench, token: str, map_layers: dict[str, Any],
               rounds: list[dict[str, Any]] | None = None,
               tiles: dict[str, str] | None = None) -> Any:
    """The ASGI app serving ``workbench``.

    Parameters
    ----------
    workbench : Workbench
        The scenario's workbench (already solved).
    token : str
        The access token every route but ``/health`` requires.
    map_layers : dict
        The fixed map layers (:func:`allocator.workbench.mapdata.map_geometry`).
    rounds : list of dict, optional
        The later rounds of the season (:func:`allocator.workbench.season.read_rounds`),
        served by ``/api/season``.
    tiles : dict, optional
        Map tiles: ``url`` (a template with ``{z}``, ``{x}``, ``{y}``) and ``attribution``.
        Without it the page fetches nothing but from this server.
    """
    map_layers = {**map_layers, "tiles": tiles}
    policy = content_policy(tiles)
    app = FastAPI(title="allocator workbench", docs_url=None, redoc_url=None, openapi_url=None)
    page = (static_text("index.html").replace("/*STYLE*/", static_text("workbench.css"))
            .replace("/*SCRIPT*/", static_text("workbench.js")))
    page = page.replace("/*FONT*/", font_face_css(page_glyphs(workbench, page)))

    def authorised(request: Request) -> None:
        given = request.query_params.get("token", "")
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            given = bearer or given
        if not (given and hmac.compare_digest(given.encode(), token.encode())):
            raise HTTPException(401, "open the address printed by 'allocator workbench' "
                                     "(it holds the access token)")

    guarded = [Depends(authorised)]

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", response_class=HTMLResponse, dependencies=guarded)
    def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-store",
                                           "Referrer-Policy": "no-referrer",
                                           "Content-Security-Policy": policy})

    @app.get("/api/map", dependencies=guarded)
    def map_data() -> dict[str, Any]:
        return map_layers

    @app.get("/api/state", dependencies=guarded)
    def state(lang: str = "zh") -> dict[str, Any]:
        return state_payload(workbench, _language(lang))

    @app.post("/api/edits", dependencies=guarded)
    async def edit(request: Request, lang: str = "zh") -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _refused(["edit: the body must be JSON"])
        return _respond(lambda: workbench.apply(body), lang)

    @app.post("/api/undo", dependencies=guarded)
    def undo(lang: str = "zh") -> Response:
        return _respond(workbench.undo, lang)

    @app.post("/api/redo", dependencies=guarded)
    def redo(lang: str = "zh") -> Response:
        return _respond(workbench.redo, lang)

    @app.post("/api/reset", dependencies=guarded)
    def reset(lang: str = "zh") -> Response:
        return _respond(workbench.reset, lang)

    @app.post("/api/scenario", dependencies=guarded)
    async def load_scenario(request: Request, lang: str = "zh",
                            scenario: str | None = None) -> Response:
        text = (await request.body()).decode("utf-8-sig", errors="replace")
        return _respond(lambda: workbench.load_scenario_file(text, scenario), lang)

    @app.get("/api/scenario.yaml", dependencies=guarded)
    def scenario_file() -> Response:
        name = workbench.engine.folder.name
        return Response(workbench.scenario_file_text(), media_type="application/yaml",
                        headers={"Content-Disposition":
                                 f'attachment; filename="{name}-workbench.yaml"'})

    @app.get("/api/school/{school_id}", dependencies=guarded)
    def school(school_id: str) -> dict[str, Any]:
        try:
            return figures.school_story(workbench.current.result, school_id)
        except KeyError as error:
            raise HTTPException(404, str(error)) from None

    runner = SeasonRunner(workbench.engine)

    @app.get("/api/season", dependencies=guarded)
    def season() -> dict[str, Any]:
        names = dict(zip(workbench.engine.tables.schools["school_id"].astype(str),
                         workbench.engine.tables.schools["name"].astype(str), strict=True))
        return {"rounds": [{**round_, "schools": [{**row, "name": names.get(row["school_id"], "")}
                                                  for row in round_["schools"]]}
                           for round_ in [*(rounds or []), *runner.rounds]],
                "responses": responses_files(workbench.engine.work_folder)}

    @app.post("/api/season/run", dependencies=guarded)
    def season_run(responses: str, lottery: str = "same") -> Response:
        try:
            runner.run_next(responses, lottery)
        except InputError as error:
            return _refused([str(problem) for problem in error.problems])
        return JSONResponse(season())

    @app.get("/api/movers", dependencies=guarded)
    def movers() -> dict[str, Any]:
        return figures.movers(workbench.current.result, workbench.engine.base)

    @app.post("/api/keep", dependencies=guarded)
    def keep(name: str, lang: str = "zh") -> Response:
        return _respond(lambda: workbench.keep(name), lang)

    @app.get("/api/compare", dependencies=guarded)
    def compare() -> dict[str, Any]:
        plans = {"base": workbench.engine.base}
        plans.update({name: solved.result for name, (_, solved) in workbench.kept.items()})
        plans["current"] = workbench.current.result
        return figures.comparison(plans)

    @app.get("/api/run.zip", dependencies=guarded)
    def run_zip(reports: bool = False, lang: str = "zh", plan: str = "current") -> Response:
        try:
            archive = zipped_plan(workbench, plan, reports, _language(lang))
        except InputError as error:
            return _refused([str(problem) for problem in error.problems])
        scenario = workbench.engine.folder.name
        return Response(archive.read_bytes(), media_type="application/zip",
                        headers={"Content-Disposition": attachment_header(scenario, plan)})

    @app.get("/api/proposals", dependencies=guarded)
    def proposals() -> dict[str, Any]:
        return {"available": available_proposals(workbench.engine.work_folder)}

    @app.post("/api/proposal", dependencies=guarded)
    async def load_proposal(request: Request, lang: str = "zh",
                            name: str | None = None) -> Response:
        text = (await request.body()).decode("utf-8-sig", errors="replace")

        def read() -> None:
            if name:
                proposal = proposal_from_work_folder(workbench.engine, name)
            else:
                proposal = read_proposal(workbench.engine, text, "upload")
            workbench.set_proposal(proposal)
        return _respond(read, lang)

    @app.post("/api/proposal/accept", dependencies=guarded)
    def accept(zone: str, lang: str = "zh") -> Response:
        return _respond(lambda: workbench.apply(_loaded(workbench).move(zone).as_edit()), lang)

    @app.post("/api/proposal/accept-all", dependencies=guarded)
    def accept_all(lang: str = "zh") -> Response:
        def action() -> None:
            proposal = _loaded(workbench)
            pending = workbench.pending_moves()
            if pending:
                workbench.apply_group([move.as_edit() for move in pending],
                                      f"proposal {proposal.name}")
        return _respond(action, lang)

    @app.post("/api/proposal/reject", dependencies=guarded)
    def reject(zone: str, lang: str = "zh", undo: bool = False) -> Response:
        def action() -> None:
            move = _loaded(workbench).move(zone)
            (workbench.rejected.discard if undo else workbench.rejected.add)(move.zone)
        return _respond(action, lang)

    @app.get("/api/proposal", dependencies=guarded)
    def proposal(lang: str = "zh") -> dict[str, Any]:
        return {"proposal": proposal_payload(workbench, _language(lang))}

    def _respond(action, lang: str) -> Response:
        try:
            action()
        except InputError as error:
            return _refused([str(problem) for problem in error.problems])
        return JSONResponse(state_payload(workbench, _language(lang)))

    return BodyLimit(app, MAX_BODY_BYTES)


def _refused(problems: list[str]) -> JSONResponse:
    return JSONResponse({"problems": problems}, status_code=422)


def _loaded(workbench: Workbench) -> Any:
    if workbench.proposal is None:
        raise proposal_problem("load a proposal first")
    return workbench.proposal


def _language(lang: str) -> str:
    return lang if lang in ("zh", "en") else "zh"
