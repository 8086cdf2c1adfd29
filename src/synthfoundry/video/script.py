"""The local script writer: a script from templates in the style's tone, the same for a seed."""

from __future__ import annotations

import random

from synthfoundry.video.spec import ProductBrief, Reporter, Script, ScriptScene
from synthfoundry.video.styles import get_style

OPENINGS = (
    "Meet {name}.",
    "Introducing {name}.",
    "Say hello to {name}.",
    "This is {name}.",
)
FEATURES = (
    ("{Tone} by design", "{Tone} design that fits the way you live."),
    ("Made to last", "Built to last, and {tone} every single day."),
    ("Everyday ease", "Everything you need, nothing you don't."),
    ("Details matter", "Every detail is {tone}, from the first look to the last."),
    ("Ready when you are", "Ready whenever you are, wherever you go."),
)
VISUALS = {
    "title": "a hero shot of {name}, {tone} lighting, {style} style",
    "feature": "{name} in use, close-up, {tone} mood, {style} style",
    "cta": "{name} on a clean background with space for text, {style} style",
}
SHORT_SECONDS, MEDIUM_SECONDS = 6.0, 12.0


class LocalScriptWriter:
    """An opening, up to two features and the call to action. Short videos get fewer
    features: two seconds hold the opening and the call to action only."""

    name = "local"

    def write(self, brief: ProductBrief, reporter: Reporter) -> Script:
        style = get_style(brief.style)
        rng = random.Random(f"{brief.seed}:{brief.product_name}:{brief.style}")  # noqa: S311
        tone = rng.choice(style.tone)
        words = {"name": brief.product_name, "tone": tone, "Tone": tone.capitalize()}
        visual = {**words, "style": style.name}
        scenes = [
            ScriptScene(
                kind="title",
                heading=brief.product_name,
                narration=rng.choice(OPENINGS).format(**words),
                visual=VISUALS["title"].format(**visual),
            )
        ]
        for heading, narration in rng.sample(FEATURES, _feature_count(brief.duration_seconds)):
            scenes.append(
                ScriptScene(
                    kind="feature",
                    heading=heading.format(**words),
                    narration=narration.format(**words),
                    visual=VISUALS["feature"].format(**visual),
                )
            )
        scenes.append(
            ScriptScene(
                kind="cta",
                heading=brief.cta_text,
                narration=_sentence(brief.cta_text),
                visual=VISUALS["cta"].format(**visual),
            )
        )
        reporter.progress(1, 1, f"{len(scenes)} scenes")
        return Script(title=brief.product_name, scenes=tuple(scenes))


def _feature_count(duration_seconds: float | None) -> int:
    if duration_seconds is None or duration_seconds >= MEDIUM_SECONDS:
        return 2
    return 1 if duration_seconds >= SHORT_SECONDS else 0


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."
