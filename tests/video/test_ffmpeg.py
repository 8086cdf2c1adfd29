"""The ffmpeg wrapper: clips encoded from frames, the composed video (length to the frame,
codecs, transitions, captions, voice and music, stopping, faststart) and reading media back."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from synthfoundry.video import ffmpeg
from synthfoundry.video.spec import Caption, SceneClip, VideoStopped

FPS = 12
SIZE = (160, 90)
RED, GREEN, BLUE = (200, 30, 30), (30, 200, 30), (30, 30, 200)


def solid_clip(
    path: Path, colour: tuple[int, int, int], frames: int, size: tuple[int, int] = SIZE
) -> Path:
    width, height = size
    with ffmpeg.FrameWriter(path, size, FPS) as writer:
        for _ in range(frames):
            writer.write(np.full((height, width, 3), colour, np.uint8))
    return path


def sine_wav(path: Path, hertz: float, seconds: float, rate: int = 22050) -> Path:
    t = np.arange(round(seconds * rate)) / rate
    samples = (np.sin(2 * np.pi * hertz * t) * 12000).astype("<i2")
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(samples.tobytes())
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Red (20 frames), green (30 frames, a larger 4:3 picture) and blue (6 frames: too short)."""
    folder = tmp_path_factory.mktemp("clips")
    return [
        solid_clip(folder / "red.mp4", RED, 20),
        solid_clip(folder / "green.mp4", GREEN, 30, (200, 150)),
        solid_clip(folder / "blue.mp4", BLUE, 6),
    ]


def mean_colour(frame: np.ndarray) -> np.ndarray:
    return frame[10:40, 10:60].reshape(-1, 3).mean(axis=0)


def close_to(frame: np.ndarray, colour: tuple[int, int, int], tolerance: float = 12) -> bool:
    return bool(np.abs(mean_colour(frame) - colour).max() <= tolerance)


def compose(clips: list[Path], out: Path, seconds: list[float], **options: object) -> Path:
    scenes = [SceneClip(path, value) for path, value in zip(clips, seconds, strict=True)]
    arguments: dict[str, object] = {
        "size": SIZE, "fps": FPS, "transition": "fade", "transition_seconds": 0.4, "voice": None,
    }  # fmt: skip
    arguments.update(options)
    return ffmpeg.compose(scenes, out, **arguments)  # type: ignore[arg-type]


def top_level_boxes(path: Path) -> list[str]:
    boxes, data, offset = [], path.read_bytes(), 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return boxes


def test_frame_writer_encodes_every_frame(tmp_path: Path) -> None:
    path = solid_clip(tmp_path / "clip.mp4", RED, 10)
    info = ffmpeg.probe(path)
    assert (info.video_codec, info.pixel_format, info.size, info.fps) == (
        "h264",
        "yuv420p",
        SIZE,
        FPS,
    )
    assert info.audio_codec is None
    assert ffmpeg.count_frames(path) == 10
    frames = list(ffmpeg.decode_frames(path))
    assert len(frames) == 10
    assert all(close_to(frame, RED, 4) for frame in frames)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_frame_writer_refuses_a_wrong_frame(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="160x90"),
        ffmpeg.FrameWriter(tmp_path / "x.mp4", (90, 160), FPS) as writer,
    ):
        writer.write(np.zeros((160, 90, 3), np.float32))
    assert list(tmp_path.iterdir()) == []


def test_frame_writer_reports_ffmpeg_errors(tmp_path: Path) -> None:
    # yuv420p needs even sides: libx264 refuses 161 x 91.
    writer = ffmpeg.FrameWriter(tmp_path / "odd.mp4", (161, 91), FPS)
    with pytest.raises(RuntimeError, match="ffmpeg encoding failed") as caught, writer:
        for _ in range(50):
            writer.write(np.zeros((91, 161, 3), np.uint8))
    assert "divisible by 2" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("transition", ["fade", "slideleft", "cut"])
def test_compose_is_exactly_the_timeline_long(
    clips: list[Path], tmp_path: Path, transition: str
) -> None:
    seconds = [1.0, 1.25, 0.75]
    out = compose(clips, tmp_path / "out.mp4", seconds, transition=transition)
    info = ffmpeg.probe(out)
    assert (info.video_codec, info.audio_codec, info.pixel_format) == ("h264", "aac", "yuv420p")
    assert (info.size, info.fps) == (SIZE, FPS)
    assert abs(info.duration - 3.0) <= 1 / FPS
    assert ffmpeg.count_frames(out) == 36
    assert len(ffmpeg.decode_audio(out)) == pytest.approx(3.0 * 16000, abs=16000 / FPS)
    frames = list(ffmpeg.decode_frames(out))
    # Each scene fills its share; the next one fades in from its start time.
    assert close_to(frames[6], RED)
    assert close_to(frames[11], RED)
    assert close_to(frames[20], GREEN)  # the 4:3 clip covers the 16:9 frame
    assert close_to(frames[35], BLUE)  # the short clip is held on its last frame
    if transition == "cut":
        assert close_to(frames[12], GREEN)
    else:
        whole = frames[14].reshape(-1, 3).mean(axis=0)  # mid-transition: some of each
        assert np.abs(whole - RED).max() > 30 and np.abs(whole - GREEN).max() > 30


def test_compose_without_audio_has_a_silent_track(clips: list[Path], tmp_path: Path) -> None:
    out = compose(clips[:1], tmp_path / "out.mp4", [1.5])
    assert ffmpeg.probe(out).audio_codec == "aac"
    assert ffmpeg.count_frames(out) == 18  # one clip of 20 frames, trimmed
    assert np.abs(ffmpeg.decode_audio(out)).max() < 1e-3


def test_music_is_mixed_under_the_voice(clips: list[Path], tmp_path: Path) -> None:
    voice = sine_wav(tmp_path / "voice.wav", 1000, 1.0)
    music = sine_wav(tmp_path / "music.wav", 250, 0.5)  # looped to fill 2 s
    out = compose(clips[:2], tmp_path / "out.mp4", [1.0, 1.0], voice=voice, music=music)
    audio = ffmpeg.decode_audio(out, rate=8000)
    assert len(audio) == pytest.approx(16000, abs=8000 / FPS)

    def level(segment: np.ndarray, hertz: float) -> float:
        spectrum = np.abs(np.fft.rfft(segment * np.hanning(len(segment))))
        frequencies = np.fft.rfftfreq(len(segment), 1 / 8000)
        return float(spectrum[np.abs(frequencies - hertz) < 20].max() / len(segment))

    spoken, after = audio[1000:7000], audio[9000:15000]
    assert level(spoken, 1000) > 2 * level(spoken, 250) > 0.01  # the music is under the voice
    assert level(after, 250) > 0.01  # looped on after the voice ends
    assert level(after, 1000) < 0.1 * level(after, 250)  # the voice is padded with silence


def test_captions_show_only_while_they_run(clips: list[Path], tmp_path: Path) -> None:
    captions = [Caption("Hello captions", 0.5, 0.5)]
    white_on_black = ((255, 255, 255), (0, 0, 0))
    out = compose(
        clips[:1], tmp_path / "out.mp4", [1.5], captions=captions, caption_style=white_on_black
    )
    frames = list(ffmpeg.decode_frames(out))

    def shows_caption(frame: np.ndarray) -> bool:
        bottom = frame[SIZE[1] // 2 :].astype(int)
        return bool((bottom.min(axis=2) > 220).sum() > 20 and (bottom.max(axis=2) < 70).sum() > 50)

    assert [shows_caption(frame) for frame in frames] == [6 <= index < 12 for index in range(18)]


def test_check_stops_ffmpeg_and_leaves_nothing(clips: list[Path], tmp_path: Path) -> None:
    calls = []

    def check() -> None:
        calls.append(1)
        raise VideoStopped("stop requested")

    out = tmp_path / "out.mp4"
    with pytest.raises(VideoStopped):
        compose(clips, out, [20.0, 20.0, 20.0], check=check)
    assert calls == [1]
    assert list(tmp_path.iterdir()) == []


def test_progress_runs_to_the_total(clips: list[Path], tmp_path: Path) -> None:
    seen: list[tuple[float, float]] = []
    compose(clips, tmp_path / "out.mp4", [1.0, 1.0, 1.0], progress=lambda *a: seen.append(a))
    assert seen[-1] == (3.0, 3.0)
    assert all(0 <= done <= total == 3.0 for done, total in seen)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_output_is_faststart(clips: list[Path], tmp_path: Path) -> None:
    boxes = top_level_boxes(compose(clips[:2], tmp_path / "out.mp4", [1.0, 1.0]))
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_thumbnail_and_resized_decoding(clips: list[Path], tmp_path: Path) -> None:
    out = compose(clips, tmp_path / "out.mp4", [1.0, 1.0, 1.0], transition="cut")
    middle = ffmpeg.thumbnail(out, 1.5, tmp_path / "middle.png")
    past_the_end = ffmpeg.thumbnail(out, 60, tmp_path / "end.png")
    with Image.open(middle) as image:
        assert image.size == SIZE
        assert close_to(np.asarray(image.convert("RGB")), GREEN)
    with Image.open(past_the_end) as image:
        assert close_to(np.asarray(image.convert("RGB")), BLUE)
    small = list(ffmpeg.decode_frames(out, (80, 46)))
    assert len(small) == 36
    assert small[0].shape == (46, 80, 3)


def test_probe_reads_audio_files_and_refuses_non_media(tmp_path: Path) -> None:
    info = ffmpeg.probe(sine_wav(tmp_path / "tone.wav", 440, 0.5))
    assert (info.audio_codec, info.sample_rate, info.video_codec) == ("pcm_s16le", 22050, None)
    assert info.duration == pytest.approx(0.5, abs=0.01)
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    with pytest.raises(RuntimeError, match="probing"):
        ffmpeg.probe(tmp_path / "junk.mp4")


def test_the_environment_names_the_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Path(ffmpeg.ffmpeg_exe()).exists()
    monkeypatch.setenv("SYNTHFOUNDRY_FFMPEG", "/opt/ffmpeg/bin/ffmpeg")
    assert ffmpeg.ffmpeg_exe() == "/opt/ffmpeg/bin/ffmpeg"
