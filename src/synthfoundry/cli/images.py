"""``synthfoundry images ...``: image datasets on a server, through the Python client."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synthfoundry.cli.common import fail
from synthfoundry.cli.remote import (
    ApiKey,
    BaseUrl,
    Output,
    OutputOption,
    Wait,
    connected,
    parse_params,
    save_download,
    show,
)

app = typer.Typer(
    help="Make labelled image datasets with a text-to-image model; augment, upload, download.",
    no_args_is_help=True,
)
COLUMNS = ("id", "name", "status", "labels", "file_count", "generation_time", "device_used")
ZipOut = Annotated[Path | None, typer.Option("-o", "--out", help="download the ZIP here")]


@app.command("generate")
def generate(
    labels: Annotated[list[str], typer.Argument(help="class labels, each becomes a prompt")],
    per_label: Annotated[int, typer.Option("--per-label", help="images of each label")] = 1,
    noise: Annotated[float, typer.Option("--noise", help="pixel noise level, 0 to 1")] = 0.0,
    seed: Annotated[int, typer.Option(help="the same seed gives the same images")] = 0,
    model: Annotated[
        str | None, typer.Option(help="hub id or model directory on the workers")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--set", help="name=value: width, height, steps, guidance_scale, ..."),
    ] = None,
    out: ZipOut = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Make an image dataset (with --wait or -o, wait for it; -o downloads the ZIP)."""
    if out is not None and out.suffix.lower() != ".zip":
        raise fail(f"-o {out}: use a .zip file", code=2)
    waiting = wait or out is not None
    with connected(base_url, api_key) as client:
        made = client.images.generate(
            labels,
            per_label=per_label,
            noise_level=noise,
            seed=seed,
            model=model,
            wait=waiting,
            progress_bar=waiting,
            output=out,
            **parse_params(option or []),
        )
        show(made, output, COLUMNS if waiting else ("id", "job_id", "status"))


@app.command("collect")
def collect(
    labels: Annotated[list[str], typer.Argument(help="keywords, one per label")],
    per_label: Annotated[int, typer.Option("--per-label", help="images of each label")] = 20,
    provider: Annotated[
        list[str] | None,
        typer.Option("--provider", help="openverse, wikimedia, google or urls; repeatable"),
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option("--url", help="an image URL for the first label")
    ] = None,
    license_code: Annotated[
        list[str] | None, typer.Option("--license", help="allowed license (cc0, by, by-sa...)")
    ] = None,
    top_up: Annotated[
        str | None, typer.Option("--top-up", help="generate or augment short labels")
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--set", help="name=value: min_width, max_megapixels, dedupe_threshold..."),
    ] = None,
    out: ZipOut = None,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Collect a labelled dataset from image search providers (with --wait or -o, wait for it)."""
    if out is not None and out.suffix.lower() != ".zip":
        raise fail(f"-o {out}: use a .zip file", code=2)
    waiting = wait or out is not None
    options = parse_params(option or [])
    if top_up is not None:
        options["top_up_with"] = top_up
    with connected(base_url, api_key) as client:
        made = client.images.collect(
            labels,
            per_label=per_label,
            providers=provider,
            urls=url,
            licenses=license_code,
            wait=waiting,
            progress_bar=waiting,
            output=out,
            **options,
        )
        show(made, output, COLUMNS if waiting else ("id", "job_id", "status"))


@app.command("providers")
def providers(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """The collection providers, and why one cannot be used here."""
    with connected(base_url, api_key) as client:
        show(client.images.providers(), output, ("name", "available", "reason"))


@app.command("stats")
def stats(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """Your image datasets summed."""
    with connected(base_url, api_key) as client:
        show(client.images.stats(), output)


@app.command("upload")
def upload(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Upload a ZIP in ImageFolder layout (<label>/<image>)."""
    with connected(base_url, api_key) as client:
        show(client.images.upload(file, name=name), output, COLUMNS)


@app.command("list")
def list_image_datasets(
    base_url: BaseUrl = None, api_key: ApiKey = None, output: OutputOption = Output.TABLE
) -> None:
    """Your image datasets."""
    with connected(base_url, api_key) as client:
        show(client.images.list(), output, COLUMNS)


@app.command("get")
def get(
    dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """One image dataset."""
    with connected(base_url, api_key) as client:
        show(client.images.get(dataset_id), output, (*COLUMNS, "error"))


@app.command("preview")
def preview(
    dataset_id: str,
    folder: Annotated[Path, typer.Option("-o", "--out", help="write the thumbnails here")],
    limit: Annotated[int, typer.Option(help="thumbnails")] = 8,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Save thumbnails (JPEG) of the first images of each label."""
    with connected(base_url, api_key) as client:
        for path in client.images.save_preview(dataset_id, folder, limit):
            typer.echo(str(path))


@app.command("download")
def download(
    dataset_id: str,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="file; default: stdout")] = None,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Download the dataset's ZIP."""
    with connected(base_url, api_key) as client:
        save_download(lambda target: client.images.download(dataset_id, target), out)


@app.command("augment")
def augment(
    dataset_id: str,
    variants: Annotated[int, typer.Option("--variants", help="variants of each image")] = 1,
    operation: Annotated[
        list[str] | None,
        typer.Option("--op", help="flip, crop, rotate, color or noise; repeatable; default all"),
    ] = None,
    seed: Annotated[int, typer.Option()] = 0,
    wait: Wait = False,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """A new dataset: every image plus variants of it, labels kept."""
    with connected(base_url, api_key) as client:
        made = client.images.augment(
            dataset_id,
            variants_per_image=variants,
            operations=operation,
            seed=seed,
            wait=wait,
            progress_bar=wait,
        )
        show(made, output, COLUMNS if wait else ("id", "job_id", "status"))


@app.command("cancel")
def cancel(
    dataset_id: str,
    base_url: BaseUrl = None,
    api_key: ApiKey = None,
    output: OutputOption = Output.TABLE,
) -> None:
    """Cancel the job making a dataset."""
    with connected(base_url, api_key) as client:
        show(client.images.cancel(dataset_id), output, ("id", "kind", "status"))


@app.command("delete")
def delete(dataset_id: str, base_url: BaseUrl = None, api_key: ApiKey = None) -> None:
    """Delete an image dataset (refused while a job makes or reads it)."""
    with connected(base_url, api_key) as client:
        client.images.delete(dataset_id)
