"""Text-to-image benchmark: SDXL-Turbo's full-size architecture (its published configuration)
with random weights, since throughput depends on shapes, not on weight values, and nothing is
downloaded. One step, no guidance, square images.

    .venv/bin/python -m benchmarks.images [--device cpu|cuda] [--batches 1,4,8] [--images N]
        [--size 512] [--compile] [--quick]

The model is built once, as fp16 safetensors, under ~/.cache/synthfoundry-bench and reused. Per
batch size b it measures images per second of (a) plain diffusers, one pipeline call per image
(its fresh load timed apart), (b) plain diffusers with b prompts per call, and (c) ours,
``Text2Image.sample`` with ``batch_size=b`` on the warm pipeline cache (fp16 and channels-last on
CUDA; ``--compile`` adds torch.compile there). It also times one job's overhead: a cold
``load_pipeline`` against a cache hit. Prints a table with the published SDXL-Turbo anchors and
writes benchmarks/results/images-<device>.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch

from synthfoundry.images import pipelines
from synthfoundry.images.text2image import Text2Image

RESULTS = Path(__file__).parent / "results"
Module = TypeVar("Module", bound=torch.nn.Module)
CACHE = Path.home() / ".cache" / "synthfoundry-bench" / "sdxl-turbo-random"
PROMPT = "a photo of a red fox in the snow"
# Published SDXL-Turbo throughput on one A100 at 512x512, 1 step, for reference only.
ANCHORS = {
    "A100 eager, batch 1": 6.9,
    "A100 torch.compile, batch 4": 22.0,
    "A100 ONNX Runtime + TensorRT, batch 4": 29.0,
}

# stabilityai/sdxl-turbo unet/config.json
UNET: dict[str, Any] = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [320, 640, 1280],
    "layers_per_block": 2,
    "transformer_layers_per_block": [1, 2, 10],
    "attention_head_dim": [5, 10, 20],
    "cross_attention_dim": 2048,
    "use_linear_projection": True,
    "addition_embed_type": "text_time",
    "addition_time_embed_dim": 256,
    "projection_class_embeddings_input_dim": 2816,
    "norm_num_groups": 32,
    "norm_eps": 1e-5,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "act_fn": "silu",
}
# CLIP ViT-L/14's text tower, and OpenCLIP ViT-bigG/14's with its 1280-wide projection.
TEXT_ENCODER: dict[str, Any] = {
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "projection_dim": 768,
    "hidden_act": "quick_gelu",
}
TEXT_ENCODER_2: dict[str, Any] = {
    "hidden_size": 1280,
    "intermediate_size": 5120,
    "num_hidden_layers": 32,
    "num_attention_heads": 20,
    "projection_dim": 1280,
    "hidden_act": "gelu",
}
TEXT_COMMON: dict[str, Any] = {
    "vocab_size": 49408,
    "max_position_embeddings": 77,
    "bos_token_id": 0,
    "eos_token_id": 2,
    "pad_token_id": 1,
}
# The SDXL VAE.
VAE: dict[str, Any] = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "block_out_channels": [128, 256, 512, 512],
    "layers_per_block": 2,
    "latent_channels": 4,
    "norm_num_groups": 32,
    "sample_size": 512,
    "scaling_factor": 0.13025,
    "force_upcast": True,
}
SCHEDULER: dict[str, Any] = {
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1000,
    "steps_offset": 1,
    "timestep_spacing": "trailing",
}


def _randomize(module: torch.nn.Module) -> None:
    """Fill a module made on the meta device: scaled normal weights, unit norms, zero biases
    (activations stay finite in fp16, as with trained weights)."""
    generator = torch.Generator().manual_seed(0)
    for name, parameter in module.named_parameters():
        with torch.no_grad():
            if parameter.ndim >= 2:
                fan_in = parameter[0].numel()
                noise = torch.randn(parameter.shape, generator=generator) / fan_in**0.5
                parameter.copy_(noise)
            elif "norm" in name and name.endswith("weight"):
                parameter.fill_(1.0)
            else:
                parameter.zero_()


def _on_meta(build: Callable[[], Module]) -> Module:
    """A module allocated at once in fp16 (half the memory of building it in fp32 first)."""
    with torch.device("meta"):
        module = build().to(torch.float16)
    module = module.to_empty(device="cpu")
    _randomize(module)
    return module


def build_random_sdxl_turbo(directory: Path) -> Path:
    """SDXL-Turbo's architecture with random fp16 weights, saved as a diffusers directory (kept:
    a later run reuses it)."""
    if (directory / "model_index.json").exists():
        return directory
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
    from diffusers.pipelines.stable_diffusion_xl.pipeline_stable_diffusion_xl import (
        StableDiffusionXLPipeline,
    )
    from diffusers.schedulers.scheduling_euler_ancestral_discrete import (
        EulerAncestralDiscreteScheduler,
    )
    from tests.support.tiny_diffusers import tiny_tokenizer
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    print(f"building the random SDXL-Turbo model in {directory} ...", file=sys.stderr, flush=True)
    text_config = CLIPTextConfig(**{**TEXT_COMMON, **TEXT_ENCODER})
    text_config_2 = CLIPTextConfig(**{**TEXT_COMMON, **TEXT_ENCODER_2})
    pipeline = StableDiffusionXLPipeline(
        vae=_on_meta(lambda: AutoencoderKL(**VAE)),
        text_encoder=_on_meta(lambda: CLIPTextModel(text_config)),
        text_encoder_2=_on_meta(lambda: CLIPTextModelWithProjection(text_config_2)),
        # A byte-level stand-in for CLIP's 49,408-token BPE: the encoders see 77 tokens either way.
        tokenizer=tiny_tokenizer(max_length=77),
        tokenizer_2=tiny_tokenizer(max_length=77),
        unet=_on_meta(lambda: UNet2DConditionModel(**UNET)),
        scheduler=EulerAncestralDiscreteScheduler(**SCHEDULER),
        add_watermarker=False,
    )
    partial = directory.with_name(directory.name + ".partial")
    pipeline.save_pretrained(partial, safe_serialization=True)
    partial.rename(directory)
    return directory


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def _plain_call(pipeline: Any, device: str, size: int, seeds: list[int]) -> None:
    pipeline(
        prompt=[PROMPT] * len(seeds),
        num_inference_steps=1,
        guidance_scale=0.0,
        width=size,
        height=size,
        generator=[torch.Generator(device).manual_seed(seed) for seed in seeds],
        output_type="pil",
    )


def _load_plain(model: Path, device: str) -> Any:
    from diffusers import AutoPipelineForText2Image

    pipeline = AutoPipelineForText2Image.from_pretrained(  # type: ignore[no-untyped-call]
        str(model), torch_dtype=pipelines.dtype_for(device), use_safetensors=True
    ).to(device)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def measure_plain(
    model: Path, device: str, size: int, images: int, batches: list[int], warmup: set[int]
) -> tuple[float, dict[int, float]]:
    """Load time, and images per second per batch size, of diffusers used directly."""
    started = time.perf_counter()
    pipeline = _load_plain(model, device)
    _synchronize(device)
    load_seconds = time.perf_counter() - started
    rates = {}
    for batch in batches:
        if batch in warmup:
            _plain_call(pipeline, device, size, list(range(batch)))
        chunks = [list(range(i, min(i + batch, images))) for i in range(0, images, batch)]
        _synchronize(device)
        started = time.perf_counter()
        for chunk in chunks:
            _plain_call(pipeline, device, size, chunk)
        _synchronize(device)
        rates[batch] = images / (time.perf_counter() - started)
        print(f"plain b{batch}: {rates[batch]:.3f} img/s", file=sys.stderr, flush=True)
    del pipeline
    gc.collect()
    return load_seconds, rates


def _timed_load(model: Path, device: str) -> float:
    _synchronize(device)
    started = time.perf_counter()
    pipelines.load_pipeline(str(model), device)
    _synchronize(device)
    return time.perf_counter() - started


def measure_ours(
    model: Path, device: str, size: int, images: int, batches: list[int], options: dict[str, Any]
) -> tuple[float, float, dict[int, float]]:
    """Cold load, cache hit, and images per second per batch size through Text2Image."""
    pipelines.clear_cache()
    cold = _timed_load(model, device)
    warm = _timed_load(model, device)
    if options["compile"]:
        pipeline = pipelines.load_pipeline(str(model), device)
        pipeline.unet = torch.compile(pipeline.unet, mode="max-autotune", fullgraph=True)
    request = {"labels": ["red fox"], "width": size, "height": size}
    rates = {}
    for batch in batches:
        synthesizer = Text2Image(model=str(model), device=device, batch_size=batch)
        if batch in options["warmup"]:
            list(synthesizer.sample({**request, "images_per_label": batch}))
        _synchronize(device)
        started = time.perf_counter()
        list(synthesizer.sample({**request, "images_per_label": images}))
        _synchronize(device)
        rates[batch] = images / (time.perf_counter() - started)
        print(f"ours b{batch}: {rates[batch]:.3f} img/s", file=sys.stderr, flush=True)
    pipelines.clear_cache()
    return cold, warm, rates


def table(result: dict[str, Any]) -> str:
    plain = result["plain"]["images_per_second"]
    plain_one = plain["1"]  # one call per image
    header = (
        "| batch | plain, a call per image img/s | plain batched img/s | ours img/s"
        " | ours ÷ plain per image | ours ÷ plain batched |"
    )
    lines = [header, "|" + "---|" * 6]
    for batch in result["batches"]:
        ours = result["ours"]["images_per_second"][str(batch)]
        batched = plain[str(batch)]
        lines.append(
            f"| {batch} | {plain_one:.3f} | {batched:.3f} | {ours:.3f}"
            f" | {ours / plain_one:.2f} | {ours / batched:.2f} |"
        )
    lines += [
        "",
        f"load: plain diffusers {result['plain']['load_seconds']:.1f} s;"
        f" ours cold {result['ours']['cold_load_seconds']:.1f} s,"
        f" cache hit {result['ours']['warm_load_seconds'] * 1e6:.0f} µs",
        "published SDXL-Turbo anchors (img/s): "
        + "; ".join(f"{name} {rate}" for name, rate in ANCHORS.items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default=None)
    parser.add_argument("--batches", default=None, help="comma-separated; default 1,4,8")
    parser.add_argument("--images", type=int, default=None, help="per measurement")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--compile", action="store_true", help="torch.compile the UNet (cuda)")
    parser.add_argument("--quick", action="store_true", help="batches 1,2 and 2 images")
    args = parser.parse_args()
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    batches = [int(b) for b in (args.batches or ("1,2" if args.quick else "1,4,8")).split(",")]
    # Full SDXL on a CPU takes tens of seconds an image.
    images = args.images or (2 if args.quick else (max(batches) if device == "cpu" else 32))
    # A first call allocates and tunes; on a CPU, where a call takes a minute, only the first.
    warmup = set(batches) if device == "cuda" else {1, min(batches)}
    if device == "cuda":
        torch.backends.cudnn.benchmark = True
    model = build_random_sdxl_turbo(CACHE)
    all_batches = sorted({1, *batches})
    plain_load, plain_rates = measure_plain(model, device, args.size, images, all_batches, warmup)
    cold, warm, our_rates = measure_ours(
        model, device, args.size, images, batches, {"compile": args.compile, "warmup": warmup}
    )
    result = {
        "device": device,
        "load_average_after": os.getloadavg()[0],
        "gpu": torch.cuda.get_device_name() if device == "cuda" else None,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "size": args.size,
        "steps": 1,
        "images": images,
        "batches": batches,
        "compile": args.compile,
        "plain": {
            "load_seconds": plain_load,
            "images_per_second": {str(b): r for b, r in plain_rates.items()},
        },
        "ours": {
            "cold_load_seconds": cold,
            "warm_load_seconds": warm,
            "images_per_second": {str(b): r for b, r in our_rates.items()},
        },
        "anchors_images_per_second": ANCHORS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"images-{device}.json").write_text(json.dumps(result, indent=1))
    print(table(result))


if __name__ == "__main__":
    main()
