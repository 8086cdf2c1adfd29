"""A missing value stays missing on the server path: uploaded as an empty CSV cell (or a JSON
null, or a Parquet null), it is counted by the stats, kept null in every download, learnt by the
model, made again in synthetic rows and probes, and measured by the report."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from synthfoundry import get_synthesizer
from synthfoundry.datasets.parsing import Limits, ingest
from synthfoundry.db import Database
from synthfoundry.tabular.base import TabularSynthesizer
from tests.support.accounts import Account, signed_in
from tests.support.jobs import wait_job

ROWS = 300
NULL_SHARES = {
    "age": 0.10,  # integer
    "income": 0.20,  # float
    "city": 0.25,  # categorical text
    "member": 0.15,  # boolean
    "joined": 0.10,  # datetime
    "note": 0.30,  # free text
}
DOWNLOADS = ("csv", "json", "parquet", "zip")


def people_with_gaps() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    words = ["quiet", "brisk", "sunny", "late", "early", "rainy", "long", "short"]
    frame = pd.DataFrame(
        {
            "age": pd.array(rng.integers(18, 80, ROWS), dtype="Int64"),
            "income": rng.normal(50_000, 12_000, ROWS).round(2),
            "city": rng.choice(["Oslo", "Lima", "Pune"], ROWS).astype(object),
            "member": pd.array(rng.choice([True, False], ROWS), dtype="boolean"),
            "joined": [
                (pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d")
                for d in rng.integers(0, 1500, ROWS)
            ],
            "note": [
                f"a {rng.choice(words)} visit number {i} with {rng.integers(1, 9)} friends"
                for i in range(ROWS)
            ],
        }
    )
    for name, share in NULL_SHARES.items():
        gaps = rng.choice(ROWS, int(ROWS * share), replace=False)
        frame.loc[gaps, name] = None
    return frame


def expected_nulls(frame: pd.DataFrame) -> dict[str, int]:
    return {name: int(frame[name].isna().sum()) for name in frame.columns}


def download(client: TestClient, account: Account, url: str, file_format: str) -> pd.DataFrame:
    """A download read back without guessing: CSV empty cells, JSON nulls and Parquet nulls
    become missing, and no other text does."""
    response = client.get(f"{url}/download?format={file_format}", headers=account.headers)
    assert response.status_code == 200, response.text
    content = response.content
    if file_format == "parquet":
        return pq.read_table(io.BytesIO(content)).to_pandas()
    if file_format == "json":
        return pd.DataFrame(json.loads(content))
    if file_format == "zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = archive.read(archive.namelist()[0])
    return pd.read_csv(
        io.BytesIO(content), keep_default_na=False, na_values=[""], dtype=str
    ).replace({np.nan: None})


def upload(client: TestClient, account: Account, name: str, content: bytes) -> str:
    response = client.post("/v1/datasets", files={"file": (name, content)}, headers=account.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stats_nulls(client: TestClient, account: Account, dataset_id: str) -> dict[str, int]:
    stats = client.get(f"/v1/datasets/{dataset_id}/stats", headers=account.headers).json()
    return {column["name"]: column["nulls"] for column in stats["columns"]}


def finished(
    client: TestClient, account: Account, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """POST a request that starts a job and wait for the job to succeed."""
    accepted = client.post(path, json=body, headers=account.headers)
    assert accepted.status_code == 202, accepted.text
    job = wait_job(client, account, accepted.json()["id"], seconds=120)
    assert job["status"] == "succeeded", job
    return job


def empty_strings(frame: pd.DataFrame) -> dict[str, int]:
    return {name: int((frame[name].astype(object) == "").sum()) for name in frame.columns}


def test_missing_values_survive_upload_download_training_generation_and_report(
    client: TestClient, migrated_database: Database
) -> None:
    owner = signed_in(client, migrated_database, "gaps@example.com")
    truth = people_with_gaps()
    nulls = expected_nulls(truth)
    assert all(count > 0 for count in nulls.values())

    dataset_id = upload(client, owner, "people.csv", truth.to_csv(index=False).encode())

    assert stats_nulls(client, owner, dataset_id) == nulls
    schema = client.get(f"/v1/datasets/{dataset_id}", headers=owner.headers).json()
    assert all(column["nullable"] for column in schema["column_schema"])
    preview = client.get(f"/v1/datasets/{dataset_id}/preview", headers=owner.headers).json()
    assert "" not in [row["city"] for row in preview["rows"]]
    for file_format in DOWNLOADS:
        frame = download(client, owner, f"/v1/datasets/{dataset_id}", file_format)
        assert expected_nulls(frame) == nulls, file_format
        assert not any(empty_strings(frame).values()), file_format

    generator = client.post(
        "/v1/generators",
        json={"dataset_id": dataset_id, "synthesizer": "gaussian_copula"},
        headers=owner.headers,
    ).json()
    finished(client, owner, f"/v1/generators/{generator['id']}/train")

    probe = client.post(
        f"/v1/generators/{generator['id']}/probe",
        json={"rows": 200, "seed": 3},
        headers=owner.headers,
    )
    assert probe.status_code == 200, probe.text
    probed = pd.DataFrame(probe.json()["rows"])
    assert not any(empty_strings(probed).values())
    assert all(probed[name].isna().any() for name in NULL_SHARES), expected_nulls(probed)

    made = finished(
        client,
        owner,
        "/v1/synthetic-datasets",
        {"generator_id": generator["id"], "size": 1000, "seed": 1, "report": True},
    )
    synthetic_url = f"/v1/synthetic-datasets/{made['target_id']}"
    synthetic = client.get(synthetic_url, headers=owner.headers).json()
    assert synthetic["report"]["validity"] > 0.95
    shares: dict[str, float] | None = None
    for file_format in DOWNLOADS:
        frame = download(client, owner, synthetic_url, file_format)
        assert len(frame) == 1000, file_format
        assert not any(empty_strings(frame).values()), file_format
        these = {name: float(frame[name].isna().mean()) for name in NULL_SHARES}
        for name, share in NULL_SHARES.items():
            assert these[name] == pytest.approx(share, abs=0.08), (file_format, name, these)
        assert shares is None or these == shares, file_format  # every format, the same rows
        shares = these

    judged = finished(
        client,
        owner,
        "/v1/reports",
        {"real_dataset_id": dataset_id, "synthetic_dataset_id": made["target_id"]},
    )
    details = client.get(f"/v1/reports/{judged['target_id']}/details", headers=owner.headers).json()
    rates = {entry["column"]: entry for entry in details["validity"]["columns"]}
    for name, share in NULL_SHARES.items():
        assert rates[name]["null_rate_real"] == pytest.approx(share, abs=1e-6), name
        assert rates[name]["null_rate_synthetic"] == pytest.approx(share, abs=0.08), name
        assert rates[name]["unknown_categories"] == 0, name


def encoded(frame: pd.DataFrame, source: str) -> bytes:
    """The frame as an upload in ``source`` format, missing values as that format writes them."""
    if source == "tsv":
        return str(frame.to_csv(index=False, sep="\t")).encode()
    if source in ("json", "jsonl"):
        return str(frame.to_json(orient="records", lines=source == "jsonl")).encode()
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
    return sink.getvalue()


@pytest.mark.parametrize("source", ["tsv", "json", "jsonl", "parquet"])
def test_other_upload_formats_keep_missing_values(
    client: TestClient, migrated_database: Database, source: str
) -> None:
    owner = signed_in(client, migrated_database, "formats@example.com")
    truth = people_with_gaps()
    dataset_id = upload(client, owner, f"people.{source}", encoded(truth, source))

    assert stats_nulls(client, owner, dataset_id) == expected_nulls(truth)
    frame = download(client, owner, f"/v1/datasets/{dataset_id}", "json")
    assert expected_nulls(frame) == expected_nulls(truth)
    assert not any(empty_strings(frame).values())


def test_an_empty_cell_is_missing_and_a_quoted_empty_string_is_text(tmp_path: Path) -> None:
    path = tmp_path / "upload"
    path.write_bytes(b'n,s,t\n1,,NA\n,"",x\nNA,a,\n')

    table = ingest(path, "d.csv", Limits()).table

    assert table.to_pydict() == {
        "n": [1, None, None],
        "s": [None, "", "a"],
        "t": ["NA", "x", None],
    }


def test_a_copula_makes_missing_categories_and_booleans_as_often_as_seen() -> None:
    truth = people_with_gaps()

    synthesizer = get_synthesizer("gaussian_copula")
    assert isinstance(synthesizer, TabularSynthesizer)

    made = synthesizer.fit(truth).sample(2000, seed=2)

    for name, share in NULL_SHARES.items():
        assert made[name].isna().mean() == pytest.approx(share, abs=0.05), name
