"""The schema registry over HTTPS with basic auth, for the secure tests: a small TLS-terminating reverse proxy
in front of the local Apicurio Registry.

Why a proxy and not Apicurio's own: Apicurio Registry 3 serves TLS itself easily, but its authentication is
OIDC (a Keycloak or another identity provider issuing tokens, even for "basic" client credentials), which would
add a third service to the stack.  The proxy checks one user and password (compared in constant time), passes
every other request through unchanged, and answers 401 otherwise.  One request per connection: it closes each.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field

import httpx

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "host", "content-length", "authorization"})
MAX_BODY = 8 * 1024 * 1024


@dataclass(frozen=True)
class ProxyConfig:
    upstream: str
    """The plain registry's base URL (``http://127.0.0.1:PORT``), without a path."""
    certfile: str
    keyfile: str
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class RunningProxy:
    url: str
    """``https://localhost:PORT``: the certificate's name."""


def _authorized(header: str | None, config: ProxyConfig) -> bool:
    if header is None or not header.startswith("Basic "):
        return False
    expected = base64.b64encode(f"{config.username}:{config.password}".encode()).decode("ascii")
    return hmac.compare_digest(header.removeprefix("Basic ").strip().encode(), expected.encode())


async def _respond(
    writer: asyncio.StreamWriter, status: int, reason: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers)]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    writer.write("\r\n".join(lines).encode("latin-1") + body)
    await writer.drain()


async def _handle(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, config: ProxyConfig, client: httpx.AsyncClient
) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        if length > MAX_BODY:
            await _respond(writer, 413, "Payload Too Large", [], b"")
            return
        body = await reader.readexactly(length) if length else b""
        if not _authorized(headers.get("authorization"), config):
            await _respond(
                writer,
                401,
                "Unauthorized",
                [("WWW-Authenticate", 'Basic realm="schema registry"'), ("Content-Type", "application/json")],
                b'{"error_code":401,"message":"Unauthorized"}',
            )
            return
        forwarded = {k: v for k, v in headers.items() if k not in _HOP_BY_HOP}
        answer = await client.request(method, target, headers=forwarded, content=body)
        passed = [(k, v) for k, v in answer.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-encoding"}]
        await _respond(writer, answer.status_code, answer.reason_phrase, passed, answer.content)
    except (asyncio.IncompleteReadError, ValueError, ConnectionError, ssl.SSLError):
        pass
    except httpx.HTTPError:
        with suppress(ConnectionError):
            await _respond(writer, 502, "Bad Gateway", [], b"")
    finally:
        writer.close()
        with suppress(Exception):
            await writer.wait_closed()


@asynccontextmanager
async def registry_proxy(config: ProxyConfig, host: str = "localhost") -> AsyncIterator[RunningProxy]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(config.certfile, config.keyfile)
    async with httpx.AsyncClient(base_url=config.upstream, timeout=30.0) as client:
        server = await asyncio.start_server(lambda r, w: _handle(r, w, config, client), "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        try:
            yield RunningProxy(f"https://{host}:{port}")
        finally:
            server.close()
            await server.wait_closed()
