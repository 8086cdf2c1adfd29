"""Settings, read from the environment (prefix ``SYNTHFOUNDRY_``, ``__`` between group and field)
and from a ``.env`` file. Example: ``SYNTHFOUNDRY_DATABASE__URL=postgresql+psycopg://...``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105 (refused outside dev)
MIN_SECRET_KEY_LENGTH = 32

Environment = Literal["development", "production"]


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, description="JSON request bodies")
    cors_origins: list[str] = Field(default_factory=list)
    hsts_seconds: int = Field(default=0, ge=0, description="Strict-Transport-Security; 0: off")
    root_path: str = ""


class DatabaseSettings(BaseModel):
    url: str = Field(default="", description="SQLAlchemy URL; empty: SQLite in the data directory")
    echo: bool = False
    pool_size: int = Field(default=5, ge=1, le=100)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)


class StorageSettings(BaseModel):
    url: str = Field(default="", description="file:///path or s3://bucket/prefix; empty: data dir")
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None


class SecuritySettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)


MIN_API_KEY_LENGTH = 16
# The shape only: which resources exist is the accounts package's to say, where the server starts.
SCOPE_SHAPE = re.compile(r"admin|[a-z][a-z-]*:(read|write)")
API_KEY_NAME_LENGTH = 100


@dataclass(frozen=True)
class ConfiguredApiKey:
    """One entry of ``SYNTHFOUNDRY_AUTH__API_KEYS``: ``key:name:scope,scope``. The key (any
    string of 16 or more characters without ``:`` or ``;``) is the bearer value."""

    secret: SecretStr
    name: str
    scopes: tuple[str, ...]


def parse_api_keys(value: str) -> list[ConfiguredApiKey]:
    """Parse ``key:name:scope,scope;key:name:scope``. Errors name the entry by its position and
    name, never by its key."""
    parsed: list[ConfiguredApiKey] = []
    names: set[str] = set()
    keys: set[str] = set()
    entries = [entry.strip() for entry in value.split(";")]
    for position, entry in enumerate((entry for entry in entries if entry), start=1):
        secret, _, rest = entry.partition(":")
        name, _, scope_list = rest.partition(":")
        name = name.strip()
        where = f"entry {position} ({name!r})" if name else f"entry {position}"
        if not rest or not name:
            raise ValueError(f"{where}: expected key:name:scope,scope (entries end with ';')")
        if len(name) > API_KEY_NAME_LENGTH:
            raise ValueError(f"{where}: the name is longer than {API_KEY_NAME_LENGTH} characters")
        if len(secret.strip()) < MIN_API_KEY_LENGTH or secret != secret.strip():
            raise ValueError(
                f"{where}: the key must be at least {MIN_API_KEY_LENGTH} characters, "
                "without spaces around it"
            )
        scopes = tuple(scope.strip() for scope in scope_list.split(","))
        if not scope_list.strip() or not all(scopes):
            raise ValueError(f"{where}: expected one or more comma-separated scopes after the name")
        if malformed := [scope for scope in scopes if not SCOPE_SHAPE.fullmatch(scope)]:
            raise ValueError(
                f"{where}: {malformed[0]!r} is not a scope (resource:read, resource:write or admin)"
            )
        if name in names:
            raise ValueError(f"{where}: another entry has the same name")
        if secret in keys:
            raise ValueError(f"{where}: another entry has the same key")
        names.add(name)
        keys.add(secret)
        parsed.append(ConfiguredApiKey(SecretStr(secret), name, scopes))
    return parsed


class AuthSettings(BaseModel):
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    jwt_issuer: str = "synthfoundry"
    jwt_audience: str = "synthfoundry-api"
    bootstrap_admin_email: str | None = Field(
        default=None, description="Creates this admin at start-up when no user exists yet"
    )
    bootstrap_admin_password: SecretStr | None = None
    api_keys: SecretStr | None = Field(
        default=None,
        description="API keys preconfigured as 'key:name:scope,scope;...' (keys of 16 or more "
        "characters); each acts as the first admin with only its scopes",
    )

    @field_validator("api_keys")
    @classmethod
    def _api_keys_well_formed(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_api_keys(value.get_secret_value())
        return value

    def configured_api_keys(self) -> list[ConfiguredApiKey]:
        """The keys of ``api_keys``, parsed (checked already when the settings were read)."""
        return parse_api_keys(self.api_keys.get_secret_value()) if self.api_keys else []


class RateLimitSettings(BaseModel):
    enabled: bool = True
    storage_url: str = Field(default="memory://", description="memory:// or redis://host:port/db")
    general: str = Field(default="600/minute", description="per principal, every API request")
    jobs: str = Field(default="30/minute", description="per principal, job-creating requests")
    login: str = Field(default="10/minute", description="per client address and per account")


class AuditSettings(BaseModel):
    retention_days: int = Field(default=365, ge=1, description="older audit events are pruned")


class JobsSettings(BaseModel):
    backend: Literal["local", "celery"] = "local"
    concurrency: int = Field(default=2, ge=0, le=64, description="local backend: jobs at once")
    broker_url: str = Field(default="redis://127.0.0.1:6379/0", description="celery backend")
    queues: list[str] = Field(default_factory=lambda: ["cpu", "gpu"])
    heartbeat_seconds: float = Field(default=2.0, gt=0, le=60)
    lease_seconds: float = Field(default=15.0, gt=0, le=600)
    max_retries: int = Field(default=2, ge=0, le=10, description="re-runs after a lost worker")
    max_active_per_user: int = Field(default=20, ge=1, le=10_000)
    progress_interval_seconds: float = Field(default=0.5, ge=0, le=60)
    max_log_lines: int = Field(default=1000, ge=10, le=100_000)
    reaper_interval_seconds: float = Field(default=2.0, gt=0, le=300)
    resend_after_seconds: float = Field(
        default=300.0, gt=0, description="celery: re-send a still-queued job's message after this"
    )
    torch_threads: int = Field(default=1, ge=1, le=256, description="threads per job process")


class DatasetSettings(BaseModel):
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024, ge=1024, description="largest dataset upload (after gzip)"
    )
    ingest_job_bytes: int = Field(
        default=32 * 1024 * 1024, ge=0, description="larger uploads are parsed by a job"
    )
    max_columns: int = Field(default=1000, ge=1, le=100_000)
    max_rows: int = Field(default=50_000_000, ge=1)
    preview_max_rows: int = Field(default=1000, ge=1, le=100_000)
    import_dir: Path | None = Field(
        default=None,
        description="folder POST /v1/datasets/import may read files from (symlinks that leave "
        "it are refused); unset: imports are off",
    )


class ImageSettings(BaseModel):
    max_upload_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1024, description="largest image dataset ZIP upload"
    )
    max_upload_images: int = Field(default=100_000, ge=1, description="images in one upload")
    max_image_pixels: int = Field(
        default=64_000_000, ge=4096, description="width x height of one uploaded image"
    )
    model_dirs: list[Path] = Field(
        default_factory=list,
        description="folders a request may name a local model directory in; default: "
        "<data_dir>/models and the Hugging Face cache",
    )


class VideoSettings(BaseModel):
    """Product and music videos: upload limits, rendering, and the optional HTTP providers
    (an OpenAI-compatible API for scripts and speech, an asynchronous video API for scenes)
    with the prices their costs are counted at."""

    max_image_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="product image")
    max_image_pixels: int = Field(default=40_000_000, ge=4096)
    max_audio_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, description="music upload")
    scene_image_model: str | None = Field(
        default=None,
        description="a text2image model (hub id or local directory) that draws the scenes of a "
        "product without an image; unset: a styled title card",
    )
    render_workers: int = Field(
        default=0, ge=0, le=64, description="scene processes; 0: one per two cores, by size"
    )
    openai_url: str = "https://api.openai.com/v1"
    openai_api_key: SecretStr | None = None
    openai_chat_model: str = "gpt-4o-mini"
    openai_speech_model: str = "gpt-4o-mini-tts"
    openai_voice: str = "alloy"
    openai_input_usd_per_million_tokens: float = Field(default=0.15, ge=0)
    openai_output_usd_per_million_tokens: float = Field(default=0.60, ge=0)
    openai_speech_usd_per_million_characters: float = Field(default=15.0, ge=0)
    video_api_url: str | None = Field(default=None, description="an asynchronous video API")
    video_api_key: SecretStr | None = None
    video_api_model: str = ""
    video_api_create_path: str = "/v1/videos"
    video_api_status_path: str = Field(default="/v1/videos/{id}", description="{id}: the task")
    video_api_id_field: str = Field(default="id", description="dotted path in the create answer")
    video_api_status_field: str = "status"
    video_api_url_field: str = Field(default="video_url", description="dotted path when done")
    video_api_error_field: str = Field(default="error", description="dotted path when failed")
    video_api_done_values: list[str] = Field(default_factory=lambda: ["succeeded", "completed"])
    video_api_failed_values: list[str] = Field(default_factory=lambda: ["failed", "error"])
    video_api_usd_per_second: float = Field(default=0.05, ge=0)
    video_api_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    video_api_timeout_seconds: float = Field(default=600.0, gt=0)
    http_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    http_retries: int = Field(default=3, ge=0, le=10)


class CollectionSettings(BaseModel):
    """Image collection from search providers: where they are, credentials, politeness."""

    openverse_url: str = "https://api.openverse.org"
    openverse_token: SecretStr | None = Field(default=None, description="optional; raises limits")
    openverse_requests_per_second: float = Field(default=1.0, gt=0, le=100)
    wikimedia_url: str = "https://commons.wikimedia.org"
    wikimedia_requests_per_second: float = Field(default=1.0, gt=0, le=100)
    google_url: str = "https://www.googleapis.com/customsearch/v1"
    google_api_key: SecretStr | None = None
    google_engine_id: str | None = None
    google_requests_per_second: float = Field(default=1.0, gt=0, le=100)
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="hosts, IPs or CIDRs fetched even though private or loopback",
    )
    concurrency: int = Field(default=8, ge=1, le=64, description="downloads at once per job")
    per_host: int = Field(default=2, ge=1, le=16, description="downloads at once per host")
    max_image_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    connect_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    read_timeout_seconds: float = Field(default=15.0, gt=0, le=300)


class EventsSettings(BaseModel):
    url: str = Field(default="memory://", description="memory:// or redis://host:port/db")
    poll_interval_seconds: float = Field(default=0.1, gt=0, le=10)
    subscriber_queue_size: int = Field(default=1000, ge=10)


class LoggingSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: console on a terminal, JSON otherwise"
    )


class Settings(BaseSettings):
    """Every setting of a Synthfoundry process, grouped by concern."""

    model_config = SettingsConfigDict(
        env_prefix="SYNTHFOUNDRY_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # An invalid value may be a secret (an API key, a URL with a password): errors name
        # the setting and the reason, never the value.
        hide_input_in_errors=True,
    )

    environment: Environment = "development"
    data_dir: Path = Path("data")
    server: ServerSettings = Field(default_factory=ServerSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    datasets: DatasetSettings = Field(default_factory=DatasetSettings)
    images: ImageSettings = Field(default_factory=ImageSettings)
    collection: CollectionSettings = Field(default_factory=CollectionSettings)
    video: VideoSettings = Field(default_factory=VideoSettings)
    events: EventsSettings = Field(default_factory=EventsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @model_validator(mode="after")
    def _refuse_weak_secret_outside_development(self) -> Settings:
        if self.environment == "development":
            return self
        secret = self.security.secret_key.get_secret_value()
        if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                "SYNTHFOUNDRY_SECURITY__SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters when environment is {self.environment!r}"
            )
        return self

    def model_dirs(self) -> list[Path]:
        """Where local diffusers model directories may be named from."""
        if self.images.model_dirs:
            return self.images.model_dirs
        hf_home = Path(os.environ.get("HF_HOME", "~/.cache/huggingface")).expanduser()
        return [self.data_dir / "models", hf_home]

    @cached_property
    def database_url(self) -> str:
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.data_dir / 'synthfoundry.db').resolve()}"

    @cached_property
    def storage_url(self) -> str:
        if self.storage.url:
            return self.storage.url
        return (self.data_dir / "blobs").resolve().as_uri()

    def public_view(self) -> dict[str, Any]:
        """The effective settings with every secret and URL password masked."""
        view = self.model_dump(mode="json")
        view["database"]["url"] = mask_url_password(self.database_url)
        view["storage"]["url"] = self.storage_url
        view["data_dir"] = str(self.data_dir.resolve())
        view["rate_limits"]["storage_url"] = mask_url_password(self.rate_limits.storage_url)
        view["jobs"]["broker_url"] = mask_url_password(self.jobs.broker_url)
        view["events"]["url"] = mask_url_password(self.events.url)
        return view


def mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
