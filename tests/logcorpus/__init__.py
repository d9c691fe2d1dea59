"""The corpora that measure log handling: labelled crash logs, ordinary lines, planted secrets.

`cases/*.log` + `labels.yaml` measure the decisive-line extractor (format in README.md).
`ordinary.txt` (lines without secrets) and `planted_secrets.yaml` (lines with generated
secrets in real formats) measure the redactor; tests/unit/test_redact.py keeps its floors
and bench/redaction.py reports its figures from these same loaders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent
ORDINARY = CORPUS / "ordinary.txt"
PLANTED = CORPUS / "planted_secrets.yaml"


@dataclass(frozen=True)
class PlantedSecret:
    name: str
    line: str
    secret: str


def ordinary_lines() -> list[str]:
    """Every ordinary line, one per physical line of ordinary.txt."""
    return [line for line in ORDINARY.read_text(encoding="utf-8").split("\n") if line]


def planted_secrets() -> list[PlantedSecret]:
    entries = yaml.safe_load(PLANTED.read_text(encoding="utf-8"))
    return [PlantedSecret(str(e["name"]), str(e["line"]), str(e["secret"])) for e in entries]
