"""The `crashloop-bot` command: diagnose | demo | rules check | serve.

Exit statuses of `diagnose`: 0 a diagnosis was produced, 1 the pod could not be read
(the message says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cluster.prometheus import PrometheusAuth, PrometheusClient
from bot.cluster.snapshot import SnapshotSource
from bot.cluster.source import Source
from bot.diagnoser import Diagnoser, SourceFor
from bot.diagnosis.engine import Diagnosis
from bot.diagnosis.fixtures import run_fixtures
from bot.diagnosis.rules import RuleSet, builtin_rules_dir, load_rules
from bot.diagnosis.workload import WorkloadDiagnosis
from bot.errors import BotError, RuleError, TargetError
from bot.redact import Redactor
from bot.render.blocks import render_messages
from bot.render.jsondoc import render_json, to_dict
from bot.render.text import render_text
from bot.render.workload import render_workload_text, workload_document
from bot.render.workload import root_message as workload_root
from bot.render.workload import thread_messages as workload_thread
from bot.target import Target, WorkloadTarget, parse_any_target

EXAMPLE_CLUSTER = Path(__file__).resolve().parent / "examples" / "cluster"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="crashloop-bot", description="Tell why a Kubernetes pod is crash-looping."
    )
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("diagnose", help="diagnose one pod and print the result")
    d.add_argument(
        "target",
        metavar="NAMESPACE/POD",
        help="a pod, or a workload as NAMESPACE/KIND/NAME (deploy, sts, ds, job, rs)",
    )
    d.add_argument(
        "--container", "-c", help="diagnose this container (default: the crash-looping one)"
    )
    d.add_argument("--context", help="kubeconfig context (default: the current one)")
    d.add_argument(
        "--kubeconfig", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)"
    )
    d.add_argument("--snapshot", type=Path, help="read kubectl output files instead of a cluster")
    _prometheus_args(d)
    _output_arg(d)
    d.add_argument(
        "--rules",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="extra rule folder (repeatable); overrides built-in rules by id",
    )
    d.add_argument("--timeout", type=float, default=5.0, help="seconds per API request (default 5)")
    d.add_argument("--no-color", action="store_true", help="plain text even on a terminal")

    demo = sub.add_parser(
        "demo", help="diagnose every crash-looping pod of the bundled example cluster"
    )
    _output_arg(demo)

    r = sub.add_parser("rules", help="work with diagnosis rules")
    rsub = r.add_subparsers(dest="rules_command", required=True)
    check = rsub.add_parser("check", help="validate rule folders and run their fixtures")
    check.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="rule folders (default: the built-in rules)",
    )
    rsub.add_parser("list", help="list the loaded rules")

    s = sub.add_parser("serve", help="run the Slack app and the Alertmanager webhook")
    s.add_argument("--port", type=int, default=3000)
    s.add_argument("--host", default="0.0.0.0")
    s.add_argument(
        "--check-config", action="store_true", help="validate the configuration and exit"
    )
    return p


def _output_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", choices=("text", "json", "blocks"), default="text")


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = _dispatch(args)
    except (TargetError, RuleError) as e:
        print(f"crashloop-bot: {e}", file=sys.stderr)
        code = 2
    except BotError as e:
        print(f"crashloop-bot: {e}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        # The reader went away (`crashloop-bot demo | head`): not an error worth a trace.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    raise SystemExit(code)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "diagnose":
        return asyncio.run(_diagnose(args))
    if args.command == "demo":
        return asyncio.run(_demo(args.output))
    if args.command == "rules":
        return _rules(args)
    if args.command == "serve":
        from bot.server import serve_main  # imports Slack and web libraries only when serving

        return serve_main(host=args.host, port=args.port, check_config=args.check_config)
    raise AssertionError(args.command)


async def _diagnose(args: argparse.Namespace) -> int:
    target = parse_any_target(args.target, container=args.container)
    rules = load_rules(args.rules)
    prometheus = _prometheus_client(args)
    source: Source
    if args.snapshot is not None:
        source = SnapshotSource(args.snapshot, cluster=args.context, prometheus=prometheus)
    else:
        from bot.cluster.live import LiveOptions, LiveSource

        source = await LiveSource.connect(
            context=args.context,
            kubeconfig=args.kubeconfig,
            cluster=args.context,
            options=LiveOptions(timeout=args.timeout),
            prometheus=prometheus,
        )
    color = args.output == "text" and not args.no_color and sys.stdout.isatty()
    try:
        diagnoser = Diagnoser(rules=rules, source_for=_fixed(source), redactor=Redactor())
        if isinstance(target, WorkloadTarget):
            workload = await diagnoser.run_workload(
                target.namespace, target.kind, target.name, container=target.container
            )
            print(render_workload(workload, args.output, color=color), end="")
            return 0
        diagnosis = await diagnoser.run(target)
    finally:
        await source.close()
    print(render(diagnosis, args.output, color=color), end="")
    return 0


def _prometheus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--prometheus",
        metavar="URL",
        help="read memory series before a kill from this Prometheus (basic auth: user:pass@ in it)",
    )
    p.add_argument("--prometheus-bearer-token-file", type=Path, metavar="FILE")
    p.add_argument("--prometheus-ca-file", type=Path, metavar="FILE")


def _prometheus_client(args: argparse.Namespace) -> PrometheusClient | None:
    if not args.prometheus:
        return None
    if not args.prometheus.startswith(("http://", "https://")):
        raise TargetError(f"--prometheus {args.prometheus}: needs an http:// or https:// URL")
    auth = PrometheusAuth(
        bearer_token_file=args.prometheus_bearer_token_file, ca_file=args.prometheus_ca_file
    )
    return PrometheusClient(args.prometheus, auth=auth)


def _fixed(source: Source) -> SourceFor:
    async def source_for(_cluster: str | None) -> Source:
        return source

    return source_for


def render_workload(w: WorkloadDiagnosis, output: str, *, color: bool = False) -> str:
    if output == "json":
        return json.dumps(workload_document(w), indent=2, ensure_ascii=False) + "\n"
    if output == "blocks":
        messages = [workload_root(w), *workload_thread(w)]
        return json.dumps([m.as_dict() for m in messages], indent=2) + "\n"
    return render_workload_text(w, color=color)


def render(diagnosis: Diagnosis, output: str, *, color: bool = False) -> str:
    if output == "json":
        return render_json(diagnosis) + "\n"
    if output == "blocks":
        return json.dumps([m.as_dict() for m in render_messages(diagnosis)], indent=2) + "\n"
    return render_text(diagnosis, color=color)


async def _demo(output: str) -> int:
    """Diagnose every crash-looping pod of the bundled example cluster."""
    source = SnapshotSource(EXAMPLE_CLUSTER, cluster="demo")
    diagnoser = Diagnoser(rules=load_rules(), source_for=_fixed(source), redactor=Redactor())
    namespaces = sorted({ns for kind, ns, _ in source.store.objects if kind == "Pod"})
    pods = [p for ns in namespaces for p in await source.list_pods(ns) if p.crash_looping]
    diagnoses = [await diagnoser.run(Target(p.namespace, p.name, cluster="demo")) for p in pods]
    if output == "json":
        print(json.dumps([to_dict(d) for d in diagnoses], indent=2, ensure_ascii=False))
        return 0
    if output == "blocks":
        print(json.dumps([[m.as_dict() for m in render_messages(d)] for d in diagnoses], indent=2))
        return 0
    color = sys.stdout.isatty()
    print(f"crashloop-bot demo: {len(pods)} crash-looping pods in the bundled example cluster\n")
    for i, d in enumerate(diagnoses):
        if i:
            print("=" * 78)
        print(render_text(d, color=color))
    return 0


def _rules(args: argparse.Namespace) -> int:
    if args.rules_command == "list":
        for rule in load_rules().rules:
            spec = rule.spec
            kind = "fallback" if spec.fallback else "specific"
            print(f"{rule.id:24} {kind:8} {spec.severity.value:8} {spec.title}")
        return 0
    dirs: list[Path] = list(args.dirs)
    rules: RuleSet = load_rules(dirs)
    # Built-in fixtures run too: an override must not break the cases of other rules.
    # (A rule overridden by id is tested by its replacement's fixtures only.)
    folders = [builtin_rules_dir(), *dirs]
    results = run_fixtures(folders, rules)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"FAIL {r.rule_id} / {r.case} ({r.source}): {r.detail}")
    tested = len({r.rule_id for r in results})
    print(
        f"{len(rules.rules)} rules loaded, {tested} rules tested: "
        f"{len(results) - len(failed)} passed, {len(failed)} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    main()
