"""What voice answers leave behind: each answer's delivery measures and, when the candidate opted in, the recording.

Files under `<data_dir>/voice/candidates/<owner>/<session>/` (0700 folders, 0600 files, outside Gradio's temp folder
so never served). The profile service includes them in an export, removes them with the profile, and purges them
with their session at retention, like every other datum.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from interviewer.sessions.downloads import owner_folder, private_dir, remove_owner_folder


class VoiceStore:
    def __init__(self, data_dir: Path):
        self.root = data_dir / "voice" / "candidates"

    def _session_dir(self, profile: str, session_id: str) -> Path:
        return self.root / owner_folder(profile) / session_id

    def add(self, profile: str, session_id: str, record: dict[str, Any], audio: Path | None = None) -> dict:
        """Append one answer's record (and a copy of its recording when given); the record as stored."""
        folder = private_dir(self._session_dir(profile, session_id))
        record = {**record, "at": time.time()}
        if audio is not None:
            name = f"answer-{int(record['at'] * 1000)}{audio.suffix.lower()}"
            shutil.copyfile(audio, folder / name)
            os.chmod(folder / name, 0o600)
            record["recording"] = name
        path = folder / "delivery.jsonl"
        fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return record

    def records(self, profile: str, session_id: str) -> list[dict[str, Any]]:
        path = self._session_dir(profile, session_id) / "delivery.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def export(self, profile: str) -> list[dict[str, Any]]:
        """Every session's voice records of a profile, recordings included (base64)."""
        folder = self.root / owner_folder(profile)
        out: list[dict[str, Any]] = []
        for session_dir in sorted(folder.iterdir()) if folder.is_dir() else []:
            for record in self.records(profile, session_dir.name):
                name = record.get("recording")
                if name and (session_dir / name).is_file():
                    record["recording_base64"] = base64.b64encode((session_dir / name).read_bytes()).decode()
                out.append({"session": session_dir.name, **record})
        return out

    def remove_profile(self, profile: str) -> int:
        """Remove every voice file of a profile; how many files."""
        return remove_owner_folder(self.root, profile)

    def remove_sessions(self, session_ids: list[str]) -> int:
        """Remove the voice files of these sessions (the retention purge); how many files."""
        if not session_ids or not self.root.is_dir():
            return 0
        removed = 0
        for sid in set(session_ids):
            for folder in self.root.glob(f"*/{sid}"):
                removed += sum(1 for p in folder.rglob("*") if p.is_file())
                shutil.rmtree(folder, ignore_errors=True)
                with contextlib.suppress(OSError):
                    folder.parent.rmdir()
        return removed
