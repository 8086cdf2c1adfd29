"""A local stand-in for the video pipeline's HTTP providers, speaking their wire formats over
loopback: OpenAI chat completions and speech under ``/v1``, and a generic asynchronous video API
under ``/video``::

    with VideoStub(polls_before_done=2) as stub:
        stub.fail(CHAT_PATH, times=1)  # one 500, then the real answer
        ...  # point the providers at stub.openai_url / stub.base_url

The chat endpoint writes a script from the brief the client sends as JSON in its user message;
speech answers a real WAV (a sine tone ``seconds_per_char`` long per character, 16 kHz mono);
the video API creates tasks that stay "queued" then "running" for ``polls_before_done`` polls and
then succeed with a download URL serving a real one-second MP4. Faults (status codes, hangs,
invalid JSON, failed tasks) are set per test; every request is logged with its headers.

The video API's shapes, for configuring a client::

    POST /video/tasks          -> {"data": {"task_id": "task-1", "status": "queued"}}
    GET  /video/tasks/<id>     -> {"data": {"status": "queued|running|succeeded|failed",
                                            "video": {"url": ...}, "error": {"message": ...}}}
    GET  /video/files/<id>.mp4 -> the MP4
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import struct
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import imageio_ffmpeg
import numpy as np

CHAT_PATH = "/v1/chat/completions"
SPEECH_PATH = "/v1/audio/speech"
VIDEO_CREATE_PATH = "/video/tasks"
VIDEO_STATUS_PREFIX = "/video/tasks/"
VIDEO_FILE_PREFIX = "/video/files/"
STUB_KEY = "sk-stub-0123456789abcdefSECRET"
"""The key tests configure providers with; it must never show in an error."""
SAMPLE_RATE = 16_000
TONE_HZ = 440.0


# --- Media ------------------------------------------------------------------------------------


def tone_wav(seconds: float, *, rate: int = SAMPLE_RATE, streamed_header: bool = False) -> bytes:
    """A mono 16-bit sine tone. ``streamed_header`` writes 0xFFFFFFFF as the RIFF and data
    sizes, as servers that stream a WAV before knowing its length do."""
    count = max(1, round(seconds * rate))
    samples = np.sin(2 * math.pi * TONE_HZ * np.arange(count) / rate) * 0.3 * 32767
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())
    data = bytearray(buffer.getvalue())
    if streamed_header:
        data[4:8] = struct.pack("<I", 0xFFFFFFFF)
        data[40:44] = struct.pack("<I", 0xFFFFFFFF)  # the data chunk's size in a 44-byte header
    return bytes(data)


def _ffmpeg(args: list[str], suffix: str, stdin: bytes | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / f"out{suffix}"
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        subprocess.run([*command, *args, str(output)], input=stdin, check=True, timeout=60)
        return output.read_bytes()


def tone_mp3(seconds: float) -> bytes:
    return _ffmpeg(["-f", "wav", "-i", "pipe:0", "-c:a", "libmp3lame"], ".mp3", tone_wav(seconds))


@functools.cache
def stub_mp4() -> bytes:
    """A real one-second 160x90 H.264 MP4 (made once per test session)."""
    return _ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x90:rate=12",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ],
        ".mp4",
    )


# --- Scenario ---------------------------------------------------------------------------------

FaultKind = Literal["status", "hang", "invalid_json"]


@dataclass
class Fault:
    prefix: str
    """A path, or a prefix ending in "/" ("/video/tasks/" spoils every status poll)."""
    kind: FaultKind
    remaining: int | None
    """Requests still to spoil; None for ever."""
    status: int = 500
    retry_after: float | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float
    """``time.monotonic()`` when the request arrived."""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Task:
    task_id: str
    body: dict[str, Any]
    polls: int = 0


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RequestRecord] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    tasks: dict[str, _Task] = field(default_factory=dict)


class VideoStub:
    """The local stub server; a context manager that starts and stops it."""

    def __init__(
        self,
        *,
        polls_before_done: int = 1,
        seconds_per_char: float = 0.06,
        usage: tuple[int, int] = (1200, 300),
    ) -> None:
        self.polls_before_done = polls_before_done
        """Polls a task answers "queued" (the first) or "running" before it succeeds."""
        self.seconds_per_char = seconds_per_char
        self.usage = usage
        """The (prompt_tokens, completion_tokens) each chat answer reports."""
        self.script_content: str | None = None
        """When set, the chat answer's message content, verbatim (for malformed scripts)."""
        self.task_error: str | None = None
        """When set, every task fails with this message instead of succeeding."""
        self.streamed_wav_header = False
        self.video_bytes: bytes | None = None
        """When set, what the video downloads serve instead of the stub MP4."""
        self.download_host: str | None = None
        """When set, the host download URLs name ("localhost": another origin, same server)."""
        self._state = _State()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.port = int(self._server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.openai_url = f"{self.base_url}/v1"

    def __enter__(self) -> VideoStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closing.set()  # wakes hanging answers
        self._server.shutdown()
        self._server.server_close()

    # Faults

    def fail(
        self,
        prefix: str,
        times: int | None = 1,
        status: int = 500,
        retry_after: float | None = None,
    ) -> None:
        """Answer ``status`` (with ``Retry-After`` when given) to the next ``times`` requests
        to ``prefix`` (a path, or a prefix ending in "/"); None: for ever."""
        self._add(Fault(prefix, "status", times, status=status, retry_after=retry_after))

    def hang(self, prefix: str, times: int | None = 1, seconds: float = 5.0) -> None:
        """Say nothing for ``seconds`` (or until the stub closes), then answer normally."""
        self._add(Fault(prefix, "hang", times, seconds=seconds))

    def invalid_json(self, prefix: str, times: int | None = 1) -> None:
        """Answer 200 with a body that is not JSON."""
        self._add(Fault(prefix, "invalid_json", times))

    def _add(self, fault: Fault) -> None:
        with self._state.lock:
            self._state.faults.append(fault)

    def _fault(self, path: str) -> Fault | None:
        with self._state.lock:
            for fault in self._state.faults:
                matches = path == fault.prefix or (
                    fault.prefix.endswith("/") and path.startswith(fault.prefix)
                )
                if matches and fault.remaining != 0:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # Observations

    @property
    def requests(self) -> list[RequestRecord]:
        with self._state.lock:
            return list(self._state.requests)

    def requests_to(self, prefix: str, method: str | None = None) -> list[RequestRecord]:
        return [
            request
            for request in self.requests
            if request.path.startswith(prefix) and method in (None, request.method)
        ]

    def _record(self, request: RequestRecord) -> None:
        with self._state.lock:
            self._state.requests.append(request)

    # Answers

    def chat(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _json(400, {"error": {"message": "messages is required"}})
        if body.get("response_format") != {"type": "json_object"}:
            return _json(400, {"error": {"message": "expected a json_object response_format"}})
        content = self.script_content
        if content is None:
            content = json.dumps(_script_for(_brief_in(body["messages"])))
        prompt_tokens, completion_tokens = self.usage
        return _json(
            200,
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            },
        )

    def speech(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not all(body.get(key) for key in ("model", "voice")):
            return _json(400, {"error": {"message": "model and voice are required"}})
        text = body.get("input")
        if not isinstance(text, str) or not text.strip():
            return _json(400, {"error": {"message": "input is required"}})
        speed = float(body.get("speed", 1.0))
        if not 0.25 <= speed <= 4.0:
            return _json(400, {"error": {"message": "speed must be within 0.25 and 4.0"}})
        seconds = len(text) * self.seconds_per_char / speed
        audio_format = body.get("response_format", "mp3")
        if audio_format == "wav":
            wav = tone_wav(seconds, streamed_header=self.streamed_wav_header)
            return 200, {"Content-Type": "audio/wav"}, wav
        if audio_format == "mp3":
            return 200, {"Content-Type": "audio/mpeg"}, tone_mp3(seconds)
        return _json(400, {"error": {"message": f"unsupported response_format {audio_format}"}})

    def create_task(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("prompt"):
            return _json(400, {"error": {"message": "prompt is required"}})
        with self._state.lock:
            task_id = f"task-{len(self._state.tasks) + 1}"
            self._state.tasks[task_id] = _Task(task_id, body)
        return _json(200, {"data": {"task_id": task_id, "status": "queued"}})

    def task_status(self, task_id: str, base: str) -> Answer:
        with self._state.lock:
            task = self._state.tasks.get(task_id)
            if task is None:
                return _json(404, {"error": {"message": "no such task"}})
            task.polls += 1
            polls = task.polls
        data: dict[str, Any] = {"task_id": task_id}
        if polls <= self.polls_before_done:
            data["status"] = "queued" if polls == 1 else "running"
        elif self.task_error is not None:
            data["status"] = "failed"
            data["error"] = {"code": "generation_failed", "message": self.task_error}
        else:
            data["status"] = "succeeded"
            if self.download_host is not None:
                base = f"http://{self.download_host}:{self.port}"
            data["video"] = {"url": f"{base}{VIDEO_FILE_PREFIX}{task_id}.mp4"}
        return _json(200, {"data": data})

    def video_file(self) -> Answer:
        body = self.video_bytes if self.video_bytes is not None else stub_mp4()
        return 200, {"Content-Type": "video/mp4"}, body

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._closing.wait(seconds)


def _brief_in(messages: list[Any]) -> dict[str, Any]:
    """The brief a client sent as JSON in its last user message; empty when it sent prose."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            try:
                brief = json.loads(message.get("content", ""))
            except (TypeError, ValueError):
                return {}
            return brief if isinstance(brief, dict) else {}
    return {}


def _script_for(brief: Mapping[str, Any]) -> dict[str, Any]:
    product = str(brief.get("product", "The product"))
    style = str(brief.get("style_description", "clean"))
    cta = str(brief.get("call_to_action", "Buy now"))
    count = int(brief.get("scenes_before_call_to_action", 3))
    scenes: list[dict[str, str]] = [
        {
            "kind": "title",
            "heading": product,
            "narration": f"Meet {product}.",
            "visual": f"{product} on a pedestal, {style}",
        }
    ]
    for number in range(1, count):
        scenes.append(
            {
                "kind": "feature",
                "heading": f"Feature {number}",
                "narration": f"Feature {number} makes {product} better.",
                "visual": f"close-up of {product}, detail {number}, {style}",
            }
        )
    scenes.append(
        {
            "kind": "cta",
            "heading": cta,
            "narration": f"{cta} today.",
            "visual": f"{product} with soft light, {style}",
        }
    )
    return {"title": f"{product} in {len(scenes)} scenes", "scenes": scenes}


# --- HTTP -------------------------------------------------------------------------------------

Answer = tuple[int, dict[str, str], bytes]


def _json(status: int, body: object) -> Answer:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that timed out and hung up
        super().handle_error(request, client_address)


def _handler_for(stub: VideoStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the stub's request log says what came."""

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            path = urlsplit(self.path).path
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            stub._record(RequestRecord(method, path, headers, body, time.monotonic()))
            # A client that gave up waiting has hung up by the time a hang ends.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(*self._answer(method, path, body))

        def _answer(self, method: str, path: str, body: bytes) -> Answer:
            fault = stub._fault(path)
            if fault is not None:
                if fault.kind == "status":
                    headers = {"Content-Type": "application/json"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = f"{fault.retry_after:g}"
                    return fault.status, headers, b'{"error": {"message": "stub fault"}}'
                if fault.kind == "invalid_json":
                    return 200, {"Content-Type": "application/json"}, b'{"choices": [ oops'
                stub._pause(fault.seconds)
            base = f"http://{self.headers.get('Host', f'127.0.0.1:{stub.port}')}"
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                return _json(400, {"error": {"message": "the body is not JSON"}})
            if method == "POST" and path == CHAT_PATH:
                return stub.chat(parsed)
            if method == "POST" and path == SPEECH_PATH:
                return stub.speech(parsed)
            if method == "POST" and path == VIDEO_CREATE_PATH:
                return stub.create_task(parsed)
            if method == "GET" and path.startswith(VIDEO_STATUS_PREFIX):
                return stub.task_status(path.removeprefix(VIDEO_STATUS_PREFIX), base)
            if method == "GET" and path.startswith(VIDEO_FILE_PREFIX):
                return stub.video_file()
            return _json(404, {"error": {"message": f"no route {method} {path}"}})

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
