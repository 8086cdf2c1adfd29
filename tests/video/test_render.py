"""Rendered frames (gradients, motion, title and end cards, fonts) and the local scene provider,
down to the end card's colours in the last frame of a composed video."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from synthfoundry.video import ffmpeg, fonts, render
from synthfoundry.video.local_scenes import LocalScenes
from synthfoundry.video.spec import (
    ProductBrief,
    ProviderError,
    Script,
    ScriptScene,
    VideoStopped,
)
from synthfoundry.video.styles import STYLES, Motion

SIZE, FPS = (320, 180), 12
TITLE = ScriptScene("title", "Acme Kettle", "Meet Acme Kettle.", "a kettle")
FEATURE = ScriptScene("feature", "Boils in a minute", "Fast.", "a kettle boiling")
CTA = ScriptScene("cta", "Buy now", "Buy now.", "a kettle on a table")
SCRIPT = Script("Acme Kettle", (TITLE, FEATURE, CTA))


def product() -> Image.Image:
    image = Image.new("RGB", (200, 150), (250, 250, 250))
    ImageDraw.Draw(image).ellipse((50, 25, 150, 125), fill=(20, 160, 60))
    return image


def has_colour(frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 0) -> bool:
    return bool((np.abs(frame.astype(int) - colour).max(axis=2) <= tolerance).any())


def test_gradient_runs_from_top_to_bottom_colour() -> None:
    image = np.asarray(render.gradient((40, 30), (0, 0, 0), (200, 100, 50)))
    assert image.shape == (30, 40, 3)
    assert image[0].tolist() == [[0, 0, 0]] * 40
    assert image[-1].tolist() == [[200, 100, 50]] * 40
    assert (np.diff(image[:, 0, 0].astype(int)) >= 0).all()


def test_motions_start_and_end_where_named() -> None:
    assert render.motion_at("zoom_in", 0) == (1.0, 0.0)
    assert render.motion_at("zoom_in", 1) == pytest.approx((render.ZOOM, 0.0))
    assert render.motion_at("zoom_out", 1) == pytest.approx((1.0, 0.0))
    assert render.motion_at("pan_left", 0) == (1.0, 1.0)
    assert render.motion_at("pan_left", 1) == pytest.approx((1.0, -1.0))
    assert render.motion_at("pan_right", 0.5) == pytest.approx((1.0, 0.0))
    assert render.motion_at("still", 0.3) == (1.0, 0.0)


@pytest.mark.parametrize("motion", ["zoom_in", "zoom_out", "pan_left", "pan_right"])
def test_product_scenes_move(motion: Motion) -> None:
    frames = list(
        render.render_scene_frames(
            FEATURE, STYLES["modern"], SIZE, FPS, 1.0, motion, product(), SCRIPT.title
        )
    )
    assert len(frames) == 12
    assert all(frame.shape == (180, 320, 3) and frame.dtype == np.uint8 for frame in frames)
    assert not np.array_equal(frames[0], frames[-1])
    assert has_colour(frames[0], (20, 160, 60))  # the product
    assert has_colour(frames[0], STYLES["modern"].text)  # the heading


def green_x(frame: np.ndarray) -> float:
    """Mean column of the product's green disc."""
    mask = (np.abs(frame.astype(int) - (20, 160, 60)).max(axis=2) < 30).nonzero()
    return float(mask[1].mean())


@pytest.mark.parametrize(("motion", "direction"), [("pan_left", -1), ("pan_right", 1)])
def test_pans_move_the_picture_the_named_way(motion: Motion, direction: int) -> None:
    style = STYLES["modern"]
    scene = render.render_scene_frames(FEATURE, style, SIZE, FPS, 1.0, motion, product(), "")
    still = render.still_motion_frames(product(), "", style, SIZE, FPS, 1.0, motion)
    for frames in (list(scene), list(still)):
        assert (green_x(frames[-1]) - green_x(frames[0])) * direction > 3


def test_a_still_product_scene_repeats_one_frame() -> None:
    frames = list(
        render.render_scene_frames(
            TITLE, STYLES["minimal"], SIZE, FPS, 0.5, "still", product(), SCRIPT.title
        )
    )
    assert len(frames) == 6
    assert all(frame is frames[0] for frame in frames)


@pytest.mark.parametrize("scene", [TITLE, FEATURE])
def test_title_cards_without_a_product_image_drift(scene: ScriptScene) -> None:
    style = STYLES["luxury"]
    frames = list(render.render_scene_frames(scene, style, SIZE, FPS, 1.0, "still", None, "Acme"))
    assert len(frames) == 12
    assert not np.array_equal(frames[0], frames[-1])  # the accent shapes move
    assert has_colour(frames[0], style.text, tolerance=8)


@pytest.mark.parametrize("size", [(160, 90), (180, 320), (1280, 720)])
def test_the_end_card_shows_the_call_to_action_button(size: tuple[int, int]) -> None:
    style = STYLES["bold"]
    frames = list(render.render_scene_frames(CTA, style, size, FPS, 1.0, "still", None, "Acme"))
    assert len(frames) == 12
    assert not np.array_equal(frames[0], frames[-1])  # scales in
    assert has_colour(frames[-1], style.accent) and has_colour(frames[-1], style.accent_text)


def test_still_motion_frames_from_an_image_or_none() -> None:
    style = STYLES["playful"]
    moving = list(
        render.still_motion_frames(product(), "a kettle", style, SIZE, FPS, 0.5, "zoom_out")
    )
    assert len(moving) == 6
    assert not np.array_equal(moving[0], moving[-1])
    assert moving[0].shape == (180, 320, 3)
    still = list(render.still_motion_frames(product(), "", style, SIZE, FPS, 0.5, "still"))
    assert all(frame is still[0] for frame in still)
    plain = list(render.still_motion_frames(None, "a prompt", style, SIZE, FPS, 0.5, "still"))
    assert len(plain) == 6


def test_render_clip_encodes_all_frames(tmp_path: Path) -> None:
    seen: list[int] = []
    frames = render.render_scene_frames(
        FEATURE, STYLES["modern"], SIZE, FPS, 1.0, "pan_right", product(), "Acme"
    )
    count = render.render_clip(frames, tmp_path / "clip.mp4", SIZE, FPS, on_frame=seen.append)
    assert count == 12 and seen == list(range(1, 13))
    assert ffmpeg.count_frames(tmp_path / "clip.mp4") == 12


def test_wrap_keeps_lines_within_the_width() -> None:
    face = fonts.font(16, bold=True)
    lines = fonts.wrap("a rather long heading for a small frame " + "x" * 40, face, 120)
    assert len(lines) > 2
    assert all(face.getlength(line) <= 120 for line in lines)
    assert "".join(lines).replace(" ", "") == "aratherlongheadingforasmallframe" + "x" * 40
    assert fonts.wrap("two\nlines", face, 500) == ["two", "lines"]


def test_fonts_fall_back_to_pillows_own(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(fonts.font(20, True), ImageFont.FreeTypeFont)
    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts.font_path.cache_clear()
    fonts.font.cache_clear()
    try:
        fallback = fonts.font(20, True)
        assert isinstance(fallback, ImageFont.FreeTypeFont)
        assert fallback.size == 20
    finally:
        fonts.font_path.cache_clear()
        fonts.font.cache_clear()


# --- the local scene provider ----------------------------------------------------------------


@dataclass
class Recorder:
    stop_after_checks: int | None = None
    checks: int = 0
    progress_calls: list[tuple[float, float, str]] = field(default_factory=list)

    def progress(self, completed: float, total: float, message: str = "") -> None:
        self.progress_calls.append((completed, total, message))

    def check(self) -> None:
        self.checks += 1
        if self.stop_after_checks is not None and self.checks > self.stop_after_checks:
            raise VideoStopped("stop requested")

    def cost(self, provider: str, item: str, usd: float) -> None:
        raise AssertionError("the local provider costs nothing")

    def log(self, message: str) -> None:
        return None


def brief(tmp_path: Path, style: str = "modern", image: bool = True) -> ProductBrief:
    path = None
    if image:
        path = tmp_path / "product.png"
        product().save(path)
    return ProductBrief(
        "Acme Kettle", style, "Buy now", product_image=path, short_side=180, fps=FPS
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_local_scenes_render_each_scene_with_transition_room(tmp_path: Path, workers: int) -> None:
    reporter = Recorder()
    timeline = [1.0, 1.25, 0.75]
    clips = LocalScenes(workers=workers).render(
        brief(tmp_path), SCRIPT, timeline, tmp_path, reporter
    )
    assert [clip.path.name for clip in clips] == ["scene-00.mp4", "scene-01.mp4", "scene-02.mp4"]
    assert [clip.seconds for clip in clips] == timeline
    # Each clip but the last carries the 0.4 s fade into the next.
    assert [ffmpeg.count_frames(clip.path) for clip in clips] == [17, 20, 9]
    assert reporter.progress_calls[-1][:2] == (46, 46)
    assert reporter.checks > 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "product.png", "scene-00.mp4", "scene-01.mp4", "scene-02.mp4",
    ]  # fmt: skip


@pytest.mark.parametrize("workers", [1, 2])
def test_local_scenes_stop_when_asked_and_leave_no_clips(tmp_path: Path, workers: int) -> None:
    reporter = Recorder(stop_after_checks=4)
    with pytest.raises(VideoStopped):
        LocalScenes(workers=workers).render(
            brief(tmp_path, image=False), SCRIPT, [20.0, 20.0, 20.0], tmp_path, reporter
        )
    assert [p.name for p in tmp_path.iterdir()] == []


def test_local_scenes_use_the_image_maker_without_a_product_image(tmp_path: Path) -> None:
    asked: list[str] = []

    def make(prompt: str) -> Image.Image:
        asked.append(prompt)
        return product()

    clips = LocalScenes(workers=1, image_maker=make).render(
        brief(tmp_path, image=False), SCRIPT, [0.5, 0.5, 0.5], tmp_path, Recorder()
    )
    assert asked == [TITLE.visual, FEATURE.visual]  # not for the end card
    first = next(ffmpeg.decode_frames(clips[0].path))
    assert has_colour(first, (20, 160, 60), tolerance=30)


def test_an_unreadable_product_image_is_a_provider_error(tmp_path: Path) -> None:
    (tmp_path / "product.png").write_bytes(b"not an image")
    bad = ProductBrief("Acme", "modern", "Buy", product_image=tmp_path / "product.png")
    with pytest.raises(ProviderError, match="product image"):
        LocalScenes(workers=1).render(bad, SCRIPT, [1.0, 1.0, 1.0], tmp_path, Recorder())


def test_the_final_video_ends_on_the_call_to_action_colours(tmp_path: Path) -> None:
    style = STYLES["bold"]
    scenes = LocalScenes(workers=1).render(
        brief(tmp_path, "bold"), SCRIPT, [1.0, 1.0, 1.0], tmp_path, Recorder()
    )
    out = ffmpeg.compose(
        scenes, tmp_path / "video.mp4", size=SIZE, fps=FPS, transition=style.transition,
        transition_seconds=style.transition_seconds, voice=None,
    )  # fmt: skip
    assert ffmpeg.count_frames(out) == 36
    last = list(ffmpeg.decode_frames(out))[-1]
    assert has_colour(last, style.accent, tolerance=24)
    assert has_colour(last, style.accent_text, tolerance=24)
