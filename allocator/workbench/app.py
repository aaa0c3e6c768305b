"""The workbench's web app (FastAPI): one scenario, on 127.0.0.1, behind an access token.

Every route but ``/health`` needs the token, given as ``?token=`` (the printed
address, as Jupyter does) or as ``Authorization: Bearer``. No route takes a
path: the app reads the scenario folder it was started on and writes only in
its own work folder.
"""

from __future__ import annotations

import hmac
import io
import zipfile
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from allocator.model.problems import InputError
from allocator.pipeline.write import write_run
from allocator.reports.labels import words
from allocator.reports.page import font_face_css
from allocator.service.security import BodyLimit
from allocator.workbench import figures
from allocator.workbench.payload import state_payload
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


def create_app(workbench: Workbench, token: str, map_layers: dict[str, Any],
               rounds: list[dict[str, Any]] | None = None) -> Any:
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
    """
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
                                           "Referrer-Policy": "no-referrer"})

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

    @app.get("/api/season", dependencies=guarded)
    def season() -> dict[str, Any]:
        names = dict(zip(workbench.engine.tables.schools["school_id"].astype(str),
                         workbench.engine.tables.schools["name"].astype(str), strict=True))
        return {"rounds": [{**round_, "schools": [{**row, "name": names.get(row["school_id"], "")}
                                                  for row in round_["schools"]]}
                           for round_ in rounds or []]}

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
    def run_zip(reports: bool = False, lang: str = "zh") -> Response:
        return Response(_zipped_run(workbench, reports, _language(lang)),
                        media_type="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="run.zip"'})

    def _respond(action, lang: str) -> Response:
        try:
            action()
        except InputError as error:
            return _refused([str(problem) for problem in error.problems])
        return JSONResponse(state_payload(workbench, _language(lang)))

    return BodyLimit(app, MAX_BODY_BYTES)


def _refused(problems: list[str]) -> JSONResponse:
    return JSONResponse({"problems": problems}, status_code=422)


def _language(lang: str) -> str:
    return lang if lang in ("zh", "en") else "zh"


def _zipped_run(workbench: Workbench, reports: bool, lang: str) -> bytes:
    """The current plan's run folder (and reports), written in the work folder, zipped."""
    from allocator.reports.writer import report_writer

    folder = workbench.engine.work_folder / "run"
    writers = [report_writer(lang)] if reports else []
    with workbench.lock:
        written = write_run(workbench.current.result, folder, extra_writers=writers)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(written.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(written).as_posix())
    return buffer.getvalue()

