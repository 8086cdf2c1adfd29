"""From settings and a collect request to the library's providers, fetcher and request."""

from __future__ import annotations

from synthfoundry.config import CollectionSettings
from synthfoundry.image_datasets.schemas import CollectCreate
from synthfoundry.images.collect import CollectRequest, LabelQuery
from synthfoundry.images.fetch import FetchPolicy
from synthfoundry.images.providers import (
    GoogleSearchProvider,
    OpenverseProvider,
    Provider,
    UrlListProvider,
    WikimediaCommonsProvider,
)
from synthfoundry.images.validate import ImageRules


def build_provider(name: str, settings: CollectionSettings) -> Provider:
    if name == "openverse":
        token = settings.openverse_token
        return OpenverseProvider(
            settings.openverse_url,
            token.get_secret_value() if token else None,
            requests_per_second=settings.openverse_requests_per_second,
        )
    if name == "wikimedia":
        return WikimediaCommonsProvider(
            settings.wikimedia_url, requests_per_second=settings.wikimedia_requests_per_second
        )
    if name == "google":
        key = settings.google_api_key
        return GoogleSearchProvider(
            key.get_secret_value() if key else None,
            settings.google_engine_id,
            settings.google_url,
            requests_per_second=settings.google_requests_per_second,
        )
    if name == "urls":
        return UrlListProvider([])
    raise ValueError(f"unknown provider {name!r}")


PROVIDER_NAMES = ("openverse", "wikimedia", "google", "urls")


def provider_catalogue(settings: CollectionSettings) -> dict[str, str | None]:
    """Each provider's name and why it cannot be used here (``None``: it can)."""
    return {name: build_provider(name, settings).unavailable_reason() for name in PROVIDER_NAMES}


def fetch_policy(settings: CollectionSettings) -> FetchPolicy:
    return FetchPolicy(
        allowed_hosts=frozenset(settings.allowed_hosts),
        connect_timeout=settings.connect_timeout_seconds,
        read_timeout=settings.read_timeout_seconds,
        max_bytes=settings.max_image_bytes,
    )


def collect_request(request: CollectCreate, settings: CollectionSettings) -> CollectRequest:
    names = request.label_names()
    queries = [
        LabelQuery(label=name, queries=(label,) if isinstance(label, str) else tuple(label))
        for name, label in zip(names, request.labels, strict=True)
    ]
    if isinstance(request.urls, dict):
        urls_by_label = {label: list(urls) for label, urls in request.urls.items()}
    else:
        urls_by_label = {names[0]: list(request.urls)} if request.urls else {}
    return CollectRequest(
        labels=tuple(queries),
        per_label=request.images_per_label,
        providers=tuple(
            build_provider(name, settings) for name in request.providers if name != "urls"
        ),
        urls_by_label=urls_by_label,
        licenses=frozenset(request.licenses) if request.licenses is not None else None,
        rules=ImageRules(
            min_width=request.min_width,
            min_height=request.min_height,
            max_megapixels=request.max_megapixels,
            allowed_formats=frozenset(request.allowed_formats),
        ),
        dedupe_threshold=request.dedupe_threshold,
        concurrency=settings.concurrency,
        per_host=settings.per_host,
    )
