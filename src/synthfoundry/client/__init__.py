"""A Python client for a Synthfoundry server.

    from synthfoundry.client import Client
    client = Client("http://127.0.0.1:8000", api_key="sfk_...")  # or the environment
    dataset = client.datasets.upload("adult.csv")          # or a DataFrame, or an Arrow table
    generator = client.train(dataset["id"], synthesizer="ctgan", params={"epochs": 50})
    frame = client.generate(generator["id"], size=10_000)  # a DataFrame
    synthetic = client.generate(generator["id"], size=100_000, output="synthetic.parquet")
    report = client.evaluate(dataset["id"], synthetic["id"], target="income")

The environment variables SYNTHFOUNDRY_BASE_URL and SYNTHFOUNDRY_API_KEY stand in for the
arguments; without an API key, the login that ``Client.login`` (or ``synthfoundry login``) stored
for the server is used. Every error answer raises ``APIError`` with the problem's fields; a job
that ends in failure raises ``JobFailed``. Waiting for a job follows its event stream (a progress
bar on stderr with ``progress_bar=True``), or polls a server that offers none. The client needs
only httpx and rich, and pandas or pyarrow for the calls that take or return tables; other
answers are plain dicts, typed in ``synthfoundry.client.schemas``.
"""

from synthfoundry.client.client import Client
from synthfoundry.client.errors import APIError, JobFailed, NotSignedIn

__all__ = ["APIError", "Client", "JobFailed", "NotSignedIn"]
