"""The text2image synthesizer with real diffusers and tiny random-weight pipelines."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from synthfoundry.errors import InvalidInput
from synthfoundry.images import pipelines
from synthfoundry.images.noise import add_gaussian_noise
from synthfoundry.images.pipelines import (
    ModelUnavailable,
    cache_stats,
    clear_cache,
    dtype_for,
    load_pipeline,
    pipeline_bytes,
    resolve_device,
)
from synthfoundry.images.requests import ImageRequest, check_model_reference
from synthfoundry.images.text2image import (
    GeneratedImage,
    Text2Image,
    image_seed,
    model_defaults,
    noise_seed,
)
from synthfoundry.synthesizers import Modality

SMALL = {"width": 64, "height": 64}


class RecordingPipeline:
    """Passes calls to a real pipeline and keeps the arguments of each."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **options: Any) -> Any:
        self.calls.append(options)
        return self.pipeline(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipeline, name)


class OutOfMemoryPipeline(RecordingPipeline):
    def __call__(self, **options: Any) -> Any:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")


@pytest.fixture
def empty_cache() -> Iterator[None]:
    clear_cache()
    yield
    clear_cache()


def turbo(model: Path, **params: Any) -> Text2Image:
    return Text2Image(model=str(model), device="cpu", **params)


def generate(synthesizer: Text2Image, **request: Any) -> list[GeneratedImage]:
    return list(synthesizer.sample({"labels": ["cat", "dog"], **SMALL, **request}))


def pixels(images: list[GeneratedImage]) -> list[np.ndarray]:
    return [np.asarray(generated.image, dtype=np.int16) for generated in images]


def recording(synthesizer: Text2Image) -> RecordingPipeline:
    synthesizer.load_pipeline()
    recorder = RecordingPipeline(synthesizer.pipeline_)
    synthesizer.pipeline_ = recorder
    return recorder


# Model references and devices


@pytest.mark.parametrize(
    "model", ["stabilityai/sdxl-turbo", "owner/name.v1_x-y", "/models/mine", "./mine", "../m"]
)
def test_hub_ids_and_paths_are_model_references(model: str) -> None:
    check_model_reference(model)


@pytest.mark.parametrize(
    "model", ["not a model!!", "sdxl-turbo", "owner/../name", "a/b/c", "owner/", "/x\x00y"]
)
def test_other_strings_are_refused_as_model_references(model: str) -> None:
    with pytest.raises(InvalidInput, match="neither a Hugging Face Hub id") as caught:
        check_model_reference(model)
    assert caught.value.field == "model"


def test_a_directory_without_model_index_is_not_a_diffusers_model(tiny_sdxl: Path) -> None:
    with pytest.raises(InvalidInput, match=r"without model_index\.json: not a diffusers model"):
        check_model_reference(str(tiny_sdxl / "unet"))


def test_a_single_file_checkpoint_is_refused(tiny_sdxl: Path) -> None:
    weights = tiny_sdxl / "unet" / "diffusion_pytorch_model.safetensors"
    with pytest.raises(InvalidInput, match="single-file checkpoints are not supported"):
        check_model_reference(str(weights))


def test_devices_resolve_to_what_this_machine_has(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(ModelUnavailable, match="no CUDA GPU"):
        resolve_device("cuda")
    assert dtype_for("cpu") == torch.float32 and dtype_for("cuda") == torch.float16


# Loading


def test_a_local_directory_loads_as_its_pipeline(tiny_sdxl: Path, tiny_sd15: Path) -> None:
    sdxl, sd15 = turbo(tiny_sdxl), turbo(tiny_sd15)
    sdxl.load_pipeline()
    sd15.load_pipeline()
    assert type(sdxl.pipeline_).__name__ == "StableDiffusionXLPipeline"
    assert type(sd15.pipeline_).__name__ == "StableDiffusionPipeline"
    assert sdxl.device_used == "cpu" and sdxl.pipeline_.unet.dtype == torch.float32


def test_the_tiny_models_hold_no_pickles(tiny_sdxl: Path, tiny_sd15: Path) -> None:
    for model in (tiny_sdxl, tiny_sd15):
        suffixes = {path.suffix for path in model.rglob("*") if path.is_file()}
        assert ".safetensors" in suffixes and ".bin" not in suffixes


def test_a_missing_local_directory_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no such local directory"):
        load_pipeline(str(tmp_path / "absent"), "cpu")


def test_an_unknown_hub_id_fails_fast_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(
        ModelUnavailable, match=r"not in the local Hugging Face cache, and the Hub is offline"
    ) as caught:
        load_pipeline("synthfoundry-nobody/no-such-model", "cpu")
    assert time.monotonic() - started < 5
    assert caught.value.code == "model_unavailable"


def test_a_pipeline_that_is_not_text_to_image_is_unavailable(tmp_path: Path) -> None:
    index = {"_class_name": "SomeUpscalerPipeline", "_diffusers_version": "0.30.0"}
    (tmp_path / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(ModelUnavailable, match="not a diffusers text-to-image model"):
        load_pipeline(str(tmp_path), "cpu")


def test_pickled_weights_are_never_loaded(tiny_sd15: Path, tmp_path: Path) -> None:
    model = Path(shutil.copytree(tiny_sd15, tmp_path / "pickled"))
    for weights in model.rglob("*.safetensors"):
        # The usual pickle names: diffusion_pytorch_model.bin, pytorch_model.bin.
        stem = "pytorch_model" if weights.parent.name == "text_encoder" else weights.stem
        torch.save(load_file(weights), weights.with_name(f"{stem}.bin"))
        weights.unlink()
    with pytest.raises(ModelUnavailable, match="could not be loaded"):
        load_pipeline(str(model), "cpu")


# The cache


@pytest.mark.usefixtures("empty_cache")
def test_a_second_load_is_a_cache_hit(tiny_sdxl: Path) -> None:
    first = load_pipeline(str(tiny_sdxl), "cpu")
    second = load_pipeline(str(tiny_sdxl) + "/", "cpu")
    stats = cache_stats()
    assert second is first
    assert (stats.hits, stats.misses, stats.entries) == (1, 1, 1)
    assert stats.bytes == pipeline_bytes(first) > 0


@pytest.mark.usefixtures("empty_cache")
def test_a_tiny_budget_keeps_only_the_latest_pipeline(
    tiny_sdxl: Path, tiny_sd15: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pipelines.CACHE_BYTES_ENV, "1")
    load_pipeline(str(tiny_sdxl), "cpu")
    latest = load_pipeline(str(tiny_sd15), "cpu")
    assert cache_stats().entries == 1
    assert load_pipeline(str(tiny_sd15), "cpu") is latest
    load_pipeline(str(tiny_sdxl), "cpu")
    assert (cache_stats().hits, cache_stats().misses) == (1, 3)


@pytest.mark.usefixtures("empty_cache")
def test_the_least_recently_used_pipeline_is_evicted_first(
    tiny_sdxl: Path, tiny_sd15: Path, tiny_sdxl_turbo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sdxl = load_pipeline(str(tiny_sdxl), "cpu")
    sd15 = load_pipeline(str(tiny_sd15), "cpu")
    budget = 2 * pipeline_bytes(sdxl) + pipeline_bytes(sd15) - 1  # not room for all three
    monkeypatch.setenv(pipelines.CACHE_BYTES_ENV, str(budget))
    load_pipeline(str(tiny_sdxl), "cpu")  # sdxl is now more recent than sd15
    load_pipeline(str(tiny_sdxl_turbo), "cpu")
    assert cache_stats().entries == 2
    assert load_pipeline(str(tiny_sdxl), "cpu") is sdxl
    assert load_pipeline(str(tiny_sd15), "cpu") is not sd15


# Generating


def test_a_seed_reproduces_the_images_bit_for_bit(tiny_sdxl_turbo: Path) -> None:
    first = pixels(generate(turbo(tiny_sdxl_turbo), images_per_label=2, seed=5))
    again = pixels(generate(turbo(tiny_sdxl_turbo), images_per_label=2, seed=5))
    other = pixels(generate(turbo(tiny_sdxl_turbo), images_per_label=2, seed=6))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert all(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert all(not np.array_equal(first[0], image) for image in first[1:])


def test_an_image_hardly_depends_on_the_batch_it_fell_in(tiny_sdxl_turbo: Path) -> None:
    """Each image has its own generator, so its latents are the same in any batch; CPU kernels
    may still round a batch of 3 unlike a batch of 1, by a pixel level at most."""
    one = pixels(generate(turbo(tiny_sdxl_turbo, batch_size=1), images_per_label=3))
    three = pixels(generate(turbo(tiny_sdxl_turbo, batch_size=3), images_per_label=3))
    assert all(np.abs(a - b).max() <= 2 for a, b in zip(one, three, strict=True))


def test_each_image_records_its_seeds_and_place(tiny_sdxl_turbo: Path) -> None:
    images = generate(turbo(tiny_sdxl_turbo, batch_size=4), images_per_label=3, seed=9)
    places = [(image.label, image.label_index, image.index) for image in images]
    assert places == [(label, i, n) for i, label in enumerate(["cat", "dog"]) for n in (1, 2, 3)]
    for image in images:
        assert image.seed == image_seed(9, image.label_index, image.index)
        assert image.noise_seed == noise_seed(9, image.label_index, image.index) != image.seed
        assert image.model == str(tiny_sdxl_turbo) and image.seconds > 0
        assert image.image.size == (64, 64) and image.image.mode == "RGB"
    assert len({image.seed for image in images}) == len(images)


def test_labels_become_prompts_through_the_template(tiny_sdxl_turbo: Path) -> None:
    synthesizer = turbo(tiny_sdxl_turbo, batch_size=3)
    recorder = recording(synthesizer)
    images = generate(synthesizer, prompt_template="{label}, drawn in {label} ink")
    assert [image.prompt for image in images] == ["cat, drawn in cat ink", "dog, drawn in dog ink"]
    assert recorder.calls[0]["prompt"] == ["cat, drawn in cat ink", "dog, drawn in dog ink"]
    assert len(recorder.calls[0]["generator"]) == 2


def test_the_turbo_preset_runs_one_step_without_guidance(tiny_sdxl_turbo: Path) -> None:
    synthesizer = turbo(tiny_sdxl_turbo)
    recorder = recording(synthesizer)
    [image, _] = generate(synthesizer, negative_prompt="blurry")
    call = recorder.calls[0]
    assert (call["num_inference_steps"], call["guidance_scale"]) == (1, 0.0)
    assert "negative_prompt" not in call and image.negative_prompt is None
    assert (image.steps, image.guidance_scale) == (1, 0.0)


def test_the_negative_prompt_goes_to_the_pipeline_under_guidance(tiny_sdxl_turbo: Path) -> None:
    synthesizer = turbo(tiny_sdxl_turbo, batch_size=2)
    recorder = recording(synthesizer)
    options = {"steps": 2, "guidance_scale": 7.0, "labels": ["cat"], "images_per_label": 2}
    guided = generate(synthesizer, negative_prompt="blurry", **options)
    unguided = generate(synthesizer, **options)
    assert recorder.calls[0]["negative_prompt"] == ["blurry", "blurry"]
    assert "negative_prompt" not in recorder.calls[1]
    assert guided[0].negative_prompt == "blurry" and guided[0].guidance_scale == 7.0
    assert not np.array_equal(pixels(guided)[0], pixels(unguided)[0])


def test_noise_is_added_to_the_clean_image_from_the_noise_seed(tiny_sdxl_turbo: Path) -> None:
    clean = generate(turbo(tiny_sdxl_turbo), seed=4)
    zero = generate(turbo(tiny_sdxl_turbo), seed=4, noise_level=0.0)
    noisy = generate(turbo(tiny_sdxl_turbo), seed=4, noise_level=0.5)
    for plain, at_zero, at_half in zip(clean, zero, noisy, strict=True):
        assert at_zero.image.tobytes() == plain.image.tobytes() and at_zero.noise_sigma == 0.0
        expected, sigma = add_gaussian_noise(plain.image, 0.5, at_half.noise_seed)
        assert at_half.image.tobytes() == expected.tobytes() != plain.image.tobytes()
        assert at_half.noise_sigma == sigma == pytest.approx(0.25 * 0.5 * 255)


def test_progress_is_reported_after_each_batch(tiny_sdxl_turbo: Path) -> None:
    reports: list[tuple[str, float, float | None, str]] = []

    def progress(
        stage: str, completed: float, total: float | None, unit: str = "", message: str = ""
    ) -> None:
        reports.append((stage, completed, total, unit))

    synthesizer = turbo(tiny_sdxl_turbo, batch_size=2)
    list(synthesizer.sample({"labels": ["cat"], "images_per_label": 3, **SMALL}, progress=progress))
    assert reports == [("generate", 2, 3, "images"), ("generate", 3, 3, "images")]


def test_sampling_is_lazy(tiny_sdxl_turbo: Path) -> None:
    synthesizer = turbo(tiny_sdxl_turbo)
    images = synthesizer.sample({"labels": ["cat"], **SMALL})
    assert not hasattr(synthesizer, "pipeline_")
    assert next(images).label == "cat" and hasattr(synthesizer, "pipeline_")


def test_threads_sharing_a_cached_pipeline_take_turns(tiny_sdxl_turbo: Path) -> None:
    def images(seed: int) -> list[np.ndarray]:
        return pixels(generate(turbo(tiny_sdxl_turbo), steps=3, seed=seed))

    alone = [images(seed) for seed in (1, 2)]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(images, (1, 2)))
    for one, other in zip(alone, together, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(one, other, strict=True))
    pipeline = load_pipeline(str(tiny_sdxl_turbo), "cpu")
    assert pipelines.pipeline_lock(pipeline) is pipelines.pipeline_lock(pipeline)


def test_running_out_of_memory_names_the_batch(tiny_sdxl_turbo: Path) -> None:
    synthesizer = turbo(tiny_sdxl_turbo, batch_size=2)
    synthesizer.load_pipeline()
    synthesizer.pipeline_ = OutOfMemoryPipeline(synthesizer.pipeline_)
    with pytest.raises(
        ModelUnavailable, match=r"out of memory on cpu at batch 1 .*lower batch_size"
    ):
        generate(synthesizer)


# Defaults


def test_model_defaults_follow_the_model(
    tiny_sdxl: Path, tiny_sd15: Path, tiny_sdxl_turbo: Path
) -> None:
    sd15 = load_pipeline(str(tiny_sd15), "cpu")
    sdxl = load_pipeline(str(tiny_sdxl), "cpu")
    assert model_defaults(str(tiny_sd15), sd15) == (25, 7.5, 64, 64)
    assert model_defaults(str(tiny_sdxl), sdxl) == (25, 5.0, 64, 64)  # SDXL's own guidance
    assert model_defaults(str(tiny_sdxl_turbo), sdxl) == (1, 0.0, 512, 512)
    assert model_defaults("stabilityai/SD-Turbo", sd15) == (1, 0.0, 512, 512)


def test_a_non_turbo_model_runs_its_default_steps(tiny_sd15: Path) -> None:
    synthesizer = turbo(tiny_sd15)
    recorder = recording(synthesizer)
    [image] = synthesizer.sample({"labels": ["cat"]})
    assert recorder.calls[0]["num_inference_steps"] == 25 == image.steps
    assert image.image.size == (64, 64)


# Requests, parameters and files


@pytest.mark.parametrize("size", [63, 100, 56, 2056])
def test_sizes_must_be_multiples_of_eight_in_range(tiny_sdxl: Path, size: int) -> None:
    with pytest.raises(InvalidInput, match="multiple of 8 between 64 and 2048") as caught:
        turbo(tiny_sdxl).sample({"labels": ["cat"], "width": size})
    assert caught.value.field == "width"


def test_duplicate_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="label 'cat' is given twice"):
        ImageRequest(labels=["cat", " cat "])


@pytest.mark.parametrize(
    ("labels", "message"), [([], "at least 1"), ([" "], "must not be empty"), (["x" * 201], "200")]
)
def test_labels_must_be_present_and_short(labels: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImageRequest(labels=labels)


@pytest.mark.parametrize(
    ("template", "message"),
    [("a photo", 'must contain "{label}"'), ("{label} by {artist}", "no braces other")],
)
def test_prompt_templates_hold_the_label_alone(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImageRequest(labels=["cat"], prompt_template=template)


def test_a_template_is_filled_in_literally() -> None:
    request = ImageRequest(labels=["cat"], prompt_template="{label} 100% {label}")
    assert request.prompt_for("{0} cat") == "{0} cat 100% {0} cat"


def test_parameters_are_checked() -> None:
    with pytest.raises(InvalidInput, match="batch_size"):
        Text2Image(batch_size=0)
    with pytest.raises(InvalidInput, match="device"):
        Text2Image(device="tpu")


def test_a_misspelt_parameter_or_request_field_names_the_one_meant() -> None:
    with pytest.raises(
        InvalidInput, match=r'params\.modle: unknown parameter; did you mean "model"'
    ):
        Text2Image(modle="owner/model")
    with pytest.raises(InvalidInput, match='widht: unknown field; did you mean "width"') as caught:
        Text2Image(model="owner/model").sample({"labels": ["cat"], "widht": 64})
    assert caught.value.field == "widht"


def test_the_synthesizer_declares_an_image_model_without_training(tmp_path: Path) -> None:
    synthesizer = Text2Image(model="owner/model", batch_size=2)
    assert synthesizer.capabilities.modality == Modality.IMAGE
    assert not synthesizer.capabilities.needs_training and synthesizer.capabilities.gpu
    assert synthesizer.fit(None) is synthesizer
    assert Text2Image.queue_for({"device": "cpu"}) == "cpu"
    assert Text2Image.queue_for({"device": "auto"}) == Text2Image.queue_for({}) == "gpu"
    synthesizer.save(tmp_path / "saved")
    loaded = Text2Image.load(tmp_path / "saved")
    assert loaded.params == synthesizer.params
    assert not list((tmp_path / "saved").glob("*.pkl"))
