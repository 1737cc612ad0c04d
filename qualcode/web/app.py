"""The workspace application: routes, the page, and the one place errors become answers.

>>> app = create_app("sample.qc", token="t", csrf="c")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qualcode import __version__
from qualcode.errors import QualcodeError
from qualcode.store import Project
from qualcode.web import api
from qualcode.web.security import Guard, new_token

HERE = Path(__file__).parent
_templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                         autoescape=select_autoescape(["html"]))
log = logging.getLogger("qualcode.web")


def _script_json(value) -> str:
    """JSON that is safe inside a <script> element (no '</script>', no HTML comment)."""
    return (json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))


def page(request: Request) -> HTMLResponse:
    workspace: api.Workspace = request.app.state.workspace
    boot = {"coder": workspace.coder or "", "project": Path(workspace.project_path).name,
            "readonly": workspace.readonly}
    html = _templates.get_template("index.html").render(
        csrf=request.app.state.csrf, project_name=Path(workspace.project_path).name,
        project_path=workspace.project_path, coder=workspace.coder, version=__version__,
        readonly=workspace.readonly,
        boot=_script_json(boot))
    return HTMLResponse(html)


async def _library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, QualcodeError)
    return api.error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return JSONResponse({"error": exc.detail or "not found"}, status_code=exc.status_code)


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return JSONResponse({"error": "internal error (the project was not changed; see the "
                                  "terminal running qualcode serve)"}, status_code=500)


ROUTES = [
    Route("/", page),
    Route("/api/codes", api.list_codes),
    Route("/api/codes", api.add_code, methods=["POST"]),
    Route("/api/codes/{code}", api.update_code, methods=["PATCH"]),
    Route("/api/codes/{code}/merge", api.merge_code, methods=["POST"]),
    Route("/api/codes/{code}/keywords", api.add_keyword, methods=["POST"]),
    Route("/api/codes/{code}/excerpts", api.excerpts),
    Route("/api/documents", api.list_documents),
    Route("/api/documents/{document}", api.show_document),
    Route("/api/codings", api.add_coding, methods=["POST"]),
    Route("/api/codings/batch", api.add_codings, methods=["POST"]),
    Route("/api/codings/{coding}", api.remove_coding, methods=["DELETE"]),
    Route("/api/codings/{coding}", api.recode_coding, methods=["PATCH"]),
    Route("/api/suggestions", api.list_suggestions),
    Route("/api/suggestions/{suggestion}", api.decide_suggestion, methods=["POST"]),
    Route("/api/memos", api.list_memos),
    Route("/api/memos", api.add_memo, methods=["POST"]),
    Route("/api/memos/{memo}", api.update_memo, methods=["PATCH"]),
    Route("/api/memos/{memo}", api.delete_memo, methods=["DELETE"]),
    Route("/api/search", api.search),
    Route("/api/tables", api.tables),
    Route("/download/{name}", api.download),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


def create_app(project_path: str | Path, *, coder: str | None = None,
               token: str | None = None, csrf: str | None = None,
               allowed_hosts: set[str] | None = None, readonly: bool = False):
    """The workspace as an ASGI application over one project file (opened per request).

    ``allowed_hosts`` are the Host headers accepted (None: any, for ``--host 0.0.0.0``).
    """
    with Project.open(project_path, readonly=readonly):
        pass  # refuse a missing or foreign project now, not on the first request
    app = Starlette(routes=ROUTES, exception_handlers={
        QualcodeError: _library_error, HTTPException: _http_error, Exception: _crash})
    app.state.workspace = api.Workspace(str(project_path), coder, readonly)
    app.state.token = token or new_token()
    app.state.csrf = csrf or new_token()
    return Guard(app, token=app.state.token, csrf=app.state.csrf, allowed_hosts=allowed_hosts,
                 readonly=readonly)


if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("qualcode serve: %(message)s"))
    log.addHandler(_handler)
