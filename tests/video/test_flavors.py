"""Music-video flavors: the shipped presets, YAML round trips and the errors bad ones give."""

from __future__ import annotations

import textwrap
import time
from importlib import resources

import pytest
import yaml

from synthfoundry.errors import InvalidInput
from synthfoundry.video.flavors import (
    DEFAULT_FLAVOR,
    MAX_FLAVOR_BYTES,
    Flavor,
    FlavorError,
    builtin_flavors,
    flavor_to_yaml,
    get_flavor,
    parse_flavor,
)
from synthfoundry.video.styles import STYLES

SHIPPED = ("anime", "cinematic", "lofi", "retro")


def _base() -> dict[str, object]:
    return yaml.safe_load(flavor_to_yaml(builtin_flavors()[DEFAULT_FLAVOR]))  # type: ignore[no-any-return]


def _errors(data: object) -> list[tuple[str, str]]:
    text = data if isinstance(data, str) else yaml.safe_dump(data)
    with pytest.raises(FlavorError) as caught:
        parse_flavor(text)
    return caught.value.errors


def _paths(data: object) -> list[str]:
    return [path for path, _ in _errors(data)]


def _with(section: str, **values: object) -> dict[str, object]:
    data = _base()
    part = data[section]
    assert isinstance(part, dict)
    part.update(values)
    return data


# The shipped flavors


def test_the_shipped_flavors_load_and_include_the_default() -> None:
    flavors = builtin_flavors()
    assert sorted(flavors) == list(SHIPPED)
    assert DEFAULT_FLAVOR == "cinematic"
    assert DEFAULT_FLAVOR in flavors
    for name, flavor in flavors.items():
        assert flavor.name == name
        assert flavor.description
        assert flavor.pipeline.style in STYLES
        assert "{description}" in flavor.image_prompts.character
        assert "{concept}" in flavor.scene_prompts.scene
        assert len(flavor.scene_prompts.beats) >= 3


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_file_validates_and_round_trips(name: str) -> None:
    text = (resources.files("synthfoundry.video") / "flavors" / f"{name}.yaml").read_text("utf-8")
    flavor = parse_flavor(text)
    assert flavor.name == name
    again = parse_flavor(flavor_to_yaml(flavor))
    assert again == flavor
    assert flavor_to_yaml(again) == flavor_to_yaml(flavor)


def test_shipped_flavors_differ_where_promised() -> None:
    flavors = builtin_flavors()
    assert flavors["cinematic"].pipeline.aspect == "16:9"
    assert flavors["cinematic"].pipeline.transition in ("fade", "fadeblack", "dissolve")
    lofi = flavors["lofi"].pipeline
    assert lofi.aspect in ("9:16", "1:1")
    assert lofi.scene_seconds > flavors["anime"].pipeline.scene_seconds
    assert flavors["lofi"].pipeline.frame_size == (720, 1280)


def test_builtin_flavors_is_cached_but_a_fresh_dict() -> None:
    first, second = builtin_flavors(), builtin_flavors()
    assert first is not second
    assert first["anime"] is second["anime"]
    first.pop("anime")
    assert "anime" in builtin_flavors()
    with pytest.raises(ValueError, match="frozen"):
        second["anime"].pipeline.fps = 5  # type: ignore[misc]


def test_get_flavor_names_the_known_ones() -> None:
    assert get_flavor("retro").name == "retro"
    with pytest.raises(InvalidInput, match="anime, cinematic, lofi, retro"):
        get_flavor("nope")


def test_a_minimal_flavor_takes_the_defaults() -> None:
    flavor = parse_flavor("name: mine\n")
    assert flavor == Flavor(name="mine")
    assert flavor.image.model == "stabilityai/sdxl-turbo"
    assert flavor.pipeline.aspect == "16:9"
    assert parse_flavor(flavor_to_yaml(flavor)) == flavor


def test_flavor_to_yaml_keeps_braces_and_unicode() -> None:
    flavor = parse_flavor(
        textwrap.dedent(
            """
            name: braces
            description: "Café {{not a field}} — ünïcode"
            scene_prompts:
              scene: "{{literal}} {beat} of {concept} #{sequence:02d}"
              beats: ["a: b", "- dash", "'quoted'"]
            """
        )
    )
    assert parse_flavor(flavor_to_yaml(flavor)) == flavor


# Errors, each with its path


def test_bad_fps_names_pipeline_fps() -> None:
    assert _paths(_with("pipeline", fps=0)) == ["pipeline.fps"]
    assert _paths(_with("pipeline", fps=61)) == ["pipeline.fps"]
    assert _paths(_with("pipeline", fps="24")) == ["pipeline.fps"]
    assert _paths(_with("pipeline", fps=True)) == ["pipeline.fps"]


def test_unknown_keys_are_refused_at_every_level() -> None:
    data = _base()
    data["extra"] = 1
    assert _paths(data) == ["extra"]
    errors = _errors(_with("image", sampler="euler"))
    assert errors[0][0] == "image.sampler"
    assert "Extra inputs are not permitted" in errors[0][1]


def test_character_template_must_hold_description() -> None:
    errors = _errors(_with("image_prompts", character="a portrait"))
    assert errors == [("image_prompts.character", "template must contain {description}")]


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{beat}", "must contain {concept}"),
        ("{concept} {mood}", "unknown placeholder {mood}"),
        ("{concept.__class__}", "unknown placeholder"),
        ("{concept} {0}", "unknown placeholder {0}"),
        ("{concept} {", "malformed template"),
        ("{concept:d}", "malformed template"),
    ],
)
def test_scene_template_is_checked(template: str, fragment: str) -> None:
    errors = _errors(_with("scene_prompts", scene=template))
    assert [path for path, _ in errors] == ["scene_prompts.scene"]
    assert fragment in errors[0][1]


def test_bad_beat_type_names_its_index() -> None:
    assert _paths(_with("scene_prompts", beats=["wide", 3, "close-up"])) == [
        "scene_prompts.beats[1]"
    ]
    assert _paths(_with("scene_prompts", beats=["wide", "close-up", "  "])) == [
        "scene_prompts.beats[2]"
    ]
    assert _paths(_with("scene_prompts", beats=[])) == ["scene_prompts.beats"]


@pytest.mark.parametrize(
    ("section", "values", "path"),
    [
        ("image", {"width": 500}, "image.width"),
        ("image", {"height": 4096}, "image.height"),
        ("image", {"steps": 0}, "image.steps"),
        ("image", {"model": ""}, "image.model"),
        ("pipeline", {"short_side": 100}, "pipeline.short_side"),
        ("pipeline", {"aspect": "4:3"}, "pipeline.aspect"),
        ("pipeline", {"scene_seconds": 0.1}, "pipeline.scene_seconds"),
        ("pipeline", {"scene_seconds": float("nan")}, "pipeline.scene_seconds"),
        ("pipeline", {"max_scenes": 51}, "pipeline.max_scenes"),
        ("pipeline", {"transition": "spin"}, "pipeline.transition"),
        ("pipeline", {"music_volume": 1.5}, "pipeline.music_volume"),
        ("pipeline", {"motions": ["zoom_in", "spin"]}, "pipeline.motions[1]"),
        ("pipeline", {"motions": []}, "pipeline.motions"),
        ("pipeline", {"style": "grunge"}, "pipeline.style"),
        ("pipeline", {"min_scenes": 9, "max_scenes": 3}, "pipeline"),
        ("pipeline", {"transition_seconds": 5.0}, "pipeline"),
    ],
)
def test_out_of_range_values_name_their_path(
    section: str, values: dict[str, object], path: str
) -> None:
    assert _paths(_with(section, **values)) == [path]


def test_a_cut_ignores_transition_seconds() -> None:
    data = _with("pipeline", transition="cut", scene_seconds=1.0, transition_seconds=2.0)
    assert parse_flavor(yaml.safe_dump(data)).pipeline.transition == "cut"


@pytest.mark.parametrize("name", ["", "Cinematic", "-x", "a b", "a" * 65, "x\n"])
def test_name_must_be_a_slug(name: str) -> None:
    data = _base()
    data["name"] = name
    assert _paths(data) == ["name"]


def test_every_error_is_reported_at_once() -> None:
    data = _with("pipeline", fps=0, aspect="4:3")
    data["name"] = "Bad Name"
    assert sorted(_paths(data)) == ["name", "pipeline.aspect", "pipeline.fps"]
    with pytest.raises(FlavorError, match=r"pipeline\.fps: "):
        parse_flavor(yaml.safe_dump(data))


def test_a_missing_name_is_reported() -> None:
    assert _paths("description: nameless\n") == ["name"]


def test_an_unquoted_aspect_gets_a_hint() -> None:
    # YAML 1.1 reads 16:9 as the base-60 integer 969.
    errors = _errors("name: x\npipeline:\n  aspect: 16:9\n")
    assert errors[0][0] == "pipeline.aspect"
    assert 'quote it in YAML: aspect: "16:9"' in errors[0][1]


def test_yaml_syntax_errors_give_line_and_column() -> None:
    text = "name: x\npipeline:\n  fps: 24\n    aspect: '16:9'\n"
    errors = _errors(text)
    assert len(errors) == 1
    path, message = errors[0]
    assert path == ""
    assert "invalid YAML" in message
    assert "line 4" in message
    assert "column" in message


def test_unclosed_flow_sequence_is_a_syntax_error() -> None:
    (_, message), *_ = _errors("name: x\nscene_prompts:\n  beats: [a, b\n")
    assert "invalid YAML at line" in message


@pytest.mark.parametrize(
    ("text", "got"),
    [("", "nothing"), ("- a\n- b\n", "a list"), ("just words\n", "a str"), ("42\n", "an int")],
)
def test_the_document_must_be_a_mapping(text: str, got: str) -> None:
    errors = _errors(text)
    assert errors[0][0] == ""
    assert "must be a YAML mapping" in errors[0][1]
    assert errors[0][1].endswith(got)


def test_a_large_document_is_refused_before_parsing() -> None:
    text = "name: big\ndescription: " + "x" * MAX_FLAVOR_BYTES + "\n"
    errors = _errors(text)
    assert errors[0][0] == ""
    assert "limit" in errors[0][1]
    assert str(MAX_FLAVOR_BYTES) in errors[0][1]


def test_unsafe_tags_are_refused() -> None:
    errors = _errors("name: x\ndescription: !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML" in errors[0][1]


def test_deep_nesting_and_alias_bombs_fail_fast() -> None:
    for deep in ("[" * 200, "[\n" * 20_000, "".join(f"{'  ' * i}k{i}:\n" for i in range(40))):
        started = time.perf_counter()
        (path, message), *_ = _errors(deep)
        assert path == ""
        assert "nested deeper than" in message
        assert "invalid YAML at line" in message
        assert time.perf_counter() - started < 2
    lines = ["name: x", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines += ["description: *a8", "scene_prompts:", "  beats: [*a8, *a8]"]
    paths = _paths("\n".join(lines))
    assert "description" in paths
    assert "scene_prompts.beats[0]" in paths


def test_flavor_error_is_an_invalid_input_naming_the_first_path() -> None:
    with pytest.raises(FlavorError) as caught:
        parse_flavor(yaml.safe_dump(_with("pipeline", fps=0)))
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.field == "pipeline.fps"
    assert error.detail.startswith("pipeline.fps: ")
