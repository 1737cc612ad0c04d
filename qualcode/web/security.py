"""Who may use the workspace: the token printed at start, then a cookie; CSRF and host checks.

The server binds to 127.0.0.1 by default, but any page the researcher visits could still try
to talk to it, so every request needs the token (given once in the URL, then kept in an
HttpOnly, SameSite=Strict cookie), every state-changing request needs the CSRF header that only
our own page can read, and the Host header must name this server (against DNS rebinding).
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "qualcode_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware: refuse what lacks the token, the CSRF header or a known Host."""

    def __init__(self, app: ASGIApp, *, token: str, csrf: str,
                 allowed_hosts: set[str] | None, readonly: bool = False) -> None:
        self.app = app
        self.readonly = readonly
        self.state = getattr(app, "state", None)  # the wrapped app's state, for callers
        self.token = token
        self.csrf = csrf
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self._check(request)
        if response is None:
            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_headers)
            return
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        await response(scope, receive, send)

    def _check(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return PlainTextResponse(f"refused: unknown host {host[:80]!r}", status_code=403)
        given = request.query_params.get("token")
        if given is not None:
            if not _same(given, self.token):
                return _refuse(request, "the token in the address is not this server's")
            if request.method in SAFE_METHODS:
                # Take the token out of the address bar (and history), keep it in a cookie.
                params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                url = URL(request.url.path + ("?" + urlencode(params) if params else ""))
                response = RedirectResponse(str(url), status_code=303)
                response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
                return response
        elif not _same(request.cookies.get(COOKIE), self.token):
            return _refuse(request, "open the address printed by `qualcode serve` (it carries "
                                    "the token)")
        if request.method not in SAFE_METHODS:
            if self.readonly:
                return JSONResponse({"error": "this workspace shows a pseudonymised copy and "
                                              "is read-only"}, status_code=403)
            if not _same(request.headers.get(CSRF_HEADER), self.csrf):
                return JSONResponse({"error": "refused: missing or wrong CSRF token (reload the "
                                              "page)"}, status_code=403)
            origin = request.headers.get("origin")
            if origin and self.allowed_hosts is not None and origin.split("://", 1)[-1] \
                    not in self.allowed_hosts:
                return JSONResponse({"error": "refused: request from another site"},
                                    status_code=403)
        return None


def _refuse(request: Request, why: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": f"refused: {why}"}, status_code=403)
    return PlainTextResponse(f"qualcode: {why}.", status_code=403)
