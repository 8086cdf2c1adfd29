from __future__ import annotations

import stat
from pathlib import Path

import pytest

from synthfoundry.client.credentials import CredentialStore, StoredLogin, config_dir

LOGIN: StoredLogin = {
    "email": "a@example.com",
    "refresh_token": "r1",
    "access_token": "a1",
    "access_expires_at": 0.0,
}


def test_the_config_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SYNTHFOUNDRY_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "synthfoundry"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "synthfoundry"
    monkeypatch.setenv("SYNTHFOUNDRY_CONFIG_DIR", str(tmp_path / "override"))
    assert config_dir() == tmp_path / "override"


def test_logins_are_kept_per_server_readable_by_the_owner_alone(tmp_path: Path) -> None:
    store = CredentialStore()
    assert store.path == tmp_path / "config" / "credentials.json"
    with store.locked():
        store.put("http://one:8000/", LOGIN)
        store.put("http://two:8000", LOGIN | {"refresh_token": "r2"})

    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.get("http://one:8000") == LOGIN
    assert store.remove("http://two:8000") == LOGIN | {"refresh_token": "r2"}
    assert store.get("http://two:8000") is None
    assert sorted(path.name for path in store.path.parent.iterdir()) == [
        "credentials.json",
        "credentials.json.lock",
    ]


def test_a_damaged_file_is_no_login(tmp_path: Path) -> None:
    store = CredentialStore(tmp_path / "credentials.json")
    store.path.write_text("{not json")
    assert store.get("http://one:8000") is None
    store.put("http://one:8000", LOGIN)
    assert store.get("http://one:8000") == LOGIN
