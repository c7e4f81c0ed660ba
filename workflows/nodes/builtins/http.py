import asyncio
import ipaddress
import json
import socket
import ssl
import time
from functools import cache

import certifi
import httpx
from django.conf import settings

from workflows.nodes.base import NodeError, NodeType

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
MAX_REDIRECTS = 5
MAX_BODY_BYTES = 5 * 1024 * 1024


class Http(NodeType):
    type = "core.http"
    name = "HTTP request"
    category = "Network"
    description = "Sends an HTTP request; outputs the status, headers and body."
    permissions = frozenset({"network"})
    config_schema = {
        "type": "object",
        "properties": {
            "method": {"type": "string", "enum": METHODS, "default": "GET"},
            "url": {
                "type": "string",
                "minLength": 1,
                "description": "An http:// or https:// URL; may use {{ templates }}.",
            },
            "headers": {
                "type": "object",
                "description": "Header name → value or {{ template }}.",
                "additionalProperties": {"type": "string"},
            },
            "query": {
                "type": "object",
                "description": "Query parameter name → value or {{ template }}.",
                "additionalProperties": True,
            },
            "json": {"description": "A JSON body; not together with body."},
            "body": {
                "type": "string",
                "format": "textarea",
                "description": "A text body; not together with json.",
            },
            "timeout_s": {
                "type": "number",
                "exclusiveMinimum": 0,
                "maximum": 300,
                "default": 30,
            },
            "fail_on_status": {
                "type": "boolean",
                "description": "Fail the node on a 4xx or 5xx response.",
                "default": True,
            },
        },
        "required": ["url"],
        "additionalProperties": False,
    }

    async def execute(self, ctx):
        config = ctx.config
        method = config.get("method", "GET")
        url = _parse_url(config["url"])
        content = config.get("body")
        if config.get("json") is not None and content not in (None, ""):
            raise NodeError("json and body cannot both be set; choose one")
        if content is not None and not isinstance(content, str):
            raise NodeError("body must be text; use json for structured data")
        timeout_s = float(config.get("timeout_s", 30))
        async with httpx.AsyncClient(
            verify=await asyncio.to_thread(_tls_context),
            timeout=timeout_s,
            follow_redirects=False,
        ) as client:
            request = client.build_request(
                method,
                url,
                headers={k: str(v) for k, v in config.get("headers", {}).items()},
                params=config.get("query") or None,
                json=config.get("json"),
                content=content or None,
            )
            try:
                # httpx times each step; this bounds the whole exchange.
                async with asyncio.timeout(timeout_s):
                    return await _exchange(ctx, client, request, config)
            except (TimeoutError, httpx.TimeoutException):
                raise NodeError(
                    f"{method} {_shown(url)} timed out after {timeout_s:g} s"
                ) from None
            except httpx.HTTPError as exc:
                raise NodeError(f"{method} {_shown(url)} failed: {exc}") from None


async def _exchange(ctx, client, request, config) -> dict:
    response = await _send(ctx, client, request)
    try:
        if config.get("fail_on_status", True) and response.is_error:
            raise NodeError(
                f"{response.request.method} {_shown(response.url)} returned "
                f"{response.status_code} {response.reason_phrase}".rstrip()
            )
        content = await _read(response)
    finally:
        await response.aclose()
    return {
        "status": response.status_code,
        "headers": dict(response.headers),
        # Parsing up to 5 MB of JSON would hold up the event loop.
        "body": await asyncio.to_thread(_decode, response, content),
    }


async def _send(ctx, client, request) -> httpx.Response:
    """Send the request, following redirects only to URLs that pass the checks."""
    for _ in range(MAX_REDIRECTS + 1):
        await _check_destination(request.url)
        started = time.monotonic()
        response = await client.send(request, stream=True)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        ctx.log(
            f"{request.method} {_shown(request.url)} → "
            f"{response.status_code} in {elapsed_ms} ms"
        )
        if response.next_request is None:
            return response
        await response.aclose()
        request = response.next_request
    raise NodeError(
        f"more than {MAX_REDIRECTS} redirects; stopped at {_shown(request.url)}"
    )


async def _check_destination(url: httpx.URL) -> None:
    if url.scheme not in ("http", "https"):
        raise NodeError(
            f"only http and https URLs are allowed, not {url.scheme or 'no scheme'}: "
            f"{_shown(url)}"
        )
    host = url.host
    if not host:
        raise NodeError(f"the URL has no host: {_shown(url)}")
    allowed = settings.FLOWDESK.get("HTTP_ALLOWED_HOSTS") or []
    if allowed and not any(host_matches(host, pattern) for pattern in allowed):
        raise NodeError(f"host {host} is not in FLOWDESK_HTTP_ALLOWED_HOSTS")
    if settings.FLOWDESK.get("HTTP_ALLOW_PRIVATE", False):
        return
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(
            url.raw_host.decode("ascii"),
            url.port or (443 if url.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except socket.gaierror as exc:
        raise NodeError(f"cannot resolve host {host}: {exc.strerror}") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if _is_internal(address):
            raise NodeError(
                f"host {host} resolves to {address}, a private or local address; "
                "set FLOWDESK_HTTP_ALLOW_PRIVATE=1 to allow it"
            )


def host_matches(host: str, pattern: str) -> bool:
    """Whether a host is `pattern` or, for `*.example.com`, a subdomain of it."""
    host, pattern = host.lower().rstrip("."), pattern.strip().lower().rstrip(".")
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # ::ffff:127.0.0.1 reaches 127.0.0.1; judge it as the IPv4 address it is.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def _read(response: httpx.Response) -> bytes:
    too_large = NodeError(
        f"the response of {_shown(response.url)} is larger than "
        f"{MAX_BODY_BYTES // (1024 * 1024)} MB"
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _decode(response: httpx.Response, content: bytes):
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return json.loads(content)
        except ValueError:
            pass
    try:
        return content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return content.decode("utf-8", errors="replace")


def _parse_url(url) -> httpx.URL:
    if not isinstance(url, str):
        raise NodeError(f"url must be text, got {type(url).__name__}")
    try:
        return httpx.URL(url.strip())
    except httpx.InvalidURL as exc:
        raise NodeError(f"invalid URL {url!r}: {exc}") from None


def _shown(url: httpx.URL) -> str:
    """The URL without a password, for logs and errors."""
    return str(url.copy_with(userinfo=b"")) if url.userinfo else str(url)


@cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes tens of milliseconds: do it once, off the loop.
    return ssl.create_default_context(cafile=certifi.where())
