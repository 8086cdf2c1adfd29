"""Typefaces for rendered frames: DejaVu Sans where the system has it, else Pillow's own font."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/share/fonts/dejavu"),  # Alpine
)
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@functools.cache
def font_path(bold: bool) -> Path | None:
    """The DejaVu Sans file (bold or regular) if the system has one."""
    for folder in FONT_DIRS:
        path = folder / FONT_FILES[bold]
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=128)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Bold) at ``size`` pixels, or Pillow's bundled font at that size."""
    size = max(1, int(size))
    path = font_path(bold)
    if path is not None:
        return ImageFont.truetype(str(path), size)
    fallback = ImageFont.load_default(size=size)
    if not isinstance(fallback, ImageFont.FreeTypeFont):
        raise RuntimeError("Pillow was built without FreeType: no scalable font available")
    return fallback


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` pixels: at spaces where possible,
    inside a word only when the word alone is too wide. Newlines in ``text`` are kept."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            for piece in _split_word(word, font, max_width):
                if current:
                    lines.append(current)
                current = piece
        lines.append(current)
    return lines


def _split_word(word: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    pieces, current = [], ""
    for char in word:
        if current and font.getlength(current + char) > max_width:
            pieces.append(current)
            current = ""
        current += char
    return [*pieces, current] if current else pieces


def fit(
    text: str,
    bold: bool,
    max_width: float,
    size: int,
    *,
    max_lines: int = 2,
    min_size: int = 8,
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font from ``size`` down to ``min_size`` at which ``text`` wraps into at most
    ``max_lines`` lines of ``max_width``, and those lines (at ``min_size`` it may take more)."""
    size = max(size, min_size)
    while True:
        face = font(size, bold)
        lines = wrap(text, face, max_width)
        if len(lines) <= max_lines or size <= min_size:
            return face, lines
        size = max(min_size, int(size * 0.9))
