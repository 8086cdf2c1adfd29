"""Product-video benchmark: a 15-second 1080p product video made with the local providers
(script writer, espeak voice, Pillow scenes, ffmpeg compositing), against a baseline that renders
the same scenes' frames in one plain Python loop and pipes them to one ffmpeg process.

    .venv/bin/python -m benchmarks.video [--seconds 15] [--short-side 1080] [--fps 24] [--quick]

Speed is a real-time factor: seconds of video made per second of wall time (above 1 is faster
than real time), per stage and end to end. Each way runs in its own child process so that its
peak memory (VmHWM) and its largest subprocess's (ffmpeg or a scene worker) are its own.
Prints a table and writes benchmarks/results/video.json. ``--quick``: 3 s at 360p.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from synthfoundry.video import ffmpeg
from synthfoundry.video.local_scenes import LocalScenes, default_workers, load_image
from synthfoundry.video.render import ZOOM, render_scene_frames
from synthfoundry.video.spec import (
    ProductBrief,
    QuietReporter,
    Reporter,
    Script,
    ScriptScene,
    VoiceOver,
)
from synthfoundry.video.styles import get_style

RESULTS = Path(__file__).parent / "results"
STYLE = "modern"
WAYS = {
    "ours": "ours",
    "ours-1": "ours, one scene process",  # only where ours would use more
    "baseline": "baseline: plain loop",
}


# --- providers: the project's own when present, else stand-ins ------------------------------


class FakeScript:
    """Stand-in for LocalScriptWriter: an opening, one feature, the call to action."""

    name = "fake"

    def write(self, brief: ProductBrief, reporter: Reporter) -> Script:
        return Script(
            brief.product_name,
            (
                ScriptScene("title", brief.product_name, f"Meet {brief.product_name}.", ""),
                ScriptScene("feature", "Made to last", "Built to last.", ""),
                ScriptScene("cta", brief.cta_text, f"{brief.cta_text}.", ""),
            ),
        )


class FakeVoice:
    """Stand-in for EspeakVoice: silence, the time split evenly."""

    name = "fake"

    def speak(
        self, lines: Sequence[str], brief: ProductBrief, work: Path, reporter: Reporter
    ) -> VoiceOver:
        seconds = brief.duration_seconds or 3.0 * len(lines)
        return VoiceOver(None, tuple([seconds / len(lines)] * len(lines)), "benchmark stand-in")


def providers() -> tuple[Any, Any]:
    try:
        from synthfoundry.video.script import LocalScriptWriter

        writer: Any = LocalScriptWriter()
    except ImportError:
        writer = FakeScript()
    try:
        from synthfoundry.video.voice import local_voice

        voice: Any = local_voice()
    except ImportError:
        voice = FakeVoice()
    return writer, voice


def product_picture(path: Path) -> Path:
    """A made-up product shot: a bottle with a label and a soft shadow on a light backdrop."""
    image = Image.new("RGB", (1200, 900), (236, 238, 242))
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).ellipse((380, 760, 820, 830), fill=120)
    image.paste((80, 80, 90), (0, 0), shadow.filter(ImageFilter.GaussianBlur(18)))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((470, 240, 730, 800), radius=60, fill=(30, 110, 200))
    draw.rectangle((545, 120, 655, 250), fill=(30, 110, 200))
    draw.rounded_rectangle((530, 80, 670, 140), radius=14, fill=(40, 40, 48))
    draw.rectangle((470, 420, 730, 600), fill=(250, 250, 250))
    draw.ellipse((560, 450, 640, 570), fill=(255, 150, 40))
    image.save(path)
    return path


# --- one way, in a child process -------------------------------------------------------------


def peak_memory_mib() -> dict[str, float]:
    """This process's peak resident memory and the largest finished subprocess's."""
    status = Path("/proc/self/status").read_text()
    hwm_kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"process": round(hwm_kib / 1024, 1), "largest_child": round(children_kib / 1024, 1)}


def run_way(way: str, seconds: float, short_side: int, fps: int, work: Path) -> dict[str, Any]:
    brief = ProductBrief(
        product_name="Aurora Bottle",
        style=STYLE,
        cta_text="Shop now",
        product_image=product_picture(work / "product.png"),
        short_side=short_side,
        fps=fps,
        duration_seconds=seconds,
    )
    writer, voice_provider = providers()
    stages: dict[str, float] = {}
    started = time.perf_counter()
    script = writer.write(brief, QuietReporter())
    stages["script_gen"] = time.perf_counter() - started
    started = time.perf_counter()
    voice = voice_provider.speak(script.narration, brief, work, QuietReporter())
    stages["voice_gen"] = time.perf_counter() - started
    out = work / "video.mp4"
    if way == "baseline":
        started = time.perf_counter()
        baseline(brief, script, voice.segments, out)
        stages["render_and_encode"] = time.perf_counter() - started
    else:
        style = get_style(brief.style)
        scenes = LocalScenes(workers=1 if way == "ours-1" else None)
        started = time.perf_counter()
        clips = scenes.render(brief, script, voice.segments, work, QuietReporter())
        stages["video_gen"] = time.perf_counter() - started
        started = time.perf_counter()
        ffmpeg.compose(
            clips,
            out,
            size=brief.size,
            fps=brief.fps,
            transition=style.transition,
            transition_seconds=style.transition_seconds,
            voice=voice.audio,
            captions=[],
            caption_style=(style.text, style.background[0]),
        )
        stages["compositing"] = time.perf_counter() - started
    info = ffmpeg.probe(out)
    return {
        "way": way,
        "stage_seconds": stages,
        "video_seconds": info.duration,
        "size": list(info.size),
        "codecs": [info.video_codec, info.audio_codec],
        "voice": voice_provider.name,
        "script": writer.name,
        "scenes": len(script.scenes),
        "peak_memory_mib": peak_memory_mib(),
    }


def baseline(brief: ProductBrief, script: Script, timeline: Sequence[float], out: Path) -> None:
    """Every frame rendered in turn by the same render functions and written to one ffmpeg
    (same final encoder settings as ours), with a silent audio track; scenes are cut together."""
    style = get_style(brief.style)
    width, height = brief.size
    assert brief.product_image is not None
    image = load_image(brief.product_image, round(max(brief.size) * ZOOM))
    command = [
        ffmpeg.ffmpeg_exe(), "-hide_banner", "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(brief.fps),
        "-i", "pipe:0", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
        "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
        "-y", str(out),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdin=subprocess.PIPE)
    assert process.stdin is not None
    for index, (scene, seconds) in enumerate(zip(script.scenes, timeline, strict=True)):
        motion = style.motions[index % len(style.motions)]
        frames = render_scene_frames(
            scene, style, brief.size, brief.fps, seconds, motion, image, script.title
        )
        for frame in frames:
            process.stdin.write(frame.tobytes())
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("the baseline's ffmpeg failed")


# --- the parent ------------------------------------------------------------------------------


def measure(way: str, args: argparse.Namespace) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "benchmarks.video", "--child", way, "--seconds", str(args.seconds),
        "--short-side", str(args.short_side), "--fps", str(args.fps),
    ]  # fmt: skip
    print(f"running {WAYS[way]} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"{way} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["child_wall_seconds"] = time.perf_counter() - started
    return result


def frames_to_file(run: dict[str, Any]) -> float:
    """Wall seconds from the timeline to the finished file (script and voice left out)."""
    return sum(
        wall
        for stage, wall in run["stage_seconds"].items()
        if stage not in ("script_gen", "voice_gen")
    )


def _rate(seconds: float, wall: float) -> str:
    return f"{seconds / wall:.2f}" if wall >= 0.01 else "-"


def table(result: dict[str, Any]) -> str:
    seconds = result["video_seconds"]
    lines = [
        f"{seconds:g} s of {result['size'][0]}x{result['size'][1]} video at {result['fps']} fps,"
        f" {result['machine']} (load average {result['load_average_before']:.1f} before,"
        f" {result['load_average_after']:.1f} after), scenes in up to"
        f" {result['scene_workers']} process(es)",
        "",
        "| way | stage | wall s | video s / wall s |",
        "|---|---|---|---|",
    ]
    for way, run in result["runs"].items():
        rows = [
            *run["stage_seconds"].items(),
            ("**frames to final file**", frames_to_file(run)),
            ("**end to end**", sum(run["stage_seconds"].values())),
        ]
        for stage, wall in rows:
            lines.append(f"| {WAYS[way]} | {stage} | {wall:.2f} | {_rate(seconds, wall)} |")
    lines += ["", "| way | peak memory MiB: process | largest subprocess |", "|---|---|---|"]
    for way, run in result["runs"].items():
        memory = run["peak_memory_mib"]
        lines.append(f"| {WAYS[way]} | {memory['process']} | {memory['largest_child']} |")
    ours = result["runs"]["ours"]
    lines += [
        "",
        f"ours ÷ baseline, frames to final file: {result['speedup_vs_baseline']:.2f}x"
        f" (script: {ours['script']}, voice: {ours['voice']}, {ours['scenes']} scenes)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=None, help="video length (default 15)")
    parser.add_argument("--short-side", type=int, default=None, help="pixels (default 1080)")
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--quick", action="store_true", help="3 s at 360p")
    parser.add_argument("--child", choices=sorted(WAYS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.seconds = args.seconds or (3.0 if args.quick else 15.0)
    args.short_side = args.short_side or (360 if args.quick else 1080)
    if args.child:
        with tempfile.TemporaryDirectory(prefix="video-bench-") as work:
            result = run_way(args.child, args.seconds, args.short_side, args.fps, Path(work))
        print(json.dumps(result))
        return
    # Scenes render in this many processes at most (the script has up to four scenes).
    workers = default_workers(4)
    ways = ["ours", *(["ours-1"] if workers > 1 else []), "baseline"]
    load_before = os.getloadavg()[0]
    runs = {way: measure(way, args) for way in ways}
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "python": platform.python_version(),
        "ffmpeg": Path(ffmpeg.ffmpeg_exe()).name,
        "video_seconds": args.seconds,
        "size": runs["ours"]["size"],
        "fps": args.fps,
        "style": STYLE,
        "quick": args.quick,
        "scene_workers": workers,
        "runs": runs,
        "speedup_vs_baseline": frames_to_file(runs["baseline"]) / frames_to_file(runs["ours"]),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "video.json").write_text(json.dumps(result, indent=1))
    print(table(result))


if __name__ == "__main__":
    main()
