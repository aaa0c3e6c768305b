"""Bearer-token check and a request-size limit (pure ASGI, before any parsing)."""

from __future__ import annotations

import hmac
import json

from fastapi import HTTPException, Request, status

MAX_BODY_BYTES = 64 * 1024


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
    """Refuse request bodies over ``limit`` bytes with 413, naming the body."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(send)
                return
        body = b"".join(chunks)
        delivered = False

        async def replay():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send) -> None:
        payload = json.dumps({"detail": [{
            "loc": ["body"], "msg": f"request body exceeds {self.limit} bytes",
            "type": "too_large"}]}).encode("utf-8")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
