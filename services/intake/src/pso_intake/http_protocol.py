"""uvicorn's httptools protocol with a limit on the request line and headers.

httptools (llhttp) is several times cheaper per request than h11, but neither it nor uvicorn limits
the size of a request's head: a client could send headers until the process runs out of memory.
This protocol counts the head as it is parsed, and also the bytes the parser is still holding in an
unfinished header line, and answers ``431`` and closes the connection past ``max_header_bytes``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"content-length: 31\r\n"
    b"connection: close\r\n\r\n"
    b"Request header fields too large"
)


class _HeadTooLargeError(Exception):
    pass


class HeadLimitedProtocol(HttpToolsProtocol):
    max_header_bytes = 16 * 1024

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._head_bytes = 0
        self._in_head = True
        self._too_large = False

    def data_received(self, data: bytes) -> None:
        in_head_before = self._in_head
        super().data_received(data)
        if in_head_before and self._in_head and not self._too_large:
            # The whole chunk went into a head that is still unfinished: part of it may sit in the
            # parser's buffer, where no callback has counted it yet.
            self._head_bytes += len(data)
            if self._head_bytes > 2 * self.max_header_bytes:
                self._refuse()

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        self._in_head = True
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self.transport.write(_TOO_LARGE)
            self.transport.close()
            return
        super().send_400_response(msg)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_header_bytes:
            self._too_large = True
            raise _HeadTooLargeError  # the parser turns it into HttpParserError: send_400_response

    def _refuse(self) -> None:
        self._too_large = True
        self.send_400_response("")


def head_limited_protocol(max_header_bytes: int) -> type[HeadLimitedProtocol]:
    """The protocol class for uvicorn's ``http`` setting, with this limit."""
    return type("IntakeHttpProtocol", (HeadLimitedProtocol,), {"max_header_bytes": max_header_bytes})
