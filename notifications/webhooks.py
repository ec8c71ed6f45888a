"""Sending one webhook event: signed, to a public address only, pinned to the address that was checked.

Signature: `X-Studio-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, so a receiver
can refuse a replay older than a few minutes. SSRF: the host is resolved and every address it resolves to
must be public (not private, loopback, link-local, multicast, reserved or unspecified); the request then
goes to that checked address (TLS still verifies the certificate of the name), so a DNS answer that changes
between the check and the connect can't point it inside. Redirects are followed only as 307/308 (the same
POST), at most three, and each new location is checked the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings

MAX_REDIRECTS = 3
USER_AGENT = "SunoStudio-Webhook/1"


class DestinationRefused(Exception):
    """The URL may not be called: not HTTPS, or it points at a private or local address."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """What a receiver does (the docs show it; the tests' receiver uses it)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def checked_address(url: str) -> str:
    """The one address to connect to for `url`, after checking it (and every other it resolves to)."""
    parts = urlsplit(url)
    allowed_schemes = ("https",) if settings.WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed_schemes:
        raise DestinationRefused("Webhook URLs must start with https://.")
    if not parts.hostname:
        raise DestinationRefused("The URL has no host.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise DestinationRefused(f"{parts.hostname} could not be resolved ({error}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    allowed = set(settings.WEBHOOK_ALLOWED_PRIVATE_ADDRESSES)
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not _is_public(address) and text not in allowed:
            where = text if parts.hostname == text else f"{parts.hostname} resolves to {text}, which"
            raise DestinationRefused(
                f"{where} is not a public address: webhooks are never sent to private, loopback or "
                "link-local addresses."
            )
    if not addresses:
        raise DestinationRefused(f"{parts.hostname} has no address.")
    return addresses[0]


@dataclass
class Answer:
    url: str  # the last URL tried
    status_code: int | None = None
    error: str = ""
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pinned(url: str, address: str) -> tuple[str, str, str]:
    """(URL with the address for the host, the Host header, the TLS server name)."""
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, parts.hostname


def send(url: str, *, secret: str, event: str, delivery_id: str, payload: dict, http: httpx.Client) -> Answer:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    for _ in range(MAX_REDIRECTS + 1):
        try:
            address = checked_address(url)
        except DestinationRefused as refusal:
            return Answer(url, error=str(refusal)[:300], refused=True)
        target, host_header, server_name = _pinned(url, address)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Host": host_header,
            "X-Studio-Event": event,
            "X-Studio-Delivery": delivery_id,
            "X-Studio-Signature": sign(secret, int(time.time()), body),
        }
        try:
            response = http.post(
                target, content=body, headers=headers, extensions={"sni_hostname": server_name}
            )
        except httpx.HTTPError as error:
            return Answer(url, error=f"{type(error).__name__}: {error}"[:300])
        if response.status_code in (307, 308) and response.headers.get("location"):
            url = urljoin(url, response.headers["location"])
            continue
        if 300 <= response.status_code < 400:
            where = response.headers.get("location", "nowhere")
            return Answer(url, response.status_code, f"Redirected to {where}: only 307 and 308 are followed.")
        return Answer(url, response.status_code)
    return Answer(url, error=f"More than {MAX_REDIRECTS} redirects.")
