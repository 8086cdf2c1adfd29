"""The providers a video request names, built from the settings: local ones always work; the
HTTP ones need their endpoint and key configured."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image
from pydantic import SecretStr

from synthfoundry.config import VideoSettings
from synthfoundry.images.requests import ImageRequest
from synthfoundry.video.async_video import AsyncVideoConfig, AsyncVideoScenes
from synthfoundry.video.local_scenes import LocalScenes
from synthfoundry.video.openai_providers import (
    OpenAIChatConfig,
    OpenAIChatScript,
    OpenAISpeech,
    OpenAISpeechConfig,
)
from synthfoundry.video.pipeline import ProductProviders
from synthfoundry.video.script import LocalScriptWriter
from synthfoundry.video.spec import SceneProvider, ScriptWriter, VoiceProvider
from synthfoundry.video.voice import SilentVoice, local_voice
from synthfoundry.videos.schemas import ProviderChoice


def unavailable_providers(choice: ProviderChoice, settings: VideoSettings) -> dict[str, str]:
    """Each chosen stage provider that cannot work here, with why (checked at request time)."""
    problems = {}
    if choice.script == "openai" and settings.openai_api_key is None:
        problems["script"] = "openai needs SYNTHFOUNDRY_VIDEO__OPENAI_API_KEY"
    if choice.voice == "openai" and settings.openai_api_key is None:
        problems["voice"] = "openai needs SYNTHFOUNDRY_VIDEO__OPENAI_API_KEY"
    if choice.video == "http" and not settings.video_api_url:
        problems["video"] = "http needs SYNTHFOUNDRY_VIDEO__VIDEO_API_URL"
    return problems


def product_providers(
    choice: ProviderChoice, settings: VideoSettings, *, draw_scenes: bool = False
) -> ProductProviders:
    """``draw_scenes``: a product without an image gets pictures from the scene image model."""
    script: ScriptWriter = (
        OpenAIChatScript(chat_config(settings))
        if choice.script == "openai"
        else LocalScriptWriter()
    )
    voice: VoiceProvider
    if choice.voice == "openai":
        voice = OpenAISpeech(speech_config(settings))
    elif choice.voice == "silent":
        voice = SilentVoice("a silent voice-over was asked for: captions stand in")
    else:
        voice = local_voice()
    scenes = scene_provider(choice.video, settings)
    if draw_scenes and isinstance(scenes, LocalScenes) and settings.scene_image_model:
        scenes.image_maker = scene_painter(settings.scene_image_model)
    return ProductProviders(script=script, voice=voice, scenes=scenes)


def scene_painter(model: str) -> Callable[[str], Image.Image | None]:
    """Draws a scene's picture from its description with ``text2image`` (loaded once)."""
    from synthfoundry.images.text2image import Text2Image  # torch: only where it draws

    painter = Text2Image(model=model)

    def paint(description: str) -> Image.Image | None:
        prompt = description.replace("{", "(").replace("}", ")")[:900]
        request = ImageRequest(labels=["product"], prompt_template=f"{prompt}, {{label}}")
        return next(iter(painter.sample(request))).image

    return paint


def scene_provider(name: str, settings: VideoSettings) -> SceneProvider:
    if name == "http":
        return AsyncVideoScenes(video_api_config(settings))
    return LocalScenes(workers=settings.render_workers or None)


def chat_config(settings: VideoSettings) -> OpenAIChatConfig:
    return OpenAIChatConfig(
        base_url=settings.openai_url,
        api_key=_secret(settings.openai_api_key),
        model=settings.openai_chat_model,
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        input_usd_per_million_tokens=settings.openai_input_usd_per_million_tokens,
        output_usd_per_million_tokens=settings.openai_output_usd_per_million_tokens,
    )


def speech_config(settings: VideoSettings) -> OpenAISpeechConfig:
    return OpenAISpeechConfig(
        base_url=settings.openai_url,
        api_key=_secret(settings.openai_api_key),
        model=settings.openai_speech_model,
        voice=settings.openai_voice,
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        usd_per_million_chars=settings.openai_speech_usd_per_million_characters,
    )


def video_api_config(settings: VideoSettings) -> AsyncVideoConfig:
    return AsyncVideoConfig(
        base_url=settings.video_api_url or "",
        api_key=_secret(settings.video_api_key),
        model=settings.video_api_model,
        create_path=settings.video_api_create_path,
        status_path=settings.video_api_status_path,
        id_path=settings.video_api_id_field,
        status_field=settings.video_api_status_field,
        video_url_path=settings.video_api_url_field,
        error_path=settings.video_api_error_field,
        done_values=tuple(settings.video_api_done_values),
        failed_values=tuple(settings.video_api_failed_values),
        poll_interval_seconds=settings.video_api_poll_seconds,
        task_timeout_seconds=settings.video_api_timeout_seconds,
        timeout_seconds=settings.http_timeout_seconds,
        retries=settings.http_retries,
        usd_per_second=settings.video_api_usd_per_second,
    )


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
