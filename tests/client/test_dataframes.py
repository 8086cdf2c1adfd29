"""DataFrames and Arrow tables in and out of the client, against a live server."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from fastapi.testclient import TestClient

from synthfoundry.api import create_app
from synthfoundry.client import Client
from synthfoundry.config import Settings
from synthfoundry.db import Database
from tests.client.conftest import TABULAR_SCOPES
from tests.support.accounts import create_key, signed_in
from tests.support.server import running_server


def people(rows: int = 300) -> pd.DataFrame:
    """Columns deliberately not in alphabetical order, with missing values in several kinds."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "zone": rng.choice(["north", "south", "east"], rows),
            "age": rng.integers(18, 80, rows).astype("float64"),
            "member": rng.choice([True, False], rows),
            "city": rng.choice(["Oslo", "Lima", "Pune"], rows).astype(object),
        },
        index=pd.Index(range(1000, 1000 + rows), name="person_id"),
    )
    frame.loc[frame.index[::10], "age"] = np.nan
    frame.loc[frame.index[::7], "city"] = None
    return frame


def test_a_dataframe_uploads_as_it_is_and_rows_come_back_as_dataframes(
    server: tuple[str, str],
) -> None:
    base_url, api_key = server
    frame = people()
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(frame, name="people")
        assert dataset["rows"] == len(frame) and dataset["source_format"] == "parquet"
        names = [column["name"] for column in dataset["column_schema"]]
        assert names == ["person_id", "zone", "age", "member", "city"]  # the named index too
        stats = {
            column["name"]: column for column in client.datasets.stats(dataset["id"])["columns"]
        }
        assert stats["age"]["nulls"] == 30 and stats["city"]["nulls"] == 43
        roundtrip = client.datasets.to_pandas(dataset["id"])
        assert roundtrip["city"].isna().sum() == 43

        generator = client.train(dataset["id"], "gaussian_copula", {"seed": 1})
        probed = client.probe(generator["id"], rows=7, seed=2)
        assert isinstance(probed, pd.DataFrame)
        assert list(probed.columns) == names and len(probed) == 7

        made = client.generate(generator["id"], 250, seed=3)
        assert isinstance(made, pd.DataFrame)
        assert list(made.columns) == names and len(made) == 250
        synthetic = made.attrs["synthetic_dataset"]
        assert synthetic["rows"] == 250 and client.synthetic_datasets.get(synthetic["id"])
        again = client.generate(generator["id"], 250, seed=3)
        pd.testing.assert_frame_equal(made, again)

        known = pd.DataFrame({"zone": ["north", "south", "east"], "member": [True, False, True]})
        completed = client.generate(generator["id"], known=known, seed=4)
        assert list(completed.columns) == names and len(completed) == 3
        assert completed[["zone", "member"]].to_dict("list") == known.to_dict("list")


def test_an_arrow_table_uploads_too(server: tuple[str, str]) -> None:
    base_url, api_key = server
    table = pa.table({"b": [1, 2, None], "a": ["x", None, "z"]})
    with Client(base_url, api_key) as client:
        dataset = client.datasets.upload(table)
    assert [column["name"] for column in dataset["column_schema"]] == ["b", "a"]
    assert dataset["rows"] == 3


def test_upload_waits_for_the_ingest_job_of_a_large_file(
    settings: Settings, migrated_database: Database
) -> None:
    settings.datasets.ingest_job_bytes = 0  # every file is "large"
    application = create_app(settings)
    with running_server(application) as base_url, TestClient(application) as helper:
        account = signed_in(helper, migrated_database, "big@example.com")
        api_key = create_key(helper, account, TABULAR_SCOPES)["secret"]
        with Client(base_url, api_key) as client:
            queued = client.datasets.upload(people(50))
            ready = client.datasets.upload(people(50), wait=True)

    assert queued["status"] == "ingesting"
    assert ready["status"] == "ready" and ready["rows"] == 50
