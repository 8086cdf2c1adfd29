from __future__ import annotations

import json
import logging

import pytest

from synthfoundry.config import LoggingSettings
from synthfoundry.logging import configure_logging, get_logger


def test_json_lines_with_context_and_secrets_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LoggingSettings(format="json"))
    import structlog

    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        get_logger("test").info("signed in", password="hunter2", refresh_token="abc", user="ada")
        logging.getLogger("stdlib").warning("plain %s", "line")
    finally:
        structlog.contextvars.clear_contextvars()

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    first, second = lines[-2], lines[-1]
    assert first["event"] == "signed in"
    assert first["request_id"] == "req-1"
    assert first["password"] == "[redacted]"
    assert first["refresh_token"] == "[redacted]"
    assert first["user"] == "ada"
    assert second["event"] == "plain line"
    assert second["level"] == "warning"
