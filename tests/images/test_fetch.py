"""SafeFetcher against a real HTTP server on the loopback interface."""

from __future__ import annotations

import gzip
import io
import ipaddress
import json
import pickle
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpcore
import pytest
from PIL import Image

from synthfoundry.images.fetch import (
    FetchPolicy,
    FetchRefused,
    SafeFetcher,
    is_blocked_address,
)

LOCAL = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))
BIG_BYTES = 30 * 1024 * 1024
CHUNK = 64 * 1024
SLOW_SECONDS = 3.0


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = _png()
REDIRECT_TARGETS = {
    "metadata": "http://169.254.169.254/latest/meta-data/",
    "private": "http://10.0.0.1/",
    "ipv6-loopback": "http://[::1]/",
    "file": "file:///etc/passwd",
    "credentials": "http://admin:admin@example.com/",
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the thread test connects 8 at once

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, Handler)
        self.paths: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hang up on purpose (too large, timeouts)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        parts = urlsplit(self.path)
        segments = parts.path.strip("/").split("/")
        route = ROUTES.get(segments[0])
        if route is None:
            self._send(404, b"not found")
        else:
            route(self, segments[1:], parts.query)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self._send(status, b"", {"Location": location})

    def image(self, _: list[str], __: str) -> None:
        self._send(200, PNG, {"Content-Type": "image/png"})

    def hops(self, rest: list[str], __: str) -> None:
        remaining = int(rest[0])
        if remaining == 0:
            self.image(rest, __)
        else:
            self._redirect(f"/hops/{remaining - 1}")

    def to(self, rest: list[str], __: str) -> None:
        self._redirect(REDIRECT_TARGETS[rest[0]])

    def elsewhere(self, rest: list[str], __: str) -> None:
        port = self.server.server_address[1]
        self._redirect(f"http://localhost:{port}/echo")

    def echo(self, _: list[str], query: str) -> None:
        body = json.dumps({"headers": dict(self.headers), "query": parse_qs(query)})
        self._send(200, body.encode(), {"Content-Type": "application/json"})

    def big(self, rest: list[str], __: str) -> None:
        self.send_response(200)
        if rest and rest[0] == "declared":
            self.send_header("Content-Length", str(BIG_BYTES))
        self.end_headers()  # otherwise HTTP/1.0: the body runs until the connection closes
        block = b"\0" * CHUNK
        for _ in range(BIG_BYTES // CHUNK):
            self.wfile.write(block)

    def gzipped(self, rest: list[str], __: str) -> None:
        """``gzipped/small``: a gzip body within the cap; ``gzipped/bomb``: 100 KB of gzip that
        decompresses to 100 MB; ``gzipped/br``: an encoding not decoded here."""
        if rest[0] == "br":
            self._send(200, b"whatever", {"Content-Encoding": "br"})
            return
        plain = b"hello" if rest[0] == "small" else b"\0" * (100 * 1024 * 1024)
        self._send(200, gzip.compress(plain, compresslevel=9), {"Content-Encoding": "gzip"})

    def slow(self, _: list[str], __: str) -> None:
        time.sleep(SLOW_SECONDS)
        self._send(200, b"late")

    def trickle(self, _: list[str], __: str) -> None:
        self.send_response(200)
        self.end_headers()
        for _tick in range(20):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.1)

    def limited(self, rest: list[str], __: str) -> None:
        if rest and rest[0] == "date":
            self._send(503, b"busy", {"Retry-After": formatdate(time.time() + 30, usegmt=True)})
        else:
            self._send(429, b"slow down", {"Retry-After": "2"})


ROUTES: dict[str, Callable[[Handler, list[str], str], None]] = {
    "image": Handler.image,
    "hops": Handler.hops,
    "to": Handler.to,
    "elsewhere": Handler.elsewhere,
    "echo": Handler.echo,
    "big": Handler.big,
    "gzipped": Handler.gzipped,
    "slow": Handler.slow,
    "trickle": Handler.trickle,
    "limited": Handler.limited,
}


def _serve(host: str, port: int = 0) -> Server:
    server = Server((host, port))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = _serve("127.0.0.1")
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture(scope="module")
def fetcher() -> Iterator[SafeFetcher]:
    with SafeFetcher(LOCAL) as opened:
        yield opened


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a TCP connection is opened to."""
    opened: list[str] = []
    connect = httpcore.SyncBackend.connect_tcp

    def recording(backend: httpcore.SyncBackend, host: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(host)
        return connect(backend, host, *args, **kwargs)

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", recording)
    return opened


def _fake_resolver(monkeypatch: pytest.MonkeyPatch, answer: Callable[[str], list[Any]]) -> None:
    """``socket.getaddrinfo`` answering names with ``answer``; IP literals as before."""
    resolve = socket.getaddrinfo

    def fake(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return answer(host)
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def _answer(*addresses: str) -> list[Any]:
    return [
        (
            socket.AF_INET6 if ":" in address else socket.AF_INET,
            socket.SOCK_STREAM,
            socket.IPPROTO_TCP,
            "",
            (address, 80),
        )
        for address in addresses
    ]


def _refusal(fetcher: SafeFetcher, url: str, **kwargs: Any) -> FetchRefused:
    with pytest.raises(FetchRefused) as caught:
        fetcher.get(url, **kwargs)
    return caught.value


def test_an_image_is_fetched_with_its_content_type(server: Server, fetcher: SafeFetcher) -> None:
    fetched = fetcher.get(f"{server.url}/image")
    assert fetched.data == PNG
    assert fetched.content_type == "image/png"
    assert fetched.url == fetched.final_url == f"{server.url}/image"


def test_redirects_are_followed_up_to_the_limit(server: Server, fetcher: SafeFetcher) -> None:
    fetched = fetcher.get(f"{server.url}/hops/5")
    assert fetched.data == PNG
    assert fetched.url == f"{server.url}/hops/5"
    assert fetched.final_url == f"{server.url}/hops/0"


def test_six_redirects_are_too_many(server: Server, fetcher: SafeFetcher) -> None:
    refusal = _refusal(fetcher, f"{server.url}/hops/6")
    assert refusal.reason == "redirects"
    assert "/hops/0" not in server.paths[-6:]


@pytest.mark.parametrize(
    ("target", "address"),
    [("metadata", "169.254.169.254"), ("private", "10.0.0.1"), ("ipv6-loopback", "::1")],
)
def test_a_redirect_to_an_internal_address_is_refused_without_connecting(
    server: Server, fetcher: SafeFetcher, connections: list[str], target: str, address: str
) -> None:
    refusal = _refusal(fetcher, f"{server.url}/to/{target}")
    assert refusal.reason == "blocked_address"
    assert address in refusal.url
    assert address in str(refusal)
    assert connections == ["127.0.0.1"]


@pytest.mark.parametrize("path", ["big", "big/declared"])
def test_a_body_over_the_cap_is_refused(server: Server, fetcher: SafeFetcher, path: str) -> None:
    started = time.monotonic()
    refusal = _refusal(fetcher, f"{server.url}/{path}")
    assert refusal.reason == "too_large"
    assert time.monotonic() - started < 5


def test_compressed_bodies_are_decoded_under_the_cap(server: Server, fetcher: SafeFetcher) -> None:
    assert fetcher.get(f"{server.url}/gzipped/small").data == b"hello"
    bomb = _refusal(fetcher, f"{server.url}/gzipped/bomb", max_bytes=1_000_000)
    assert bomb.reason == "too_large" and "decompresses" in bomb.detail
    assert _refusal(fetcher, f"{server.url}/gzipped/br").reason == "encoding"


def test_the_cap_applies_while_streaming_without_a_length(
    server: Server, fetcher: SafeFetcher
) -> None:
    refusal = _refusal(fetcher, f"{server.url}/big", max_bytes=100_000)
    assert refusal.reason == "too_large"
    assert "more arrived" in refusal.detail


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    server: Server, fetcher: SafeFetcher
) -> None:
    refusal = _refusal(fetcher, f"{server.url}/big/declared")
    assert f"declares {BIG_BYTES} bytes" in refusal.detail


def test_a_per_call_cap_overrides_the_policy(server: Server, fetcher: SafeFetcher) -> None:
    assert _refusal(fetcher, f"{server.url}/image", max_bytes=10).reason == "too_large"


def test_a_slow_server_times_out(server: Server) -> None:
    policy = FetchPolicy(allowed_hosts=LOCAL.allowed_hosts, read_timeout=0.5)
    with SafeFetcher(policy) as fetcher:
        started = time.monotonic()
        refusal = _refusal(fetcher, f"{server.url}/slow")
    assert refusal.reason == "timeout"
    assert time.monotonic() - started < SLOW_SECONDS - 0.5


def test_a_trickling_body_runs_into_the_total_timeout(server: Server) -> None:
    policy = FetchPolicy(allowed_hosts=LOCAL.allowed_hosts, read_timeout=1.0, total_timeout=0.4)
    with SafeFetcher(policy) as fetcher:
        assert _refusal(fetcher, f"{server.url}/trickle").reason == "timeout"


def test_429_carries_the_status_and_retry_after(server: Server, fetcher: SafeFetcher) -> None:
    refusal = _refusal(fetcher, f"{server.url}/limited")
    assert (refusal.reason, refusal.status, refusal.retry_after) == ("http_status", 429, 2.0)


def test_retry_after_may_be_an_http_date(server: Server, fetcher: SafeFetcher) -> None:
    refusal = _refusal(fetcher, f"{server.url}/limited/date")
    assert refusal.status == 503
    assert refusal.retry_after is not None
    assert 25 <= refusal.retry_after <= 31


def test_404_is_an_http_status_without_retry_after(server: Server, fetcher: SafeFetcher) -> None:
    refusal = _refusal(fetcher, f"{server.url}/missing")
    assert (refusal.reason, refusal.status, refusal.retry_after) == ("http_status", 404, None)


def test_loopback_is_refused_unless_allowed(server: Server, connections: list[str]) -> None:
    with SafeFetcher() as fetcher:
        assert _refusal(fetcher, f"{server.url}/image").reason == "blocked_address"
    assert connections == []
    with SafeFetcher(FetchPolicy(allowed_hosts=frozenset({"127.0.0.0/8"}))) as fetcher:
        assert fetcher.get(f"{server.url}/image").data == PNG


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme"),
        ("ftp://example.com/image.png", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("http://user:pw@127.0.0.1/image", "credentials"),
        ("http://user@127.0.0.1/image", "credentials"),
        ("http:///image", "invalid_url"),
        ("http://example.com:99999/", "invalid_url"),
        ("http://[::1/", "invalid_url"),
    ],
)
def test_urls_of_other_kinds_are_refused(
    fetcher: SafeFetcher, connections: list[str], url: str, reason: str
) -> None:
    assert _refusal(fetcher, url).reason == reason
    assert connections == []


@pytest.mark.parametrize(("target", "reason"), [("file", "scheme"), ("credentials", "credentials")])
def test_a_redirect_is_checked_like_the_first_url(
    server: Server, fetcher: SafeFetcher, connections: list[str], target: str, reason: str
) -> None:
    refusal = _refusal(fetcher, f"{server.url}/to/{target}")
    assert refusal.reason == reason
    assert refusal.url.startswith(REDIRECT_TARGETS[target][:5])
    assert connections == ["127.0.0.1"]


def test_a_host_resolving_to_a_private_address_is_refused(
    fetcher: SafeFetcher, monkeypatch: pytest.MonkeyPatch, connections: list[str]
) -> None:
    _fake_resolver(monkeypatch, lambda _: _answer("10.0.0.5"))
    refusal = _refusal(fetcher, "http://evil.example/cat.jpg")
    assert refusal.reason == "blocked_address"
    assert "10.0.0.5" in refusal.detail
    assert connections == []


def test_one_private_address_among_public_ones_is_enough_to_refuse(
    fetcher: SafeFetcher, monkeypatch: pytest.MonkeyPatch, connections: list[str]
) -> None:
    _fake_resolver(monkeypatch, lambda _: _answer("8.8.8.8", "2606:4700::1", "10.0.0.5"))
    assert _refusal(fetcher, "http://mixed.example/").reason == "blocked_address"
    assert connections == []


def test_an_unresolvable_host_is_refused(
    fetcher: SafeFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(_: str) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    _fake_resolver(monkeypatch, fail)
    assert _refusal(fetcher, "http://nowhere.example/").reason == "unresolvable"


def test_a_changing_dns_answer_cannot_steer_the_connection(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name first resolves to an allowed address (127.0.0.1 stands in for a
    public one), then to an internal one (127.0.0.2, a second server on the same port). The
    connection must go to the address that was checked, never to one resolved afterwards."""
    port = server.server_address[1]
    try:
        internal = _serve("127.0.0.2", port)
    except OSError:
        pytest.skip("127.0.0.2 cannot be bound here")
    answers = iter([_answer("127.0.0.1")])
    lookups: list[str] = []

    def rebinding(host: str) -> list[Any]:
        lookups.append(host)
        return next(answers, _answer("127.0.0.2"))

    _fake_resolver(monkeypatch, rebinding)
    try:
        with SafeFetcher(LOCAL) as fetcher:
            assert fetcher.get(f"http://rebind.example:{port}/image").data == PNG
        with SafeFetcher(LOCAL) as fetcher:
            refusal = _refusal(fetcher, f"http://rebind.example:{port}/image")
        assert refusal.reason == "blocked_address"
        assert lookups == ["rebind.example", "rebind.example"]
        assert internal.paths == []
    finally:
        internal.shutdown()
        internal.server_close()


def _self_signed(name: str, folder: Path) -> tuple[Path, Path]:
    """A certificate for ``name`` and its key, as PEM files."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file, key_file = folder / "certificate.pem", folder / "key.pem"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_file, key_file


def test_tls_verifies_the_host_name_while_connecting_by_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    certificate, key = _self_signed("tls.example", tmp_path)
    tls_server = Server(("127.0.0.1", 0))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    server_names: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: server_names.append(name)
    tls_server.socket = context.wrap_socket(tls_server.socket, server_side=True)
    threading.Thread(target=tls_server.serve_forever, daemon=True).start()
    port = tls_server.server_address[1]
    _fake_resolver(monkeypatch, lambda _: _answer("127.0.0.1"))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # trusted as a CA by this fetcher
    try:
        with SafeFetcher(LOCAL) as fetcher:
            echoed = json.loads(fetcher.get(f"https://tls.example:{port}/echo").data)
            refusal = _refusal(fetcher, f"https://other.example:{port}/echo")
    finally:
        tls_server.shutdown()
        tls_server.server_close()
    assert echoed["headers"]["Host"] == f"tls.example:{port}"
    assert server_names[0] == "tls.example"
    assert refusal.reason == "connection"
    assert "certificate" in refusal.detail.lower()


def test_headers_stay_with_their_origin(server: Server) -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1", "localhost", "::1"}))
    with SafeFetcher(policy) as fetcher:
        same = json.loads(fetcher.get(f"{server.url}/echo", headers={"X-Api-Key": "s3"}).data)
        moved = json.loads(fetcher.get(f"{server.url}/elsewhere", headers={"X-Api-Key": "s3"}).data)
    assert same["headers"]["X-Api-Key"] == "s3"
    assert same["headers"]["User-Agent"] == policy.user_agent
    assert "X-Api-Key" not in moved["headers"]


def test_params_are_sent_but_never_reported(server: Server, fetcher: SafeFetcher) -> None:
    fetched = fetcher.get(f"{server.url}/echo?q=cat", params={"key": "secret", "n": 3})
    assert json.loads(fetched.data)["query"] == {"q": ["cat"], "key": ["secret"], "n": ["3"]}
    assert "secret" not in fetched.final_url
    refusal = _refusal(fetcher, f"{server.url}/missing", params={"key": "secret"})
    assert "secret" not in str(refusal)


def test_the_fetcher_can_be_shared_by_threads(server: Server, fetcher: SafeFetcher) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: fetcher.get(f"{server.url}/image"), range(32)))
    assert all(result.data == PNG for result in results)


def test_a_refusal_survives_pickling() -> None:
    refusal = FetchRefused("http_status", "http://a.example/", "busy", status=429, retry_after=2.0)
    copy = pickle.loads(pickle.dumps(refusal))
    assert (copy.reason, copy.url, copy.detail, copy.status, copy.retry_after) == (
        "http_status",
        "http://a.example/",
        "busy",
        429,
        2.0,
    )
    assert str(copy) == str(refusal)


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("172.31.255.255", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("100.64.0.1", True),
        ("100.127.255.254", True),
        ("0.0.0.0", True),
        ("0.1.2.3", True),
        ("255.255.255.255", True),
        ("224.0.0.1", True),
        ("239.255.255.250", True),
        ("240.0.0.1", True),
        ("192.0.2.1", True),
        ("198.51.100.7", True),
        ("203.0.113.9", True),
        ("198.18.0.1", True),
        ("192.0.0.8", True),
        ("::1", True),
        ("::", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:169.254.169.254", True),
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("fc00::1", True),
        ("fd00:ec2::254", True),
        ("fe80::1", True),
        ("ff02::1", True),
        ("2001:db8::1", True),
        ("8.8.8.8", False),
        ("1.1.1.1", False),
        ("100.63.255.255", False),
        ("172.32.0.1", False),
        ("::ffff:8.8.8.8", False),
        ("2606:4700::1", False),
        ("2a00:1450:4001:82a::200e", False),
    ],
)
def test_blocked_addresses(address: str, blocked: bool) -> None:
    assert is_blocked_address(ipaddress.ip_address(address)) is blocked
