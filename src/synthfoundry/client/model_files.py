"""A trained model's files as the server moves them: a ZIP of ``synthesizer.json`` and
``arrays.npz``, unpacked into a folder that ``synthfoundry.load_synthesizer`` reads, and packed
from one that a synthesizer's ``save`` wrote. Members are written under those two fixed names
only, whatever paths the archive gives them."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

MODEL_FILES = ("synthesizer.json", "arrays.npz")
CHUNK_BYTES = 1024 * 1024


def unpack(archive: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        members = {
            PurePosixPath(info.filename).name: info
            for info in opened.infolist()
            if not info.is_dir() and PurePosixPath(info.filename).name in MODEL_FILES
        }
        if missing := [name for name in MODEL_FILES if name not in members]:
            raise ValueError(f"the model archive holds no {', '.join(missing)}")
        folder.mkdir(parents=True, exist_ok=True)
        for name, info in members.items():
            with opened.open(info) as source, open(folder / name, "wb") as sink:
                while chunk := source.read(CHUNK_BYTES):
                    sink.write(chunk)
    return folder


def pack(folder: Path) -> bytes:
    if missing := [name for name in MODEL_FILES if not (folder / name).is_file()]:
        raise FileNotFoundError(
            f"{folder} holds no {', '.join(missing)}; is it a folder a synthesizer saved?"
        )
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in MODEL_FILES:
            archive.write(folder / name, name)
    return sink.getvalue()
