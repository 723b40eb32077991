"""The intake's HTTP protocol refuses oversized request heads (httptools has no limit of its own)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from pso_deploy.paths import free_port
from pso_intake.http_protocol import head_limited_protocol

LIMIT = 4096


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    port = free_port()
    config = uvicorn.Config(_app, port=port, http=head_limited_protocol(LIMIT), log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    yield port
    server.should_exit = True
    await task


async def _exchange(port: int, chunks: list[bytes]) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=5)
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


def _request(headers: bytes = b"") -> bytes:
    return b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n" + headers + b"\r\n"


async def test_a_normal_request_is_served(port: int) -> None:
    assert (await _exchange(port, [_request(b"x-small: 1\r\n")])).startswith(b"HTTP/1.1 200")


async def test_headers_over_the_limit_get_431(port: int) -> None:
    big = b"".join(b"x-h%d: %s\r\n" % (i, b"v" * 100) for i in range(60))  # ~6.5 KB in many headers
    assert (await _exchange(port, [_request(big)])).startswith(b"HTTP/1.1 431")


async def test_one_endless_header_line_is_cut_off(port: int) -> None:
    # Never finished, so no parser callback ever sees it: only the bytes received can tell.
    start = b"GET / HTTP/1.1\r\nhost: x\r\nx-endless: "
    # Just past the guard (twice the limit) and no further: writing on after the server closed
    # would reset the connection and lose its answer.
    answer = await _exchange(port, [start, *([b"v" * 1024] * (2 * LIMIT // 1024 + 1))])
    assert answer.startswith(b"HTTP/1.1 431")


async def test_a_long_url_counts_too(port: int) -> None:
    answer = await _exchange(port, [b"GET /" + b"a" * (LIMIT + 10) + b" HTTP/1.1\r\nhost: x\r\n\r\n"])
    assert answer.startswith(b"HTTP/1.1 431")
