"""A real PostgreSQL server on loopback for the storage and scale-out tests (Debian's packages, installed by
scripts/setup-postgres.sh, which `make test` runs).

The server runs in a throw-away folder under /tmp as the `postgres` system user when the tests run as root
(PostgreSQL refuses to run as root), otherwise as the current user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .helpers import free_port, stop, wait_until


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh PostgreSQL cluster; yield a SQLAlchemy URL to an empty database in it."""
    bindir = _bin_dir()
    if bindir is None:
        pytest.fail("PostgreSQL is not installed: run `bash scripts/setup-postgres.sh` (make test does)")
    folder = Path(tempfile.mkdtemp(prefix="interviewer-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    folder.chmod(0o700)
    data, port = folder / "data", free_port()
    run = _as_server_user
    subprocess.run(
        run([str(bindir / "initdb"), "-D", str(data), "-U", "interviewer", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        run(
            [
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(folder),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                "-c",
                "fsync=off",  # a throw-away test cluster: durability is PostgreSQL's business, not ours
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError("the PostgreSQL test server exited at start")
            probe = [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)]
            return subprocess.run(probe, capture_output=True).returncode == 0

        wait_until(ready, 30, interval_s=0.1, what="the PostgreSQL test server")
        subprocess.run(
            [
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "interviewer",
                "interviewer",
            ],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://interviewer@127.0.0.1:{port}/interviewer"
    finally:
        stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
