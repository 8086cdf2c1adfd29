"""HTTP GET for URLs that strangers chose: search results, URL lists, redirects.

Hardened against server-side request forgery. Only http and https, no credentials in the URL,
redirects followed by hand and each hop checked again, and every address a host resolves to must
be public (or named in ``FetchPolicy.allowed_hosts``). The check happens where the connection is
made: the network backend resolves the name once, checks every address, and connects to those
very addresses, so a DNS answer that changes between a check and the connection (DNS rebinding)
has nothing to exploit. TLS still verifies the certificate against the host name. Bodies are
streamed with a byte counter, so a response can never grow past its cap in memory.
"""

from __future__ import annotations

import contextlib
import ipaddress
import math
import socket
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REASONS = (
    "scheme",
    "credentials",
    "invalid_url",
    "blocked_address",
    "unresolvable",
    "redirects",
    "too_large",
    "timeout",
    "http_status",
    "connection",
    "encoding",
)
ALLOWED_SCHEMES = frozenset({"http", "https"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_PORT = 65535

# Ranges that Python's ``is_global`` misses on some versions, or that we refuse on purpose.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local, including fd00:ec2::254 (AWS instance metadata over IPv6)
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")  # the low 32 bits are an IPv4 address


@dataclass(frozen=True)
class FetchPolicy:
    allowed_hosts: frozenset[str] = frozenset()
    """Host names, IP addresses or CIDR ranges reachable even when private or loopback."""
    max_redirects: int = 5
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    """The longest wait for any single read from the server."""
    max_bytes: int = 20 * 1024 * 1024
    """Per response, counted while streaming."""
    user_agent: str = "Synthfoundry/0.1 (+https://github.com/synthfoundry)"
    total_timeout: float = 120.0
    """The longest a body may take to arrive, so a server trickling bytes cannot hold a worker."""


class FetchRefused(Exception):
    """A URL that was not fetched; ``reason`` is one of ``REASONS``."""

    def __init__(
        self,
        reason: str,
        url: str,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"refused to fetch {url}: {detail}")
        self.reason = reason
        self.url = url
        self.detail = detail
        self.status = status
        self.retry_after = retry_after
        """Seconds to wait, from the Retry-After header of a 429 or 503."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default exception pickling.
        return (
            _rebuild_refusal,
            (self.reason, self.url, self.detail, self.status, self.retry_after),
        )


def _rebuild_refusal(
    reason: str, url: str, detail: str, status: int | None, retry_after: float | None
) -> FetchRefused:
    return FetchRefused(reason, url, detail, status=status, retry_after=retry_after)


@dataclass(frozen=True)
class Fetched:
    url: str
    """The URL as the caller gave it (without the ``params``)."""
    final_url: str
    """The URL of the response, after redirects; ``url`` when there were none."""
    data: bytes
    content_type: str | None
    """The Content-Type header as sent; callers sniff the bytes themselves."""


def is_blocked_address(address: IPAddress) -> bool:
    """Whether an address is anything but a public unicast one: loopback, private, link-local
    (cloud metadata), multicast, reserved, CGNAT, documentation... or IPv6 wrapping one."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_blocked_address(embedded)
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or any(address in network for network in BLOCKED_NETWORKS)
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4 or NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


class _AllowList:
    """``FetchPolicy.allowed_hosts``, parsed: host names and networks."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.names: set[str] = set()
        self.networks: list[IPNetwork] = []
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self.names.add(_normal_host(entry))

    def allows(self, host: str, address: IPAddress) -> bool:
        if _normal_host(host) in self.names:
            return True
        return any(address in network for network in self.networks)


def _normal_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


class _AddressRefused(Exception):
    """Raised inside the network backend; ``SafeFetcher`` turns it into ``FetchRefused``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _CheckedBackend(httpcore.NetworkBackend):
    """Resolves each host once, checks every address, then connects to those addresses only.

    Connecting by IP (rather than checking the peer after the system resolver picked one) means
    the addresses checked and the address connected to come from one single DNS answer; httpcore
    still sends the name in the Host header and as the TLS server name.
    """

    def __init__(self, allow_list: _AllowList) -> None:
        self._allow_list = allow_list
        self._plain = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._checked_addresses(host, port)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return self._plain.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None  # _checked_addresses never returns an empty list
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise _AddressRefused("blocked_address", "Unix sockets are never connected to")

    def sleep(self, seconds: float) -> None:
        self._plain.sleep(seconds)

    def _checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        addresses = _resolve(host, port)
        for address in addresses:
            if is_blocked_address(address) and not self._allow_list.allows(host, address):
                raise _AddressRefused(
                    "blocked_address",
                    f"{host} resolves to {address}, which is not a public address",
                )
        return addresses


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of ``host``, in the resolver's order, without repeats."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise _AddressRefused("unresolvable", f"{host} cannot be resolved ({error})") from error
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers:
        address = _parsed_address(host, str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _AddressRefused("unresolvable", f"{host} has no address")
    return addresses


def _parsed_address(host: str, text: str) -> IPAddress:
    try:
        # A scope ("%eth0") only ever comes with link-local addresses, which are blocked anyway.
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError as error:
        raise _AddressRefused("unresolvable", f"{host} resolves to {text!r}") from error


class _CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport on a connection pool that uses ``_CheckedBackend``."""

    def __init__(self, allow_list: _AllowList) -> None:
        ssl_context = httpx.create_ssl_context()  # loading the CA bundle once is slow enough
        super().__init__(verify=ssl_context)
        limits = httpx.Limits()
        # httpx has no public hook for the network backend; its transport keeps the httpcore
        # pool in ``_pool`` (since httpx 0.18), and everything else it does stays as it is.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(allow_list),
        )


class SafeFetcher:
    """GETs URLs under a ``FetchPolicy``; safe to share between threads."""

    def __init__(self, policy: FetchPolicy = FetchPolicy()) -> None:
        self._policy = policy
        self._client = httpx.Client(
            transport=_CheckedTransport(_AllowList(policy.allowed_hosts)),
            follow_redirects=False,
            trust_env=False,  # no proxies, .netrc or similar from the environment
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=policy.connect_timeout,
            ),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "identity"},
        )

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        max_bytes: int | None = None,
    ) -> Fetched:
        """The body of a 2xx response to GET ``url``, after at most ``max_redirects`` redirects.

        ``headers`` go only to the origin of ``url`` (a redirect elsewhere drops them, so API keys
        stay with their API); ``params`` are added to the first request only, and no URL this
        reports (in ``Fetched`` or ``FetchRefused``) includes them. Raises ``FetchRefused``.
        """
        limit = self._policy.max_bytes if max_bytes is None else max_bytes
        shown = url
        target = _checked_url(url, url)
        if params:
            target = target.copy_merge_params(params)
        origin = _origin(target)
        for _ in range(self._policy.max_redirects + 1):
            hop_headers = headers if _origin(target) == origin else None
            with (
                _translated_errors(shown),
                self._client.stream("GET", target, headers=hop_headers) as response,
            ):
                location = _redirect_location(response)
                if location is None:
                    _check_status(response, shown)
                    data = _read_capped(response, limit, self._policy.total_timeout, shown)
                    return Fetched(url, shown, data, response.headers.get("Content-Type"))
            target = _redirect_target(target, location, shown)
            shown = str(target)
        raise FetchRefused(
            "redirects", url, f"more than {self._policy.max_redirects} redirects (last: {shown})"
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SafeFetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _checked_url(url: str, shown: str) -> httpx.URL:
    """``url`` parsed, refused unless it is plain http(s) with a host and no credentials."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise FetchRefused("invalid_url", shown, f"{url!r} is not a valid URL ({error})") from error
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise FetchRefused(
            "scheme", shown, f"only http and https are fetched, not {parsed.scheme or 'no'} scheme"
        )
    if parsed.userinfo:
        raise FetchRefused("credentials", shown, "URLs with a user name or password are refused")
    if not parsed.host:
        raise FetchRefused("invalid_url", shown, "the URL has no host")
    if parsed.port is not None and not 0 < parsed.port <= MAX_PORT:
        raise FetchRefused("invalid_url", shown, f"{parsed.port} is not a TCP port")
    return parsed


def _redirect_target(current: httpx.URL, location: str, shown: str) -> httpx.URL:
    try:
        joined = current.join(location)
    except httpx.InvalidURL as error:
        raise FetchRefused(
            "invalid_url", shown, f"it redirects to {location!r}, not a valid URL"
        ) from error
    return _checked_url(str(joined), str(joined))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


def _redirect_location(response: httpx.Response) -> str | None:
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location: str | None = response.headers.get("Location")
    return location


def _check_status(response: httpx.Response, shown: str) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    retry_after = (
        _retry_after(response.headers.get("Retry-After"))
        if status in RETRY_AFTER_STATUSES
        else None
    )
    raise FetchRefused(
        "http_status",
        shown,
        f"the server answered {status} {response.reason_phrase}".rstrip(),
        status=status,
        retry_after=retry_after,
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait, from a Retry-After of seconds or an HTTP date; None when unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        return _seconds_until(value)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(http_date: str) -> float | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _read_capped(response: httpx.Response, limit: int, total_timeout: float, shown: str) -> bytes:
    declared = _content_length(response)
    if declared is not None and declared > limit:
        raise _too_large(shown, limit, f"it declares {declared} bytes")
    deadline = time.monotonic() + total_timeout
    decoder = _decoder(response, shown)
    body = bytearray()
    # Raw bytes, decoded here under the cap: httpx's own decoding has no output limit, so a
    # small gzip bomb would fill memory before any check.
    for raw in response.iter_raw():
        chunk = raw
        if decoder is not None:
            try:
                chunk = decoder.decompress(raw, limit + 1 - len(body))
            except zlib.error as error:
                raise FetchRefused(
                    "encoding", shown, f"the body does not decode: {error}"
                ) from None
            if decoder.unconsumed_tail:
                raise _too_large(shown, limit, "it decompresses to more")
        body += chunk
        if len(body) > limit:
            raise _too_large(shown, limit, "more arrived")
        if time.monotonic() > deadline:
            raise FetchRefused(
                "timeout", shown, f"the body took longer than {total_timeout:g} s to arrive"
            )
    return bytes(body)


def _decoder(response: httpx.Response, shown: str) -> Any:
    """A bounded decompressor for a gzip or deflate body, ``None`` for an identity one; other
    and stacked encodings are refused."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib, told by the header
    raise FetchRefused("encoding", shown, f"the body is sent as {encoding!r}, not decoded here")


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _too_large(shown: str, limit: int, why: str) -> FetchRefused:
    return FetchRefused("too_large", shown, f"the response exceeds {limit} bytes ({why})")


@contextlib.contextmanager
def _translated_errors(shown: str) -> Iterator[None]:
    """httpx's errors, and the backend's refusals, as ``FetchRefused``."""
    try:
        yield
    except _AddressRefused as error:
        raise FetchRefused(error.reason, shown, error.detail) from error
    except httpx.TimeoutException as error:
        raise FetchRefused("timeout", shown, f"the server did not answer in time ({error})") from (
            error
        )
    except httpx.InvalidURL as error:
        raise FetchRefused("invalid_url", shown, str(error)) from error
    except httpx.HTTPError as error:
        raise FetchRefused(
            "connection", shown, f"{type(error).__name__}: {error or 'connection failed'}"
        ) from error
