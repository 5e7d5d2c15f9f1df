"""What stands between the dashboard and a hostile page or client.

* :class:`HostCheck`: the ``Host`` header must name the address the server is bound to
  (or a local name): a page on another site that rebinds its DNS name to 127.0.0.1 sends
  its own name and is refused (421).
* Cross-origin writes are refused (403): a POST whose ``Origin`` is another site. No CORS
  header is ever sent, so browsers keep other sites from reading any answer.
* :class:`BodySizeLimit`: a request body above the limit is refused while it streams in
  (413), whether or not it declares its length (chunked bodies are counted too).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from missilewatch.limits import LOCAL_HOSTS
from missilewatch.web.errors import error_body

_ANY_ADDRESS = {"0.0.0.0", "::", "[::]", ""}


def _host_name(value: str) -> str:
    """The host of a ``Host`` header or origin, without port, lower-case."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        return value.split("]", 1)[0] + "]"
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class HostPolicy:
    """Which ``Host`` values a server bound to ``bind`` answers."""

    def __init__(self, bind: str = "127.0.0.1", extra: Iterable[str] = ()) -> None:
        self.bind = bind.strip().lower()
        self.allowed = {*(h.lower() for h in LOCAL_HOSTS), *(h.lower() for h in extra)}
        if self.bind not in _ANY_ADDRESS:
            self.allowed.add(self.bind)
            if ":" in self.bind and not self.bind.startswith("["):
                self.allowed.add(f"[{self.bind}]")

    def allows(self, host: str) -> bool:
        name = _host_name(host)
        if name in self.allowed:
            return True
        # Bound to every interface: any address literal is a real interface (a DNS
        # rebinding attack needs a name, never a literal address).
        return self.bind in _ANY_ADDRESS and _is_ip_literal(name)


class HostCheck:
    """Refuse requests whose Host header the policy does not allow, and cross-origin
    writes."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            host = headers.get("host", "")
            if not self.policy.allows(host):
                response = JSONResponse(
                    error_body(
                        f"Host {host[:80]!r} is not this server's address; open the dashboard "
                        "at the address it was started on (serve --allow-host NAME for a proxy)"
                    ),
                    status_code=421,
                )
                await response(scope, receive, send)
                return
            origin = headers.get("origin")
            if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin is not None:
                origin_host = urlsplit(origin).netloc
                if origin == "null" or not self.policy.allows(origin_host):
                    response = JSONResponse(
                        error_body("cross-origin requests are refused"), status_code=403
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Refuse request bodies above ``limit`` bytes: a declared length at once, any body
    as soon as the bytes received pass the limit (nothing more is read)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _too_large(self) -> str:
        return f"request body above the limit of {self.limit:,} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            response = JSONResponse(error_body(self._too_large()), status_code=413)
            await response(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # FastAPI passes an HTTPException raised while reading the body to
                    # the error handlers (JSON 413); other readers see it propagate.
                    raise HTTPException(413, self._too_large())
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except HTTPException as error:
            if error.status_code != 413 or started:
                raise
            response = JSONResponse(error_body(self._too_large()), status_code=413)
            await response(scope, receive, send)
