"""OpenAI-compatible providers: a script writer over chat completions and a voice over the speech
endpoint. Any server speaking these wire formats works (set ``base_url``)."""

from __future__ import annotations

import json
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthfoundry.video.http import HttpClient, RetryPolicy
from synthfoundry.video.spec import (
    ProductBrief,
    ProviderError,
    Reporter,
    Script,
    ScriptScene,
    VoiceOver,
)
from synthfoundry.video.styles import STYLES

PROVIDER = "openai"
OPENAI_BASE_URL = "https://api.openai.com/v1"
SPEED_LIMITS = (0.25, 4.0)  # what the speech API accepts
MAX_SPEECH_BYTES = 64 * 1024 * 1024
DECODED_RATE = 24_000  # the speech API's own sample rate


@dataclass(frozen=True)
class OpenAIChatConfig:
    """Where and how the script writer asks for a script."""

    base_url: str = OPENAI_BASE_URL
    api_key: str = ""
    model: str = "gpt-4o-mini"
    timeout_seconds: float = 60.0
    connect_timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 0.5
    temperature: float = 0.7
    scenes: int = 3
    """Scenes before the call to action: the title scene and the features."""
    max_heading_chars: int = 48
    input_usd_per_million_tokens: float = 0.15
    output_usd_per_million_tokens: float = 0.60


@dataclass(frozen=True)
class OpenAISpeechConfig:
    """Where and how the voice is spoken."""

    base_url: str = OPENAI_BASE_URL
    api_key: str = ""
    model: str = "tts-1"  # gpt-4o-mini-tts ignores ``speed``
    voice: str = "alloy"
    response_format: Literal["wav", "mp3"] = "wav"
    timeout_seconds: float = 120.0
    connect_timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 0.5
    usd_per_million_chars: float = 15.0
    chars_per_second: float = 15.0
    """The speaking rate at speed 1.0, used to pick a speed for a brief's target duration."""
    min_speed: float = 0.7
    max_speed: float = 1.6
    """The speeds a target duration may ask for (the API allows 0.25-4.0; past these the voice
    sounds wrong)."""


def _client(
    base_url: str,
    api_key: str,
    timeout: float,
    connect_timeout: float,
    retries: int,
    backoff: float,
) -> HttpClient:
    return HttpClient(
        PROVIDER,
        base_url,
        api_key,
        timeout_seconds=timeout,
        connect_timeout_seconds=connect_timeout,
        retry=RetryPolicy(retries=retries, backoff_seconds=backoff),
    )


# --- Script -----------------------------------------------------------------------------------

SYSTEM_PROMPT = """You write scripts for short product videos.
Answer with one JSON object and nothing else, of this shape:
{"title": string, "scenes": [{"kind": "title" | "feature" | "cta", "heading": string,
"narration": string, "visual": string}]}
- "heading" is the few words shown on screen; "narration" is one or two short spoken sentences;
  "visual" describes what the camera shows, for a video generator (no text on screen).
- The first scene has kind "title", then kind "feature" scenes, and the last scene has kind
  "cta" whose heading is exactly the call to action given.
- Match the style's tone. Write headings of at most {heading} characters."""


class _SceneOut(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    kind: Literal["title", "feature", "cta"]
    heading: str = Field(min_length=1)
    narration: str = Field(min_length=1)
    visual: str = Field(min_length=1)


class _ScriptOut(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    title: str = Field(min_length=1)
    scenes: list[_SceneOut] = Field(min_length=1, max_length=32)


class OpenAIChatScript:
    """A ScriptWriter asking an OpenAI-compatible chat model for the script as JSON."""

    name = PROVIDER

    def __init__(self, config: OpenAIChatConfig | None = None) -> None:
        self.config = config or OpenAIChatConfig()

    def write(self, brief: ProductBrief, reporter: Reporter) -> Script:
        config = self.config
        body = {
            "model": config.model,
            "messages": [
                {
                    "role": "system",
                    "content": SYSTEM_PROMPT.replace("{heading}", str(config.max_heading_chars)),
                },
                {"role": "user", "content": json.dumps(self.request(brief), ensure_ascii=False)},
            ],
            "response_format": {"type": "json_object"},
            "temperature": config.temperature,
            "seed": brief.seed,
        }
        reporter.check()
        reporter.progress(0, 1, "asking for the script")
        with _client(
            config.base_url,
            config.api_key,
            config.timeout_seconds,
            config.connect_timeout_seconds,
            config.retries,
            config.backoff_seconds,
        ) as client:
            answer = client.post_json("/chat/completions", body, reporter, what="script request")
        self._report_cost(answer, reporter)
        script = self.script_from(_message_content(answer), brief)
        reporter.progress(1, 1, "script written")
        return script

    def request(self, brief: ProductBrief) -> dict[str, Any]:
        """What the model is told of the brief (sent as JSON in the user message)."""
        style = STYLES.get(brief.style)
        asked: dict[str, Any] = {
            "product": brief.product_name,
            "style": brief.style,
            "style_description": style.description if style else brief.style,
            "tone": list(style.tone) if style else [],
            "call_to_action": brief.cta_text,
            "scenes_before_call_to_action": self.config.scenes,
        }
        if brief.duration_seconds is not None:
            asked["target_seconds"] = round(brief.duration_seconds, 1)
            asked["target_spoken_words"] = max(4, round(brief.duration_seconds * 2.5))
        return asked

    def script_from(self, content: str, brief: ProductBrief) -> Script:
        """The model's answer, validated and put in order: at most ``scenes`` scenes, then
        exactly one call to action headed by the brief's own words."""
        try:
            parsed = _ScriptOut.model_validate_json(content)
        except ValidationError as error:
            raise ProviderError(PROVIDER, _shape_problem(error)) from None
        limit = self.config.max_heading_chars
        scenes = [_clean_scene(scene, limit) for scene in parsed.scenes if scene.kind != "cta"][
            : max(self.config.scenes, 0)
        ]
        ctas = [scene for scene in parsed.scenes if scene.kind == "cta"]
        cta = ctas[-1] if ctas else None
        scenes.append(
            ScriptScene(
                kind="cta",
                heading=brief.cta_text,
                narration=_one_line(cta.narration) if cta else brief.cta_text,
                visual=_one_line(cta.visual) if cta else f"{brief.product_name}, hero shot",
            )
        )
        return Script(title=_clamp(_one_line(parsed.title), 120), scenes=tuple(scenes))

    def _report_cost(self, answer: dict[str, Any], reporter: Reporter) -> None:
        usage = answer.get("usage")
        if not isinstance(usage, dict):
            reporter.log("openai: the script answer reported no token usage; cost unknown")
            return
        prompt = _count(usage.get("prompt_tokens"))
        completion = _count(usage.get("completion_tokens"))
        usd = (
            prompt * self.config.input_usd_per_million_tokens
            + completion * self.config.output_usd_per_million_tokens
        ) / 1_000_000
        reporter.cost(PROVIDER, "script", usd)


def _message_content(answer: dict[str, Any]) -> str:
    choices = answer.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else None
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str) and content.strip():
        return content
    if isinstance(message, dict) and message.get("refusal"):
        raise ProviderError(PROVIDER, "the model refused to write the script")
    raise ProviderError(PROVIDER, "the chat answer had no message content")


def _shape_problem(error: ValidationError) -> str:
    prefix = "the script was not valid JSON of the asked shape: "
    problems = error.errors(include_url=False, include_context=False, include_input=False)
    if any(problem["type"] == "json_invalid" for problem in problems):
        return prefix + "not JSON"
    paths = []
    for problem in problems:
        path = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if path not in paths:
            paths.append(path)
    more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
    return prefix + ", ".join(paths[:3]) + more


def _clean_scene(scene: _SceneOut, heading_limit: int) -> ScriptScene:
    return ScriptScene(
        kind=scene.kind,
        heading=_clamp(_one_line(scene.heading), heading_limit),
        narration=_one_line(scene.narration),
        visual=_one_line(scene.visual),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _clamp(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary where one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else ""
    if len(cut) < limit // 2:
        cut = text[:limit]
    return cut.rstrip(" ,;:-\u2013\u2014")


def _count(value: object) -> int:
    return value if isinstance(value, int) and value > 0 else 0


# --- Speech -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pcm:
    """Decoded audio: interleaved PCM frames and their format."""

    channels: int
    sample_width: int
    rate: int
    frames: bytes

    @property
    def format(self) -> tuple[int, int, int]:
        return self.channels, self.sample_width, self.rate

    @property
    def seconds(self) -> float:
        return len(self.frames) / (self.channels * self.sample_width * self.rate)


class OpenAISpeech:
    """A VoiceProvider over the speech endpoint: one request per line, joined into one WAV."""

    name = PROVIDER

    def __init__(self, config: OpenAISpeechConfig | None = None) -> None:
        self.config = config or OpenAISpeechConfig()

    def speak(
        self, lines: Sequence[str], brief: ProductBrief, work: Path, reporter: Reporter
    ) -> VoiceOver:
        config = self.config
        texts = [_one_line(line) for line in lines]
        if not any(texts):
            return VoiceOver(None, tuple(0.0 for _ in texts), silent_reason="nothing to say")
        work.mkdir(parents=True, exist_ok=True)
        speed = self.speed_for(texts, brief.duration_seconds)
        pieces: list[_Pcm | None] = []
        with _client(
            config.base_url,
            config.api_key,
            config.timeout_seconds,
            config.connect_timeout_seconds,
            config.retries,
            config.backoff_seconds,
        ) as client:
            for index, text in enumerate(texts):
                reporter.check()
                if not text:
                    pieces.append(None)
                    continue
                body: dict[str, Any] = {
                    "model": config.model,
                    "input": text,
                    "voice": brief.voice or config.voice,
                    "response_format": config.response_format,
                }
                if speed is not None:
                    body["speed"] = speed
                what = f"speech for line {index + 1}"
                audio = client.post_bytes(
                    "/audio/speech", body, reporter, what=what, max_bytes=MAX_SPEECH_BYTES
                )
                reporter.cost(
                    PROVIDER,
                    f"voice line {index + 1}",
                    len(text) * config.usd_per_million_chars / 1_000_000,
                )
                raw = work / f"voice-{index + 1:02d}.{config.response_format}"
                raw.write_bytes(audio)
                pieces.append(_load_audio(raw, what))
                reporter.progress(index + 1, len(texts), f"voice line {index + 1} spoken")
        target = work / "voice.wav"
        _join(pieces, target, work)
        segments = tuple(piece.seconds if piece else 0.0 for piece in pieces)
        return VoiceOver(target, segments)

    def speed_for(self, texts: Sequence[str], duration_seconds: float | None) -> float | None:
        """The speed that makes the voice last about ``duration_seconds``; None for the
        natural speed."""
        if duration_seconds is None or duration_seconds <= 0:
            return None
        natural = sum(len(text) for text in texts) / self.config.chars_per_second
        low = max(self.config.min_speed, SPEED_LIMITS[0])
        high = min(self.config.max_speed, SPEED_LIMITS[1])
        return round(min(max(natural / duration_seconds, low), high), 2)


def _load_audio(path: Path, what: str) -> _Pcm:
    """The PCM in ``path``: read directly when it is a PCM WAV, else decoded with ffmpeg."""
    if path.suffix == ".wav":
        try:
            return _read_wav(path)
        except (wave.Error, EOFError, ValueError):
            pass  # not plain PCM (or not WAV at all); ffmpeg may still read it
    decoded = path.with_suffix(".decoded.wav")
    args = ["-i", str(path), "-ac", "1", "-ar", str(DECODED_RATE), "-c:a", "pcm_s16le"]
    _ffmpeg(args, decoded, what)
    try:
        return _read_wav(decoded)
    except (wave.Error, EOFError, ValueError):
        raise ProviderError(PROVIDER, f"the {what} was not audio ffmpeg could read") from None


def _read_wav(path: Path) -> _Pcm:
    with wave.open(str(path), "rb") as reader:
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        # A streamed WAV may declare a placeholder data size (0xFFFFFFFF), so read what is there
        # in blocks rather than trusting (and allocating for) the frame count.
        blocks = []
        while block := reader.readframes(65_536):
            blocks.append(block)
        frames = b"".join(blocks)
    frame_bytes = channels * width
    if channels < 1 or width < 1 or rate < 1 or len(frames) < frame_bytes:
        raise ValueError("no audio frames")
    return _Pcm(channels, width, rate, frames[: len(frames) - len(frames) % frame_bytes])


def _join(pieces: Sequence[_Pcm | None], target: Path, work: Path) -> None:
    """Write ``pieces`` one after another into one WAV; they share a format in practice, and are
    brought to a common one with ffmpeg when they do not."""
    present = [piece for piece in pieces if piece is not None]
    formats = {piece.format for piece in present}
    if len(formats) > 1:
        common: list[_Pcm] = []
        for index, piece in enumerate(present):
            source = work / f"voice-mixed-{index + 1:02d}.wav"
            _write_wav(source, piece, [piece.frames])
            converted = source.with_suffix(".common.wav")
            args = ["-i", str(source), "-ac", "1", "-ar", str(DECODED_RATE), "-c:a", "pcm_s16le"]
            _ffmpeg(args, converted, "speech audio")
            common.append(_read_wav(converted))
        present = common
    _write_wav(target, present[0], [piece.frames for piece in present])


def _write_wav(path: Path, like: _Pcm, chunks: Sequence[bytes]) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(like.channels)
        writer.setsampwidth(like.sample_width)
        writer.setframerate(like.rate)
        for chunk in chunks:
            writer.writeframes(chunk)


def _ffmpeg(args: Sequence[str], output: Path, what: str) -> None:
    try:
        import imageio_ffmpeg  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise ProviderError(
            PROVIDER, "ffmpeg is needed to read this audio (install synthfoundry[video])"
        ) from None
    exe = str(imageio_ffmpeg.get_ffmpeg_exe())
    command = [exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args, str(output)]
    result = subprocess.run(command, capture_output=True, timeout=120, check=False)  # noqa: S603
    if result.returncode != 0 or not output.exists():
        raise ProviderError(PROVIDER, f"the {what} was not audio ffmpeg could read")
