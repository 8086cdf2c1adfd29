"""What the server answers, as the client sees it: plain dicts, typed for editors and mypy.

The server may add fields; these name the ones the client and its users rely on.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, Required, TypedDict, TypeVar

ItemT = TypeVar("ItemT")

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


class Page(TypedDict, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None


class TokenPair(TypedDict):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class User(TypedDict, total=False):
    id: Required[str]
    email: str
    name: str
    is_admin: bool
    is_active: bool
    created_at: str
    updated_at: str
    last_login_at: str | None


class ApiKey(TypedDict, total=False):
    id: Required[str]
    owner_id: str
    name: str
    key_id: str
    scopes: list[str]
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class ApiKeyCreated(ApiKey):
    secret: str
    """Shown this once."""


class Column(TypedDict):
    name: str
    kind: str
    nullable: bool


class Dataset(TypedDict, total=False):
    id: Required[str]
    name: str
    description: str
    file_name: str
    source_format: str
    size_bytes: int
    rows: int
    columns: int
    column_overrides: dict[str, str]
    column_schema: list[Column]
    status: str
    error: str | None
    ingest_job_id: str | None
    created_at: str
    updated_at: str


class ColumnStats(TypedDict, total=False):
    name: Required[str]
    kind: str
    nulls: int
    distinct: int
    minimum: Any
    maximum: Any
    mean: float | None
    quantiles: dict[str, float] | None
    top_values: list[dict[str, Any]]


class DatasetStats(TypedDict):
    rows: int
    columns: list[ColumnStats]


class Rows(TypedDict):
    """A few rows: a dataset's preview or a generator's probe."""

    columns: list[str]
    rows: list[dict[str, Any]]


class Generator(TypedDict, total=False):
    id: Required[str]
    dataset_id: str | None
    name: str
    synthesizer: str
    params: dict[str, Any]
    column_overrides: dict[str, str]
    status: str
    training_job_id: str | None
    training_report: dict[str, Any] | None
    trained_rows: int | None
    trained_at: str | None
    created_at: str
    updated_at: str


class SyntheticDataset(TypedDict, total=False):
    id: Required[str]
    generator_id: str | None
    name: str
    size: int
    seed: int | None
    file_format: str
    status: str
    rows: int | None
    size_bytes: int | None
    job_id: str | None
    report: dict[str, Any] | None
    created_at: str
    updated_at: str


class ImageDataset(TypedDict, total=False):
    id: Required[str]
    name: str
    description: str
    source: str
    source_dataset_id: str | None
    status: str
    labels: list[str]
    request: dict[str, Any]
    file_count: int | None
    size_bytes: int | None
    generation_time: float | None
    device_used: str | None
    job_id: str | None
    error: str | None
    created_at: str
    updated_at: str


class Image(TypedDict, total=False):
    image_id: Required[int]
    label: str
    file: str
    seed: int | None
    noise_sigma: float
    width: int
    height: int
    source: str | None
    augmentation: dict[str, Any] | None


class Thumbnail(TypedDict):
    image_id: int
    label: str
    file: str
    media_type: str
    data: str


class Report(TypedDict, total=False):
    id: Required[str]
    real_dataset_id: str | None
    synthetic_dataset_id: str | None
    holdout_dataset_id: str | None
    target: str | None
    status: str
    summary: dict[str, Any] | None
    job_id: str | None
    created_at: str
    updated_at: str


class JobProgress(TypedDict, total=False):
    stage: str | None
    completed: float
    total: float | None
    unit: str
    fraction: float
    eta_seconds: float | None
    message: str


class JobError(TypedDict):
    code: str
    message: str


class Job(TypedDict, total=False):
    id: Required[str]
    status: Required[str]
    kind: str
    target_type: str | None
    target_id: str | None
    parent_job_id: str | None
    params: dict[str, Any]
    stages: list[dict[str, Any]]
    progress: JobProgress
    result: dict[str, Any] | None
    error: JobError | None
    attempt: int
    created_at: str
    started_at: str | None
    finished_at: str | None
    last_event_seq: int


class SnapshotMessage(TypedDict):
    """The whole job when the stream began; its events follow from ``seq + 1``."""

    type: Literal["snapshot"]
    seq: int
    job: Job


class EventMessage(TypedDict):
    """One change of a job: ``event`` is ``status``, ``stage``, ``progress`` or ``log``."""

    type: Literal["event"]
    job_id: str
    seq: int
    event: str
    at: str
    data: dict[str, Any]


StreamMessage = SnapshotMessage | EventMessage


class VideoStage(TypedDict, total=False):
    name: Required[str]
    status: str
    progress: float
    started_at: str | None
    completed_at: str | None
    error: str | None
    cost_usd: float


class Video(TypedDict, total=False):
    id: Required[str]
    kind: str
    title: str
    status: str
    progress: float
    stages: list[VideoStage]
    job_id: str | None
    video_url: str | None
    thumbnail_url: str | None
    error_message: str | None
    cost_usd: float
    seconds: float | None
    width: int | None
    height: int | None
    size_bytes: int | None
    request: dict[str, Any]
    details: dict[str, Any]


class VideoAccepted(TypedDict):
    id: str
    job_id: str
    status: str
    estimated_completion_time: str
