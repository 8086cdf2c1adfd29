"""Workflow configurations and runs. Configurations may be dicts or YAML/JSON files."""

from __future__ import annotations

import builtins
import contextlib
import json
import time
from pathlib import Path
from typing import Any, cast

from synthfoundry.client.base import Resource
from synthfoundry.client.errors import JobFailed
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.schemas import Job

FINISHED = frozenset({"succeeded", "failed", "aborted"})
Config = dict[str, Any] | str | Path


def load_config(config: Config) -> dict[str, Any]:
    """A configuration from a dict, or a ``.yaml``/``.yml``/``.json`` file."""
    if isinstance(config, dict):
        return config
    path = Path(config)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        loaded = yaml.safe_load(text)
    else:
        loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: a configuration is a mapping with name and steps")
    return loaded


class WorkflowConfigs(Resource[dict[str, Any]]):
    path = "/v1/workflow-configs"

    def create(self, config: Config) -> dict[str, Any]:
        created: dict[str, Any] = self.client.request("POST", self.path, json=load_config(config))
        return created

    def update(self, config_id: str, config: Config) -> dict[str, Any]:
        """A new version of the configuration."""
        updated: dict[str, Any] = self.client.request(
            "PUT", f"{self.path}/{config_id}", json=load_config(config)
        )
        return updated

    def validate(self, config: Config) -> dict[str, Any]:
        """``{"valid": bool, "problems": [{"path", "message"}]}``, every problem at once."""
        found: dict[str, Any] = self.client.request(
            "POST", f"{self.path}/validate", json=load_config(config)
        )
        return found


class Workflows(Resource[dict[str, Any]]):
    """Runs of workflow configurations: start, follow, pause, resume, abort, results."""

    path = "/v1/workflows"

    def __init__(self, client: Any, jobs: Jobs) -> None:
        super().__init__(client)
        self.jobs = jobs
        self.configs = WorkflowConfigs(client)

    def run(
        self,
        config: Config | None = None,
        *,
        config_id: str | None = None,
        version: int | None = None,
        overrides: dict[str, dict[str, Any]] | None = None,
        keep_outputs: bool = False,
        wait: bool = False,
        progress_bar: bool = False,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Start a run of an inline configuration (a dict or a file) or of a saved one."""
        body: dict[str, Any] = {"overrides": overrides or {}, "keep_outputs": keep_outputs}
        if config_id is not None:
            body |= {"config_id": config_id} | ({"version": version} if version else {})
        else:
            if config is None:
                raise ValueError("give a configuration or a config_id")
            body["config"] = load_config(config)
        started: dict[str, Any] = self.client.request("POST", self.path, json=body)
        if not wait:
            return started
        return self.wait(started["id"], progress_bar=progress_bar, timeout=timeout)

    def wait(
        self, workflow_id: str, *, progress_bar: bool = False, timeout: float | None = None
    ) -> dict[str, Any]:
        """Follow the run's job until it ends; raise ``JobFailed`` unless it succeeded."""
        run = self.get(workflow_id)
        if run.get("job_id") and run["status"] not in FINISHED:
            # On failure the run's own record says why (failing checks, a failed step).
            with contextlib.suppress(JobFailed):
                self.jobs.wait(str(run["job_id"]), progress_bar=progress_bar, timeout=timeout)
        for _ in range(20):  # the run's row and its job end in one transaction
            run = self.get(workflow_id)
            if run["status"] in FINISHED:
                break
            time.sleep(0.1)
        if run["status"] != "succeeded":
            error = {"code": f"workflow_{run['status']}", "message": run.get("error_message") or ""}
            raise JobFailed(
                cast(Job, {"id": run["job_id"], "status": run["status"], "error": error})
            )
        return run

    def status(self, workflow_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("GET", f"{self.path}/{workflow_id}/status")
        return found

    def pause(self, workflow_id: str) -> dict[str, Any]:
        return self._act(workflow_id, "pause")

    def resume(self, workflow_id: str) -> dict[str, Any]:
        return self._act(workflow_id, "resume")

    def abort(self, workflow_id: str) -> dict[str, Any]:
        return self._act(workflow_id, "abort")

    def quality(self, workflow_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request(
            "GET", f"{self.path}/{workflow_id}/results/quality"
        )
        return found

    def samples(self, workflow_id: str, limit: int = 20) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request(
            "GET", f"{self.path}/{workflow_id}/results/samples", params={"limit": limit}
        )
        return found

    def test_results(self, workflow_id: str) -> builtins.list[dict[str, Any]]:
        found: builtins.list[dict[str, Any]] = self.client.request(
            "GET", f"{self.path}/{workflow_id}/results/test-results"
        )
        return found

    def export(
        self,
        workflow_id: str,
        *,
        file_format: str = "csv",
        destination: str | None = None,
        output: str | Path | None = None,
    ) -> dict[str, Any]:
        """Export the generated rows; with ``output`` (and no destination) download them."""
        body = {"format": file_format} | ({"destination": destination} if destination else {})
        written: dict[str, Any] = self.client.request(
            "POST", f"{self.path}/{workflow_id}/results/export", json=body
        )
        if output is not None and written.get("download_url"):
            self._download(written["download_url"], output)
        return written

    def audit(self, workflow_id: str) -> builtins.list[dict[str, Any]]:
        found: builtins.list[dict[str, Any]] = self.client.request(
            "GET", f"{self.path}/{workflow_id}/audit"
        )
        return found

    def _act(self, workflow_id: str, action: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.request("POST", f"{self.path}/{workflow_id}/{action}")
        return found
