# diffusers' constructors are wrapped by an untyped decorator (register_to_config).
# mypy: disable-error-code="no-untyped-call"
"""Tiny diffusers pipelines with random weights, written as safetensors model directories that
``AutoPipelineForText2Image.from_pretrained`` loads offline: an SDXL pipeline (two CLIP text
encoders, a ``text_time`` UNet, trailing Euler steps as SDXL-Turbo has) and an SD 1.5 one.
Latents are 8x8 (64-pixel images) with a few channels, so an image takes milliseconds."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import torch

# Imported from their modules: mypy reads diffusers' top-level names as the placeholder classes.
from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion import StableDiffusionPipeline
from diffusers.pipelines.stable_diffusion_xl.pipeline_stable_diffusion_xl import (
    StableDiffusionXLPipeline,
)
from diffusers.schedulers.scheduling_ddim import DDIMScheduler
from diffusers.schedulers.scheduling_euler_discrete import EulerDiscreteScheduler
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

SEED = 0
LATENT_SIZE = 8
TEXT_WIDTH = 16
TIME_EMBED_WIDTH = 8
# "photo" is spelt by these merges, so tokenizing exercises BPE beyond single bytes.
MERGES = [("p", "h"), ("o", "t"), ("ph", "ot"), ("phot", "o</w>")]
START, END = "<|startoftext|>", "<|endoftext|>"


def _byte_characters() -> list[str]:
    """The 256 printable characters byte-level BPE stands each byte for (GPT-2's table)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    characters, extra = [], 0
    for byte in range(256):
        if byte in printable:
            characters.append(chr(byte))
        else:
            characters.append(chr(256 + extra))
            extra += 1
    return characters


def _write_tokenizer_files(directory: Path) -> None:
    tokens = [START, END]
    for character in _byte_characters():
        tokens += [character, f"{character}</w>"]
    tokens += ["".join(pair) for pair in MERGES]
    (directory / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    merges = "\n".join(f"{left} {right}" for left, right in MERGES)
    (directory / "merges.txt").write_text(f"#version: 0.2\n{merges}\n")


def tiny_tokenizer(max_length: int = 16) -> CLIPTokenizer:
    """A CLIP tokenizer over every byte (any ASCII prompt tokenizes) and a few merges; prompts
    are padded or cut to ``max_length`` tokens (77 in real CLIP text encoders)."""
    with tempfile.TemporaryDirectory() as scratch:
        _write_tokenizer_files(Path(scratch))
        tokenizer: CLIPTokenizer = CLIPTokenizer.from_pretrained(
            scratch, model_max_length=max_length
        )
    return tokenizer


def _text_config(vocab_size: int, projection_dim: int = TEXT_WIDTH) -> CLIPTextConfig:
    return CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=TEXT_WIDTH,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=16,
        projection_dim=projection_dim,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_act="gelu",
    )


def _vae() -> AutoencoderKL:
    # Four blocks: a scale factor of 8, as real Stable Diffusion VAEs have.
    vae: AutoencoderKL = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(4, 4, 4, 4),
        layers_per_block=1,
        latent_channels=4,
        norm_num_groups=2,
        sample_size=LATENT_SIZE * 8,
    )
    return vae


def _unet(cross_attention_dim: int, sdxl: bool) -> UNet2DConditionModel:
    extra: dict[str, object] = {}
    if sdxl:
        # The pooled text embedding (projection) plus six size/crop numbers, each embedded.
        extra = {
            "addition_embed_type": "text_time",
            "addition_time_embed_dim": TIME_EMBED_WIDTH,
            "projection_class_embeddings_input_dim": 6 * TIME_EMBED_WIDTH + TEXT_WIDTH,
            "use_linear_projection": True,
        }
    unet: UNet2DConditionModel = UNet2DConditionModel(
        sample_size=LATENT_SIZE,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        block_out_channels=(8, 16),
        layers_per_block=1,
        attention_head_dim=(2, 4),
        norm_num_groups=4,
        cross_attention_dim=cross_attention_dim,
        **extra,
    )
    return unet


def _assert_safetensors_only(directory: Path) -> None:
    pickles = [p for p in directory.rglob("*") if p.suffix in {".bin", ".pt", ".pkl", ".ckpt"}]
    assert not pickles, f"pickled weights written: {pickles}"


def build_tiny_sdxl(directory: Path) -> Path:
    """An SDXL pipeline with tiny random weights, saved as safetensors under ``directory``."""
    torch.manual_seed(SEED)
    tokenizer = tiny_tokenizer()
    vocab_size = len(tokenizer)
    pipeline = StableDiffusionXLPipeline(
        vae=_vae(),
        text_encoder=CLIPTextModel(_text_config(vocab_size)),
        text_encoder_2=CLIPTextModelWithProjection(_text_config(vocab_size)),
        tokenizer=tokenizer,
        tokenizer_2=tiny_tokenizer(),
        unet=_unet(cross_attention_dim=2 * TEXT_WIDTH, sdxl=True),
        scheduler=EulerDiscreteScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            timestep_spacing="trailing",
        ),
        add_watermarker=False,
    )
    pipeline.save_pretrained(directory, safe_serialization=True)
    _assert_safetensors_only(directory)
    return directory


def build_tiny_sd15(directory: Path) -> Path:
    """A Stable Diffusion 1.5-style pipeline with tiny random weights, without a safety checker."""
    torch.manual_seed(SEED)
    tokenizer = tiny_tokenizer()
    pipeline = StableDiffusionPipeline(
        vae=_vae(),
        text_encoder=CLIPTextModel(_text_config(len(tokenizer))),
        tokenizer=tokenizer,
        unet=_unet(cross_attention_dim=TEXT_WIDTH, sdxl=False),
        scheduler=DDIMScheduler(
            beta_start=0.00085,
            beta_end=0.012,
            beta_schedule="scaled_linear",
            clip_sample=False,
            set_alpha_to_one=False,
            steps_offset=1,
        ),
        safety_checker=None,  # type: ignore[arg-type]
        feature_extractor=None,  # type: ignore[arg-type]
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(directory, safe_serialization=True)
    _assert_safetensors_only(directory)
    return directory
