"""The local voice: espeak-ng speaks each scene's line; without espeak-ng the voice-over is silent
(the compositor shows captions) and says why."""

from __future__ import annotations

import re
import shutil
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

from synthfoundry.video.spec import ProductBrief, ProviderError, Reporter, VoiceOver
from synthfoundry.video.styles import get_style

DEFAULT_ESPEAK_VOICE = "en-us"
ESPEAK_VOICE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})?(\+[a-z0-9]{1,8})?", re.ASCII)
NORMAL_WPM, MIN_WPM, MAX_WPM = 165, 80, 450
ESPEAK_TIMEOUT_SECONDS = 60
SPEECH_SHARE = 0.85  # of a fixed duration, the most speech may take; pauses take the rest


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


def check_espeak_voice(voice: str) -> str:
    """A voice name espeak-ng would take ("en-us", "en+f3"); anything else is refused before it
    reaches a command line."""
    if not ESPEAK_VOICE.fullmatch(voice):
        raise ValueError(f"voice {voice!r} is not an espeak-ng voice name such as 'en-us'")
    return voice


def local_voice() -> EspeakVoice | SilentVoice:
    binary = espeak_binary()
    if binary is None:
        return SilentVoice("espeak-ng is not installed: captions stand in for the voice-over")
    return EspeakVoice(binary)


class SilentVoice:
    """No speech: each scene lasts as long as its words take to read at the style's pace."""

    name = "silent"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def speak(
        self, lines: Sequence[str], brief: ProductBrief, work: Path, reporter: Reporter
    ) -> VoiceOver:
        style = get_style(brief.style)
        natural = [
            max(1.0, len(line.split()) / style.words_per_second) + style.scene_pause
            for line in lines
        ]
        reporter.progress(len(lines), len(lines), "silent voice-over")
        reporter.log(self.reason)
        return VoiceOver(
            audio=None,
            segments=tuple(fit(natural, brief.duration_seconds)),
            silent_reason=self.reason,
        )


class EspeakVoice:
    name = "espeak"

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def speak(
        self, lines: Sequence[str], brief: ProductBrief, work: Path, reporter: Reporter
    ) -> VoiceOver:
        style = get_style(brief.style)
        voice = check_espeak_voice(brief.voice or DEFAULT_ESPEAK_VOICE)
        pause = style.scene_pause
        if brief.duration_seconds is not None:
            pause = min(pause, (1 - SPEECH_SHARE) * brief.duration_seconds / len(lines))
        speeches = self._speak_all(lines, voice, NORMAL_WPM, work, reporter)
        spoken = sum(_seconds(path) for path in speeches)
        if brief.duration_seconds is not None:
            budget = brief.duration_seconds - pause * len(lines)
            if spoken > budget:
                wpm = min(MAX_WPM, round(NORMAL_WPM * spoken / budget * 1.05))
                reporter.log(f"speaking at {wpm} words per minute to fit {brief.duration_seconds}s")
                speeches = self._speak_all(lines, voice, wpm, work, reporter)
        natural = [_seconds(path) + pause for path in speeches]
        segments = fit(natural, brief.duration_seconds)
        audio = work / "voice.wav"
        _join(speeches, segments, audio)
        return VoiceOver(audio=audio, segments=tuple(segments))

    def _speak_all(
        self, lines: Sequence[str], voice: str, wpm: int, work: Path, reporter: Reporter
    ) -> list[Path]:
        paths = []
        for index, line in enumerate(lines):
            reporter.check()
            path = work / f"line-{index:02d}.wav"
            self._speak(line, voice, max(MIN_WPM, wpm), path)
            paths.append(path)
            reporter.progress(index + 1, len(lines), f"line {index + 1}/{len(lines)}")
        return paths

    def _speak(self, line: str, voice: str, wpm: int, out: Path) -> None:
        # The text goes in on stdin: a line starting with "-" must not read as an option.
        command = [self.binary, "-v", voice, "-s", str(wpm), "-w", str(out), "--stdin"]
        try:
            completed = subprocess.run(  # noqa: S603 - fixed program, checked voice name
                command,
                input=line.encode(),
                capture_output=True,
                timeout=ESPEAK_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise ProviderError("espeak", "espeak-ng took too long") from exc
        if completed.returncode != 0 or not out.exists():
            reason = completed.stderr.decode(errors="replace").strip().splitlines()
            raise ProviderError("espeak", reason[-1] if reason else "espeak-ng failed")


def fit(natural: Sequence[float], total: float | None) -> list[float]:
    """Scene lengths: as they come, or scaled to sum to ``total`` exactly (to the millisecond)."""
    if total is None:
        return [round(value, 3) for value in natural]
    scale = total / sum(natural)
    segments = [round(value * scale, 3) for value in natural]
    segments[-1] = round(total - sum(segments[:-1]), 3)
    return segments


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def _join(speeches: Sequence[Path], segments: Sequence[float], out: Path) -> None:
    """One WAV: each line padded with silence (or cut) to its scene's length, so the words stay
    under their scene."""
    with wave.open(str(speeches[0]), "rb") as first:
        params = first.getparams()
    frame_bytes = params.sampwidth * params.nchannels
    with wave.open(str(out), "wb") as joined:
        joined.setparams(params)
        for path, seconds in zip(speeches, segments, strict=True):
            with wave.open(str(path), "rb") as speech:
                frames = speech.readframes(speech.getnframes())
            wanted = round(seconds * params.framerate) * frame_bytes
            joined.writeframes(frames[:wanted].ljust(wanted, b"\0"))
