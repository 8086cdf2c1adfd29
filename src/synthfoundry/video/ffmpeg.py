"""The ffmpeg program (from the imageio-ffmpeg wheel, or SYNTHFOUNDRY_FFMPEG): encoding frames,
composing the final video in one filter graph, and reading media back (there is no ffprobe)."""

from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import os
import re
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np
from PIL import Image, ImageDraw

from synthfoundry.video import fonts
from synthfoundry.video.spec import Caption, SceneClip

RGB = tuple[int, int, int]
FFMPEG_ENV = "SYNTHFOUNDRY_FFMPEG"
AUDIO_RATE = 48000
STDERR_LINES = 20
POLL_SECONDS = 0.2
CAPTION_BOX_ALPHA = 190
# Inputs come from users and providers: a playlist or concat file inside one must not make
# ffmpeg open other files' protocols (http, tcp, ...).
LOCAL_ONLY = ("-protocol_whitelist", "file")


@functools.cache
def _bundled_ffmpeg() -> str:
    import imageio_ffmpeg  # type: ignore[import-untyped]

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``$SYNTHFOUNDRY_FFMPEG`` if set, else the one imageio-ffmpeg ships."""
    return os.environ.get(FFMPEG_ENV) or _bundled_ffmpeg()


def _command(*args: str, stdin: bool = False) -> list[str]:
    # -nostdin keeps ffmpeg from reading the terminal; a writer feeds it frames on stdin instead.
    return [ffmpeg_exe(), "-hide_banner", *([] if stdin else ["-nostdin"]), *args]


class _Tail:
    """Reads a pipe to its end in a thread, keeping the last lines (so the pipe never fills and
    blocks ffmpeg) and, optionally, handing each line to ``on_line``."""

    def __init__(
        self,
        pipe: IO[bytes],
        lines: int = STDERR_LINES,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self._pipe = pipe
        self._lines: collections.deque[str] = collections.deque(maxlen=lines)
        self._on_line = on_line
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            for raw in self._pipe:
                line = raw.decode(errors="replace").rstrip()
                if self._on_line is not None:
                    self._on_line(line)
                if line:
                    self._lines.append(line)

    def text(self, timeout: float = 5.0) -> str:
        self._thread.join(timeout)
        return "\n".join(self._lines)


def _failure(what: str, returncode: int | None, tail: str) -> RuntimeError:
    return RuntimeError(f"ffmpeg {what} failed (exit {returncode}):\n{tail}")


def _partial(path: Path) -> Path:
    """A temporary name beside ``path`` with the same suffix (ffmpeg picks the format by it)."""
    return path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.partial{path.suffix}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


class FrameWriter:
    """Encodes RGB24 frames (H x W x 3 uint8 arrays) piped to ffmpeg into a silent H.264 clip.
    Use as a context manager: the file appears at ``path`` only when the block succeeds."""

    def __init__(
        self,
        path: Path,
        size: tuple[int, int],
        fps: float,
        *,
        crf: int = 16,
        preset: str = "ultrafast",
    ) -> None:
        self.path = Path(path)
        self.size = size
        self.fps = fps
        self.crf = crf
        self.preset = preset
        self.frames = 0
        self._partial = _partial(self.path)
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: _Tail | None = None

    def __enter__(self) -> FrameWriter:
        width, height = self.size
        command = _command(
            "-loglevel", "error",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
            "-r", f"{self.fps}", "-i", "pipe:0",
            "-an", "-c:v", "libx264", "-preset", self.preset, "-crf", str(self.crf),
            "-pix_fmt", "yuv420p", "-y", str(self._partial),
            stdin=True,
        )  # fmt: skip
        self._process = subprocess.Popen(  # noqa: S603 - fixed program, built argument list
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert self._process.stderr is not None
        self._stderr = _Tail(self._process.stderr)
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one frame; raises RuntimeError (with ffmpeg's last words) if ffmpeg quit."""
        process = self._process
        if process is None or process.stdin is None:
            raise RuntimeError("FrameWriter is not open")
        width, height = self.size
        if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
            raise ValueError(
                f"frame must be {height}x{width}x3 uint8, not {frame.shape} {frame.dtype}"
            )
        try:
            process.stdin.write(np.ascontiguousarray(frame).data)
        except (BrokenPipeError, ValueError) as exc:
            _stop(process)
            raise self._error() from exc
        self.frames += 1

    def _error(self) -> RuntimeError:
        assert self._process is not None
        assert self._stderr is not None
        return _failure("encoding", self._process.returncode, self._stderr.text())

    def close(self) -> Path:
        """Finish the clip and move it into place."""
        process = self._process
        if process is None or process.stdin is None:
            raise RuntimeError("FrameWriter is not open")
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        process.wait()
        if process.returncode != 0 or self.frames == 0:
            error = self._error() if process.returncode else RuntimeError("no frames written")
            self.abort()
            raise error
        self._process = None
        self._partial.replace(self.path)
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and remove what it wrote."""
        if self._process is not None:
            with contextlib.suppress(OSError):
                if self._process.stdin is not None:
                    self._process.stdin.close()
            _stop(self._process)
            self._process = None
        self._partial.unlink(missing_ok=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


# --- composing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """Frame counts of the join: each clip's share of the timeline (``shares``, summing to the
    whole), the transition length, and how many frames each clip must provide."""

    shares: tuple[int, ...]
    overlap: int

    @property
    def total(self) -> int:
        return sum(self.shares)

    def frames(self, index: int) -> int:
        last = index == len(self.shares) - 1
        return self.shares[index] + (0 if last else self.overlap)


def _plan(
    seconds: Sequence[float], fps: float, transition: str, transition_seconds: float
) -> _Plan:
    # Boundaries are rounded on the running sum, so the total is round(sum * fps) frames.
    bounds, running = [0], 0.0
    for value in seconds:
        running += value
        bounds.append(round(running * fps))
    shares = tuple(max(1, b - a) for a, b in itertools.pairwise(bounds))
    overlap = 0
    if transition != "cut" and len(shares) > 1 and transition_seconds > 0:
        # A clip can't be in two transitions at once.
        overlap = max(0, min(round(transition_seconds * fps), *shares))
    return _Plan(shares, overlap)


def caption_image(
    text: str, size: tuple[int, int], style: tuple[RGB, RGB], *, font_share: float = 0.055
) -> tuple[Image.Image, tuple[int, int]]:
    """A caption as an RGBA image (wrapped text on a rounded, semi-opaque box) and where its
    top-left corner goes in a frame of ``size``; the font is ``font_share`` of the short side."""
    width, height = size
    short = min(width, height)
    text_colour, box_colour = style
    face, lines = fonts.fit(
        text, True, width * 0.8, max(10, round(short * font_share)), max_lines=3, min_size=8
    )
    ascent, descent = face.getmetrics()
    line_height = round((ascent + descent) * 1.15)
    text_width = round(max(face.getlength(line) for line in lines))
    pad = max(4, round(short * 0.02))
    box = (text_width + 2 * pad, 2 * pad + line_height * (len(lines) - 1) + ascent + descent)
    image = Image.new("RGBA", box, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (0, 0, box[0] - 1, box[1] - 1), radius=pad, fill=(*box_colour, CAPTION_BOX_ALPHA)
    )
    for index, line in enumerate(lines):
        draw.text(
            (box[0] / 2, pad + index * line_height),
            line,
            font=face,
            fill=(*text_colour, 255),
            anchor="ma",
        )
    position = ((width - box[0]) // 2, max(0, height - box[1] - round(height * 0.06)))
    return image, position


def _seconds(frames: int, fps: float) -> str:
    return f"{frames / fps:.6f}"


def _join(plan: _Plan, fps: float, transition: str, parts: list[str]) -> str:
    """Joins the prepared clips ``[c0]``, ``[c1]``... and returns the joined stream's label.
    Each clip is split into its head (the incoming transition), body and tail (the outgoing
    one); xfade sees only the heads and tails, so its per-frame cost stays in the transitions,
    and concat strings the pieces together."""
    count, overlap = len(plan.shares), plan.overlap
    if count == 1:
        return "c0"
    if overlap == 0:
        inputs = "".join(f"[c{i}]" for i in range(count))
        parts.append(f"{inputs}concat=n={count}:v=1:a=0[joined]")
        return "joined"
    pieces = []
    for index, share in enumerate(plan.shares):
        start = overlap if index else 0
        wanted = {
            "h": (0, overlap) if index else None,
            "b": (start, share) if share > start else None,
            "t": (share, share + overlap) if index < count - 1 else None,
        }
        ranges = {name: bounds for name, bounds in wanted.items() if bounds is not None}
        outputs = "".join(f"[{name}{index}in]" for name in ranges)
        parts.append(f"[c{index}]split={len(ranges)}{outputs}")
        for name, (first, end) in ranges.items():
            parts.append(
                f"[{name}{index}in]trim=start_frame={first}:end_frame={end},"
                f"setpts=PTS-STARTPTS[{name}{index}]"
            )
        if index:
            parts.append(
                f"[t{index - 1}][h{index}]xfade=transition={transition}:"
                f"duration={_seconds(overlap, fps)}:offset=0[x{index}]"
            )
            pieces.append(f"[x{index}]")
        if "b" in ranges:
            pieces.append(f"[b{index}]")
    parts.append(f"{''.join(pieces)}concat=n={len(pieces)}:v=1:a=0[joined]")
    return "joined"


def _graph(
    plan: _Plan,
    size: tuple[int, int],
    fps: float,
    transition: str,
    audio_inputs: tuple[int | None, int | None],
    captions: Sequence[tuple[int, Caption, tuple[int, int]]],
    music_volume: float,
) -> str:
    width, height = size
    parts = []
    for index in range(len(plan.shares)):
        frames = plan.frames(index)
        parts.append(
            f"[{index}:v]fps={fps},setpts=PTS-STARTPTS,"
            f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
            f"crop={width}:{height},setsar=1,format=yuv420p,"
            f"tpad=stop_mode=clone:stop_duration={_seconds(frames, fps)},"
            f"trim=end_frame={frames},setpts=PTS-STARTPTS[c{index}]"
        )
    joined = _join(plan, fps, transition, parts)
    for number, (stream, caption, (x, y)) in enumerate(captions):
        # From start for its seconds, end excluded: back-to-back captions never overlap.
        end = caption.start + caption.seconds
        parts.append(
            f"[{joined}][{stream}:v]overlay={x}:{y}:eof_action=repeat:"
            f"enable='gte(t,{caption.start:.6f})*lt(t,{end:.6f})'[cap{number}]"
        )
        joined = f"cap{number}"
    parts.append(f"[{joined}]trim=end_frame={plan.total},format=yuv420p[vout]")

    total = _seconds(plan.total, fps)
    stereo = f"aresample={AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
    voice, music = audio_inputs
    sources = []
    if voice is not None:
        parts.append(f"[{voice}:a]{stereo},apad,atrim=end={total},asetpts=PTS-STARTPTS[voice]")
        sources.append("[voice]")
    if music is not None:
        parts.append(
            f"[{music}:a]{stereo},volume={music_volume:.4f},apad,atrim=end={total},"
            "asetpts=PTS-STARTPTS[music]"
        )
        sources.append("[music]")
    if not sources:
        parts.append(f"anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=end={total}[aout]")
    elif len(sources) == 1:
        parts.append(f"{sources[0]}anull[aout]")
    else:
        # normalize=0: the voice keeps its level and the music its set volume.
        parts.append(f"{''.join(sources)}amix=inputs=2:duration=first:normalize=0[aout]")
    return ";\n".join(parts)


def compose(
    clips: Sequence[SceneClip],
    out: Path,
    *,
    size: tuple[int, int],
    fps: float,
    transition: str,
    transition_seconds: float,
    voice: Path | None,
    music: Path | None = None,
    music_volume: float = 0.35,
    captions: Sequence[Caption] = (),
    caption_style: tuple[RGB, RGB] = ((255, 255, 255), (0, 0, 0)),
    progress: Callable[[float, float], None] | None = None,
    check: Callable[[], None] | None = None,
    crf: int = 20,
    preset: str = "veryfast",
) -> Path:
    """The final MP4 (H.264 + AAC, yuv420p, faststart) of ``clips`` joined by ``transition``,
    exactly ``sum(clip.seconds)`` long (to the frame), with the voice-over, music under it and
    captions. ``check`` is called while ffmpeg runs; if it raises, ffmpeg is killed, nothing is
    left at ``out`` and the exception propagates."""
    if not clips:
        raise ValueError("compose needs at least one clip")
    out = Path(out)
    plan = _plan([clip.seconds for clip in clips], fps, transition, transition_seconds)
    total_seconds = plan.total / fps
    with tempfile.TemporaryDirectory(prefix="captions-", dir=out.parent) as folder:
        args: list[str] = []
        for clip in clips:
            args += [*LOCAL_ONLY, "-i", str(clip.path)]
        next_input = len(clips)
        voice_input = music_input = None
        if voice is not None:
            args += [*LOCAL_ONLY, "-i", str(voice)]
            voice_input, next_input = next_input, next_input + 1
        if music is not None:
            args += ["-stream_loop", "-1", *LOCAL_ONLY, "-i", str(music)]
            music_input, next_input = next_input, next_input + 1
        placed = []
        for number, caption in enumerate(captions):
            if not caption.text.strip() or caption.seconds <= 0:
                continue
            image, position = caption_image(caption.text, size, caption_style)
            png = Path(folder) / f"caption-{number:03d}.png"
            image.save(png)
            args += ["-i", str(png)]
            placed.append((next_input, caption, position))
            next_input += 1
        graph = _graph(
            plan, size, fps, transition, (voice_input, music_input), placed, music_volume
        )
        partial = _partial(out)
        command = _command(
            "-loglevel", "error", "-progress", "pipe:1", "-nostats", "-stats_period", "0.25",
            *args,
            "-filter_complex", graph,
            "-map", "[vout]", "-map", "[aout]",
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-r", f"{fps}", "-c:a", "aac", "-b:a", "160k", "-ar", str(AUDIO_RATE),
            "-movflags", "+faststart", "-f", "mp4", "-y", str(partial),
        )  # fmt: skip
        try:
            _run_with_progress(command, total_seconds, progress, check)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(out)
    return out


def _run_with_progress(
    command: list[str],
    total_seconds: float,
    progress: Callable[[float, float], None] | None,
    check: Callable[[], None] | None,
) -> None:
    done = [0.0]

    def on_line(line: str) -> None:
        key, _, value = line.partition("=")
        if key == "out_time_us" and value.strip().lstrip("-").isdigit():
            done[0] = min(total_seconds, max(0.0, int(value) / 1e6))

    process = subprocess.Popen(  # noqa: S603 - fixed program, built argument list
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stderr is not None
    _Tail(process.stdout, lines=1, on_line=on_line)
    stderr = _Tail(process.stderr)
    reported = -1.0
    try:
        while True:
            if check is not None:
                check()
            if progress is not None and done[0] != reported:
                reported = done[0]
                progress(reported, total_seconds)
            try:
                process.wait(timeout=POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
    except BaseException:
        _stop(process)
        raise
    if process.returncode != 0:
        raise _failure("compositing", process.returncode, stderr.text())
    if progress is not None:
        progress(total_seconds, total_seconds)


# --- reading media ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaInfo:
    """What ``ffmpeg -i`` says of a file. Without a video stream, width, height and fps are 0."""

    duration: float
    width: int
    height: int
    fps: float
    video_codec: str | None
    audio_codec: str | None
    pixel_format: str | None
    sample_rate: int | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height


_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: (Video|Audio): (.*)$")


def _split_fields(text: str) -> list[str]:
    """Comma-separated fields, ignoring commas inside brackets (``yuv420p(tv, bt709)``)."""
    fields, depth, current = [], 0, ""
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        if char == "," and depth == 0:
            fields.append(current.strip())
            current = ""
        else:
            current += char
    fields.append(current.strip())
    return fields


def probe(path: Path) -> MediaInfo:
    """Duration, size, frame rate, codecs and pixel format of a media file."""
    completed = subprocess.run(  # noqa: S603 - fixed program, built argument list
        _command(*LOCAL_ONLY, "-i", str(path)), capture_output=True, check=False
    )
    text = completed.stderr.decode(errors="replace")
    if "Input #0" not in text:
        raise _failure("probing", completed.returncode, "\n".join(text.splitlines()[-5:]))
    duration = 0.0
    if match := _DURATION.search(text):
        hours, minutes, seconds = match.groups()
        duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    width = height = 0
    fps = 0.0
    video_codec = audio_codec = pixel_format = None
    sample_rate = None
    for line in text.splitlines():
        stream = _STREAM.match(line)
        if stream is None:
            continue
        kind, rest = stream.groups()
        fields = _split_fields(rest)
        codec = fields[0].split()[0] if fields[0] else None
        if kind == "Video" and video_codec is None:
            video_codec = codec
            if len(fields) > 1:
                pixel_format = fields[1].split("(")[0].strip() or None
            for field in fields[1:]:
                if size := re.match(r"(\d+)x(\d+)", field):
                    width, height = int(size[1]), int(size[2])
                elif rate := re.match(r"([\d.]+)(k?) (fps|tbr)$", field):
                    value = float(rate[1]) * (1000 if rate[2] else 1)
                    if rate[3] == "fps" or fps == 0.0:
                        fps = value
        elif kind == "Audio" and audio_codec is None:
            audio_codec = codec
            for field in fields[1:]:
                if hertz := re.match(r"(\d+) Hz", field):
                    sample_rate = int(hertz[1])
    return MediaInfo(
        duration, width, height, fps, video_codec, audio_codec, pixel_format, sample_rate
    )


def decode_frames(path: Path, size: tuple[int, int] | None = None) -> Iterator[np.ndarray]:
    """Every video frame of ``path`` as a read-only H x W x 3 uint8 RGB array, scaled to
    ``size`` if given (the file's own size otherwise)."""
    width, height = size or probe(path).size
    if width <= 0 or height <= 0:
        raise ValueError(f"{path} has no video stream")
    command = _command(
        "-loglevel", "error", "-i", str(path), "-map", "0:v:0",
        "-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    )  # fmt: skip
    frame_bytes = width * height * 3
    process = subprocess.Popen(  # noqa: S603 - fixed program, built argument list
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None
    assert process.stderr is not None
    stderr = _Tail(process.stderr)
    try:
        while True:
            data = process.stdout.read(frame_bytes)  # blocks for a whole frame, or EOF
            if len(data) < frame_bytes:
                break
            yield np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3)
        process.wait()
        if process.returncode != 0:
            raise _failure("decoding", process.returncode, stderr.text())
    finally:
        _stop(process)
        process.stdout.close()


def count_frames(path: Path) -> int:
    """How many frames the first video stream decodes to."""
    completed = subprocess.run(  # noqa: S603 - fixed program, built argument list
        _command("-i", str(path), "-map", "0:v:0", "-f", "null", "-"),
        capture_output=True,
        check=False,
    )
    text = completed.stderr.decode(errors="replace")
    counts = re.findall(r"frame=\s*(\d+)", text)
    if completed.returncode != 0 or not counts:
        raise _failure("counting frames", completed.returncode, "\n".join(text.splitlines()[-5:]))
    return int(counts[-1])


def decode_audio(path: Path, rate: int = 16000) -> np.ndarray:
    """The first audio stream as mono float32 samples in [-1, 1] at ``rate`` Hz."""
    command = _command(
        "-loglevel", "error", "-i", str(path), "-map", "0:a:0",
        "-ac", "1", "-ar", str(rate), "-f", "s16le", "pipe:1",
    )  # fmt: skip
    completed = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if completed.returncode != 0:
        raise _failure("decoding audio", completed.returncode, completed.stderr.decode()[-2000:])
    samples = np.frombuffer(completed.stdout, dtype="<i2")
    return (samples.astype(np.float32) / 32768.0).astype(np.float32)


def thumbnail(path: Path, at_seconds: float, out_png: Path) -> Path:
    """A PNG of the frame at ``at_seconds`` (the last frame if the video is shorter)."""
    out_png = Path(out_png)
    partial = _partial(out_png)
    try:
        for seek in (max(0.0, at_seconds), None):
            seek_args = ["-ss", f"{seek:.3f}"] if seek is not None else ["-sseof", "-0.5"]
            command = _command(
                "-loglevel", "error", *seek_args, "-i", str(path), "-map", "0:v:0",
                "-frames:v", "1", "-update", "1", "-f", "image2", "-y", str(partial),
            )  # fmt: skip
            completed = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
            if completed.returncode == 0 and partial.exists() and partial.stat().st_size:
                partial.replace(out_png)
                return out_png
        raise _failure("thumbnail", completed.returncode, completed.stderr.decode()[-2000:])
    finally:
        partial.unlink(missing_ok=True)
