"""A real PostgreSQL for the tests: Debian's `postgresql` binaries on loopback.

`initdb` and `pg_ctl` run in a temporary directory as an unprivileged user (PostgreSQL
refuses to run as root, and CI runs as root: there the directory is handed to `nobody`
and the commands run through `runuser`). The server listens on 127.0.0.1 on a free
port, with trust authentication (loopback only, a throwaway cluster). Each test gets
a database of its own (`fresh_dsn`); `stop`/`start` restart the server for drills.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

USER = "nobody"


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package (.ci/run does)")
    return path


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, *, options: str = "") -> None:
        self.options = options  # extra server settings, e.g. "-c shared_preload_libraries=..."
        self.dir = Path(tempfile.mkdtemp(prefix="crashloop-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.log = self.dir / "postgres.log"
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam(USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.dir.chmod(0o700)
            self._as_user = ["runuser", "-u", USER, "--"]
        self._counter = 0

    def _run(self, *cmd: str, timeout: float = 60) -> None:
        proc = subprocess.run(
            [*self._as_user, *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {proc.stdout}\n{proc.stderr}\n{self.output()}")

    def init(self) -> None:
        self._run(
            _bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}"
            " -c fsync=off -c full_page_writes=off -c max_connections=200"
            f" {self.options}"
        )
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def output(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-3000:]
        return ""

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def fresh_dsn(self) -> str:
        """A new, empty database on this server."""
        self._counter += 1
        name = f"t{os.getpid()}_{self._counter}_{int(time.time() * 1000) % 100000}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def cleanup(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def running_postgres(*, options: str = "") -> Iterator[PgServer]:
    server = PgServer(options=options)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.cleanup()
