"""Smoke checks of the built container image, run by tests/image/build-and-smoke.sh.

    python -m tests.image.smoke IMAGE BASE_IMAGE

Not a pytest module (its name does not start with test_): it needs root, buildah and
the image the script has just built. The first check that fails stops the run with a
message that says what broke and where to look (exit status 1).

How the image runs here. `podman run` lacks the privileges it needs on this machine, so
the image runs under `buildah run --isolation chroot`, which shares the host's network:
the bot inside reaches this process's fake Slack and Kubernetes API servers on
127.0.0.1, and this process reaches the bot's port the same way. buildah run has no
`--read-only`, so the working container's overlay mount is remounted read-only before
anything runs in it (see `seal`): the root filesystem refuses every write, even root's.
The state directory is a host directory bind-mounted at /var/lib/crashloop-bot (as a
volume would be), the kubeconfig a read-only bind mount at /mnt.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.alerts.conftest import CHANNEL as ALERT_CHANNEL
from tests.alerts.procs import (
    TOKEN,
    BotProcess,
    am_alert,
    http,
    notification,
    post_webhook,
    wait_until,
)
from tests.conftest import SCENARIOS
from tests.fakes.kubeapi import FakeKubeAPI, running_in_thread, write_kubeconfig
from tests.fakes.slack_signing import DEFAULT_SIGNING_SECRET, signed_headers, slash_command_body
from tests.fakes.slackapi import FakeSlackAPI
from tests.slack.conftest import CHANNEL, OOM_POD

BUILDAH = ("buildah", "--storage-driver", "overlay")
USER = "10001:10001"
ENTRYPOINT = ["crashloop-bot"]
CMD = ["serve"]
STATE = "/var/lib/crashloop-bot"
# The kubeconfig goes here, read-only: an empty directory every Debian image has (a bind
# mount needs its mount point to exist, and a read-only root cannot create one).
CONFIG_DIR = "/mnt"
SCENARIO = "oom-cgroup-java"  # OOM_POD lives in it
OOM_CONTAINER = "app"

COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "make", "ld", "as")
PATH_DIRS = ("usr/local/bin", "usr/local/sbin", "usr/bin", "usr/sbin", "bin", "sbin")
ARCHIVES = (".whl", ".tar.gz", ".tar.bz2", ".zip")
PROJECT = "crashloop-bot"


class SmokeFailure(Exception):
    """A check of the image failed; the message says what and where to look."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def buildah(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [*BUILDAH, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise SmokeFailure(f"`buildah {' '.join(args)}` failed: {done.stderr.strip()}")
    return done.stdout


@dataclass
class Container:
    """A buildah working container of the image, its root filesystem mounted on the host.

    `state` is the host directory bind-mounted at STATE (when there are volumes)."""

    name: str
    rootfs: Path
    volumes: tuple[str, ...] = ()
    state: Path | None = None
    runs: int = 0

    def argv(
        self, command: Sequence[str], *, user: str | None = None, env: dict[str, str] | None = None
    ) -> list[str]:
        """The `buildah run` command line; without `user`, the image's own USER applies."""
        args = [*BUILDAH, "run", "--isolation", "chroot"]
        for volume in self.volumes:
            args += ["--volume", volume]
        if user is not None:
            args += ["--user", user]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        return [*args, self.name, "--", *command]

    def run(
        self, command: Sequence[str], *, user: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a command to its end; stdout holds its output (stdout and stderr).

        The output goes through a file on the state volume, not buildah's stdio: under
        load, buildah 1.28's chroot relay was seen to drop a short command's output."""
        assert self.state is not None, "commands run with the state volume mounted"
        self.runs += 1
        name = f".smoke-{self.runs}.out"
        wrapped = ["sh", "-c", f'"$@" >{STATE}/{name} 2>&1', "sh", *command]
        done = subprocess.run(
            self.argv(wrapped, user=user),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        out = self.state / name
        output = out.read_text(errors="replace") if out.exists() else ""
        out.unlink(missing_ok=True)
        return subprocess.CompletedProcess(done.args, done.returncode, output, done.stderr)


def seal(rootfs: Path) -> None:
    """Make the container's root filesystem read-only, the way `--read-only` would.

    buildah run bind-mounts its own /run/.containerenv into the container and deletes
    the file afterwards; on a read-only root that deletion fails (and buildah 1.28
    panics), so /run first gets an empty tmpfs owned by root, mode 0755: the bot's user
    cannot write there either.
    """
    options = "mode=0755,size=1m,nosuid,nodev,noexec"
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "image-run", str(rootfs / "run")], check=True
    )
    subprocess.run(["mount", "-o", "remount,ro", str(rootfs)], check=True)


@contextlib.contextmanager
def container(
    image: str, *, volumes: tuple[str, ...] = (), state: Path | None = None, sealed: bool
) -> Iterator[Container]:
    name = buildah("from", "--pull=never", image).strip()
    try:
        rootfs = Path(buildah("mount", name).strip())
        if sealed:
            seal(rootfs)
        try:
            yield Container(name, rootfs, volumes, state)
        finally:
            if sealed:
                subprocess.run(["umount", str(rootfs / "run")], check=False)
    finally:
        buildah("rm", name)


# --------------------------------------------------------------------------- checks


def check_config(image: str) -> None:
    config = json.loads(buildah("inspect", "--type", "image", image))["OCIv1"]["config"]
    user, entrypoint, cmd = config.get("User"), config.get("Entrypoint"), config.get("Cmd")
    expect(user == USER, f"the image runs as {user!r}, not {USER}: see USER in the Dockerfile")
    expect(
        entrypoint == ENTRYPOINT,
        f"the image's entrypoint is {entrypoint!r}, not {ENTRYPOINT} (docs/install.md)",
    )
    expect(cmd == CMD, f"the image's default command is {cmd!r}, not {CMD} (docs/install.md)")
    print(f"ok: user {user}, entrypoint {entrypoint}, command {cmd}")


def files(root: Path) -> set[str]:
    """Every path in a mounted root filesystem, as the image sees it ("/usr/...")."""
    found: set[str] = set()
    for top, dirs, names in os.walk(root):
        rel = "/" + os.path.relpath(top, root).removeprefix(".").lstrip("/")
        for name in dirs + names:
            found.add(os.path.join(rel, name))
    return found


def is_ours(pyproject: Path) -> bool:
    """Whether a pyproject.toml is this project's (some wheels ship their own, e.g.
    kubernetes_asyncio's lands in site-packages; that is theirs, not a leftover of ours)."""
    try:
        doc = tomllib.loads(pyproject.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return bool(doc.get("project", {}).get("name") == PROJECT)


def check_contents(image_root: Path, base_root: Path) -> None:
    """No build tools, wheels or sources: compared with the base, the Dockerfile may only
    have added the installed packages, the user and the empty state directory."""
    for leftover in ("src", "wheels"):
        expect(
            not (image_root / leftover).exists(),
            f"/{leftover} is left in the image: the build stage's files must not be copied",
        )
    tools = [
        f"/{d}/{t}" for d in PATH_DIRS for t in COMPILERS if os.path.lexists(image_root / d / t)
    ]
    expect(not tools, f"build tools in the image: {', '.join(tools)}")
    added = files(image_root) - files(base_root)
    stray = sorted(
        p
        for p in added
        if p.endswith(ARCHIVES)
        or p.startswith(("/root/.cache", "/tmp/", f"{STATE}/"))
        or p.endswith("/constraints.txt")
        or (p.endswith("/pyproject.toml") and is_ours(image_root / p.lstrip("/")))
    )
    expect(
        not stray,
        "wheels, sources or caches left in the image: "
        + ", ".join(stray[:10])
        + (" ..." if len(stray) > 10 else ""),
    )
    st = (image_root / STATE.lstrip("/")).stat()
    owner = f"{st.st_uid}:{st.st_gid}"
    expect(owner == USER, f"{STATE} belongs to {owner}, not {USER}: the bot cannot write its state")
    print(f"ok: no build tools, wheels or sources ({len(added)} paths added to the base)")


def check_commands(ctr: Container) -> None:
    ids = ctr.run(["sh", "-c", 'echo "$(id -u):$(id -g)"'])
    expect(ids.stdout.strip() == USER, f"commands run as {ids.stdout.strip()!r}, not {USER}")
    demo = ctr.run(["crashloop-bot", "demo"])
    expect(
        demo.returncode == 0 and "crash-looping pods" in demo.stdout,
        f"`crashloop-bot demo` failed in the image (exit {demo.returncode}):\n"
        f"{demo.stdout[-3000:]}{demo.stderr[-1000:]}",
    )
    rules = ctr.run(["crashloop-bot", "rules", "check"])
    expect(
        rules.returncode == 0 and " 0 failed" in rules.stdout,
        f"`crashloop-bot rules check` failed in the image (exit {rules.returncode}):\n"
        f"{rules.stdout[-3000:]}{rules.stderr[-1000:]}",
    )
    print(f"ok: demo, rules check ({rules.stdout.strip().splitlines()[-1]}) as {USER}")


def check_read_only(ctr: Container) -> None:
    # `find -writable` asks the kernel (access(2)), so a read-only mount counts as not
    # writable whatever the permissions say. /proc, /sys and /dev are the runtime's.
    found = ctr.run(
        [
            "sh",
            "-c",
            "find / -path /proc -prune -o -path /sys -prune -o -path /dev -prune"
            " -o -writable -print 2>/dev/null; exit 0",
        ]
    )
    paths = found.stdout.split()
    writable = [p for p in paths if p != STATE and not p.startswith(f"{STATE}/")]
    expect(
        STATE in paths,
        f"{STATE} is not writable for {USER}: the state volume would be unusable",
    )
    expect(not writable, f"writable for {USER} besides {STATE}: {', '.join(writable[:10])}")
    probe = ctr.run(["touch", "/read-only-probe"], user="0:0")
    expect(
        probe.returncode != 0 and "Read-only file system" in probe.stdout,
        f"root could write to / in the sealed container: {probe.stdout.strip()!r}",
    )
    print(f"ok: read-only root; {STATE} is the only writable path")


class ImageBot(BotProcess):
    """`crashloop-bot serve` inside the image: procs.BotProcess, started by buildah run
    with the image's entrypoint and default command, on a port of the host's loopback."""

    def __init__(self, ctr: Container, env: dict[str, str], log_path: Path) -> None:
        super().__init__(env, log_path)
        self.ctr = ctr

    def start(self, *, wait: bool = True) -> None:
        command = [*ENTRYPOINT, *CMD, "--host", "127.0.0.1", "--port", str(self.port)]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.ctr.argv(command, env=self.env), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        if wait:
            wait_until(self._healthy, 60, "crashloop-bot serve in the image to answer /healthz")


def check_serve(ctr: Container, config_dir: Path, log_path: Path) -> None:
    namespace, pod = OOM_POD.split("/")
    with contextlib.ExitStack() as stack:
        slack = stack.enter_context(FakeSlackAPI().serve_in_thread())
        kube_url = stack.enter_context(running_in_thread(FakeKubeAPI(SCENARIOS / SCENARIO)))
        write_kubeconfig(config_dir / "kubeconfig", kube_url)
        env = {
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_SIGNING_SECRET": DEFAULT_SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "KUBECONFIG": f"{CONFIG_DIR}/kubeconfig",
            "CRASHLOOP_WEBHOOK_TOKEN": TOKEN,
            "CRASHLOOP_ALERT_CHANNEL": ALERT_CHANNEL,
        }
        bot = ImageBot(ctr, env, log_path)
        stack.callback(bot.stop)  # also when it never answered: buildah run may still be up
        try:
            bot.start()
        except (TimeoutError, RuntimeError) as e:
            raise SmokeFailure(f"serve did not start in the image: {e}\n{bot.output()}") from e

        def ready() -> bool:
            return http(f"{bot.url}/readyz", timeout=2)[0] == 200

        run_check(ready, 30, "/readyz to answer 200", bot)
        print(f"ok: serve in the image answers /healthz and /readyz on {bot.url}")

        body = slash_command_body(
            OOM_POD, channel_id=CHANNEL, response_url=slack.response_url("image")
        )
        headers = signed_headers(DEFAULT_SIGNING_SECRET, body)
        status, raw = http(f"{bot.url}/slack/events", body.encode(), headers=headers)
        expect(status == 200, f"signed /crashloop answered {status}: {raw[:500]!r}")

        def root() -> bool:
            return any(pod in (m.text or "") for m in slack.top_level(CHANNEL))

        run_check(root, 30, f"a root message about {pod} in {CHANNEL}", bot)
        print(f"ok: signed /crashloop {OOM_POD} -> root message in {CHANNEL}")

        alert = am_alert(namespace, pod, container=OOM_CONTAINER)
        status, doc = post_webhook(bot.url, notification([alert]))
        expect(status // 100 == 2, f"the Alertmanager webhook answered {status}: {doc}")

        def thread() -> bool:
            roots = slack.top_level(ALERT_CHANNEL)
            return bool(roots) and bool(slack.thread(ALERT_CHANNEL, roots[0].ts))

        run_check(thread, 30, f"an alert thread in {ALERT_CHANNEL}", bot)
        print(f"ok: Alertmanager notification -> thread in {ALERT_CHANNEL}")


def run_check(predicate: Any, timeout: float, what: str, bot: BotProcess) -> None:
    try:
        wait_until(predicate, timeout, what)
    except TimeoutError as e:
        raise SmokeFailure(f"{e}; serve's log:\n{bot.output()}") from e


def image_size(image: str) -> str:
    [entry] = json.loads(buildah("images", "--json", image))
    return str(entry["size"])


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    image, base = argv
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in CI logs
    work = Path(tempfile.mkdtemp(prefix="crashloop-image-smoke."))
    state, config = work / "state", work / "config"
    state.mkdir(mode=0o750)
    os.chown(state, 10001, 10001)  # a fresh volume, as the kubelet's fsGroup would leave it
    config.mkdir()
    volumes = (f"{state}:{STATE}:rw", f"{config}:{CONFIG_DIR}:ro")
    try:
        check_config(image)
        with (
            container(image, sealed=False) as fresh,
            container(base, sealed=False) as base_ctr,
        ):
            check_contents(fresh.rootfs, base_ctr.rootfs)
        with container(image, volumes=volumes, state=state, sealed=True) as ctr:
            check_commands(ctr)
            check_read_only(ctr)
            check_serve(ctr, config, work / "serve.log")
    except SmokeFailure as e:
        print(f"image smoke check FAILED: {e}", file=sys.stderr)
        print(f"(files of this run: {work})", file=sys.stderr)
        return 1
    print(f"image size: {image_size(image)} (base {base}: {image_size(base)})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
