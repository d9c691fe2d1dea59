"""Packaging: the wheel, its installation with pinned dependencies, and the Dockerfile.

There is no container engine here, so the image itself is not built. What the image
does is reproduced instead: build the project's wheel, install it into a fresh venv
with the dependencies pinned by constraints.txt, and run the installed console script
from a directory outside the repository, so the built-in rules must come from the
installed package (bot/builtin_rules), not from the source tree. The Dockerfile and
.dockerignore are then checked for what the image promises.

Run `python tests/test_packaging.py --print-constraints` in a venv where the project is
installed to print a fresh constraints.txt.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
CONSTRAINTS = ROOT / "constraints.txt"
PROJECT = "crashloop-bot"
UID = 10001
TIMEOUT = 240

POD = "ledger-api-5d8f7b9c4-x2k9q"
SNAPSHOT_POD = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {POD}
  namespace: payments
  uid: 6f0c1f4e-0000-4000-8000-000000000001
spec:
  nodeName: worker-2
  containers:
    - name: api
      image: registry.example.com/payments/ledger-api:1.4.2
      resources:
        limits: {{memory: 256Mi}}
status:
  phase: Running
  containerStatuses:
    - name: api
      image: registry.example.com/payments/ledger-api:1.4.2
      ready: false
      restartCount: 7
      state:
        waiting: {{reason: CrashLoopBackOff, message: back-off 5m0s restarting failed container}}
      lastState:
        terminated:
          exitCode: 137
          reason: OOMKilled
          startedAt: "2025-01-01T10:00:00Z"
          finishedAt: "2025-01-01T10:04:00Z"
"""


# --------------------------------------------------------------------------- helpers


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert out.returncode == 0, (
        f"{shlex.join(cmd)} exited {out.returncode}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    )
    return out.stdout


def clean_env(venv: Path | None = None) -> dict[str, str]:
    """The environment minus anything that would point Python back at the source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    if venv is not None:
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def read_constraints(path: Path = CONSTRAINTS) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"constraints.txt: {line} is not an exact pin"
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def runtime_closure(dist: str = PROJECT) -> dict[str, str]:
    """name -> version of every runtime dependency of `dist` installed here, recursively."""
    env = {"extra": ""}
    todo = [Requirement(r) for r in importlib.metadata.requires(dist) or []]
    found: dict[str, str] = {}
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate(env):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        meta = importlib.metadata.distribution(req.name)
        found[name] = meta.version
        todo += [Requirement(r) for r in meta.requires or []]
    return found


# --------------------------------------------------------------------------- the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as the Dockerfile's first stage builds it."""
    out = tmp_path_factory.mktemp("wheelhouse")
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
        cwd=out,
        env=clean_env(),
    )
    (whl,) = out.glob("crashloop_bot-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, dependencies pinned by constraints.txt."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-compile",
            "--constraint",
            str(CONSTRAINTS),
            str(wheel),
        ],
        cwd=venv.parent,
        env=clean_env(),
    )
    return venv


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory with no relation to the repository."""
    cwd = tmp_path_factory.mktemp("elsewhere")
    assert ROOT not in cwd.parents
    return cwd


def test_wheel_packages_the_builtin_rules_and_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        rule_files = sorted(p for p in (ROOT / "rules").rglob("*") if p.is_file())
        assert rule_files, "no built-in rules in rules/"
        for path in rule_files:
            if "__pycache__" in path.parts:
                continue
            arcname = "bot/builtin_rules/" + path.relative_to(ROOT / "rules").as_posix()
            assert arcname in names, f"{arcname} missing from the wheel"
            assert zf.read(arcname) == path.read_bytes(), f"{arcname} differs from {path}"
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert "crashloop-bot = bot.cli:main" in zf.read(entry_points).decode()
        assert "bot/cli.py" in names
        assert not [n for n in names if n.startswith(("tests/", "manifests/", "rules/"))]


def test_constraints_pin_exactly_the_runtime_dependencies(installed: Path) -> None:
    """Installing the wheel with constraints.txt installs what it pins, no more, no less."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    out = run([str(installed / "bin" / "python"), "-c", code], cwd=installed, env=clean_env())
    got = {canonicalize_name(k): v for k, v in json.loads(out).items()}
    assert got.pop(PROJECT) == "0.1.0"
    for tool in ("pip", "setuptools", "wheel"):  # venv seeds, not dependencies
        got.pop(tool, None)
    assert got == read_constraints()


def test_constraints_match_the_dependencies_declared_in_pyproject() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = tomllib.loads(pyproject)["project"]["dependencies"]
    pins = read_constraints()
    for line in declared:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is a dependency but not pinned in constraints.txt"
        assert req.specifier.contains(pins[name]), f"{name}=={pins[name]} does not satisfy {line}"
    test_tools = {"pytest", "pytest-asyncio", "hypothesis", "mypy", "ruff", "types-pyyaml"}
    assert not test_tools & set(pins), "test tools do not belong in the image's constraints"


def test_installed_bot_finds_its_rules_in_the_package(installed: Path, outside: Path) -> None:
    code = (
        "import bot, json; from bot.diagnosis.rules import builtin_rules_dir; "
        "print(json.dumps([bot.__file__, str(builtin_rules_dir())]))"
    )
    out = run([str(installed / "bin" / "python"), "-c", code], cwd=outside, env=clean_env())
    module, rules_dir = (Path(p) for p in json.loads(out))
    site = installed / "lib"
    assert site in module.parents, f"bot imported from {module}, not the installed package"
    assert site in Path(rules_dir).parents, f"rules found at {rules_dir}"
    assert Path(rules_dir).name == "builtin_rules"
    assert ROOT not in Path(rules_dir).parents


def test_installed_rules_check_passes(installed: Path, outside: Path) -> None:
    exe = installed / "bin" / "crashloop-bot"
    out = run([str(exe), "rules", "check"], cwd=outside, env=clean_env(installed))
    shipped = len({p.stem for p in (ROOT / "rules").glob("*.y*ml")})
    m = re.search(r"(\d+) rules loaded, (\d+) rules tested: (\d+) passed, 0 failed", out)
    assert m, out
    assert int(m.group(1)) >= shipped and int(m.group(2)) >= 1, out


def test_installed_diagnose_reads_a_snapshot(installed: Path, outside: Path) -> None:
    snapshot = outside / "snapshot"
    (snapshot / "logs" / "payments" / POD).mkdir(parents=True)
    (snapshot / "pod.yaml").write_text(SNAPSHOT_POD, encoding="utf-8")
    (snapshot / "logs" / "payments" / POD / "api.log").write_text("INFO loading\n")
    exe = installed / "bin" / "crashloop-bot"
    out = run(
        [str(exe), "diagnose", f"payments/{POD}", "--snapshot", str(snapshot), "--output", "json"],
        cwd=outside,
        env=clean_env(installed),
    )
    doc = json.loads(out)
    assert (doc["namespace"], doc["pod"]) == ("payments", POD)
    assert doc["findings"], doc
    assert doc["findings"][0]["rule_id"] == "oom-cgroup"
    assert doc["containers"][0]["last_state"]["exit_code"] == 137


def test_installed_bot_loads_the_example_custom_rules(installed: Path, outside: Path) -> None:
    """The manifests' custom rules pass their fixtures against the installed built-ins."""
    exe = installed / "bin" / "crashloop-bot"
    rules = ROOT / "manifests" / "common" / "rules"
    out = run([str(exe), "rules", "check", str(rules)], cwd=outside, env=clean_env(installed))
    assert re.search(r"rules tested: \d+ passed, 0 failed", out), out


# --------------------------------------------------------------------------- Dockerfile


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, instruction: str) -> list[str]:
        return [a for i, a in self.instructions if i == instruction]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with line continuations joined."""
    lines: list[str] = []
    buf = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        lines.append(buf + stripped)
        buf = ""
    assert not buf, "Dockerfile ends in a line continuation"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        rest = rest.strip()
        if instruction == "FROM":
            words = rest.split()
            words = [w for w in words if not w.startswith("--platform")]
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args[m[1] or m[2]], words[0])
            stages.append(Stage(base=base, name=name))
        elif not stages:
            assert instruction == "ARG", f"{instruction} before the first FROM"
            key, _, default = rest.partition("=")
            global_args[key] = default
        else:
            stages[-1].instructions.append((instruction, rest))
    return global_args, stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))[1]


def test_dockerfile_is_multi_stage_on_a_slim_official_python(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    for stage in stages:
        image, _, tag = stage.base.partition(":")
        assert image in ("python", "docker.io/library/python"), stage.base
        assert tag and not tag.startswith("latest"), f"{stage.base}: pin a tag"
        m = re.match(r"3\.(\d+)", tag)
        assert m and int(m.group(1)) >= 11, f"{stage.base}: Python 3.11+"
        assert "slim" in tag, f"{stage.base}: use a slim image"
    builder, final = stages[0], stages[-1]
    assert builder.name, "name the build stage"
    build_runs = " ".join(builder.args("RUN"))
    assert "pip wheel" in build_runs and "constraints.txt" in build_runs
    install = " ".join(final.args("RUN"))
    assert f"from={builder.name}" in install, "install from the build stage's wheelhouse"
    assert "--no-index" in install and "--constraint" in install
    assert not final.args("COPY") or all(f"--from={builder.name}" in c for c in final.args("COPY"))


def test_final_stage_runs_as_a_numeric_non_root_user(stages: list[Stage]) -> None:
    final = stages[-1]
    users = final.args("USER")
    assert users, "no USER in the final stage: it would run as root"
    user, _, group = users[-1].partition(":")
    assert user.isdigit() and int(user) == UID, f"USER {users[-1]}: numeric, {UID}"
    assert not group or (group.isdigit() and int(group) != 0)
    deployment = yaml.safe_load((ROOT / "manifests/common/deployment.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == int(user)
    # USER comes after the last RUN, so nothing at run time relies on root.
    order = [i for i, _ in final.instructions]
    assert max(i for i, x in enumerate(order) if x == "RUN") < order.index("USER")


def test_final_stage_entrypoint_cmd_port_and_environment(stages: list[Stage]) -> None:
    final = stages[-1]
    assert [json.loads(a) for a in final.args("ENTRYPOINT")] == [["crashloop-bot"]]
    assert [json.loads(a) for a in final.args("CMD")] == [["serve"]]
    assert final.args("EXPOSE") == ["3000"]
    for stage in stages:
        assert not stage.args("HEALTHCHECK"), "Kubernetes probes do the health checks"
    env = " ".join(final.args("ENV"))
    assert re.search(r"\bPYTHONDONTWRITEBYTECODE=1\b", env)
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env)
    # Writable at run time: only the state directory (a volume) and /tmp.
    assert "CRASHLOOP_STATE=/var/lib/crashloop-bot/" in env
    assert "/var/lib/crashloop-bot" in " ".join(final.args("RUN"))


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus `**`) as a regex."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent
    directories wins; `!` re-includes."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.fullmatch(p) for p in prefixes):
            excluded = not negate
    return excluded


def _dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _copy_sources(stages: list[Stage]) -> Iterator[str]:
    for stage in stages:
        for copy in stage.args("COPY") + stage.args("ADD"):
            words = [w for w in copy.split() if not w.startswith("--")]
            if any(w.startswith("--from") for w in copy.split()):
                continue
            yield from words[:-1]
        for run_ in stage.args("RUN"):
            for m in re.finditer(r"--mount=(\S+)", run_):
                opts = dict(o.split("=", 1) for o in m[1].split(",") if "=" in o)
                if opts.get("type") == "bind" and "from" not in opts:
                    yield opts.get("source", ".")


def test_every_copied_file_exists_and_is_in_the_build_context(stages: list[Stage]) -> None:
    patterns = _dockerignore()
    sources = list(_copy_sources(stages))
    assert {"pyproject.toml", "constraints.txt", "bot/", "rules/"} <= set(sources)
    for source in sources:
        path = ROOT / source
        assert path.exists(), f"COPY {source}: no such file in the repository"
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            if "__pycache__" in rel:
                assert dockerignore_excludes(rel, patterns), rel
                continue
            assert not dockerignore_excludes(rel, patterns), f"{rel} is excluded by .dockerignore"
    # The readme named by pyproject.toml is needed to build the wheel.
    assert "README.md" in sources


def test_dockerignore_keeps_local_state_and_tooling_out() -> None:
    patterns = _dockerignore()
    for rel in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/test_manifests.py",
        "manifests/kustomization.yaml",
        "state/state.sqlite3",
        "bot/__pycache__/cli.cpython-311.pyc",
        ".mypy_cache/x",
        "docs/install.md",
    ):
        assert dockerignore_excludes(rel, patterns), f"{rel} would be sent to the daemon"


def test_dockerignore_matcher() -> None:
    assert dockerignore_excludes("a/b.py", ["*"])
    assert not dockerignore_excludes("bot/cli.py", ["*", "!bot/"])
    assert dockerignore_excludes("bot/__pycache__/x.pyc", ["*", "!bot/", "**/__pycache__"])
    assert dockerignore_excludes("x.pyc", ["**/*.py[cod]"])
    assert not dockerignore_excludes("bot/cli.py", ["**/*.py[cod]"])
    assert not dockerignore_excludes("README.md", ["*", "!README.md"])


def print_constraints() -> None:
    """A fresh constraints.txt from this environment (the project must be installed)."""
    header = [
        ln for ln in CONSTRAINTS.read_text(encoding="utf-8").splitlines() if ln.startswith("#")
    ]
    print("\n".join(header))
    for name, version in sorted(runtime_closure().items()):
        print(f"{name}=={version}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--print-constraints"]:
        print_constraints()
    else:
        sys.exit(pytest.main([__file__, *sys.argv[1:]]))
