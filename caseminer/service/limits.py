"""Body-size limit as a pure ASGI middleware, applied before any route reads the body.

A declared Content-Length above the limit is refused at once; a chunked body is counted as it
streams and refused as soon as it passes the limit, so a client can never make the service buffer
more than `max_bytes`.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised inside `receive` when a streamed body passes the limit (an HTTP 413)."""

    def __init__(self, max_bytes: int):
        super().__init__(413, f"request body is larger than the limit of {max_bytes} bytes")


def _error_body(max_bytes: int, seen: int | None) -> bytes:
    found = f"{seen} bytes" if seen is not None else "more"
    body = {
        "error": {
            "status": 413,
            "code": "payload_too_large",
            "message": f"request body is {found}; the limit is {max_bytes} bytes",
            "details": [],
        }
    }
    return json.dumps(body).encode()


class BodySizeLimit:
    """Refuse request bodies larger than `max_bytes` with a 413 JSON error."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send, seen: int | None) -> None:
        body = _error_body(self.max_bytes, seen)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length > self.max_bytes:
                await self._reject(send, length)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(send, None)
