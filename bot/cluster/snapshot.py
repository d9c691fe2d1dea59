"""Facts from files: `kubectl get ... -o yaml|json` output and `kubectl logs -p` text.

The offline source, and the embedded default for the demo. A snapshot is a file or a
folder:

    <dir>/*.yaml|*.yml|*.json                 objects: single, `kind: List`/`*List`, or
                                              several YAML documents (Pod, Event, Node,
                                              ReplicaSet, Deployment, ... as kubectl prints them)
    <dir>/logs/<namespace>/<pod>/<container>.log   the previous container's log
    <dir>/<container>.log                     the same, when the snapshot holds one pod

`scenario.yaml` files are test metadata and are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from bot.cluster.normalize import (
    as_map,
    as_maps,
    build_pod_facts,
    controller_ref,
    ended_without_restart,
)
from bot.cluster.prometheus import PrometheusClient
from bot.cluster.revisions import REVISION_KINDS, revision_query, with_change
from bot.cluster.source import PodSummary, node_labels_of, suggest_names, summarize_pod
from bot.errors import ClusterAccessError, PodNotFound
from bot.facts import PodFacts
from bot.target import Target

# libyaml when PyYAML has it: a snapshot of a busy namespace is megabytes of YAML.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Obj = Mapping[str, Any]
MAX_LOG_LINES = 200
MAX_LOG_BYTES = 64 * 1024
SKIPPED_FILES = {"scenario.yaml"}


@dataclass
class ObjectStore:
    """Objects by kind, namespace and name."""

    objects: dict[tuple[str, str, str], Obj] = field(default_factory=dict)
    events: list[Obj] = field(default_factory=list)

    def add(self, obj: Obj) -> None:
        kind = obj.get("kind")
        if not isinstance(kind, str):
            return
        if kind.endswith("List") and isinstance(obj.get("items"), list):
            item_kind = kind[: -len("List")] if kind != "List" else None
            for item in obj["items"]:
                if isinstance(item, Mapping):
                    self.add(
                        item if item.get("kind") or not item_kind else {**item, "kind": item_kind}
                    )
            return
        if kind == "Event":
            self.events.append(obj)
            return
        meta = obj.get("metadata")
        if isinstance(meta, Mapping) and isinstance(meta.get("name"), str):
            self.objects[(kind, str(meta.get("namespace") or ""), meta["name"])] = obj

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.objects.get((kind, namespace, name))

    def of_kind(self, kind: str, namespace: str | None = None) -> list[Obj]:
        return [
            o for (k, ns, _), o in self.objects.items() if k == kind and namespace in (None, ns)
        ]


class SnapshotSource:
    """A `Source` backed by files. The files are read once, at construction."""

    def __init__(
        self,
        path: Path,
        *,
        cluster: str | None = None,
        prometheus: PrometheusClient | None = None,
    ) -> None:
        self.path = Path(path)
        self.cluster = cluster
        self.prometheus = prometheus  # memory series before a kill; None = not asked
        if not self.path.exists():
            raise ClusterAccessError(f"snapshot {self.path} does not exist")
        self.store = ObjectStore()
        for obj in iter_objects(self.path):
            self.store.add(obj)
        self.logs = load_logs(self.path)

    async def pod_facts(self, target: Target) -> PodFacts:
        facts = self.read(target)
        if self.prometheus is None:
            return facts
        warnings = list(facts.warnings)
        memory = await self.prometheus.memory(facts, target.container, warnings)
        return replace(facts, memory=memory, warnings=tuple(warnings))

    def read(self, target: Target) -> PodFacts:
        pod = self.store.get("Pod", target.namespace, target.pod)
        if pod is None:
            names = [
                str(p["metadata"]["name"]) for p in self.store.of_kind("Pod", target.namespace)
            ]
            raise PodNotFound(target.namespace, target.pod, suggest_names(target.pod, names))
        uid = as_map(pod.get("metadata")).get("uid")
        node_name = as_map(pod.get("spec")).get("nodeName")
        if not isinstance(node_name, str):
            node_name = None
        events = [
            e for e in self.store.events if _involves(e, "Pod", target.namespace, target.pod, uid)
        ]
        node = self.store.get("Node", "", node_name) if node_name else None
        node_events = [e for e in self.store.events if _involves(e, "Node", None, node_name, None)]
        warnings = []
        if node_name and node is None:
            warnings.append(f"node {node_name} not in the snapshot: node evidence unavailable")
        logs = self._logs_for(target, pod)
        for name, lines in logs.items():
            if lines is None:
                warnings.append(f"previous logs of container {name} not in the snapshot")
        owners = self._owners(pod, target.namespace)
        facts = build_pod_facts(
            pod,
            events=events,
            logs=logs,
            node=node,
            node_events=node_events,
            owners=owners,
            cluster=target.cluster or self.cluster,
            warnings=warnings,
        )
        return self._with_change(facts, pod, owners, target.namespace)

    def _with_change(self, facts: PodFacts, pod: Obj, owners: list[Obj], ns: str) -> PodFacts:
        """The revisions in the snapshot, as the live source lists them."""
        parent = controller_ref(owners[0]) if owners else None
        query = revision_query(pod, (parent.kind, parent.name) if parent else None)
        if query is None:
            return facts
        kind = REVISION_KINDS[query.resource]
        return with_change(facts, pod, owners, self.store.of_kind(kind, ns), query)

    async def list_pods(self, namespace: str) -> list[PodSummary]:
        return [summarize_pod(p) for p in self.store.of_kind("Pod", namespace)]

    async def workload_pods(self, namespace: str, kind: str, name: str) -> list[PodSummary]:
        out = []
        for pod in self.store.of_kind("Pod", namespace):
            chain = self._owners(pod, namespace)
            refs = [controller_ref(pod), *(controller_ref(o) for o in chain)]
            if any(r is not None and r.kind == kind and r.name == name for r in refs):
                out.append(summarize_pod(pod))
        return out

    async def node_labels(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        nodes = {n: self.store.get("Node", "", n) for n in names}
        return {n: node_labels_of(obj) for n, obj in nodes.items() if obj is not None}

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        if self.prometheus is not None:
            await self.prometheus.close()

    def _owners(self, pod: Obj, namespace: str) -> list[Obj]:
        owners: list[Obj] = []
        ref = controller_ref(pod)
        while ref is not None and len(owners) < 5:
            obj = self.store.get(ref.kind, namespace, ref.name)
            if obj is None:
                break
            owners.append(obj)
            ref = controller_ref(obj)
        return owners

    def _logs_for(self, target: Target, pod: Obj) -> dict[str, list[str] | None]:
        spec = as_map(pod.get("spec"))
        names = [
            c.get("name")
            for key in ("initContainers", "containers")
            for c in as_maps(spec.get(key))
        ]
        only_pod = len(self.store.of_kind("Pod")) == 1
        finished = set(ended_without_restart(pod))
        result: dict[str, list[str] | None] = {}
        for name in names:
            if not isinstance(name, str):
                continue
            # As the live collector: a container that ended without a restart has no
            # previous log, its current log is the last one.
            key = f"{name}.current" if name in finished else name
            text = self.logs.get((target.namespace, target.pod, key))
            if text is None and only_pod:
                text = self.logs.get(("", "", key))
            result[name] = tail_lines(text) if text is not None else None
        return result


def tail_lines(
    text: str, *, lines: int = MAX_LOG_LINES, max_bytes: int = MAX_LOG_BYTES
) -> list[str]:
    """The last `lines` lines within `max_bytes`, as the log endpoint's tailLines/limitBytes."""
    data = text.encode("utf-8", "replace")[-max_bytes:].decode("utf-8", "replace")
    return data.splitlines()[-lines:]


def iter_objects(path: Path) -> Iterator[Obj]:
    files = (
        [path]
        if path.is_file()
        else sorted(
            p
            for p in path.iterdir()
            if p.suffix in (".yaml", ".yml", ".json") and p.name not in SKIPPED_FILES
        )
    )
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
            docs: list[Any] = (
                [json.loads(text)]
                if f.suffix == ".json"
                else list(yaml.load_all(text, Loader=_YAML_LOADER))
            )
        except (OSError, ValueError, yaml.YAMLError) as e:
            raise ClusterAccessError(f"cannot read snapshot file {f}: {e}") from e
        for doc in docs:
            if isinstance(doc, Mapping):
                yield doc


def load_logs(path: Path) -> dict[tuple[str, str, str], str]:
    """Log texts keyed by (namespace, pod, container); ("", "", c) for top-level files."""
    base = path if path.is_dir() else path.parent
    logs: dict[tuple[str, str, str], str] = {}
    # `<container>.log` is the previous log (`kubectl logs -p`); `<container>.current.log`
    # the running or last container's, keyed "<container>.current".
    for f in base.glob("*.log"):
        logs[("", "", f.stem)] = f.read_text(encoding="utf-8", errors="replace")
    logdir = base / "logs"
    if logdir.is_dir():
        for f in logdir.glob("*/*/*.log"):
            ns, pod = f.parent.parent.name, f.parent.name
            logs[(ns, pod, f.stem)] = f.read_text(encoding="utf-8", errors="replace")
    return logs


def _involves(e: Obj, kind: str, namespace: str | None, name: str | None, uid: Any) -> bool:
    inv = e.get("involvedObject") or e.get("regarding") or {}
    if not isinstance(inv, Mapping) or inv.get("kind") != kind:
        return False
    if uid and inv.get("uid") and inv.get("uid") != uid:
        return False  # an event about an earlier pod of the same name
    if namespace is not None and (inv.get("namespace") or "") != namespace:
        return False
    return bool(inv.get("name") == name)
