"""The workbench's transport bounds: a request's body size, and how long a client may take to send a request.

A local page still meets hostile clients (any local user, a page in the browser): a client that sends its
headers or body byte by byte, or a body of gigabytes, must not hold the server or its memory.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_BODY = 64 * 1024  # a verdict form is a few hundred bytes; "confirm the rest" of a long sentence a few KB
REQUEST_TIMEOUT = 10.0  # seconds from connection (or the last response) to a complete request


class BoundedH11(H11Protocol):
    """Uvicorn's HTTP/1.1 protocol, closing a connection whose request is not complete in `REQUEST_TIMEOUT`."""

    _request_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
        self._request_timer = self.loop.call_later(REQUEST_TIMEOUT, self._too_slow)

    def _too_slow(self) -> None:
        # Still waiting for the headers (IDLE) or the body (SEND_BODY): a slow client is cut off.
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.transport.close()


class BodyLimit:
    """Refuses (413) a request whose body is larger than `MAX_BODY`, before the app reads any of it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or len(declared) > 12 or int(declared) > self.limit:
            await _too_large(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await _too_large(scope, receive, send)
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    reply = PlainTextResponse(f"refused: a request body may hold at most {MAX_BODY} bytes", 413)
    await reply(scope, receive, send)


def config_options() -> dict[str, Any]:
    """Uvicorn settings that bound a connection: the protocol above, small header limits, few connections."""
    return {"http": BoundedH11, "h11_max_incomplete_event_size": 16 * 1024, "limit_concurrency": 64,
            "timeout_keep_alive": 5}  # fmt: skip
