"""A local stand-in for Openverse, Wikimedia Commons, Google Programmable Search and the image
hosts behind them, speaking their real wire formats over loopback.

A scenario says, per label, which items to serve in which order::

    with ProviderStub() as stub:
        stub.add_label("cat", [good(), good("cc0"), duplicate(0), near(1), CORRUPT])

The search endpoints answer a query equal to a label with that label's items (Openverse
``/v1/images/``, Wikimedia ``/w/api.php``, Google ``/customsearch/v1``), and each item's bytes are
served under ``/img/<label>/<index>``. The stub logs every request, counts concurrent requests per
Host header, adds ``latency`` to each answer, and can throttle an endpoint with 429s.
"""

from __future__ import annotations

import io
import json
import math
import struct
import sys
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image, ImageDraw

OPENVERSE_PATH = "/v1/images/"
WIKIMEDIA_PATH = "/w/api.php"
GOOGLE_PATH = "/customsearch/v1"
IMAGE_PREFIX = "/img/"
PRIVATE_TARGET = "http://10.0.0.1/x"
HUGE_BYTES = 30 * 1024 * 1024
CHUNK = b"\0" * (1024 * 1024)
GOOGLE_KEY = "stub-key"
GOOGLE_ENGINE = "stub-engine"
GOOGLE_MAX_RESULTS = 100
CC_VERSION = "4.0"
# The usage-rights labels Google would give each license.
GOOGLE_RIGHTS = {
    "cc0": {"cc_publicdomain"},
    "pdm": {"cc_publicdomain"},
    "by": {"cc_attribute"},
    "by-sa": {"cc_attribute", "cc_sharealike"},
    "by-nc": {"cc_attribute", "cc_noncommercial"},
    "by-nd": {"cc_attribute", "cc_nonderived"},
    "by-nc-sa": {"cc_attribute", "cc_noncommercial", "cc_sharealike"},
    "by-nc-nd": {"cc_attribute", "cc_noncommercial", "cc_nonderived"},
    "unknown": set(),
}


# --- Scenario items ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One search result of a label and what its URL serves."""

    kind: str
    """good, duplicate, near, corrupt, truncated, html, pixel_bomb, huge, private_redirect,
    slow, tiny or missing."""
    license: str = "by"
    of: int | None = None
    """For duplicate and near: the index of the original."""
    of_label: str | None = None
    """For duplicate and near: the original's label; None for the same label."""


def good(license: str = "by") -> Entry:
    """A distinct picture, PNG at even indexes and JPEG at odd ones, 160-256 px wide."""
    return Entry("good", license)


def duplicate(of: int, label: str | None = None, license: str = "by") -> Entry:
    """The very bytes of another item, under another URL."""
    return Entry("duplicate", license, of, label)


def near(of: int, label: str | None = None, license: str = "by") -> Entry:
    """Another item shrunk to 0.6 and saved again as JPEG at quality 70."""
    return Entry("near", license, of, label)


CORRUPT = Entry("corrupt")  # a JPEG signature followed by noise
TRUNCATED = Entry("truncated")  # the first half of a JPEG
HTML = Entry("html")  # a web page served as image/jpeg
PIXEL_BOMB = Entry("pixel_bomb")  # a small PNG whose header says 50000x50000
HUGE = Entry("huge")  # 30 MB declared and sent
PRIVATE_REDIRECT = Entry("private_redirect")  # a 302 to http://10.0.0.1/x
SLOW = Entry("slow")  # a good picture after ``slow_seconds``
TINY = Entry("tiny")  # a 32x32 PNG
MISSING = Entry("missing")  # 404


# --- Pictures ---------------------------------------------------------------------------------


def picture(seed: int) -> Image.Image:
    """Flat shapes on a flat ground: different seeds are far apart for a perceptual hash,
    a resized or recompressed copy stays close, and encoding is cheap."""
    rng = np.random.default_rng(seed)
    width, height = int(rng.integers(160, 257)), int(rng.integers(128, 193))
    image = Image.new("RGB", (width, height), _colour(rng))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x0, x1 = sorted(rng.uniform(-0.1, 1.1, 2) * width)
        y0, y1 = sorted(rng.uniform(-0.1, 1.1, 2) * height)
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape((x0, y0, x1, y1), fill=_colour(rng))
    return image


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    red, green, blue = (int(value) for value in rng.integers(0, 256, 3))
    return red, green, blue


def encoded(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def picture_bytes(label: str, index: int) -> bytes:
    """The stub's picture for a label's index: PNG at even indexes, JPEG at odd ones."""
    image = picture(zlib.crc32(f"{label}/{index}".encode()))
    if index % 2 == 0:
        return encoded(image, "PNG")
    return encoded(image, "JPEG", quality=90)


def near_bytes(original: bytes) -> bytes:
    with Image.open(io.BytesIO(original)) as image:
        rgb = image.convert("RGB")
    smaller = rgb.resize(
        (round(rgb.width * 0.6), round(rgb.height * 0.6)), Image.Resampling.LANCZOS
    )
    return encoded(smaller, "JPEG", quality=70)


def pixel_bomb() -> bytes:
    """A PNG whose header claims 50000x50000 pixels, with one row of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\0" * (1 + 3 * 50_000))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def corrupt_jpeg(seed: int) -> bytes:
    noise = np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    return b"\xff\xd8\xff\xe0" + noise


# --- What the stub serves ---------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """An item as served: its search metadata and its answer under /img/."""

    label: str
    index: int
    entry: Entry
    path: str
    content_type: str
    body: bytes
    size: tuple[int, int]
    host: str
    """The host name of its URL, in search results too."""


@dataclass(frozen=True)
class RequestRecord:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    time: float
    """``time.monotonic()`` when the request arrived."""


@dataclass
class Throttle:
    prefix: str
    remaining: int | None
    """429s still to send; None for ever."""
    retry_after: float


@dataclass
class _Traffic:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RequestRecord] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class ProviderStub:
    """The local stub server; a context manager that starts and stops it."""

    def __init__(self, *, latency: float = 0.0, slow_seconds: float = 5.0) -> None:
        self.latency = latency
        """Seconds added to every answer."""
        self.slow_seconds = slow_seconds
        self.google_key = GOOGLE_KEY
        self.google_engine = GOOGLE_ENGINE
        self.openverse_token: str | None = None
        """When set, Openverse answers 401 unless this bearer token comes."""
        self.labels: dict[str, list[Served]] = {}
        self._by_path: dict[str, Served] = {}
        self._throttles: list[Throttle] = []
        self._traffic = _Traffic()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.port = int(self._server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ProviderStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    # Scenario

    def add_label(
        self, label: str, entries: Sequence[Entry], *, host: str = "127.0.0.1"
    ) -> list[str]:
        """Serve ``entries`` for the query ``label``, in order; their image URLs.

        ``host`` names the image URLs' host: "localhost" makes a second host on this server.
        """
        items: list[Served] = []
        for index, entry in enumerate(entries):
            items.append(self._served(label, index, entry, host, items))
        self.labels[label] = items
        for item in items:
            self._by_path[item.path] = item
        return [self.url(item) for item in items]

    def url(self, item: Served) -> str:
        return f"http://{item.host}:{self.port}{item.path}"

    def urls(self, label: str) -> list[str]:
        return [self.url(item) for item in self.labels[label]]

    def throttle(self, prefix: str, times: int | None = 1, retry_after: float = 1.0) -> None:
        """Answer 429 with ``Retry-After`` to the next ``times`` requests under ``prefix``
        (None: for ever)."""
        with self._traffic.lock:
            self._throttles.append(Throttle(prefix, times, retry_after))

    # Observations

    @property
    def requests(self) -> list[RequestRecord]:
        with self._traffic.lock:
            return list(self._traffic.requests)

    def requests_to(self, prefix: str) -> list[RequestRecord]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    def max_concurrent(self) -> dict[str, int]:
        """The most requests in progress at once, per Host header."""
        with self._traffic.lock:
            return dict(self._traffic.max_in_flight)

    # Serving

    def _served(
        self, label: str, index: int, entry: Entry, host: str, earlier: list[Served]
    ) -> Served:
        path = f"{IMAGE_PREFIX}{label}/{index}"
        content_type, body = self._content(label, index, entry, earlier)
        size = (0, 0)
        if entry.kind in ("good", "duplicate", "near", "slow"):
            with Image.open(io.BytesIO(body)) as image:
                size = image.size
        return Served(label, index, entry, path, content_type, body, size, host)

    def _content(
        self, label: str, index: int, entry: Entry, earlier: list[Served]
    ) -> tuple[str, bytes]:
        kind = entry.kind
        if kind in ("good", "slow"):
            body = picture_bytes(label, index)
            return ("image/png" if body.startswith(b"\x89PNG") else "image/jpeg"), body
        if kind in ("duplicate", "near"):
            original = self._original(label, entry, earlier)
            if kind == "duplicate":
                return original.content_type, original.body
            return "image/jpeg", near_bytes(original.body)
        return _broken_content(kind, zlib.crc32(f"{label}/{index}".encode()))

    def _original(self, label: str, entry: Entry, earlier: list[Served]) -> Served:
        source = entry.of_label or label
        items = earlier if source == label else self.labels.get(source, [])
        if entry.of is None or entry.of >= len(items):
            raise ValueError(f"{entry.kind} of a missing item: {source}[{entry.of}]")
        return items[entry.of]

    def _record(self, request: RequestRecord, host: str) -> None:
        with self._traffic.lock:
            self._traffic.requests.append(request)
            self._traffic.in_flight[host] += 1
            current = self._traffic.in_flight[host]
            self._traffic.max_in_flight[host] = max(self._traffic.max_in_flight[host], current)

    def _done(self, host: str) -> None:
        with self._traffic.lock:
            self._traffic.in_flight[host] -= 1

    def _throttled(self, path: str) -> float | None:
        with self._traffic.lock:
            for throttle in self._throttles:
                if path.startswith(throttle.prefix) and throttle.remaining != 0:
                    if throttle.remaining is not None:
                        throttle.remaining -= 1
                    return throttle.retry_after
        return None

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)

    def items_for(self, query: str) -> list[Served]:
        return self.labels.get(query.strip(), [])


def _broken_content(kind: str, seed: int) -> tuple[str, bytes]:
    if kind == "corrupt":
        return "image/jpeg", corrupt_jpeg(seed)
    if kind == "truncated":
        whole = encoded(picture(seed), "JPEG", quality=90)
        return "image/jpeg", whole[: len(whole) // 2]
    if kind == "html":
        return "image/jpeg", b"<!doctype html><html><body><p>Not an image</p></body></html>"
    if kind == "pixel_bomb":
        return "image/png", pixel_bomb()
    if kind == "tiny":
        return "image/png", encoded(picture(seed).resize((32, 32)), "PNG")
    if kind in ("huge", "private_redirect", "missing"):
        return "image/jpeg", b""  # answered specially
    raise ValueError(f"unknown item kind {kind!r}")


# --- Wire formats -----------------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


def _json(status: int, body: object) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _number(query: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError:
        return -1


def openverse_answer(stub: ProviderStub, query: Mapping[str, str], base: str) -> Answer:
    """GET /v1/images/: a page of results in Openverse's shape, filtered by ``license``."""
    page, page_size = _number(query, "page", 1), _number(query, "page_size", 20)
    if page < 1 or not 1 <= page_size <= 500:
        return _json(400, {"detail": "Invalid page or page_size."})
    wanted = set(filter(None, query.get("license", "").split(",")))
    items = [
        item
        for item in stub.items_for(query.get("q", ""))
        if not wanted or item.entry.license in wanted
    ]
    page_count = math.ceil(len(items) / page_size)
    if items and page > page_count:
        return _json(400, {"detail": "Invalid page: the page number exceeds page_count."})
    chosen = items[(page - 1) * page_size : page * page_size]
    return _json(
        200,
        {
            "result_count": len(items),
            "page_count": page_count,
            "page_size": page_size,
            "page": page,
            "results": [_openverse_result(stub, item, base) for item in chosen],
            "warnings": [],
        },
    )


def _openverse_result(stub: ProviderStub, item: Served, base: str) -> dict[str, Any]:
    code = item.entry.license
    title = f"{item.label} {item.index}"
    creator = f"Photographer {item.index}"
    license_url = (
        "https://creativecommons.org/publicdomain/zero/1.0/"
        if code == "cc0"
        else f"https://creativecommons.org/licenses/{code}/{CC_VERSION}/"
    )
    return {
        "id": f"{zlib.crc32(item.path.encode()):08x}-0000-0000-0000-000000000000",
        "title": title,
        "indexed_on": "2024-01-01T00:00:00Z",
        "foreign_landing_url": f"{base}/photos/{item.label}/{item.index}",
        "url": stub.url(item),
        "creator": creator,
        "creator_url": f"{base}/people/{item.index}",
        "license": code,
        "license_version": "1.0" if code == "cc0" else CC_VERSION,
        "license_url": license_url,
        "provider": "flickr",
        "source": "flickr",
        "category": "photograph",
        "filesize": len(item.body),
        "filetype": "png" if item.content_type == "image/png" else "jpg",
        "tags": [{"name": item.label, "accuracy": None}],
        "attribution": (
            f'"{title}" by {creator} is licensed under CC {code.upper()} {CC_VERSION}. '
            f"To view a copy of this license, visit {license_url}."
        ),
        "fields_matched": ["title"],
        "mature": False,
        "height": item.size[1],
        "width": item.size[0],
        "thumbnail": f"{base}/v1/images/{item.index}/thumb/",
        "detail_url": f"{base}/v1/images/{item.index}/",
        "related_url": f"{base}/v1/images/{item.index}/related/",
        "unstable__sensitivity": [],
    }


WIKIMEDIA_LICENSES = {
    "cc0": ("cc0", "CC0", "http://creativecommons.org/publicdomain/zero/1.0/deed.en"),
    "pdm": ("pd", "Public domain", None),
    "unknown": ("", "GFDL", "https://www.gnu.org/copyleft/fdl.html"),
}


def wikimedia_answer(stub: ProviderStub, query: Mapping[str, str], base: str) -> Answer:
    """GET /w/api.php?action=query&generator=search...: formatversion=2, with continuation."""
    search = query.get("gsrsearch", "").replace("filetype:bitmap", "")
    if query.get("action") != "query" or query.get("generator") != "search":
        return _json(200, {"error": {"code": "badvalue", "info": "unsupported request"}})
    limit, offset = _number(query, "gsrlimit", 10), _number(query, "gsroffset", 0)
    items = stub.items_for(search)
    chosen = items[offset : offset + limit]
    pages = [
        _wikimedia_page(stub, item, base, offset + rank + 1) for rank, item in enumerate(chosen)
    ]
    # The API lists a generator's pages by page id, not by rank; "index" carries the rank.
    pages.sort(key=lambda page: page["pageid"])
    body: dict[str, Any] = {"batchcomplete": True}
    if pages:
        body["query"] = {"pages": pages}
    if offset + limit < len(items):
        body["continue"] = {"gsroffset": offset + limit, "continue": "gsroffset||"}
    return _json(200, body)


def _wikimedia_page(stub: ProviderStub, item: Served, base: str, rank: int) -> dict[str, Any]:
    code = item.entry.license
    machine, short_name, license_url = WIKIMEDIA_LICENSES.get(
        code,
        (
            f"cc-{code}-{CC_VERSION}",
            f"CC {code.upper()} {CC_VERSION}",
            f"https://creativecommons.org/licenses/{code}/{CC_VERSION}",
        ),
    )
    extension = "png" if item.content_type == "image/png" else "jpg"
    name = f"{item.label.capitalize()} {item.index}.{extension}"
    metadata = {
        "ObjectName": name.rsplit(".", 1)[0],
        "LicenseShortName": short_name,
        "License": machine,
        "LicenseUrl": license_url,
        "Artist": (
            f'<a href="//commons.wikimedia.org/wiki/User:Photographer{item.index}" '
            f'title="User:Photographer{item.index}">Photographer&nbsp;{item.index}</a>'
        ),
    }
    return {
        "pageid": zlib.crc32(item.path.encode()) % 10_000_000,
        "ns": 6,
        "title": f"File:{name}",
        "index": rank,
        "imagerepository": "local",
        "imageinfo": [
            {
                "size": len(item.body),
                "width": item.size[0],
                "height": item.size[1],
                "url": stub.url(item),
                "descriptionurl": f"{base}/wiki/File:{name.replace(' ', '_')}",
                "descriptionshorturl": f"{base}/w/index.php?curid={rank}",
                "mime": item.content_type,
                "extmetadata": {
                    key: {"value": value, "source": "commons-desc-page", "hidden": ""}
                    for key, value in metadata.items()
                    if value is not None
                },
            }
        ],
    }


def google_answer(stub: ProviderStub, query: Mapping[str, str], base: str) -> Answer:
    """GET /customsearch/v1?searchType=image: at most 100 results, ``rights`` filtered."""
    if query.get("key") != stub.google_key:
        return _google_error(400, "API key not valid. Please pass a valid API key.")
    if query.get("cx") != stub.google_engine:
        return _google_error(400, "Request contains an invalid argument.")
    start, num = _number(query, "start", 1), _number(query, "num", 10)
    if not 1 <= num <= 10 or start < 1 or start + num - 1 > GOOGLE_MAX_RESULTS:
        return _google_error(400, "Request contains an invalid argument.")
    rights = query.get("rights")
    items = [
        item
        for item in stub.items_for(query.get("q", ""))
        if rights is None or _rights_match(rights, GOOGLE_RIGHTS[item.entry.license])
    ][:GOOGLE_MAX_RESULTS]
    chosen = items[start - 1 : start - 1 + num]
    request = {
        "title": "Google Custom Search",
        "totalResults": str(len(items)),
        "searchTerms": query.get("q", ""),
        "count": num,
        "startIndex": start,
        "searchType": "image",
    }
    queries: dict[str, Any] = {"request": [request]}
    if start - 1 + num < len(items):
        queries["nextPage"] = [{**request, "startIndex": start + num}]
    body: dict[str, Any] = {
        "kind": "customsearch#search",
        "queries": queries,
        "searchInformation": {"searchTime": 0.1, "totalResults": str(len(items))},
    }
    if chosen:
        body["items"] = [_google_item(stub, item, base) for item in chosen]
    return _json(200, body)


def _google_item(stub: ProviderStub, item: Served, base: str) -> dict[str, Any]:
    title = f"{item.label} {item.index} - Example site"
    return {
        "kind": "customsearch#result",
        "title": title,
        "htmlTitle": f"<b>{item.label}</b> {item.index} - Example site",
        "link": stub.url(item),
        "displayLink": "example.org",
        "snippet": title,
        "htmlSnippet": title,
        "mime": item.content_type,
        "fileFormat": item.content_type,
        "image": {
            "contextLink": f"{base}/pages/{item.label}/{item.index}",
            "height": item.size[1],
            "width": item.size[0],
            "byteSize": len(item.body),
            "thumbnailLink": f"{base}/thumbs/{item.index}",
            "thumbnailHeight": 100,
            "thumbnailWidth": 120,
        },
    }


def _google_error(status: int, message: str) -> Answer:
    return _json(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": "badRequest"}],
                "status": "INVALID_ARGUMENT",
            }
        },
    )


def _rights_match(expression: str, labels: set[str]) -> bool:
    """Google's usage-rights expressions of the form "(a|b).-(c|d)" or "a|b"."""
    wanted, _, excluded = expression.partition(".-")

    def terms(part: str) -> set[str]:
        return {term for term in part.strip("()").split("|") if term}

    return bool(terms(wanted) & labels) and not terms(excluded) & labels


# --- HTTP -------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client closing its connection, as fetchers do when they refuse a body
        super().handle_error(request, client_address)


Route = Callable[[ProviderStub, Mapping[str, str], str], Answer]
ROUTES: dict[str, Route] = {
    OPENVERSE_PATH: openverse_answer,
    WIKIMEDIA_PATH: wikimedia_answer,
    GOOGLE_PATH: google_answer,
}


def _handler_for(stub: ProviderStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers
        # Headers and body go out in separate writes; with Nagle's algorithm the body would
        # wait for the client's delayed ACK (~40 ms) on every kept-alive request.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the stub's request log says what came."""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
            host = self.headers.get("Host", "")
            stub._record(
                RequestRecord(parts.path, query, dict(self.headers.items()), time.monotonic()),
                host,
            )
            try:
                stub._pause(stub.latency)
                self._answer(parts.path, query, host)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client hung up, as clients refusing a body do
            finally:
                stub._done(host)

        def _answer(self, path: str, query: Mapping[str, str], host: str) -> None:
            retry_after = stub._throttled(path)
            if retry_after is not None:
                self._send(
                    429,
                    {"Retry-After": f"{retry_after:g}", "Content-Type": "application/json"},
                    b'{"detail": "Request was throttled."}',
                )
                return
            if path == OPENVERSE_PATH and not self._token_ok():
                self._send(*_json(401, {"detail": "Invalid token."}))
                return
            route = ROUTES.get(path)
            if route is not None:
                self._send(*route(stub, query, f"http://{host}"))
                return
            item = stub._by_path.get(path)
            if item is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            self._image(item)

        def _token_ok(self) -> bool:
            if stub.openverse_token is None:
                return True
            return self.headers.get("Authorization") == f"Bearer {stub.openverse_token}"

        def _image(self, item: Served) -> None:
            kind = item.entry.kind
            if kind == "slow":
                stub._pause(stub.slow_seconds)
            if kind == "missing":
                self._send(404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>")
            elif kind == "private_redirect":
                self._send(302, {"Location": PRIVATE_TARGET}, b"")
            elif kind == "huge":
                self._huge()
            else:
                self._send(200, {"Content-Type": item.content_type}, item.body)

        def _huge(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(HUGE_BYTES))
            self.end_headers()
            for _ in range(HUGE_BYTES // len(CHUNK)):
                self.wfile.write(CHUNK)

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
