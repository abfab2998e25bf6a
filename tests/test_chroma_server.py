"""The index against a real Chroma server (`chroma run`) started on loopback by the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interviewer.config import load_settings
from interviewer.index import IndexError_
from interviewer.services import Services

from .test_app_client import free_port

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.xdist_group("servers")]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("the chroma command (from the chromadb package) is missing; run `make install`")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_index_and_search_through_a_chroma_server(chroma_server, tmp_path):
    settings = load_settings(
        data_dir=tmp_path / "data",
        corpus_dir=ROOT / "corpus",
        rubrics_dir=ROOT / "rubrics",
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
    )
    svc = Services(settings)
    first = svc.ensure_index(progress=False)
    assert first["added"] > 250
    again = Services(settings).ensure_index(progress=False)
    assert again["added"] == again["updated"] == 0
    assert svc.search("How does a decision tree work?", k=1)[0]["id"] == "mlf-decision-tree"
    assert not (tmp_path / "data" / "chroma").exists()


def test_a_server_that_is_down_gives_a_clear_error(tmp_path):
    settings = load_settings(
        data_dir=tmp_path,
        chroma_host="127.0.0.1",
        chroma_port=free_port(),
        corpus_dir=ROOT / "corpus",
        rubrics_dir=ROOT / "rubrics",
    )
    with pytest.raises(IndexError_, match="chroma run"):
        Services(settings).ensure_index(progress=False)
