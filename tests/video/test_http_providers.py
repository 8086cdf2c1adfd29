"""The HTTP providers of the product video (OpenAI-compatible script and speech, a generic
asynchronous video API) against the local stub of their wire formats: answers, costs, retries,
timeouts, malformed answers, failed tasks, cancels, and keys kept out of every error."""

from __future__ import annotations

import json
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from synthfoundry.video.async_video import AsyncVideoConfig, AsyncVideoScenes, dig, put
from synthfoundry.video.http import HttpClient, RetryPolicy, safe_text
from synthfoundry.video.openai_providers import (
    OpenAIChatConfig,
    OpenAIChatScript,
    OpenAISpeech,
    OpenAISpeechConfig,
)
from synthfoundry.video.spec import (
    ProductBrief,
    ProviderError,
    QuietReporter,
    Script,
    ScriptScene,
    VideoStopped,
)
from tests.support.video_stub import (
    CHAT_PATH,
    SPEECH_PATH,
    STUB_KEY,
    VIDEO_CREATE_PATH,
    VIDEO_FILE_PREFIX,
    VIDEO_STATUS_PREFIX,
    VideoStub,
)

CTA = "Shop the Aurora Lamp today"
CHAR_SECONDS = 0.06  # the stub's speaking pace
FRAME = 1 / 16_000


@pytest.fixture
def video_stub() -> Iterator[VideoStub]:
    with VideoStub() as running:
        yield running


@pytest.fixture
def brief(tmp_path: Path) -> ProductBrief:
    image = tmp_path / "lamp.png"
    Image.new("RGB", (32, 32), (200, 120, 40)).save(image)
    return ProductBrief(
        product_name="Aurora Lamp",
        style="modern",
        cta_text=CTA,
        product_image=image,
        short_side=360,
    )


@dataclass
class RecordingReporter(QuietReporter):
    messages: list[str] = field(default_factory=list)

    def progress(self, completed: float, total: float, message: str = "") -> None:
        self.messages.append(message)


def chat(stub: VideoStub, **overrides: Any) -> OpenAIChatScript:
    config = OpenAIChatConfig(
        base_url=stub.openai_url,
        api_key=STUB_KEY,
        timeout_seconds=2.0,
        retries=2,
        backoff_seconds=0.01,
    )
    return OpenAIChatScript(replace(config, **overrides))


def speech(stub: VideoStub, **overrides: Any) -> OpenAISpeech:
    config = OpenAISpeechConfig(
        base_url=stub.openai_url,
        api_key=STUB_KEY,
        timeout_seconds=2.0,
        retries=2,
        backoff_seconds=0.01,
    )
    return OpenAISpeech(replace(config, **overrides))


def scenes(stub: VideoStub, **overrides: Any) -> AsyncVideoScenes:
    config = AsyncVideoConfig(
        base_url=stub.base_url,
        api_key=STUB_KEY,
        model="stub-video-1",
        create_path=VIDEO_CREATE_PATH,
        status_path=VIDEO_STATUS_PREFIX + "{id}",
        id_path="data.task_id",
        status_field="data.status",
        video_url_path="data.video.url",
        error_path="data.error",
        poll_interval_seconds=0.02,
        usd_per_second=0.05,
        timeout_seconds=2.0,
        retries=2,
        backoff_seconds=0.01,
    )
    return AsyncVideoScenes(replace(config, **overrides))


def three_scenes() -> Script:
    return Script(
        title="Aurora",
        scenes=(
            ScriptScene("title", "Aurora Lamp", "Meet Aurora.", "a lamp glowing on a desk"),
            ScriptScene("feature", "Warm light", "Warm light.", "close-up of the warm bulb"),
            ScriptScene("cta", CTA, "Shop today.", "the lamp in a living room"),
        ),
    )


def assert_safe(error: BaseException) -> None:
    text = str(error)
    assert STUB_KEY not in text
    assert "SECRET" not in text
    assert "Bearer" not in text
    assert "Authorization" not in text


# --- Script -----------------------------------------------------------------------------------


def test_script_from_chat_completions(video_stub: VideoStub, brief: ProductBrief) -> None:
    reporter = QuietReporter(stage="script")
    script = chat(video_stub).write(replace(brief, seed=7, duration_seconds=12), reporter)

    assert [scene.kind for scene in script.scenes] == ["title", "feature", "feature", "cta"]
    assert script.scenes[-1].heading == CTA
    assert script.scenes[0].heading == "Aurora Lamp"
    (request,) = video_stub.requests_to(CHAT_PATH)
    assert request.headers["Authorization"] == f"Bearer {STUB_KEY}"
    body = request.json()
    assert body["model"] == "gpt-4o-mini"
    assert body["response_format"] == {"type": "json_object"}
    assert body["seed"] == 7
    assert body["temperature"] == 0.7
    asked = json.loads(body["messages"][-1]["content"])
    assert asked["product"] == "Aurora Lamp"
    assert asked["call_to_action"] == CTA
    assert asked["style_description"].startswith("clean gradients")
    assert asked["scenes_before_call_to_action"] == 3
    assert asked["target_seconds"] == 12
    # 1200 prompt tokens at $0.15/M and 300 completion tokens at $0.60/M
    assert reporter.ledger.by_stage() == {"script": pytest.approx(0.00036)}


def test_script_is_clamped_and_ends_with_the_brief_cta(
    video_stub: VideoStub, brief: ProductBrief
) -> None:
    long = "An extraordinarily long heading that goes on and on about the lamp"
    video_stub.script_content = json.dumps(
        {
            "title": "Aurora",
            "extra": "ignored",
            "scenes": [
                {"kind": "title", "heading": long, "narration": "a", "visual": "v"},
                {"kind": "cta", "heading": "Buy it", "narration": "Buy it now.", "visual": "w"},
                {"kind": "feature", "heading": "One", "narration": "b", "visual": "v"},
                {"kind": "feature", "heading": "Two", "narration": "c", "visual": "v"},
                {"kind": "feature", "heading": "Three", "narration": "d", "visual": "v"},
            ],
        }
    )
    script = chat(video_stub, max_heading_chars=30).write(brief, QuietReporter())

    assert [scene.heading for scene in script.scenes[1:]] == ["One", "Two", CTA]
    assert len(script.scenes[0].heading) <= 30
    assert script.scenes[0].heading == "An extraordinarily long"
    assert script.scenes[-1].kind == "cta"
    assert script.scenes[-1].narration == "Buy it now."


def test_script_without_a_cta_gets_one(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.script_content = json.dumps(
        {
            "title": "T",
            "scenes": [{"kind": "title", "heading": "H", "narration": "N", "visual": "V"}],
        }
    )
    script = chat(video_stub).write(brief, QuietReporter())
    assert [scene.kind for scene in script.scenes] == ["title", "cta"]
    assert script.scenes[-1].heading == CTA


def test_script_that_is_not_json(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.script_content = "Sure! Here is your script: Title - Aurora"
    with pytest.raises(ProviderError) as caught:
        chat(video_stub).write(brief, QuietReporter())
    assert caught.value.provider == "openai"
    assert caught.value.reason == "the script was not valid JSON of the asked shape: not JSON"


def test_script_of_the_wrong_shape_names_the_fields(
    video_stub: VideoStub, brief: ProductBrief
) -> None:
    video_stub.script_content = json.dumps(
        {
            "title": "T",
            "scenes": [
                {"kind": "title", "heading": "H", "narration": "N", "visual": "V"},
                {"kind": "outro-secret-value", "heading": "H", "visual": "V"},
            ],
        }
    )
    with pytest.raises(ProviderError) as caught:
        chat(video_stub).write(brief, QuietReporter())
    reason = caught.value.reason
    assert reason.startswith("the script was not valid JSON of the asked shape: ")
    assert "scenes.1.kind" in reason
    assert "scenes.1.narration" in reason
    assert "outro" not in reason  # field paths only, never the model's words


def test_chat_answer_that_is_not_json(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.invalid_json(CHAT_PATH)
    with pytest.raises(ProviderError, match="invalid JSON") as caught:
        chat(video_stub).write(brief, QuietReporter())
    assert "oops" not in str(caught.value)


def test_script_retries_a_server_error(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.fail(CHAT_PATH, times=2, status=500)
    reporter = QuietReporter()
    script = chat(video_stub).write(brief, reporter)
    assert script.scenes[-1].heading == CTA
    assert len(video_stub.requests_to(CHAT_PATH)) == 3
    assert len(reporter.ledger.lines) == 1


def test_retry_after_is_honoured(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.fail(CHAT_PATH, times=1, status=429, retry_after=0.3)
    chat(video_stub).write(brief, QuietReporter())
    first, second = video_stub.requests_to(CHAT_PATH)
    assert second.time - first.time >= 0.28


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(max_retry_after_seconds=5.0, backoff_seconds=1.0, jitter=0.0)
    assert policy.delay(1, 3600.0) == 5.0
    assert policy.delay(1, 2.0) == 2.0
    assert [policy.delay(retry, None) for retry in (1, 2, 3)] == [1.0, 2.0, 4.0]


def test_server_errors_past_the_retries(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.fail(CHAT_PATH, times=None, status=503)
    with pytest.raises(ProviderError) as caught:
        chat(video_stub, retries=2).write(brief, QuietReporter())
    assert "HTTP 503" in caught.value.reason
    assert "after 3 attempts" in caught.value.reason
    assert len(video_stub.requests_to(CHAT_PATH)) == 3
    assert_safe(caught.value)


def test_client_errors_are_not_retried(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.fail(CHAT_PATH, times=None, status=401)
    with pytest.raises(ProviderError) as caught:
        chat(video_stub).write(brief, QuietReporter())
    assert "HTTP 401" in caught.value.reason
    assert len(video_stub.requests_to(CHAT_PATH)) == 1
    assert_safe(caught.value)


def test_script_timeout(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.hang(CHAT_PATH, times=None, seconds=5)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        chat(video_stub, timeout_seconds=0.3, retries=1).write(brief, QuietReporter())
    assert time.monotonic() - started < 2.0
    assert "timed out" in caught.value.reason
    assert len(video_stub.requests_to(CHAT_PATH)) == 2
    assert_safe(caught.value)


def test_unreachable_server(brief: ProductBrief) -> None:
    with VideoStub() as stopped:
        url = stopped.openai_url
    config = OpenAIChatConfig(base_url=url, api_key=STUB_KEY, retries=1, backoff_seconds=0.01)
    with pytest.raises(ProviderError, match="could not connect") as caught:
        OpenAIChatScript(config).write(brief, QuietReporter())
    assert_safe(caught.value)


def test_a_stop_between_attempts(video_stub: VideoStub, brief: ProductBrief) -> None:
    video_stub.fail(CHAT_PATH, times=None, status=500)
    stop_after = time.monotonic() + 0.2
    reporter = QuietReporter(should_stop=lambda: time.monotonic() > stop_after)
    started = time.monotonic()
    with pytest.raises(VideoStopped):
        chat(video_stub, retries=10, backoff_seconds=1.0).write(brief, reporter)
    assert time.monotonic() - started < 1.0


# --- Speech -----------------------------------------------------------------------------------


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def test_speech_one_call_per_line(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    lines = ["Meet the Aurora Lamp.", "", "Warm light, all day long.", "Shop today."]
    reporter = RecordingReporter(stage="voice")
    voice = speech(video_stub).speak(lines, brief, tmp_path / "work", reporter)

    assert voice.audio == tmp_path / "work" / "voice.wav"
    assert voice.silent_reason is None
    expected = [len(line) * CHAR_SECONDS for line in lines]
    assert voice.segments == pytest.approx(expected, abs=2 * FRAME)
    assert wav_seconds(voice.audio) == pytest.approx(voice.seconds, abs=2 * FRAME)
    requests = video_stub.requests_to(SPEECH_PATH)
    assert [request.json()["input"] for request in requests] == [line for line in lines if line]
    for request in requests:
        assert request.headers["Authorization"] == f"Bearer {STUB_KEY}"
        body = request.json()
        assert body["voice"] == "alloy"
        assert body["model"] == "tts-1"
        assert body["response_format"] == "wav"
        assert "speed" not in body
    chars = sum(len(line) for line in lines)
    assert reporter.ledger.total == pytest.approx(chars * 15 / 1_000_000, abs=1e-6)
    assert len(reporter.messages) == 3


def test_speech_voice_and_speed_follow_the_brief(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    lines = ["A" * 30, "B" * 30]  # 60 characters: 4 s at the configured 15 a second
    fitted = replace(brief, voice="nova", duration_seconds=3.0)
    provider = speech(video_stub)
    voice = provider.speak(lines, fitted, tmp_path, QuietReporter())

    bodies = [request.json() for request in video_stub.requests_to(SPEECH_PATH)]
    assert {body["voice"] for body in bodies} == {"nova"}
    assert {body["speed"] for body in bodies} == {1.33}
    assert voice.segments == pytest.approx([30 * CHAR_SECONDS / 1.33] * 2, abs=2 * FRAME)
    assert provider.speed_for(lines, 60.0) == 0.7  # clamped to the configured range
    assert provider.speed_for(lines, 0.5) == 1.6


def test_speech_with_a_streamed_wav_header(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.streamed_wav_header = True
    voice = speech(video_stub).speak(["Hello there."], brief, tmp_path, QuietReporter())
    assert voice.segments == pytest.approx([12 * CHAR_SECONDS], abs=2 * FRAME)
    assert voice.audio is not None
    assert wav_seconds(voice.audio) == pytest.approx(voice.seconds, abs=2 * FRAME)


def test_speech_as_mp3(video_stub: VideoStub, brief: ProductBrief, tmp_path: Path) -> None:
    lines = ["Meet the Aurora Lamp.", "Shop today."]
    voice = speech(video_stub, response_format="mp3").speak(lines, brief, tmp_path, QuietReporter())
    # MP3 pads each end by a frame or so.
    assert voice.segments == pytest.approx([len(x) * CHAR_SECONDS for x in lines], abs=0.08)
    assert voice.audio is not None
    assert wav_seconds(voice.audio) == pytest.approx(voice.seconds, abs=0.001)


def test_speech_silent_when_nothing_to_say(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    voice = speech(video_stub).speak(["", "  "], brief, tmp_path, QuietReporter())
    assert voice.audio is None
    assert voice.segments == (0.0, 0.0)
    assert voice.silent_reason
    assert video_stub.requests == []


def test_speech_retries_then_times_out(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.fail(SPEECH_PATH, times=1, status=502)
    voice = speech(video_stub).speak(["One."], brief, tmp_path / "a", QuietReporter())
    assert voice.segments == pytest.approx([4 * CHAR_SECONDS], abs=2 * FRAME)

    video_stub.hang(SPEECH_PATH, times=None, seconds=5)
    with pytest.raises(ProviderError) as caught:
        speech(video_stub, timeout_seconds=0.3, retries=0).speak(
            ["Two."], brief, tmp_path / "b", QuietReporter()
        )
    assert caught.value.reason == "the speech for line 1 timed out (no answer within 0.3 s)"
    assert_safe(caught.value)


def test_speech_that_is_not_audio(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.invalid_json(SPEECH_PATH)  # a 200 whose body is no audio at all
    with pytest.raises(ProviderError, match="not audio ffmpeg could read") as caught:
        speech(video_stub).speak(["One."], brief, tmp_path, QuietReporter())
    assert_safe(caught.value)


# --- Asynchronous video -----------------------------------------------------------------------


def test_scenes_from_the_async_api(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.polls_before_done = 3
    reporter = RecordingReporter(stage="video_gen")
    timeline = [1.2, 2.0, 0.8]
    clips = scenes(video_stub).render(brief, three_scenes(), timeline, tmp_path, reporter)

    assert [clip.path.name for clip in clips] == ["scene-01.mp4", "scene-02.mp4", "scene-03.mp4"]
    assert [clip.seconds for clip in clips] == timeline
    for clip in clips:
        assert clip.path.read_bytes()[4:8] == b"ftyp"
    creates = [request.json() for request in video_stub.requests_to(VIDEO_CREATE_PATH, "POST")]
    assert [body["duration"] for body in creates] == [2, 2, 1]
    first = creates[0]
    assert first["model"] == "stub-video-1"
    assert first["prompt"].startswith("a lamp glowing on a desk. Product: Aurora Lamp.")
    assert "clean gradients" in first["prompt"]
    assert (first["width"], first["height"]) == brief.size == (640, 360)
    assert first["image"].startswith("data:image/png;base64,")
    polls = video_stub.requests_to(VIDEO_STATUS_PREFIX, "GET")
    assert len(polls) == 3 * 4  # queued, running, running, succeeded
    for request in video_stub.requests_to("/video/tasks"):
        assert request.headers["Authorization"] == f"Bearer {STUB_KEY}"
    assert len(video_stub.requests_to(VIDEO_FILE_PREFIX)) == 3
    assert reporter.ledger.total == pytest.approx((2 + 2 + 1) * 0.05)
    assert [line.item for line in reporter.ledger.lines] == ["scene 1", "scene 2", "scene 3"]
    assert {f"scene {n} ready" for n in (1, 2, 3)} <= set(reporter.messages)


def test_other_body_shapes(video_stub: VideoStub, brief: ProductBrief, tmp_path: Path) -> None:
    provider = scenes(
        video_stub,
        size_mode="aspect",
        image_field=None,
        durations=(5, 10),
        extra_body={"watermark": False},
        max_concurrent_tasks=1,
    )
    provider.render(brief, three_scenes(), [6.0, 3.0, 12.0], tmp_path, QuietReporter())
    creates = [request.json() for request in video_stub.requests_to(VIDEO_CREATE_PATH, "POST")]
    assert [body["duration"] for body in creates] == [10, 5, 10]
    assert all(body["aspect_ratio"] == "16:9" and body["watermark"] is False for body in creates)
    assert not any("image" in body or "width" in body for body in creates)


def test_dotted_paths() -> None:
    body: dict[str, Any] = {}
    put(body, "input.prompt", "p")
    put(body, "input.size.width", 3)
    put(body, "model", "m")
    assert body == {"input": {"prompt": "p", "size": {"width": 3}}, "model": "m"}
    answer = {"output": [{"url": "u"}], "data": {"id": 7}}
    assert dig(answer, "output.0.url") == "u"
    assert dig(answer, "output.-1.url") == "u"
    assert dig(answer, "data.id") == 7
    assert dig(answer, "output.3.url") is None
    assert dig(answer, "data.id.more") is None


def test_a_failed_task(video_stub: VideoStub, brief: ProductBrief, tmp_path: Path) -> None:
    video_stub.task_error = (
        f"Content policy: blocked. Request used key {STUB_KEY} with header Bearer abc.def "
        "api_key=hunter2 " + "and more words " * 30
    )
    with pytest.raises(ProviderError) as caught:
        scenes(video_stub).render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())
    reason = caught.value.reason
    assert reason.startswith("scene 1 failed: Content policy: blocked.")
    assert len(reason) <= len("scene 1 failed: ") + 200
    assert "hunter2" not in reason
    assert_safe(caught.value)


def test_a_cancel_while_polling_stops_promptly(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.polls_before_done = 10_000
    stop_after = time.monotonic() + 0.3
    reporter = QuietReporter(should_stop=lambda: time.monotonic() > stop_after)
    provider = scenes(video_stub, poll_interval_seconds=5.0)
    with pytest.raises(VideoStopped):
        provider.render(brief, three_scenes(), [1, 1, 1], tmp_path, reporter)
    assert time.monotonic() - stop_after < 1.0  # polls every 5 s: the wait itself was cut
    assert reporter.ledger.lines == []


def test_a_task_that_never_finishes(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.polls_before_done = 10_000
    provider = scenes(video_stub, task_timeout_seconds=0.2, poll_interval_seconds=0.05)
    with pytest.raises(ProviderError, match=r"scene 1 was not ready after 0.2 s"):
        provider.render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())


def test_task_creation_retried_and_bad_status_json(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.fail(VIDEO_CREATE_PATH, times=1, status=500)
    clips = scenes(video_stub).render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())
    assert len(clips) == 3
    assert len(video_stub.requests_to(VIDEO_CREATE_PATH, "POST")) == 4

    video_stub.invalid_json(VIDEO_STATUS_PREFIX)
    with pytest.raises(ProviderError, match="scene 1 status answered with invalid JSON"):
        scenes(video_stub).render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())


def test_downloads_are_capped_and_checked(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.video_bytes = b"\0" * (2 * 1024 * 1024)
    with pytest.raises(ProviderError, match="scene 1 video is larger than the 1 MB cap"):
        scenes(video_stub, max_video_bytes=1024 * 1024).render(
            brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter()
        )
    video_stub.video_bytes = b"<html><body>Access denied</body></html>"
    with pytest.raises(ProviderError, match="download was not a video"):
        scenes(video_stub).render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())


def test_the_key_stays_with_the_api_origin(
    video_stub: VideoStub, brief: ProductBrief, tmp_path: Path
) -> None:
    video_stub.download_host = "localhost"  # the same server under another origin
    scenes(video_stub).render(brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter())
    downloads = video_stub.requests_to(VIDEO_FILE_PREFIX)
    assert len(downloads) == 3
    assert all("Authorization" not in request.headers for request in downloads)
    assert all(
        "Authorization" in request.headers for request in video_stub.requests_to("/video/tasks")
    )


def test_video_timeout_names_it(video_stub: VideoStub, brief: ProductBrief, tmp_path: Path) -> None:
    video_stub.hang(VIDEO_CREATE_PATH, times=None, seconds=5)
    with pytest.raises(ProviderError) as caught:
        scenes(video_stub, timeout_seconds=0.3, retries=0).render(
            brief, three_scenes(), [1, 1, 1], tmp_path, QuietReporter()
        )
    assert caught.value.provider == "http"
    assert "scene 1 request timed out" in caught.value.reason
    assert_safe(caught.value)


# --- The helper -------------------------------------------------------------------------------


def test_safe_text_strips_keys() -> None:
    text = (
        "bad key sk-proj-abcdefghijklmnop, Authorization: Bearer xyz.123, token=abc, "
        "opaque ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd and my-own-key-1"
    )
    cleaned = safe_text(text, ("my-own-key-1",))
    for secret in ("sk-proj", "xyz.123", "abc,", "ABCDEFGHIJ", "my-own-key-1"):
        assert secret not in cleaned
    assert cleaned.startswith("bad key [redacted]")
    assert len(safe_text("word " * 100, limit=50)) == 50


def test_no_key_is_sent_when_none_is_configured(video_stub: VideoStub) -> None:
    with HttpClient("openai", video_stub.openai_url) as client:
        client.post_json(
            "/chat/completions",
            {"messages": [], "response_format": {"type": "json_object"}},
            QuietReporter(),
        )
    (request,) = video_stub.requests_to(CHAT_PATH)
    assert "Authorization" not in request.headers
