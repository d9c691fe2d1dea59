"""Parsing `/crashloop` text into what the user asked for.

Pure: text in, a request out. The forms people type:

    ns/pod                 diagnose a pod (falls back to a workload of that name)
    pod -n ns              the kubectl habit
    ns/deploy/name         the crash-looping pods of a workload (deployment, sts, ds, job, rs)
    ns                     list the crash-looping pods of a namespace
    prod:ns/pod            any of the above on a named cluster
    ... -c container       a given container
    help
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from bot.errors import TargetError
from bot.target import (
    WORKLOAD_KINDS,
    Target,
    check_cluster,
    check_name,
    check_namespace,
    show,
)

MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class DiagnosePod:
    target: Target


@dataclass(frozen=True, slots=True)
class DiagnoseWorkload:
    namespace: str
    kind: str
    name: str
    cluster: str | None = None
    container: str | None = None


@dataclass(frozen=True, slots=True)
class ListNamespace:
    namespace: str
    cluster: str | None = None


@dataclass(frozen=True, slots=True)
class Invalid:
    message: str


Request = Help | DiagnosePod | DiagnoseWorkload | ListNamespace | Invalid


def parse_command(text: str) -> Request:
    try:
        return _parse(text)
    except TargetError as e:
        return Invalid(str(e))


def _parse(text: str) -> Request:
    if len(text) > MAX_TEXT:
        return Invalid(f"that is {len(text)} characters; a pod reference is much shorter")
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words or words[0].lower() in ("help", "-h", "--help"):
        return Help()
    namespace = container = None
    positional: list[str] = []
    it = iter(words)
    for w in it:
        if w in ("-n", "--namespace"):
            namespace = next(it, None)
            if namespace is None:
                return Invalid(f"{w} needs a namespace")
        elif w.startswith("--namespace="):
            namespace = w.split("=", 1)[1]
        elif w in ("-c", "--container"):
            container = next(it, None)
            if container is None:
                return Invalid(f"{w} needs a container name")
        elif w.startswith("--container="):
            container = w.split("=", 1)[1]
        elif w.startswith("-"):
            return Invalid(f"unknown option {show(w)}")
        else:
            positional.append(w)
    if len(positional) != 1:
        return Invalid("give one pod, workload or namespace")
    ref = positional[0]
    cluster = None
    if ":" in ref:
        cluster, _, ref = ref.partition(":")
        check_cluster(cluster)
    if container is not None:
        check_name(container, "container")
    parts = ref.split("/")
    if namespace is not None:
        check_namespace(namespace)
        if len(parts) == 1:
            return DiagnosePod(Target(namespace, check_name(parts[0]), container, cluster))
        if len(parts) == 2 and parts[0].lower() in WORKLOAD_KINDS:
            kind = WORKLOAD_KINDS[parts[0].lower()]
            return DiagnoseWorkload(namespace, kind, check_name(parts[1], kind), cluster, container)
        return Invalid(f'with -n, give a pod name or KIND/NAME, not "{show(ref)}"')
    if len(parts) == 1:
        return ListNamespace(check_namespace(parts[0]), cluster)
    if len(parts) == 2:
        ns, name = parts
        return DiagnosePod(Target(check_namespace(ns), check_name(name), container, cluster))
    if len(parts) == 3 and parts[1].lower() in WORKLOAD_KINDS:
        kind = WORKLOAD_KINDS[parts[1].lower()]
        return DiagnoseWorkload(
            check_namespace(parts[0]), kind, check_name(parts[2], kind), cluster, container
        )
    return Invalid(
        f'cannot read "{show(ref)}": expected NAMESPACE/POD, NAMESPACE/KIND/NAME or NAMESPACE'
    )
