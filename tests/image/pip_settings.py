"""This machine's pip settings, carried into the stand-in base image of the image build.

pip inside the image build must reach the same package indexes, trusting the same CA
bundle, as this machine's own pip: an index behind a TLS-intercepting proxy, or one on
local disk, works only that way. Everything is read at run time from `pip config list`
(pip's own merge of its configuration files and PIP_* variables) and the machine's CA
bundle; no host name is ever written into the repository.

    python tests/image/pip_settings.py OUTDIR

writes OUTDIR/pip.conf (the image's /etc/pip.conf) and OUTDIR/ca-certificates.crt (the
machine's CA bundle, for the image's IMAGE_CA_BUNDLE), and prints the local directories
the indexes live in, one per line: the build bind-mounts them read-only at the same
paths, so `file://` indexes and find-links directories work inside it too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Where the stand-in image keeps the machine's CA bundle (Debian's own bundle path).
IMAGE_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# The settings that decide where pip finds packages and how it reaches them. Others
# (the machine's own `constraint` file, caches, user installs) stay on the machine.
CARRIED = ("index-url", "extra-index-url", "find-links", "trusted-host", "timeout")

# Local CA bundles pip (through requests) falls back to when `cert` is not set.
CA_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
DEBIAN_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

ENV_SECTION = ":env:"


def pip_config() -> dict[str, dict[str, str]]:
    """`pip config list` as {section: {key: value}}; PIP_* variables are section ':env:'."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return parse_config_list(out)


def parse_config_list(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        name, sep, raw = line.partition("=")
        if not sep or "." not in name:
            continue
        section, _, key = name.rpartition(".")
        value = raw.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        # pip accepts both spellings; `default-timeout` is the option's long name.
        key = "timeout" if key == "default-timeout" else key
        sections.setdefault(section, {})[key] = value
    return sections


def image_sections(config: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The carried settings per pip.conf section. PIP_* variables win over every file
    section, as they do on the machine, so they go to [global] and mask the others."""
    env = {k: v for k, v in config.get(ENV_SECTION, {}).items() if k in CARRIED}
    out: dict[str, dict[str, str]] = {}
    for section, values in config.items():
        if section == ENV_SECTION:
            continue
        kept = {k: v for k, v in values.items() if k in CARRIED and k not in env}
        if kept:
            out[section] = kept
    out.setdefault("global", {}).update(env)
    out["global"]["cert"] = IMAGE_CA_BUNDLE
    return out


def ca_bundle(config: Mapping[str, Mapping[str, str]], environ: Mapping[str, str]) -> Path:
    """The CA bundle this machine's pip trusts."""
    for section in (ENV_SECTION, "global"):
        if cert := config.get(section, {}).get("cert"):
            return Path(cert)
    for name in CA_ENV:
        if environ.get(name):
            return Path(environ[name])
    return Path(DEBIAN_CA_BUNDLE)


def local_dirs(sections: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Existing local directories the indexes and find-links (`file://` or a path) need.

    For an index that is the parent of the index folder: a PEP 503 folder made by the
    usual tools (`.../simple/NAME/index.html`) links to its files beside it
    (`../../files/NAME-1.0.whl`), so the folder alone is not enough."""
    found: list[str] = []
    for values in sections.values():
        for key in ("index-url", "extra-index-url", "find-links"):
            for item in values.get(key, "").split():
                url = urlsplit(item)
                path = unquote(url.path) if url.scheme == "file" else item
                if not (os.path.isabs(path) and os.path.isdir(path)):
                    continue
                if key != "find-links":
                    path = os.path.dirname(path.rstrip("/")) or "/"
                if path != "/" and path not in found:
                    found.append(path)
    return found


def render(sections: Mapping[str, Mapping[str, str]]) -> str:
    lines = ["# This machine's pip settings, read at build time by tests/image/pip_settings.py."]
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    config = pip_config()
    sections = image_sections(config)
    bundle = ca_bundle(config, os.environ)
    if not bundle.is_file():
        print(f"pip_settings: the CA bundle {bundle} pip would use does not exist", file=sys.stderr)
        return 1
    shutil.copyfile(bundle, outdir / "ca-certificates.crt")
    (outdir / "pip.conf").write_text(render(sections))
    for path in local_dirs(sections):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
