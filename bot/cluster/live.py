"""Facts from a live cluster, through kubernetes_asyncio.

The critical path is two round trips: read the pod, then everything that depends on
it at once (events by the pod's UID, previous logs of each crashing container, the
node and its events, the owner chain) under a bounded semaphore and a per-request
timeout. The owner chain stays within the second round trip because a ReplicaSet's
Deployment (and a Job's CronJob) can be named from the pod alone and verified after.

Only the pod read is essential. Any other read that fails (403 on pods/log, a
deleted node, a timeout) becomes a warning in the facts instead of an error.
Responses are read raw (`_preload_content=False`) so that the same normalizer serves
live JSON and snapshot files, and so no time is spent building model objects.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config.config_exception import ConfigException

from bot.cluster.normalize import (
    as_map,
    build_pod_facts,
    container_statuses,
    controller_ref,
    ended_without_restart,
)
from bot.cluster.prometheus import PrometheusClient
from bot.cluster.revisions import RevisionQuery, revision_query, with_change
from bot.cluster.source import PodSummary, node_labels_of, suggest_names, summarize_pod
from bot.errors import ClusterAccessError, ClusterUnreachable, Forbidden, PodNotFound
from bot.facts import PodFacts
from bot.target import Target, is_subdomain

Obj = dict[str, Any]

TRANSIENT = frozenset({429, 500, 502, 503, 504})
LOG_TAIL_LINES = 200
LOG_LIMIT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class LiveOptions:
    timeout: float = 5.0  # seconds per request
    concurrency: int = 64  # requests in flight per cluster
    diagnoses: int = 16  # pods collected at once: early ones finish instead of all crawling
    log_lines: int = LOG_TAIL_LINES
    log_bytes: int = LOG_LIMIT_BYTES


class ApiFailure(Exception):
    """One failed read, already translated into words (used inside this module)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


async def load_api_client(
    *, context: str | None = None, kubeconfig: str | None = None
) -> client.ApiClient:
    """An ApiClient from the standard resolution: KUBECONFIG, ~/.kube/config, in-cluster."""
    cfg = client.Configuration()
    try:
        await config.load_kube_config(
            config_file=kubeconfig, context=context, client_configuration=cfg
        )
    except (ConfigException, FileNotFoundError, OSError) as e:
        if context or kubeconfig:
            raise ClusterAccessError(
                f"cannot load kubeconfig (context {context or 'current'}): {e}"
            ) from e
        try:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
        except ConfigException as e2:
            raise ClusterAccessError(
                "no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, "
                "or run in a pod with a service account"
            ) from e2
    return client.ApiClient(configuration=cfg)


class LiveSource:
    """A `Source` reading one cluster. Create with `connect()`, release with `close()`."""

    def __init__(
        self,
        api: client.ApiClient,
        *,
        cluster: str | None = None,
        options: LiveOptions | None = None,
        on_request: Callable[[str, str], None] | None = None,
        prometheus: PrometheusClient | None = None,
    ) -> None:
        self.api = api
        self.cluster = cluster
        self.options = options or LiveOptions()
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.batch = client.BatchV1Api(api)
        self._slots = asyncio.Semaphore(self.options.concurrency)
        self._pods = asyncio.Semaphore(self.options.diagnoses)
        self._on_request = on_request  # metrics hook: (resource, outcome)
        self.prometheus = prometheus  # memory series before a kill; None = not configured

    @classmethod
    async def connect(
        cls,
        *,
        context: str | None = None,
        kubeconfig: str | None = None,
        cluster: str | None = None,
        options: LiveOptions | None = None,
        on_request: Callable[[str, str], None] | None = None,
        prometheus: PrometheusClient | None = None,
    ) -> LiveSource:
        api = await load_api_client(context=context, kubeconfig=kubeconfig)
        return cls(
            api, cluster=cluster, options=options, on_request=on_request, prometheus=prometheus
        )

    async def close(self) -> None:
        await self.api.close()
        if self.prometheus is not None:
            await self.prometheus.close()

    # -- the Source protocol -------------------------------------------------------

    async def ping(self) -> None:
        """Raise ClusterAccessError unless the API server answers (GET /version)."""
        try:
            await self._call("version", client.VersionApi(self.api).get_code)
        except ApiFailure as e:
            raise self._essential_error(e, "get", "/version", "-") from e

    async def pod_facts(self, target: Target) -> PodFacts:
        # Bounded per pod, not only per request: with a FIFO of requests alone, a burst
        # of 200 pod reads would queue ahead of the second round trip of the first one.
        async with self._pods:
            pod = await self._read_pod(target)
            return await self._facts_for(pod, target)

    async def list_pods(self, namespace: str) -> list[PodSummary]:
        try:
            body = await self._call("pods", self.core.list_namespaced_pod, namespace=namespace)
        except ApiFailure as e:
            raise self._essential_error(e, "list", "pods", namespace) from e
        return [summarize_pod(p) for p in body.get("items") or []]

    async def workload_pods(self, namespace: str, kind: str, name: str) -> list[PodSummary]:
        readers: dict[str, tuple[str, Callable[..., Awaitable[Any]]]] = {
            "Deployment": ("deployments", self.apps.read_namespaced_deployment),
            "StatefulSet": ("statefulsets", self.apps.read_namespaced_stateful_set),
            "DaemonSet": ("daemonsets", self.apps.read_namespaced_daemon_set),
            "ReplicaSet": ("replicasets", self.apps.read_namespaced_replica_set),
            "Job": ("jobs", self.batch.read_namespaced_job),
        }
        if kind not in readers:
            raise ClusterAccessError(f"cannot list the pods of a {kind}")
        resource, read = readers[kind]
        try:
            obj = await self._call(resource, read, name=name, namespace=namespace)
        except ApiFailure as e:
            if e.status == 404:
                raise ClusterAccessError(
                    f'{kind.lower()} "{name}" not found in namespace "{namespace}"'
                ) from e
            raise self._essential_error(e, "get", resource, namespace) from e
        labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        try:
            body = await self._call(
                "pods", self.core.list_namespaced_pod, namespace=namespace, label_selector=selector
            )
        except ApiFailure as e:
            raise self._essential_error(e, "list", "pods", namespace) from e
        return [summarize_pod(p) for p in body.get("items") or []]

    async def node_labels(self, names: Sequence[str]) -> dict[str, dict[str, str]]:
        # One GET per node, at once: a list of every node is megabytes on a large cluster.
        async def labels(name: str) -> dict[str, str] | None:
            try:
                return node_labels_of(await self._call("nodes", self.core.read_node, name=name))
            except ApiFailure:  # forbidden in the namespaced install, or gone
                return None

        found = await asyncio.gather(*(labels(n) for n in names))
        return {n: got for n, got in zip(names, found, strict=True) if got is not None}

    # -- round trip 1 ---------------------------------------------------------------

    async def _read_pod(self, target: Target) -> Obj:
        try:
            pod: Obj = await self._call(
                "pods", self.core.read_namespaced_pod, name=target.pod, namespace=target.namespace
            )
            return pod
        except ApiFailure as e:
            if e.status == 404:
                raise PodNotFound(target.namespace, target.pod, await self._suggest(target)) from e
            raise self._essential_error(e, "get", "pods", target.namespace) from e

    async def _suggest(self, target: Target) -> tuple[str, ...]:
        try:
            pods = await self.list_pods(target.namespace)
        except ClusterAccessError:
            return ()
        return suggest_names(target.pod, [p.name for p in pods])

    # -- round trip 2 ---------------------------------------------------------------

    async def _facts_for(self, pod: Obj, target: Target) -> PodFacts:
        ns = target.namespace
        uid = as_map(pod.get("metadata")).get("uid")
        node_name = as_map(pod.get("spec")).get("nodeName")
        if not isinstance(uid, str) or not _UID.fullmatch(uid):
            uid = None  # it goes into a field selector: only a UID-shaped value
        if not isinstance(node_name, str) or not is_subdomain(node_name):
            node_name = None
        warnings: list[str] = []

        async def optional(what: str, coro: Awaitable[Any]) -> Any:
            try:
                return await coro
            except ApiFailure as e:
                warnings.append(f"{what} unavailable: {e.message}")
                return None

        log_containers = containers_needing_logs(pod, target.container)
        jobs: dict[str, Awaitable[Any]] = {
            "events": optional(
                "pod events",
                self._call(
                    "events",
                    self.core.list_namespaced_event,
                    namespace=ns,
                    field_selector=f"involvedObject.uid={uid}"
                    if uid
                    else f"involvedObject.name={target.pod}",
                ),
            ),
        }
        finished = set(ended_without_restart(pod))
        for c in log_containers:
            # A container that ended and was not restarted (Init:Error, a Job's pod with
            # restartPolicy Never) has no previous log: its own log is the one to read.
            previous = c not in finished
            what = "previous logs" if previous else "logs"
            jobs[f"log:{c}"] = optional(
                f"{what} of container {c}", self._log(ns, target.pod, c, previous=previous)
            )
        if node_name:
            jobs["node"] = optional(
                f"node {node_name}", self._call("nodes", self.core.read_node, name=node_name)
            )
            jobs["node_events"] = optional(
                f"events of node {node_name}",
                self._call(
                    "events",
                    self.core.list_namespaced_event,
                    namespace="default",
                    field_selector=f"involvedObject.kind=Node,involvedObject.name={node_name}",
                ),
            )
        owner_jobs = self._owner_reads(pod, ns)
        for key, coro in owner_jobs.items():
            jobs[key] = self._quiet(coro)
        ref = controller_ref(pod)  # the workload's revisions, listed from the pod alone
        query = revision_query(pod, guess_parent(ref.kind, ref.name, pod) if ref else None)
        if query is not None:
            jobs["revisions"] = optional(
                f"what changed ({query.resource} of {query.workload.kind}/{query.workload.name})",
                self._list_revisions(ns, query),
            )
        if self.prometheus is not None:  # reads the pod's own fields only: same round trip
            jobs["memory"] = self.prometheus.memory(
                build_pod_facts(pod), target.container, warnings
            )
        results = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))

        owners = await self._owner_chain(pod, ns, results, warnings)
        logs: dict[str, list[str] | None] = {
            c: (results[f"log:{c}"].splitlines() if results.get(f"log:{c}") is not None else None)
            for c in log_containers
        }
        facts = build_pod_facts(
            pod,
            events=(results.get("events") or {}).get("items") or [],
            logs=logs,
            node=results.get("node"),
            node_events=(results.get("node_events") or {}).get("items") or [],
            owners=owners,
            cluster=target.cluster or self.cluster,
            warnings=warnings,
        )
        listed = results.get("revisions")
        items = listed.get("items") or [] if isinstance(listed, dict) else None
        facts = with_change(facts, pod, owners, items, query)
        return replace(facts, memory=results.get("memory"))

    async def _list_revisions(self, ns: str, query: RevisionQuery) -> Any:
        lists: dict[str, Callable[..., Awaitable[Any]]] = {
            "replicasets": self.apps.list_namespaced_replica_set,
            "controllerrevisions": self.apps.list_namespaced_controller_revision,
            "jobs": self.batch.list_namespaced_job,
        }
        selector: dict[str, Any] = (
            {"label_selector": query.label_selector} if query.label_selector else {}
        )
        try:
            return await self._call(query.resource, lists[query.resource], namespace=ns, **selector)
        except ApiFailure as e:
            if e.status == 403:  # status_failure says `get`: this read is a list
                needs = f"forbidden (needs list on {query.resource})"
                raise ApiFailure(403, e.reason, needs) from e
            raise

    async def _log(self, ns: str, pod: str, container: str, *, previous: bool) -> str:
        text: str = await self._call(
            "pods/log",
            self.core.read_namespaced_pod_log,
            name=pod,
            namespace=ns,
            container=container,
            previous=previous,
            tail_lines=self.options.log_lines,
            limit_bytes=self.options.log_bytes,
            raw_text=True,
        )
        return text

    def _owner_reads(self, pod: Obj, ns: str) -> dict[str, Awaitable[Any]]:
        """Reads of the owner chain that can start from the pod alone."""
        ref = controller_ref(pod)
        if ref is None:
            return {}
        reads: dict[str, Awaitable[Any]] = {}
        first = self._owner_reader(ref.kind, ref.name, ns)
        if first is not None:
            reads[f"owner:{ref.kind}/{ref.name}"] = first
        parent = guess_parent(ref.kind, ref.name, pod)
        if parent is not None:
            second = self._owner_reader(parent[0], parent[1], ns)
            if second is not None:
                reads[f"owner:{parent[0]}/{parent[1]}"] = second
        return reads

    def _owner_reader(self, kind: str, name: str, ns: str) -> Awaitable[Any] | None:
        table: dict[str, tuple[str, Callable[..., Awaitable[Any]]]] = {
            "ReplicaSet": ("replicasets", self.apps.read_namespaced_replica_set),
            "Deployment": ("deployments", self.apps.read_namespaced_deployment),
            "StatefulSet": ("statefulsets", self.apps.read_namespaced_stateful_set),
            "DaemonSet": ("daemonsets", self.apps.read_namespaced_daemon_set),
            "Job": ("jobs", self.batch.read_namespaced_job),
            "CronJob": ("cronjobs", self.batch.read_namespaced_cron_job),
        }
        if kind not in table:
            return None
        resource, read = table[kind]
        return self._call(resource, read, name=name, namespace=ns)

    async def _owner_chain(
        self, pod: Obj, ns: str, results: Mapping[str, Any], warnings: list[str]
    ) -> list[Obj]:
        """Walk the controller refs over what round 2 fetched; read what was not guessed."""
        owners: list[Obj] = []
        ref = controller_ref(pod)
        while ref is not None and len(owners) < 5:
            key = f"owner:{ref.kind}/{ref.name}"
            if key in results:
                got = results[key]
            else:
                reader = self._owner_reader(ref.kind, ref.name, ns)
                got = await self._quiet(reader) if reader is not None else None
            if isinstance(got, ApiFailure):
                if got.status != 404:
                    warnings.append(f"owner {ref.kind}/{ref.name} unavailable: {got.message}")
                break
            if got is None:
                break
            owners.append(got)
            ref = controller_ref(got)
        return owners

    async def _quiet(self, coro: Awaitable[Any]) -> Any:
        """Await a read, returning its failure instead of raising it."""
        try:
            return await coro
        except ApiFailure as e:
            return e

    # -- one request ------------------------------------------------------------------

    async def _call(
        self,
        resource: str,
        method: Callable[..., Awaitable[Any]],
        *,
        raw_text: bool = False,
        **kwargs: Any,
    ) -> Any:
        async with self._slots:
            try:
                resp = await method(
                    **kwargs, _preload_content=False, _request_timeout=self.options.timeout
                )
                async with resp, asyncio.timeout(self.options.timeout):
                    body = await resp.read()
                    status = resp.status
            except ApiException as e:  # raised before a response exists (bad arguments)
                self._count(resource, "error")
                raise ApiFailure(e.status or 0, "Error", str(e.reason)) from e
            except TimeoutError as e:
                self._count(resource, "timeout")
                raise ApiFailure(0, "Timeout", f"timed out after {self.options.timeout:g}s") from e
            except aiohttp.ClientError as e:
                self._count(resource, "unreachable")
                raise ApiFailure(0, "Unreachable", f"cannot connect: {e}") from e
        if not 200 <= status <= 299:
            self._count(resource, str(status))
            raise status_failure(status, body, resource)
        self._count(resource, "ok")
        text = body.decode("utf-8", "replace")
        return text if raw_text else json.loads(text)

    def _count(self, resource: str, outcome: str) -> None:
        if self._on_request is not None:
            self._on_request(resource, outcome)

    def _essential_error(
        self, e: ApiFailure, verb: str, resource: str, ns: str
    ) -> ClusterAccessError:
        if e.status == 403:
            return Forbidden(verb, resource, ns)
        if (e.status == 0 and e.reason in ("Timeout", "Unreachable")) or e.status in TRANSIENT:
            # The API server is down, overloaded or restarting: worth trying again later.
            return ClusterUnreachable(self.cluster, e.message)
        if e.status == 401:
            return ClusterAccessError("unauthorized: the cluster rejected the bot's credentials")
        return ClusterAccessError(f"cannot {verb} {resource} in {ns}: {e.message}")


def status_failure(status: int, body: bytes, resource: str) -> ApiFailure:
    """Translate a Status body into words an operator can act on."""
    reason, message = "", ""
    try:
        doc = json.loads(body)
        if isinstance(doc, dict):
            reason = str(doc.get("reason") or "")
            message = str(doc.get("message") or "")
    except ValueError:
        message = body[:200].decode("utf-8", "replace")
    if status == 403:
        verb = "list" if resource == "events" else "get"
        return ApiFailure(status, reason or "Forbidden", f"forbidden (needs {verb} on {resource})")
    if status == 404:
        return ApiFailure(status, reason or "NotFound", f"not found ({message or resource})")
    if status == 400 and resource == "pods/log":
        return ApiFailure(
            status,
            reason or "BadRequest",
            f"no previous container log ({message or 'bad request'})",
        )
    return ApiFailure(status, reason, f"HTTP {status} {reason}: {message}".strip())


def containers_needing_logs(pod: Obj, requested: str | None) -> list[str]:
    """Containers whose log explains the crash: the crashing ones, those that ended with
    an error without a restart, and the requested one."""
    failed = [
        s.get("name")
        for s in container_statuses(pod)
        if as_map(as_map(s.get("state")).get("terminated")).get("exitCode") not in (None, 0)
    ]
    names: list[str] = [n for n in failed if isinstance(n, str)]
    for s in container_statuses(pod):
        if not isinstance(s.get("name"), str):
            continue
        waiting = as_map(as_map(s.get("state")).get("waiting")).get("reason")
        restarts = s.get("restartCount")
        restarted = (
            isinstance(restarts, int)
            and restarts > 0
            and as_map(s.get("lastState")).get("terminated")
        )
        if waiting == "CrashLoopBackOff" or restarted or s.get("name") == requested:
            names.append(s["name"])
    return list(dict.fromkeys(names))


_UID = re.compile(r"[A-Za-z0-9-]{1,64}")
_JOB_SUFFIX = re.compile(r"^(?P<parent>.+)-\d{8,}$")


def guess_parent(kind: str, name: str, pod: Obj) -> tuple[str, str] | None:
    """The likely owner of a pod's owner, from naming conventions, to read it in parallel.

    A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`, and a CronJob
    its Jobs `<cronjob>-<scheduled time in minutes>`. The guess is checked against the
    fetched owner's own reference before it is used.
    """
    if kind == "ReplicaSet":
        h = as_map(as_map(as_map(pod).get("metadata")).get("labels")).get("pod-template-hash")
        if isinstance(h, str) and h and name.endswith(f"-{h}"):
            return ("Deployment", name[: -len(h) - 1])
    if kind == "Job":
        m = _JOB_SUFFIX.match(name)
        if m:
            return ("CronJob", m.group("parent"))
    return None
