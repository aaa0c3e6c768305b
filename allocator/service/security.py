"""Bearer-token check, a request-size and -time limit, an access log (pure ASGI).

The access log names the method, the route's template (``/jobs/{job_key}``, not
the path as sent), the status and the time taken: no query string, no client
address, no header, no body, so nothing a child or a clerk could be identified by.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time

from fastapi import HTTPException, Request, status

MAX_BODY_BYTES = 64 * 1024
BODY_TIMEOUT_SECONDS = 30.0
access_log = logging.getLogger("allocator.service.access")


def check_token(request: Request, tokens: frozenset[str]) -> str:
    """Return the caller's token if the ``Authorization: Bearer`` header holds a known one.

    Raises
    ------
    HTTPException
        401 with ``WWW-Authenticate: Bearer`` when the header is missing or wrong.
    """
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        for known in tokens:
            if hmac.compare_digest(token.encode("utf-8"), known.encode("utf-8")):
                return known
    raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                        detail=[{"loc": ["header", "authorization"],
                                 "msg": "a valid bearer token is required",
                                 "type": "unauthorized"}],
                        headers={"WWW-Authenticate": "Bearer"})


class BodyLimit:
    """Refuse bodies over ``limit`` bytes (413) or slower than ``timeout`` seconds (408)."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES,
                 timeout: float = BODY_TIMEOUT_SECONDS):
        self.app = app
        self.limit = limit
        self.timeout = timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(send, 413, f"request body exceeds {self.limit} bytes", "too_large")
            return
        try:
            async with asyncio.timeout(self.timeout):
                body = await self._read(receive)
        except TimeoutError:
            await _refuse(send, 408, f"request body not received within {self.timeout:g} s",
                          "timeout")
            return
        if body is None:
            await _refuse(send, 413, f"request body exceeds {self.limit} bytes", "too_large")
            return
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive) -> bytes | None:
        """The whole body, or None as soon as it exceeds the limit."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                return None
        return b"".join(chunks)


async def _refuse(send, code: int, message: str, kind: str) -> None:
    payload = json.dumps({"detail": [{"loc": ["body"], "msg": message, "type": kind}]})
    body = payload.encode("utf-8")
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if code == 408:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One log line per request: method, route template, status, milliseconds."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = {"status": 0}

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            access_log.info("%s %s %s %.0f ms", scope.get("method", "?"), template,
                            answered["status"] or 500, 1000 * (time.perf_counter() - started))
