"""A request body limit for the JSON APIs, before anything reads or parses the body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pso_shared.http.problems import problem_response


class BodyTooLargeError(Exception):
    pass


class BodyLimit:
    """Answer 413 when ``Content-Length`` says the body is over ``max_bytes``, and stop reading a
    body sent without a length (chunked) once it passes the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self._max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self._max_bytes:
                    raise BodyTooLargeError
            return message

        try:
            await self._app(scope, limited, send)
        except BodyTooLargeError:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, "Body too large", f"The request body is over {self._max_bytes} bytes.")
        await response(scope, receive, send)
