"""The client: the HTTP plumbing, the resources, and the main path in a few calls."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import httpx

from synthfoundry.client import tables
from synthfoundry.client.accounts import ApiKeys
from synthfoundry.client.auth import LoginAuth, stored_login
from synthfoundry.client.credentials import CredentialStore
from synthfoundry.client.datasets import Datasets
from synthfoundry.client.errors import APIError, raise_for_problem
from synthfoundry.client.generators import Generators
from synthfoundry.client.images import Images
from synthfoundry.client.jobs import Jobs
from synthfoundry.client.reports import Reports
from synthfoundry.client.schemas import Generator, Job, Report, SyntheticDataset, TokenPair, User
from synthfoundry.client.synthetic_datasets import Conditions, SyntheticDatasets
from synthfoundry.client.videos import Flavors, MusicVideos, Videos
from synthfoundry.client.workflows import Workflows

if TYPE_CHECKING:
    import pandas as pd

    from synthfoundry.client.tables import Rows

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
Credential = Literal["api_key", "login"]


class Client:
    """A Synthfoundry server's API. ``base_url`` defaults to ``SYNTHFOUNDRY_BASE_URL``; the
    credential is ``api_key``, else ``SYNTHFOUNDRY_API_KEY``, else the login that ``login`` (or
    ``synthfoundry login``) stored for the server, its access token refreshed as needed."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        credentials: CredentialStore | None = None,
    ) -> None:
        self.base_url = (
            base_url or os.environ.get("SYNTHFOUNDRY_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.credentials = credentials or CredentialStore()
        key = api_key or os.environ.get("SYNTHFOUNDRY_API_KEY")
        self.credential: Credential | None = None
        auth: httpx.Auth | None = None
        if key:
            self.credential = "api_key"
        elif self.credentials.get(self.base_url) is not None:
            self.credential, auth = "login", LoginAuth(self.credentials, self.base_url)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.Client(
            base_url=self.base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )
        self.jobs = Jobs(self)
        self.datasets = Datasets(self, self.jobs)
        self.generators = Generators(self)
        self.synthetic_datasets = SyntheticDatasets(self, self.jobs)
        self.reports = Reports(self)
        self.api_keys = ApiKeys(self)
        self.images = Images(self, self.jobs)
        self.videos = Videos(self, self.jobs)
        self.music_videos = MusicVideos(self, self.jobs)
        self.flavors = Flavors(self)
        self.workflows = Workflows(self, self.jobs)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; the answer's JSON (``None`` when empty), or ``APIError``."""
        response = self.http.request(method, path, **kwargs)
        raise_for_problem(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    @contextmanager
    def stream(self, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A GET whose body is read as it comes (downloads)."""
        with self.http.stream("GET", path, **kwargs) as response:
            if response.is_error:
                response.read()
                raise_for_problem(response)
            yield response

    # -- signing in -----------------------------------------------------------------------------
    def login(self, email: str, password: str) -> User:
        """Sign in with a password and store the login for this server (its refresh token, in
        the user's configuration folder, readable by the user alone); this client, and later
        ones given no API key, then use it. Returns the signed-in user."""
        credentials = {"username": email, "password": password}
        # A plain Auth adds nothing: no stored login is refreshed for a new one.
        response = self.http.post("/v1/auth/token", data=credentials, auth=httpx.Auth())
        raise_for_problem(response)
        pair: TokenPair = response.json()
        with self.credentials.locked():
            self.credentials.put(self.base_url, stored_login(email, pair))
        self.http.headers.pop("Authorization", None)
        self.http.auth = LoginAuth(self.credentials, self.base_url)
        self.credential = "login"
        return self.whoami()

    def logout(self) -> bool:
        """End the stored login's session on the server and forget it here; ``False`` when none
        was stored. The login is forgotten even when the server cannot be told."""
        if self.credentials.get(self.base_url) is None:
            return False
        try:
            response = self.http.post(
                "/v1/auth/logout", auth=LoginAuth(self.credentials, self.base_url)
            )
            if response.status_code != 401:  # 401: the session had ended already
                raise_for_problem(response)
        except APIError as error:
            if error.status != 401:
                raise
        finally:
            with self.credentials.locked():
                self.credentials.remove(self.base_url)
        if self.credential == "login":
            self.credential = None
        return True

    def whoami(self) -> User:
        """The signed-in user, or the owner of the API key used."""
        user: User = self.request("GET", "/v1/users/me")
        return user

    # -- the main path --------------------------------------------------------------------------
    def train(
        self,
        dataset_id: str,
        synthesizer: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        column_overrides: dict[str, str] | None = None,
        name: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> Generator:
        """Create a generator on a dataset and train it; returns the generator (trained when
        ``wait``)."""
        generator = self.generators.create(
            dataset_id, synthesizer, params, column_overrides=column_overrides, name=name
        )
        job: Job = self.request("POST", f"/v1/generators/{generator['id']}/train")
        if not wait:
            return generator | {"training_job_id": job["id"]}
        self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.generators.get(generator["id"])

    @overload
    def generate(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: Conditions | None = None,
        rebalance: dict[str, Any] | None = None,
        known: Rows | None = None,
        file_format: str = "csv",
        report: bool = False,
        output: None = None,
        wait: Literal[True] = True,
        progress_bar: bool = False,
    ) -> pd.DataFrame: ...

    @overload
    def generate(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: Conditions | None = None,
        rebalance: dict[str, Any] | None = None,
        known: Rows | None = None,
        file_format: str = "csv",
        report: bool = False,
        output: str | Path,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> SyntheticDataset: ...

    @overload
    def generate(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: Conditions | None = None,
        rebalance: dict[str, Any] | None = None,
        known: Rows | None = None,
        file_format: str = "csv",
        report: bool = False,
        output: str | Path | None = None,
        wait: Literal[False],
        progress_bar: bool = False,
    ) -> SyntheticDataset: ...

    def generate(
        self,
        generator_id: str,
        size: int = 1000,
        *,
        seed: int | None = None,
        conditions: Conditions | None = None,
        rebalance: dict[str, Any] | None = None,
        known: Rows | None = None,
        file_format: str = "csv",
        report: bool = False,
        output: str | Path | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> SyntheticDataset | pd.DataFrame:
        """Generate rows on the server. With ``output`` they are downloaded there (the format
        follows its suffix) and the synthetic dataset is returned; without, they come back as
        a DataFrame whose ``attrs["synthetic_dataset"]`` is the synthetic dataset (its id, its
        report). ``wait=False`` returns the synthetic dataset at once, still generating. See
        ``synthetic_datasets.create`` for ``conditions``, ``rebalance`` and ``known``."""
        synthetic = self.synthetic_datasets.create(
            generator_id,
            size,
            seed=seed,
            conditions=conditions,
            rebalance=rebalance,
            known=known,
            file_format=file_format,
            report=report,
            wait=wait,
            progress_bar=progress_bar,
        )
        if not wait:
            return synthetic
        if output is not None:
            self.synthetic_datasets.download(synthetic["id"], output)
            return synthetic
        frame = self.synthetic_datasets.to_pandas(synthetic["id"])
        frame.attrs["synthetic_dataset"] = synthetic
        return frame

    def probe(
        self,
        generator_id: str,
        rows: int = 10,
        *,
        seed: int | None = None,
        conditions: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Up to 1000 rows at once from a trained generator, as a DataFrame whose columns are
        the table's, in its order."""
        answer = self.generators.probe_rows(generator_id, rows, seed=seed, conditions=conditions)
        return tables.from_rows(answer["columns"], answer["rows"])

    def evaluate(
        self,
        real_dataset_id: str,
        synthetic_dataset_id: str,
        *,
        holdout_dataset_id: str | None = None,
        target: str | None = None,
        wait: bool = True,
        progress_bar: bool = False,
    ) -> Report:
        """Judge a synthetic dataset against a real one; returns the report (ready when
        ``wait``)."""
        body = {
            "real_dataset_id": real_dataset_id,
            "synthetic_dataset_id": synthetic_dataset_id,
            "holdout_dataset_id": holdout_dataset_id,
            "target": target,
        }
        job: Job = self.request("POST", "/v1/reports", json=body)
        if wait:
            self.jobs.wait(job["id"], progress_bar=progress_bar)
        return self.reports.get(str(job.get("target_id")))

    def stats(self) -> dict[str, Any]:
        """Your datasets, generators, jobs by status, rows uploaded and generated, bytes."""
        answer: dict[str, Any] = self.request("GET", "/v1/stats")
        return answer
