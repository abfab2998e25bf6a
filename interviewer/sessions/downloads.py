"""Files a candidate downloads (data exports, scorecards), kept private and short-lived.

Gradio serves any file under its temp folder (GRADIO_TEMP_DIR) to whoever knows the path, and by default that
folder is a world-readable `/tmp/gradio`. So the app points it at a 0700 folder under the data folder, and writes
each download into `downloads/<owner>/<random>/` there: an unguessable path, 0600, removed after one complete
download, after `download_ttl_minutes`, with its session by the retention purge, and with the profile when the
candidate deletes their data. Nothing here imports Gradio; `RemoveAfterDownload` is plain ASGI middleware.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TEMP_SUBDIR = "gradio-tmp"


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed and make it 0700: only the app's user may list or read it."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def private_temp_dir(data_dir: Path) -> Path:
    """Make Gradio's temp folder a 0700 folder under the data folder and point GRADIO_TEMP_DIR at it.

    Call before building the Blocks: Gradio reads the variable when a component is made and when it launches.
    """
    folder = private_dir(private_dir(data_dir) / TEMP_SUBDIR)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)
    return folder


def owner_folder(profile: str) -> str:
    """The folder name for a profile's downloads: a hash, so paths in URLs do not carry the profile id."""
    return hashlib.sha256(f"downloads:{profile}".encode()).hexdigest()[:24]


def remove_owner_folder(root: Path, profile: str) -> int:
    """Remove a profile's folder under `root` and everything in it; how many files it held."""
    folder = root / owner_folder(profile)
    count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    shutil.rmtree(folder, ignore_errors=True)
    return count


class Downloads:
    """Writes and removes the candidate's download files under `root` (the private temp folder)."""

    def __init__(self, root: Path, ttl_s: float):
        self.root = root / "downloads"
        self.ttl_s = ttl_s

    def write(self, profile: str, name: str, text: str) -> Path:
        """Write `text` to a new private file named `name` for `profile`; its path."""
        folder = private_dir(self.root / owner_folder(profile) / secrets.token_urlsafe(16))
        path = folder / name
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def holds(self, path: Path) -> bool:
        """Whether `path` is a download file written here (resolved, so `..` cannot step out)."""
        try:
            path.resolve().relative_to(self.root.resolve())
        except (ValueError, OSError):
            return False
        return True

    def remove(self, path: Path) -> bool:
        """Remove one download file and its folder when empty; whether a file was removed."""
        if not self.holds(path):
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        with contextlib.suppress(OSError):  # another file of the same download is still there
            path.parent.rmdir()
        return True

    def remove_profile(self, profile: str) -> int:
        """Remove every download of a profile; how many files."""
        return remove_owner_folder(self.root, profile)

    def remove_sessions(self, session_ids: list[str]) -> int:
        """Remove the scorecard files of these sessions (named `scorecard-<id>.*`); how many files."""
        if not session_ids or not self.root.is_dir():
            return 0
        wanted = set(session_ids)
        removed = 0
        for path in self.root.glob("*/*/scorecard-*"):
            if path.stem.removeprefix("scorecard-") in wanted:
                removed += self.remove(path)
        return removed

    def remove_expired(self, now: float | None = None) -> int:
        """Remove downloads older than the time to live; how many files."""
        if not self.root.is_dir():
            return 0
        cutoff = (now or time.time()) - self.ttl_s
        removed = 0
        for path in self.root.glob("*/*/*"):
            try:
                old = path.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if old:
                removed += self.remove(path)
        return removed


FILE_ROUTE = "/gradio_api/file="


class RemoveAfterDownload:
    """ASGI middleware: once a download file has been sent whole (GET, 200), remove it.

    A scorecard or export is fetched once; a second fetch, or anyone who later learns the URL, gets Gradio's
    "File not allowed". Range requests (partial content) leave the file for the rest of the download.
    """

    def __init__(self, app: Any, downloads: Downloads):
        self.app = app
        self.downloads = downloads

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = self._target(scope)
        if path is None:
            await self.app(scope, receive, send)
            return
        status: list[int] = []
        finished: list[bool] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished.append(True)
            await send(message)

        await self.app(scope, receive, watch)
        if status == [200] and finished and self.downloads.remove(path):
            log.info("download sent and removed", extra={"file": path.name})

    def _target(self, scope: dict[str, Any]) -> Path | None:
        """The download file a request fetches whole, or None for any other request."""
        if scope.get("type") != "http" or scope.get("method") != "GET":
            return None
        route = scope.get("path", "")
        at = route.find(FILE_ROUTE)
        if at < 0:
            return None
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if b"range" in headers:
            return None
        path = Path(route[at + len(FILE_ROUTE) :])  # ASGI paths arrive percent-decoded
        return path if self.downloads.holds(path) else None
