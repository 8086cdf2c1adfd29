"""Music-video planning: scene prompts from a flavor's beats, durations that fill the music."""

from __future__ import annotations

import math
import random

import pytest

from synthfoundry.video.flavors import Flavor, builtin_flavors, parse_flavor
from synthfoundry.video.music import MusicScene, character_prompt, plan_scenes

CONCEPT = "a lonely robot wandering a neon city"


@pytest.fixture
def flavor() -> Flavor:
    return parse_flavor(
        """
name: test
image_prompts:
  character: "drawing of {description}"
  style_suffix: ink, paper
scene_prompts:
  scene: "#{sequence} {beat} of {concept}"
  beats: [wide, close-up, tracking]
  style_suffix: moody, rain
pipeline:
  scene_seconds: 2.5
  min_scenes: 2
  max_scenes: 12
"""
    )


def test_prompts_take_the_beats_in_turn(flavor: Flavor) -> None:
    scenes = plan_scenes(CONCEPT, 5, flavor)
    assert [scene.sequence for scene in scenes] == [1, 2, 3, 4, 5]
    assert [scene.prompt for scene in scenes] == [
        f"#1 wide of {CONCEPT}, moody, rain",
        f"#2 close-up of {CONCEPT}, moody, rain",
        f"#3 tracking of {CONCEPT}, moody, rain",
        f"#4 wide of {CONCEPT}, moody, rain",
        f"#5 close-up of {CONCEPT}, moody, rain",
    ]
    assert all(scene.duration == 2.5 for scene in scenes)
    assert all(isinstance(scene, MusicScene) for scene in scenes)


def test_plans_are_deterministic_for_a_seed(flavor: Flavor) -> None:
    for seed in (0, 1, 7, -3, 2**40):
        first = plan_scenes(CONCEPT, 6, flavor, seed=seed, total_seconds=31.4)
        assert plan_scenes(CONCEPT, 6, flavor, seed=seed, total_seconds=31.4) == first


def test_the_seed_picks_the_first_beat(flavor: Flavor) -> None:
    assert plan_scenes(CONCEPT, 2, flavor, seed=1)[0].prompt.startswith("#1 close-up of")
    assert plan_scenes(CONCEPT, 2, flavor, seed=2)[0].prompt.startswith("#1 tracking of")
    assert plan_scenes(CONCEPT, 2, flavor, seed=3) == plan_scenes(CONCEPT, 2, flavor, seed=0)


def test_scene_count_follows_the_request(flavor: Flavor) -> None:
    for count in (2, 3, 12):
        assert len(plan_scenes(CONCEPT, count, flavor)) == count


@pytest.mark.parametrize("count", [0, 1, 13, -1])
def test_counts_outside_the_flavor_bounds_are_refused(flavor: Flavor, count: int) -> None:
    with pytest.raises(ValueError, match=r"num_scenes must be between 2 and 12 .*'test'"):
        plan_scenes(CONCEPT, count, flavor)


def test_num_scenes_must_be_an_int(flavor: Flavor) -> None:
    with pytest.raises(TypeError, match="num_scenes"):
        plan_scenes(CONCEPT, True, flavor)
    with pytest.raises(TypeError, match="num_scenes"):
        plan_scenes(CONCEPT, 3.0, flavor)  # type: ignore[arg-type]


def test_durations_fill_the_music_exactly(flavor: Flavor) -> None:
    scenes = plan_scenes(CONCEPT, 3, flavor, total_seconds=10.0)
    assert [scene.duration for scene in scenes] == [3.333, 3.333, 3.334]
    assert sum(scene.duration for scene in scenes) == 10.0
    even = plan_scenes(CONCEPT, 4, flavor, total_seconds=12)
    assert [scene.duration for scene in even] == [3.0, 3.0, 3.0, 3.0]


def test_durations_sum_exactly_for_many_lengths(flavor: Flavor) -> None:
    rng = random.Random(5)
    for _ in range(500):
        count = rng.randint(2, 12)
        total = round(rng.uniform(count * 0.1, 900.0), rng.choice([0, 1, 3, 6]))
        durations = [s.duration for s in plan_scenes(CONCEPT, count, flavor, total_seconds=total)]
        assert sum(durations) == total
        share = round(total / count, 3)
        assert durations[:-1] == [share] * (count - 1)
        assert durations[-1] > 0
        assert math.isclose(durations[-1], total - share * (count - 1), abs_tol=1e-6)


@pytest.mark.parametrize("total", [0.0, -5.0, math.inf, math.nan, 0.15])
def test_bad_music_lengths_are_refused(flavor: Flavor, total: float) -> None:
    with pytest.raises(ValueError, match="total_seconds"):
        plan_scenes(CONCEPT, 2, flavor, total_seconds=total)


def test_concept_whitespace_is_collapsed_and_empty_refused(flavor: Flavor) -> None:
    scene = plan_scenes("  a  robot\n in rain ", 2, flavor)[0]
    assert scene.prompt == "#1 wide of a robot in rain, moody, rain"
    with pytest.raises(ValueError, match="concept"):
        plan_scenes(" \n ", 2, flavor)


def test_braces_in_the_concept_are_kept_as_text(flavor: Flavor) -> None:
    scene = plan_scenes("a {beat} and {0.__class__}", 2, flavor)[0]
    assert scene.prompt == "#1 wide of a {beat} and {0.__class__}, moody, rain"


def test_no_suffix_means_no_trailing_comma() -> None:
    flavor = parse_flavor("name: plain\nscene_prompts:\n  scene: '{concept}'\n  beats: [x]\n")
    assert [s.prompt for s in plan_scenes("sea", 2, flavor)] == ["sea", "sea"]
    assert character_prompt("a cat", flavor).endswith("plain background")


def test_character_prompt(flavor: Flavor) -> None:
    assert character_prompt("a girl  with\na red umbrella", flavor) == (
        "drawing of a girl with a red umbrella, ink, paper"
    )
    with pytest.raises(ValueError, match="description"):
        character_prompt("   ", flavor)


def test_every_shipped_flavor_plans(flavor: Flavor) -> None:
    for name, shipped in builtin_flavors().items():
        low, high = shipped.pipeline.min_scenes, shipped.pipeline.max_scenes
        scenes = plan_scenes(CONCEPT, high, shipped, total_seconds=180.0)
        assert len(scenes) == high, name
        assert sum(scene.duration for scene in scenes) == 180.0
        assert all(CONCEPT in scene.prompt for scene in scenes)
        assert len(plan_scenes(CONCEPT, low, shipped)) == low
        assert "{" not in character_prompt("a dancer", shipped)
