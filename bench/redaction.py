"""How well redaction tells secrets from ordinary words, and how fast it is.

    .venv/bin/python bench/redaction.py [--seconds 2]

1. False positives: every line of tests/logcorpus/ordinary.txt (real log lines without
   secrets: the crash corpus and curated lines with words like author, authorized,
   tokens, secret names, digests) goes through `Redactor().text`; a line counts when it
   comes back changed at all. Target: at most 0.5% of lines.
2. Planted secrets: every line of tests/logcorpus/planted_secrets.yaml (generated values
   in real formats) must come back without its secret. Target: 100%.
3. Throughput: whole passes over the ordinary lines for a few seconds on one core; the
   median pass gives lines/s (the bot redacts each diagnosis's log tail, events and
   messages once, about 50-100 lines).

Rewrites the `redaction` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median, met, table, update_doc

from bot.redact import Redactor
from tests.logcorpus import ordinary_lines, planted_secrets

FP_TARGET = 0.005


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="throughput loop length")
    args = parser.parse_args()

    info = machine()
    redactor = Redactor()
    lines = ordinary_lines()
    altered = [(line, redactor.text(line)) for line in lines if redactor.text(line) != line]
    planted = planted_secrets()
    leaked = [p for p in planted if p.secret in redactor.text(p.line)]

    # Whole passes over the corpus; the median pass resists a shared machine's noise.
    passes: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds or len(passes) < 3:
        t = time.perf_counter()
        for line in lines:
            redactor.text(line)
        passes.append(time.perf_counter() - t)
    rate = len(lines) / median(passes)

    fp_rate = len(altered) / len(lines)
    masked = (len(planted) - len(leaked)) / len(planted)
    rows = [
        [
            "ordinary lines altered (false positives)",
            f"{len(altered)} of {len(lines)} ({fp_rate:.2%})",
            "<= 0.5%",
            met(fp_rate <= FP_TARGET),
        ],
        [
            "planted secrets masked",
            f"{len(planted) - len(leaked)} of {len(planted)} ({masked:.0%})",
            "100%",
            met(not leaked),
        ],
        [
            "throughput (one core, median of passes)",
            f"{rate:,.0f} lines/s ({1e6 / rate:.0f} us/line)",
            "-",
            "n/a",
        ],
    ]
    result = table(["measure", "figure", "target", "met?"], rows)
    print(result)
    for before, after in altered:
        print(f"  altered: {before!r}\n      ->   {after!r}")
    for p in leaked:
        print(f"  leaked: {p.name}: {p.line!r}")

    body = f"""## Redaction: ordinary words and planted secrets (`bench/redaction.py`)

Machine: {info}.

`Redactor().text` over tests/logcorpus/ordinary.txt ({len(lines)} real log lines without
secrets, among them `NOT_AUTHORIZED:`, `author=`, `max_tokens=`, `secret "db-creds" not
found`, `password authentication failed`, image digests) and
tests/logcorpus/planted_secrets.yaml ({len(planted)} lines with generated secrets in real
formats: key=value, JSON and YAML keys, headers, URLs, tokens with known prefixes). A
`key=value` is masked only when the key names a credential (`DB_PASSWORD`, `clientSecret`,
`X-Api-Key`), not when a word merely contains one. The floors are kept by
tests/unit/test_redact.py. For comparison, the key=value rule before issue 10 (any key
containing `auth`, `token`, `secret`, ...) altered 24 of the same 1,326 lines (1.8%:
`authController.ts:22:20`, `default-server-secret: Get`, `WrongSecretsApplication :
Starting`) and missed 4 of the 42 planted secrets (a `Cookie:` header, an
`ssl_key_passphrase=`, an `X-Amz-Signature=` query parameter, a Ruby `"password"=>`);
measured 2026-12-01.

{result}
"""
    update_doc("redaction", body)
    return 0 if fp_rate <= FP_TARGET and not leaked else 1


if __name__ == "__main__":
    raise SystemExit(main())
