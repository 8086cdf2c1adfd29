"""Scene frames drawn with Pillow: a style's gradient, the product image in motion, headings,
title cards with drifting accent shapes and the call-to-action end card. Everything static is
drawn once per scene; only the moving layer is redrawn per frame."""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from synthfoundry.video import fonts
from synthfoundry.video.ffmpeg import FrameWriter, caption_image
from synthfoundry.video.spec import ScriptScene
from synthfoundry.video.styles import RGB, Motion, Style

Size = tuple[int, int]
ZOOM = 1.12  # how far zoom_in / zoom_out travel
PAN = 0.05  # of the frame width, either side of centre
PAN_ZOOM = 1.06  # a full-frame pan needs margin to move in
CTA_SCALE_IN_SECONDS = 0.6


def frame_count(seconds: float, fps: float) -> int:
    return max(1, round(seconds * fps))


def _ease(progress: float) -> float:
    """Smooth start and stop (sine ease-in-out) of a 0..1 progress."""
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, progress)))


def motion_at(motion: Motion, progress: float) -> tuple[float, float]:
    """(zoom, shift) at ``progress`` (0..1): zoom from 1 to ``ZOOM``, shift from -1 (left) to 1
    (right). ``pan_left`` moves the picture leftwards, ``pan_right`` rightwards."""
    eased = _ease(progress)
    if motion == "zoom_in":
        return 1 + (ZOOM - 1) * eased, 0.0
    if motion == "zoom_out":
        return ZOOM - (ZOOM - 1) * eased, 0.0
    if motion == "pan_left":
        return 1.0, 1 - 2 * eased
    if motion == "pan_right":
        return 1.0, -1 + 2 * eased
    return 1.0, 0.0


@functools.lru_cache(maxsize=8)
def gradient(size: Size, top: RGB, bottom: RGB) -> Image.Image:
    """A vertical gradient from ``top`` to ``bottom`` (cached: copy before drawing on it)."""
    width, height = size
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    rows = np.asarray(top, np.float32) * (1 - ramp) + np.asarray(bottom, np.float32) * ramp
    pixels = np.broadcast_to(np.round(rows).astype(np.uint8)[:, None, :], (height, width, 3))
    return Image.fromarray(np.ascontiguousarray(pixels), "RGB")


def _background(style: Style, size: Size) -> Image.Image:
    return gradient(size, *style.background).copy()


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


# --- text ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    lines: list[str]
    face: ImageFont.FreeTypeFont
    fill: RGB

    @property
    def line_height(self) -> int:
        ascent, descent = self.face.getmetrics()
        return round((ascent + descent) * 1.12)

    @property
    def height(self) -> int:
        ascent, descent = self.face.getmetrics()
        return self.line_height * (len(self.lines) - 1) + ascent + descent

    @property
    def width(self) -> int:
        return math.ceil(max(self.face.getlength(line) for line in self.lines))


def _block(
    text: str, size: Size, share: float, bold: bool, fill: RGB, max_lines: int = 2
) -> _Block | None:
    if not text.strip():
        return None
    width, height = size
    face, lines = fonts.fit(
        text.strip(),
        bold,
        width * 0.86,
        max(8, round(min(width, height) * share)),
        max_lines=max_lines,
    )
    return _Block(lines, face, fill)


def _stack_height(blocks: list[_Block], gap: int) -> int:
    return sum(block.height for block in blocks) + gap * max(0, len(blocks) - 1)


def _draw_stack(
    draw: ImageDraw.ImageDraw, blocks: list[_Block], centre_x: float, top: float, gap: int
) -> None:
    y = top
    for block in blocks:
        for index, line in enumerate(block.lines):
            draw.text(
                (centre_x, y + index * block.line_height),
                line,
                font=block.face,
                fill=(*block.fill, 255),
                anchor="ma",
            )
        y += block.height + gap


def _text_layer(blocks: list[_Block], gap: int) -> Image.Image:
    """The blocks, centred one under another, on a transparent RGBA image just big enough."""
    width = max(block.width for block in blocks) + 4
    layer = Image.new("RGBA", (width, _stack_height(blocks, gap) + 4), (0, 0, 0, 0))
    _draw_stack(ImageDraw.Draw(layer), blocks, width / 2, 2, gap)
    return layer


# --- moving layers ---------------------------------------------------------------------------


class _Sprite:
    """A picture placed at ``base`` size around a centre, drawn per frame at a zoom and shift
    with sub-pixel precision from a copy pre-scaled to the largest zoom."""

    def __init__(self, image: Image.Image, base: tuple[float, float], shift: float) -> None:
        self.base = base
        self.shift = shift  # pixels at shift 1.0
        big = (max(1, round(base[0] * ZOOM)), max(1, round(base[1] * ZOOM)))
        self.has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
        mode = "RGBA" if self.has_alpha else "RGB"
        self.image = image.convert(mode).resize(big, Image.Resampling.LANCZOS)

    def draw(
        self, frame: Image.Image, centre: tuple[float, float], zoom: float, shift: float
    ) -> None:
        width, height = self.base[0] * zoom, self.base[1] * zoom
        left = centre[0] + shift * self.shift - width / 2
        top = centre[1] - height / 2
        # Whole pixels inside the exact rectangle; the source box keeps the fractional offset.
        x0, y0 = math.ceil(left), math.ceil(top)
        x1, y1 = math.floor(left + width), math.floor(top + height)
        if x1 <= x0 or y1 <= y0:
            return
        sx, sy = self.image.width / width, self.image.height / height
        box = (
            (x0 - left) * sx,
            (y0 - top) * sy,
            min(self.image.width, (x1 - left) * sx),
            min(self.image.height, (y1 - top) * sy),
        )
        piece = self.image.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR, box=box)
        frame.paste(piece, (x0, y0), piece if self.has_alpha else None)


class _AccentShapes:
    """Soft translucent discs in the accent colour drifting slowly; the same for the same seed."""

    def __init__(self, style: Style, size: Size, seed: int) -> None:
        width, height = size
        short = min(width, height)
        rng = np.random.default_rng(seed)
        self.discs: list[tuple[Image.Image, tuple[float, ...]]] = []
        for index in range(3):
            radius = short * (0.22 + 0.12 * index)
            blur = radius * 0.35
            side = math.ceil(2 * (radius + 2 * blur))
            alpha = Image.new("L", (side, side), 0)
            ImageDraw.Draw(alpha).ellipse(
                (side / 2 - radius, side / 2 - radius, side / 2 + radius, side / 2 + radius),
                fill=round(255 * (0.34 - 0.07 * index)),
            )
            disc = Image.new("RGBA", (side, side), (*style.accent, 0))
            disc.putalpha(alpha.filter(ImageFilter.GaussianBlur(blur)))
            # centre x, y, drift x, y (pixels), periods x, y (seconds), phases
            path = (
                width * rng.uniform(0.1, 0.9),
                height * rng.uniform(0.1, 0.9),
                width * rng.uniform(0.05, 0.12),
                height * rng.uniform(0.05, 0.12),
                rng.uniform(6.0, 10.0),
                rng.uniform(7.0, 11.0),
                rng.uniform(0, 2 * math.pi),
                rng.uniform(0, 2 * math.pi),
            )
            self.discs.append((disc, path))

    def draw(self, frame: Image.Image, seconds: float) -> None:
        for disc, (cx, cy, ax, ay, px, py, fx, fy) in self.discs:
            x = cx + ax * math.sin(2 * math.pi * seconds / px + fx)
            y = cy + ay * math.cos(2 * math.pi * seconds / py + fy)
            frame.paste(disc, (round(x - disc.width / 2), round(y - disc.height / 2)), disc)


def _seed(*parts: str) -> int:
    return zlib.crc32("\0".join(parts).encode())


# --- scenes ----------------------------------------------------------------------------------


def render_scene_frames(
    scene: ScriptScene,
    style: Style,
    size: Size,
    fps: float,
    seconds: float,
    motion: Motion,
    product_image: Image.Image | None,
    title: str,
) -> Iterator[np.ndarray]:
    """The frames (H x W x 3 uint8, read-only, possibly the same array repeated) of one scene:
    the product image in motion under its heading, a title card without one, or the end card."""
    count = frame_count(seconds, fps)
    if scene.kind == "cta":
        return _cta_frames(scene.heading, title, style, size, fps, count)
    if product_image is None:
        return _card_frames(scene, title, style, size, fps, count)
    return _product_frames(scene, product_image, style, size, count, motion)


def _product_frames(
    scene: ScriptScene, image: Image.Image, style: Style, size: Size, count: int, motion: Motion
) -> Iterator[np.ndarray]:
    width, height = size
    short = min(width, height)
    margin = round(short * 0.06)
    share = 0.1 if scene.kind == "title" else 0.08
    heading = _block(scene.heading, size, share, style.bold, style.text)
    background = _background(style, size)
    text_top = height - margin
    if heading is not None:
        text_top = height - round(height * 0.07) - heading.height
        _draw_stack(ImageDraw.Draw(background), [heading], width / 2, text_top, 0)
    # The product fits the space above the heading even at the largest zoom.
    area = (width * 0.86 / ZOOM, max(1.0, text_top - margin * 1.5) / ZOOM)
    fit = min(area[0] / image.width, area[1] / image.height)
    base = (max(1.0, image.width * fit), max(1.0, image.height * fit))
    centre = (width / 2, margin + (text_top - margin * 1.5) / 2)
    sprite = _Sprite(image, base, shift=width * PAN)
    if motion == "still":
        frame = background.copy()
        sprite.draw(frame, centre, 1.0, 0.0)
        still = _array(frame)
        for _ in range(count):
            yield still
        return
    for index in range(count):
        zoom, shift = motion_at(motion, index / max(1, count - 1))
        frame = background.copy()
        sprite.draw(frame, centre, zoom, shift)
        yield _array(frame)


def _card_frames(
    scene: ScriptScene, title: str, style: Style, size: Size, fps: float, count: int
) -> Iterator[np.ndarray]:
    width, height = size
    short = min(width, height)
    if scene.kind == "title":
        parts = [
            _block(title or scene.heading, size, 0.13, style.bold, style.text),
            None
            if scene.heading.strip().casefold() == title.strip().casefold()
            else _block(scene.heading, size, 0.06, False, style.text),
        ]
    else:
        parts = [
            _block(title, size, 0.05, True, style.accent, max_lines=1),
            _block(scene.heading, size, 0.1, style.bold, style.text),
        ]
    blocks = [part for part in parts if part is not None]
    background = _background(style, size)
    shapes = _AccentShapes(style, size, _seed(title, scene.heading, scene.kind))
    layer = _text_layer(blocks, round(short * 0.04)) if blocks else None
    for index in range(count):
        frame = background.copy()
        shapes.draw(frame, index / fps)
        if layer is not None:
            frame.paste(layer, ((width - layer.width) // 2, (height - layer.height) // 2), layer)
        yield _array(frame)


def _button(text: str, style: Style, size: Size) -> Image.Image:
    """The call-to-action button: accent fill, accent-text words, drawn at twice the size and
    reduced so its rounded edges are smooth."""
    width, height = size
    short = min(width, height)
    face, lines = fonts.fit(
        text.strip() or " ", True, width * 0.7, max(10, round(short * 0.1)), max_lines=2
    )
    block = _Block(lines, face, style.accent_text)
    pad_x, pad_y = round(face.size * 0.9), round(face.size * 0.5)
    box = (block.width + 2 * pad_x, block.height + 2 * pad_y)
    big = Image.new("RGBA", (box[0] * 2, box[1] * 2), (0, 0, 0, 0))
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, big.width - 1, big.height - 1),
        radius=min(big.height // 2, face.size),
        fill=(*style.accent, 255),
    )
    button = big.resize(box, Image.Resampling.LANCZOS)
    # The words are drawn at final size: crisp, and sized as measured.
    _draw_stack(ImageDraw.Draw(button), [block], box[0] / 2, pad_y, 0)
    return button


def _cta_frames(
    text: str, title: str, style: Style, size: Size, fps: float, count: int
) -> Iterator[np.ndarray]:
    width, height = size
    short = min(width, height)
    gap = round(short * 0.07)
    name = _block(title, size, 0.09, style.bold, style.text)
    button = _button(text, style, size)
    stack = (name.height + gap if name else 0) + button.height
    top = (height - stack) / 2
    background = _background(style, size)
    if name is not None:
        _draw_stack(ImageDraw.Draw(background), [name], width / 2, top, 0)
        top += name.height + gap
    centre = (width / 2, top + button.height / 2)
    button_alpha = button.getchannel("A")
    growing = min(count - 1, round(CTA_SCALE_IN_SECONDS * fps))
    for index in range(growing):
        progress = 1 - (1 - index / growing) ** 3  # ease out
        scale = 0.82 + 0.18 * progress
        piece_size = (max(1, round(button.width * scale)), max(1, round(button.height * scale)))
        piece = button.resize(piece_size, Image.Resampling.BILINEAR)
        opacity = min(1.0, 0.2 + progress)
        mask = button_alpha.resize(piece_size, Image.Resampling.BILINEAR)
        mask = mask.point([round(value * opacity) for value in range(256)])
        frame = background.copy()
        position = (round(centre[0] - piece.width / 2), round(centre[1] - piece.height / 2))
        frame.paste(piece.convert("RGB"), position, mask)
        yield _array(frame)
    final = background.copy()
    final.paste(
        button, (round(centre[0] - button.width / 2), round(centre[1] - button.height / 2)), button
    )
    still = _array(final)
    for _ in range(count - max(0, growing)):
        yield still


def still_motion_frames(
    image: Image.Image | None,
    text: str,
    style: Style,
    size: Size,
    fps: float,
    seconds: float,
    motion: Motion,
) -> Iterator[np.ndarray]:
    """A clip from one picture: ``image`` covering the frame with ``motion`` (or the style's
    gradient with drifting accent shapes), ``text`` as a small caption near the bottom."""
    width, height = size
    count = frame_count(seconds, fps)
    caption = None
    if text.strip():
        caption = caption_image(text, size, (style.text, style.background[0]), font_share=0.04)
    if image is None:
        background = _background(style, size)
        shapes = _AccentShapes(style, size, _seed(text, style.name))
        for index in range(count):
            frame = background.copy()
            shapes.draw(frame, index / fps)
            _paste_caption(frame, caption)
            yield _array(frame)
        return
    # Pre-scaled to cover the frame at the largest zoom: per frame only a crop is resized.
    picture = image.convert("RGB")
    cover = max(width / picture.width, height / picture.height) * ZOOM
    canvas_size = (
        max(width, round(picture.width * cover)),
        max(height, round(picture.height * cover)),
    )
    canvas = picture.resize(canvas_size, Image.Resampling.LANCZOS)
    still: np.ndarray | None = None
    for index in range(count):
        if still is not None:
            yield still
            continue
        zoom, shift = motion_at(motion, index / max(1, count - 1))
        if motion in ("pan_left", "pan_right"):
            zoom = PAN_ZOOM
        view_w = min(canvas.width, width * ZOOM / zoom)
        view_h = min(canvas.height, height * ZOOM / zoom)
        slack = (canvas.width - view_w) / 2
        left = slack - shift * slack * 0.95  # the view moves right: the picture moves left
        top = (canvas.height - view_h) / 2
        frame = canvas.resize(
            size, Image.Resampling.BILINEAR, box=(left, top, left + view_w, top + view_h)
        )
        _paste_caption(frame, caption)
        array = _array(frame)
        if motion == "still":
            still = array
        yield array


def _paste_caption(frame: Image.Image, caption: tuple[Image.Image, tuple[int, int]] | None) -> None:
    if caption is not None:
        frame.paste(caption[0], caption[1], caption[0])


def render_clip(
    frames: Iterable[np.ndarray],
    out: Path,
    size: Size,
    fps: float,
    *,
    on_frame: Callable[[int], None] | None = None,
) -> int:
    """Encode ``frames`` into a silent clip at ``out`` (in place only once complete); calls
    ``on_frame(frames_so_far)`` after each frame, which may raise to stop. Returns the count."""
    with FrameWriter(out, size, fps) as writer:
        for frame in frames:
            writer.write(frame)
            if on_frame is not None:
                on_frame(writer.frames)
    return writer.frames
