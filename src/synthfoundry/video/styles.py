"""Styles: a palette, a typeface weight, pacing, motion and transitions, plus the tone the local
script writer speaks in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from synthfoundry.errors import InvalidInput

RGB = tuple[int, int, int]
Motion = Literal["zoom_in", "zoom_out", "pan_left", "pan_right", "still"]
# ffmpeg xfade transitions; "cut" joins scenes without one.
Transition = Literal["fade", "fadeblack", "slideleft", "slideup", "wipeleft", "dissolve", "cut"]


@dataclass(frozen=True)
class Style:
    name: str
    description: str
    background: tuple[RGB, RGB]  # a vertical gradient, top to bottom
    text: RGB
    accent: RGB  # the call-to-action button and highlights
    accent_text: RGB
    bold: bool
    words_per_second: float  # pacing of a scene without a voice-over
    scene_pause: float  # seconds of quiet after each spoken scene
    motions: tuple[Motion, ...]  # taken in turn, one per scene
    transition: Transition
    transition_seconds: float
    tone: tuple[str, ...]  # adjectives the local script writer draws from


STYLES: dict[str, Style] = {
    style.name: style
    for style in (
        Style(
            name="modern",
            description="clean gradients, bold type, smooth zooms and fades",
            background=((18, 24, 38), (52, 64, 96)),
            text=(245, 247, 250),
            accent=(0, 168, 255),
            accent_text=(255, 255, 255),
            bold=True,
            words_per_second=2.6,
            scene_pause=0.35,
            motions=("zoom_in", "pan_right", "zoom_out"),
            transition="fade",
            transition_seconds=0.4,
            tone=("sleek", "smart", "effortless", "refined"),
        ),
        Style(
            name="minimal",
            description="white space, quiet type, slow pans, soft dissolves",
            background=((246, 246, 244), (226, 226, 222)),
            text=(30, 30, 30),
            accent=(30, 30, 30),
            accent_text=(250, 250, 250),
            bold=False,
            words_per_second=2.2,
            scene_pause=0.5,
            motions=("still", "pan_left", "zoom_in"),
            transition="dissolve",
            transition_seconds=0.6,
            tone=("simple", "essential", "honest", "calm"),
        ),
        Style(
            name="bold",
            description="saturated colours, big type, fast cuts and slides",
            background=((200, 20, 60), (255, 120, 0)),
            text=(255, 255, 255),
            accent=(255, 230, 0),
            accent_text=(20, 20, 20),
            bold=True,
            words_per_second=3.2,
            scene_pause=0.2,
            motions=("zoom_in", "zoom_in", "pan_left"),
            transition="slideleft",
            transition_seconds=0.25,
            tone=("powerful", "unstoppable", "bold", "game-changing"),
        ),
        Style(
            name="playful",
            description="bright pastels, rounded energy, bouncy slides",
            background=((255, 214, 232), (186, 230, 255)),
            text=(60, 30, 90),
            accent=(255, 90, 150),
            accent_text=(255, 255, 255),
            bold=True,
            words_per_second=2.8,
            scene_pause=0.3,
            motions=("pan_right", "zoom_in", "pan_left"),
            transition="slideup",
            transition_seconds=0.35,
            tone=("fun", "delightful", "cheerful", "fresh"),
        ),
        Style(
            name="luxury",
            description="black and gold, light type, slow zooms through black",
            background=((8, 8, 8), (34, 28, 20)),
            text=(236, 220, 180),
            accent=(201, 162, 39),
            accent_text=(10, 10, 10),
            bold=False,
            words_per_second=2.0,
            scene_pause=0.6,
            motions=("zoom_out", "still", "zoom_in"),
            transition="fadeblack",
            transition_seconds=0.7,
            tone=("timeless", "exquisite", "crafted", "elegant"),
        ),
    )
}
DEFAULT_STYLE = "modern"


def get_style(name: str) -> Style:
    """The named style, or ``InvalidInput`` listing the known ones."""
    style = STYLES.get(name)
    if style is None:
        raise InvalidInput(
            f"unknown style {name!r}; known: {', '.join(sorted(STYLES))}", field="style"
        )
    return style
