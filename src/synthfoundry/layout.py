"""Where things live in the blob store: every key is built here. An owned object keeps its files
under ``{area}/{owner_id}/{object_id}/``; a job keeps its own (checkpoints, partial results)
under ``jobs/{job_id}/``."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from synthfoundry.db import after_commit, after_rollback
from synthfoundry.storage import BlobStore

DATASETS = "datasets"
GENERATORS = "generators"
SYNTHETIC_DATASETS = "synthetic"
REPORTS = "reports"
IMAGE_DATASETS = "images"
VIDEOS = "videos"


def object_folder(area: str, owner_id: uuid.UUID, object_id: uuid.UUID) -> str:
    return f"{area}/{owner_id}/{object_id}/"


def folder_of(key: str) -> str:
    """The folder holding ``key`` (with its trailing slash)."""
    return key.rsplit("/", 1)[0] + "/"


def job_folder(job_id: uuid.UUID) -> str:
    return f"jobs/{job_id}/"


def job_checkpoint_folder(job_id: uuid.UUID) -> str:
    return f"{job_folder(job_id)}checkpoint/"


def generator_model(owner_id: uuid.UUID, generator_id: uuid.UUID, job_id: uuid.UUID) -> str:
    """The model a training job wrote: each training writes its own, and the generator switches
    to it only when the job succeeds (a failed retraining leaves the old model whole)."""
    return object_folder(GENERATORS, owner_id, generator_id) + f"models/{job_id}/"


def remove_after_commit(session: Session, storage: BlobStore, prefix: str) -> None:
    """Delete ``prefix`` once the deletion of its row has committed."""
    after_commit(session, lambda: _delete(storage, prefix))


def remove_on_rollback(session: Session, storage: BlobStore, prefix: str) -> None:
    """Delete ``prefix`` (written during this transaction) if the transaction rolls back."""
    after_rollback(session, lambda: _delete(storage, prefix))


def _delete(storage: BlobStore, prefix: str) -> None:
    storage.delete_prefix(prefix)


def job_checkpoint_manifest(job_id: uuid.UUID) -> str:
    """The file that names the blobs of a job's current checkpoint."""
    return f"{job_checkpoint_folder(job_id)}manifest.json"


def job_checkpoint_blobs(job_id: uuid.UUID) -> str:
    return f"{job_checkpoint_folder(job_id)}blobs/"


def job_checkpoint_blob(job_id: uuid.UUID, digest: str) -> str:
    return f"{job_checkpoint_blobs(job_id)}{digest}"
