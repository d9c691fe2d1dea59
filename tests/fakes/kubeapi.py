"""A local fake Kubernetes API server for tests and benchmarks.

It serves the JSON a real kube-apiserver serves (typed objects, typed lists whose items
carry no kind/apiVersion, ``Status`` errors, ``text/plain`` logs), so the real
``kubernetes_asyncio`` client can be exercised end to end against snapshot directories:

    api = FakeKubeAPI("tests/scenarios/oom-cgroup", latency=0.05)
    url = await api.start()
    write_kubeconfig(tmp_path / "kubeconfig", url)
    ...
    await api.stop()

Only reads are implemented (GET); everything else answers 405 like the real server does
for a resource that does not allow the verb. See ``FakeKubeAPI`` for the fault knobs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from aiohttp import web

__all__ = [
    "DEFAULT_USER",
    "RESOURCES",
    "FailRule",
    "FakeKubeAPI",
    "RbacRule",
    "RequestRecord",
    "ResourceInfo",
    "load_snapshot",
    "running_in_thread",
    "write_kubeconfig",
]

DEFAULT_USER = "system:serviceaccount:crashloop-bot:crashloop-bot"
SCENARIO_FILES = {"scenario.yaml", "scenario.yml"}

VERSION_INFO = {
    "major": "1",
    "minor": "34",
    "emulationMajor": "1",
    "emulationMinor": "34",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "33",
    "gitVersion": "v1.34.2",
    "gitCommit": "8cc511e399b929453cd98ae65b419c3cc227ec79",
    "gitTreeState": "clean",
    "buildDate": "2026-09-10T08:41:12Z",
    "goVersion": "go1.24.9",
    "compiler": "gc",
    "platform": "linux/amd64",
}


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class ResourceInfo:
    resource: str  # plural, e.g. "replicasets"
    group: str  # "" for the core group
    version: str
    kind: str
    namespaced: bool
    field_selectors: tuple[str, ...]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key_kind(self) -> str:
        return f"{self.api_version}/{self.kind}"

    @property
    def qualified(self) -> str:
        """``pods``, ``replicasets.apps``: how the server names the resource in messages."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


_META = ("metadata.name", "metadata.namespace")
_POD_FIELDS = (
    *_META,
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
)
_EVENT_FIELDS = (
    *_META,
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)

RESOURCES: dict[str, ResourceInfo] = {
    r.qualified: r
    for r in (
        ResourceInfo("pods", "", "v1", "Pod", True, _POD_FIELDS),
        ResourceInfo("events", "", "v1", "Event", True, _EVENT_FIELDS),
        ResourceInfo("nodes", "", "v1", "Node", False, ("metadata.name", "spec.unschedulable")),
        ResourceInfo("namespaces", "", "v1", "Namespace", False, ("metadata.name", "status.phase")),
        ResourceInfo("replicasets", "apps", "v1", "ReplicaSet", True, (*_META, "status.replicas")),
        ResourceInfo("deployments", "apps", "v1", "Deployment", True, _META),
        ResourceInfo("statefulsets", "apps", "v1", "StatefulSet", True, _META),
        ResourceInfo("daemonsets", "apps", "v1", "DaemonSet", True, _META),
        ResourceInfo("controllerrevisions", "apps", "v1", "ControllerRevision", True, _META),
        ResourceInfo("jobs", "batch", "v1", "Job", True, (*_META, "status.successful")),
        ResourceInfo("cronjobs", "batch", "v1", "CronJob", True, _META),
    )
}
_BY_KIND: dict[str, ResourceInfo] = {r.kind: r for r in RESOURCES.values()}
_BY_KEY_KIND: dict[str, ResourceInfo] = {r.key_kind: r for r in RESOURCES.values()}
_GROUP_RESOURCES: dict[str, set[str]] = {}
for _r in RESOURCES.values():
    _GROUP_RESOURCES.setdefault(_r.group, set()).add(_r.resource)


def _resource_for_kind(kind: str) -> ResourceInfo:
    """Accepts ``Pod``, ``v1/Pod``, ``apps/v1/ReplicaSet``, ``pods``, ``replicasets.apps``."""
    if kind in _BY_KEY_KIND:
        return _BY_KEY_KIND[kind]
    if kind in _BY_KIND:
        return _BY_KIND[kind]
    if kind in RESOURCES:
        return RESOURCES[kind]
    for r in RESOURCES.values():
        if r.resource == kind or r.kind.lower() == kind.lower():
            return r
    raise KeyError(f"unsupported kind {kind!r}")


# --------------------------------------------------------------------------- snapshots


def _normalize(value: Any) -> Any:
    """YAML turns unquoted timestamps into datetimes; the API only ever has strings."""
    if isinstance(value, dict):
        return {str(k): _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _iter_objects(doc: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(doc, dict):
        return
    kind = doc.get("kind", "")
    if isinstance(kind, str) and kind.endswith("List") and "items" in doc:
        item_kind = kind[: -len("List")] if kind != "List" else None
        for item in doc.get("items") or []:
            if not isinstance(item, dict):
                continue
            if item_kind and "kind" not in item:
                item = {"apiVersion": doc.get("apiVersion", "v1"), "kind": item_kind, **item}
            yield from _iter_objects(item)
        return
    if "kind" in doc:
        yield doc


def load_snapshot(
    directory: str | Path,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, bool], str]]:
    """Read a snapshot directory: returns (objects, logs).

    ``logs`` maps (namespace, pod, container, previous) to the log text.
    """
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"snapshot directory {root} does not exist")
    objects: list[dict[str, Any]] = []
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.name in SCENARIO_FILES:
            continue
        suffix = path.suffix.lower()
        text = path.read_text(encoding="utf-8")
        if suffix in (".yaml", ".yml"):
            docs = list(yaml.safe_load_all(text))
        elif suffix == ".json":
            docs = [json.loads(text)] if text.strip() else []
        else:
            continue
        for doc in docs:
            objects.extend(_normalize(o) for o in _iter_objects(doc))
    logs: dict[tuple[str, str, str, bool], str] = {}
    logs_root = root / "logs"
    if logs_root.is_dir():
        for path in sorted(logs_root.glob("*/*/*.log")):
            ns, pod = path.parent.parent.name, path.parent.name
            name = path.name[: -len(".log")]
            previous = True
            if name.endswith(".current"):
                name, previous = name[: -len(".current")], False
            logs[(ns, pod, name, previous)] = path.read_text(encoding="utf-8")
    return objects, logs


# --------------------------------------------------------------------------- fault rules


def _as_set(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(str(v) for v in value)


@dataclass(frozen=True)
class RbacRule:
    """One authorization rule: matches a request's verb, resource, namespace and name.

    ``resources`` entries are ``pods``, ``pods/log``, ``replicasets`` (any group) or
    ``replicasets.apps``; ``"*"`` matches everything. ``None`` fields match anything.
    """

    verbs: frozenset[str] | None = None
    resources: frozenset[str] | None = None
    namespaces: frozenset[str] | None = None
    names: frozenset[str] | None = None

    @classmethod
    def parse(cls, rule: RbacRule | Mapping[str, Any]) -> RbacRule:
        if isinstance(rule, RbacRule):
            return rule
        unknown = set(rule) - {
            "verb",
            "verbs",
            "resource",
            "resources",
            "namespace",
            "namespaces",
            "name",
            "names",
            "resourceNames",
        }
        if unknown:
            raise ValueError(f"unknown RBAC rule keys {sorted(unknown)}")
        return cls(
            verbs=_as_set(rule.get("verbs", rule.get("verb"))),
            resources=_as_set(rule.get("resources", rule.get("resource"))),
            namespaces=_as_set(rule.get("namespaces", rule.get("namespace"))),
            names=_as_set(rule.get("names", rule.get("resourceNames", rule.get("name")))),
        )

    def matches(self, verb: str, res: ResourceInfo, sub: str, namespace: str, name: str) -> bool:
        if self.verbs is not None and not ({"*", verb} & self.verbs):
            return False
        if self.resources is not None:
            plain = res.resource + (f"/{sub}" if sub else "")
            qualified = res.qualified + (f"/{sub}" if sub else "")
            if not ({"*", plain, qualified} & self.resources):
                return False
        if self.namespaces is not None and namespace not in self.namespaces:
            return False
        return self.names is None or name in self.names


@dataclass
class FailRule:
    """Make requests whose path matches ``path`` (regex, searched) fail.

    ``status`` is the HTTP status answered (500 InternalError, 503, 504 Timeout, 429 with
    Retry-After, ...). ``hang`` seconds are slept first (longer than the client timeout to
    simulate a hung server; the sleep ends early when the server stops). ``count`` limits how
    many requests fail; ``until`` is a ``time.monotonic()`` deadline after which the rule is
    inert (``for_seconds`` sets it relative to now). ``method`` restricts the HTTP method.
    """

    path: str = ".*"
    status: int = 500
    count: int | None = None
    until: float | None = None
    for_seconds: float | None = None
    hang: float | None = None
    message: str | None = None
    retry_after: int = 1
    method: str | None = None
    hits: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._regex = re.compile(self.path)
        if self.for_seconds is not None and self.until is None:
            self.until = time.monotonic() + self.for_seconds

    @classmethod
    def parse(cls, rule: FailRule | Mapping[str, Any]) -> FailRule:
        if isinstance(rule, FailRule):
            return rule
        data = dict(rule)
        if "code" in data and "status" not in data:
            data["status"] = data.pop("code")
        return cls(**data)

    def take(self, method: str, path: str) -> bool:
        """True when this request must fail (and counts it)."""
        if self.method is not None and self.method.upper() != method:
            return False
        if self.until is not None and time.monotonic() >= self.until:
            return False
        if self.count is not None and self.hits >= self.count:
            return False
        if not self._regex.search(path):
            return False
        self.hits += 1
        return True


class RequestRecord(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    t_start: float  # time.monotonic()
    t_end: float
    status: int  # 499 when the client went away before the answer


# --------------------------------------------------------------------------- errors


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class _ApiError(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        reason: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            out["details"] = self.details
        out["code"] = self.code
        return out


def _details(res: ResourceInfo, name: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d["kind"] = res.resource
    return d


def _not_found(res: ResourceInfo, name: str) -> _ApiError:
    return _ApiError(404, f'{res.qualified} "{name}" not found', _details(res, name))


def _bad_request(message: str) -> _ApiError:
    return _ApiError(400, message)


def _parse_bool(value: str | None, param: str) -> bool:
    if value is None or value == "":
        return False
    if value in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if value in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise _bad_request(f'strconv.ParseBool: parsing "{value}": invalid syntax ({param})')


def _parse_int(value: str | None, param: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise _bad_request(
            f'strconv.ParseInt: parsing "{value}": invalid syntax ({param})'
        ) from None


# --------------------------------------------------------------------------- selectors


def _split_top(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


_SET_RE = re.compile(r"^(!?)\s*([A-Za-z0-9_./-]+)\s+(in|notin)\s*\((.*)\)$")
_CMP_RE = re.compile(r"^([A-Za-z0-9_./-]+)\s*(==|!=|=|>|<)\s*([A-Za-z0-9_./-]*)$")
_EXISTS_RE = re.compile(r"^(!?)\s*([A-Za-z0-9_./-]+)$")


def _label_matcher(selector: str | None) -> Any:
    if not selector:
        return lambda labels: True
    reqs = []
    for term in _split_top(selector):
        if m := _SET_RE.match(term):
            if m.group(1):
                raise _bad_request(f"unable to parse requirement: {term}")
            values = {v.strip() for v in m.group(4).split(",") if v.strip()}
            reqs.append((m.group(2), m.group(3), values))
        elif m := _CMP_RE.match(term):
            op = "=" if m.group(2) == "==" else m.group(2)
            reqs.append((m.group(1), op, m.group(3)))
        elif m := _EXISTS_RE.match(term):
            reqs.append((m.group(2), "!exists" if m.group(1) else "exists", None))
        else:
            raise _bad_request(f"unable to parse requirement: found '{term}', expected: identifier")

    def match(labels: Mapping[str, str]) -> bool:
        for key, op, val in reqs:
            have = key in labels
            cur = labels.get(key)
            if op == "=" and cur != val:
                return False
            if op == "!=" and cur == val:
                return False
            if op == "in" and cur not in val:
                return False
            if op == "notin" and have and cur in val:
                return False
            if op == "exists" and not have:
                return False
            if op == "!exists" and have:
                return False
            if op in (">", "<"):
                try:
                    a, b = int(cur or ""), int(val)
                except ValueError:
                    return False
                if (op == ">" and not a > b) or (op == "<" and not a < b):
                    return False
        return True

    return match


def _field_value(obj: Mapping[str, Any], res: ResourceInfo, path: str) -> str:
    if res.kind == "Event" and path == "source":
        path = "source.component"
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, Mapping) else None
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def _field_matcher(selector: str | None, res: ResourceInfo) -> Any:
    if not selector:
        return lambda obj: True
    reqs = []
    for term in re.split(r"(?<!\\),", selector):
        term = term.strip()
        if not term:
            continue
        m = re.match(r"^([^=!]+?)\s*(==|!=|=)\s*(.*)$", term)
        if not m:
            raise _bad_request(f"invalid selector: '{selector}'; can't understand '{term}'")
        key, op, val = m.group(1), m.group(2), m.group(3).replace("\\,", ",")
        if key not in res.field_selectors:
            raise _bad_request(f'field label not supported: "{key}"')
        reqs.append((key, op != "!=", val))

    def match(obj: Mapping[str, Any]) -> bool:
        return all((_field_value(obj, res, k) == v) == eq for k, eq, v in reqs)

    return match


# --------------------------------------------------------------------------- the server

_Key = tuple[str, str, str]  # (apiVersion/kind, namespace or "", name)

_ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^/version/?$"), "version"),
    (re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/pods/(?P<name>[^/]+)/log$"), "log"),
    (
        re.compile(r"^/api/v1/namespaces/(?P<ns>[^/]+)/(?P<res>[^/]+)(?:/(?P<name>[^/]+))?$"),
        "core-ns",
    ),
    (re.compile(r"^/api/v1/(?P<res>[^/]+)(?:/(?P<name>[^/]+))?$"), "core"),
    (
        re.compile(
            r"^/apis/(?P<group>[^/]+)/v1/namespaces/(?P<ns>[^/]+)/(?P<res>[^/]+)"
            r"(?:/(?P<name>[^/]+))?$"
        ),
        "group-ns",
    ),
    (re.compile(r"^/apis/(?P<group>[^/]+)/v1/(?P<res>[^/]+)$"), "group"),
]


class FakeKubeAPI:
    """An in-memory, read-only kube-apiserver over HTTP (aiohttp) for the real client.

    Fault knobs, settable at construction and at any time afterwards (also from another
    thread while the server runs in ``running_in_thread``):

    - ``latency``: seconds slept at the start of every request (concurrency is real).
    - ``forbid``: RBAC rules (dicts ``{verb, resource, namespace?, name?}`` or ``RbacRule``)
      answered with 403 Forbidden.
    - ``allow``: when not None, an RBAC allow-list: every resource request not matched by one
      of these rules is 403 (``{verbs: [get, list], resources: [pods, pods/log]}``).
    - ``fail``: ``FailRule``s (or dicts with the same fields) for 5xx, 429 and hangs.
    - ``token``: when set, requests must carry ``Authorization: Bearer <token>`` (else 401).
    """

    def __init__(
        self,
        *snapshots: str | Path | Iterable[str | Path],
        latency: float = 0.0,
        forbid: Iterable[RbacRule | Mapping[str, Any]] = (),
        allow: Iterable[RbacRule | Mapping[str, Any]] | None = None,
        fail: Iterable[FailRule | Mapping[str, Any]] = (),
        token: str | None = None,
        user: str = DEFAULT_USER,
    ) -> None:
        self._lock = threading.RLock()
        self._objects: dict[_Key, dict[str, Any]] = {}
        self._logs: dict[tuple[str, str, str, bool], str] = {}
        self._rv = 1000
        self.latency = latency
        self.forbid = forbid  # type: ignore[assignment]
        self.allow = allow  # type: ignore[assignment]
        self.fail = fail  # type: ignore[assignment]
        self.token = token
        self.user = user
        self.requests: list[RequestRecord] = []
        self.peak_concurrency = 0
        self.in_flight = 0
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self.url: str | None = None
        for snap in snapshots:
            if isinstance(snap, str | Path):
                self.load(snap)
            else:
                for s in snap:
                    self.load(s)

    # ----------------------------------------------------------------- knobs

    @property
    def forbid(self) -> list[RbacRule]:
        return self._forbid

    @forbid.setter
    def forbid(self, rules: Iterable[RbacRule | Mapping[str, Any]] | None) -> None:
        self._forbid = [RbacRule.parse(r) for r in rules or ()]

    @property
    def allow(self) -> list[RbacRule] | None:
        return self._allow

    @allow.setter
    def allow(self, rules: Iterable[RbacRule | Mapping[str, Any]] | None) -> None:
        self._allow = None if rules is None else [RbacRule.parse(r) for r in rules]

    @property
    def fail(self) -> list[FailRule]:
        return self._fail

    @fail.setter
    def fail(self, rules: Iterable[FailRule | Mapping[str, Any]] | None) -> None:
        self._fail = [FailRule.parse(r) for r in rules or ()]

    def apply_faults(self, faults: Mapping[str, Any] | None) -> None:
        """Apply a scenario's ``faults:`` mapping (``unreachable`` is the caller's business)."""
        faults = faults or {}
        if "latency" in faults:
            self.latency = float(faults["latency"] or 0)
        if "forbid" in faults:
            self.forbid = faults["forbid"]
        if "allow" in faults:
            self.allow = faults["allow"]
        if "fail" in faults:
            self.fail = faults["fail"]
        if "token" in faults:
            self.token = faults["token"]

    # ----------------------------------------------------------------- store

    def load(self, directory: str | Path) -> None:
        """Merge a snapshot directory into the store (later objects replace earlier ones)."""
        objects, logs = load_snapshot(directory)
        for obj in objects:
            self.put(obj)
        with self._lock:
            self._logs.update(logs)

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def put(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Add or replace an object; fills in uid/resourceVersion/namespace when missing."""
        obj = _normalize(obj)  # also a deep copy of dicts and lists
        kind = obj.get("kind")
        api_version = obj.get("apiVersion", "v1")
        if not kind:
            raise ValueError("object has no kind")
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise ValueError(f"{kind} has no metadata.name")
        res = _BY_KEY_KIND.get(f"{api_version}/{kind}")
        ns = meta.get("namespace", "")
        if res is not None:
            ns = (ns or "default") if res.namespaced else ""
            if res.namespaced:
                meta["namespace"] = ns
            else:
                meta.pop("namespace", None)
        with self._lock:
            key = (f"{api_version}/{kind}", ns, name)
            meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(key))))
            rv = self._next_rv()
            if "resourceVersion" in meta:
                with contextlib.suppress(ValueError):
                    self._rv = max(self._rv, int(meta["resourceVersion"]))
            else:
                meta["resourceVersion"] = rv
            self._objects[key] = obj
        return obj

    def delete(self, kind: str, namespace: str | None, name: str) -> bool:
        """Remove an object (``kind`` as ``Pod``, ``v1/Pod`` or ``pods``); True if it existed."""
        res = _resource_for_kind(kind)
        ns = (namespace or "") if res.namespaced else ""
        with self._lock:
            self._next_rv()
            return self._objects.pop((res.key_kind, ns, name), None) is not None

    def get(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        res = _resource_for_kind(kind)
        ns = (namespace or "") if res.namespaced else ""
        with self._lock:
            return self._objects.get((res.key_kind, ns, name))

    def objects(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._objects.items())
        if kind is not None:
            res = _resource_for_kind(kind)
            items = [(k, v) for k, v in items if k[0] == res.key_kind]
        return [v for _, v in sorted(items, key=lambda kv: kv[0])]

    def set_log(
        self, namespace: str, pod: str, container: str, text: str | None, *, previous: bool = True
    ) -> None:
        """Set (or with ``None`` remove) a container's previous or current log."""
        with self._lock:
            key = (namespace, pod, container, previous)
            if text is None:
                self._logs.pop(key, None)
            else:
                self._logs[key] = text

    # ----------------------------------------------------------------- stats

    def reset_stats(self) -> None:
        with self._lock:
            self.requests = []
            self.peak_concurrency = self.in_flight

    def requests_matching(self, path_regex: str) -> list[RequestRecord]:
        rx = re.compile(path_regex)
        with self._lock:
            return [r for r in self.requests if rx.search(r.path)]

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> str:
        """Bind 127.0.0.1 on a free port; returns the base URL (``http://127.0.0.1:PORT``)."""
        if self._runner is not None:
            raise RuntimeError("FakeKubeAPI already started")
        self._stopping = asyncio.Event()
        app = web.Application(middlewares=[self._middleware])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        # handler_cancellation: a client that gives up (timeout) ends the request here too,
        # so in_flight/peak_concurrency reflect what the client sees.
        runner = web.AppRunner(
            app,
            handle_signals=False,
            access_log=None,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        self.url = None

    async def __aenter__(self) -> str:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- request plumbing

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        t_start = time.monotonic()
        with self._lock:
            self.in_flight += 1
            self.peak_concurrency = max(self.peak_concurrency, self.in_flight)
        status = 499
        try:
            response: web.StreamResponse = await handler(request)
            status = response.status
            return response
        finally:
            with self._lock:
                self.in_flight -= 1
                self.requests.append(
                    RequestRecord(
                        request.method,
                        request.path,
                        dict(request.query),
                        t_start,
                        time.monotonic(),
                        status,
                    )
                )

    async def _sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    @staticmethod
    def _json(
        body: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        hdrs = {
            "Audit-Id": str(uuid.uuid4()),
            "Cache-Control": "no-cache, private",
            **(headers or {}),
        }
        return web.Response(
            status=status,
            body=json.dumps(body, separators=(",", ":")).encode(),
            content_type="application/json",
            headers=hdrs,
        )

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        try:
            return await self._handle(request)
        except _ApiError as err:
            return self._json(err.body(), err.code, err.headers)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        await self._sleep(self.latency)
        path, method = request.path, request.method
        with self._lock:
            fail = next((r for r in self._fail if r.take(method, path)), None)
        if fail is not None:
            await self._sleep(fail.hang or 0)
            raise self._failure(fail)
        if self.token is not None:
            auth = request.headers.get("Authorization", "")
            if auth != f"Bearer {self.token}":
                raise _ApiError(401, "Unauthorized")

        found = next(((rx.match(path), r) for rx, r in _ROUTES if rx.match(path)), None)
        if found is None:
            if path.startswith(("/api/", "/apis/")):
                raise _ApiError(404, "the server could not find the requested resource", {})
            return web.Response(status=404, text="404 page not found\n")
        m, route = found
        assert m is not None
        if method not in ("GET", "HEAD"):
            raise _ApiError(
                405, "the server does not allow this method on the requested resource", {}
            )
        if route == "version":
            return self._json(VERSION_INFO)
        g = m.groupdict()
        if route == "log":
            return self._log(request, g["ns"], g["name"])
        group = g.get("group") or ""
        res_name = g["res"]
        if res_name not in _GROUP_RESOURCES.get(group, set()):
            raise _ApiError(404, "the server could not find the requested resource", {})
        res = RESOURCES[f"{res_name}.{group}" if group else res_name]
        ns = g.get("ns")
        name = g.get("name")
        if res.namespaced is False and ns is not None:
            raise _ApiError(404, "the server could not find the requested resource", {})
        if res.resource == "namespaces" and name is not None and route == "core":
            ns = None
        if res.namespaced and ns is None and name is not None:
            # /api/v1/pods/NAME does not exist
            raise _ApiError(404, "the server could not find the requested resource", {})
        q = request.query
        verb = "get" if name else ("watch" if _parse_bool(q.get("watch"), "watch") else "list")
        self._authorize(verb, res, "", ns or "", name or "")
        if verb == "watch":
            raise _bad_request("watch is not supported by FakeKubeAPI")
        if name:
            obj = self._get_obj(res, ns or "", name)
            if obj is None:
                raise _not_found(res, name)
            return self._json(obj)
        return self._json(self._list(res, ns, q))

    def _failure(self, rule: FailRule) -> _ApiError:
        code = rule.status
        if code == 429:
            return _ApiError(
                429,
                rule.message or "Too many requests, please try again later.",
                {"retryAfterSeconds": rule.retry_after},
                headers={"Retry-After": str(rule.retry_after)},
            )
        if code == 500:
            msg = rule.message or "etcdserver: request timed out"
            return _ApiError(500, f"Internal error occurred: {msg}", {"causes": [{"message": msg}]})
        if code == 504:
            return _ApiError(
                504,
                rule.message
                or "Timeout: request did not complete within requested timeout - "
                "context deadline exceeded",
                {},
            )
        if code == 503:
            return _ApiError(
                503, rule.message or "the server is currently unable to handle the request", {}
            )
        return _ApiError(code, rule.message or _REASONS.get(code, "error"), {})

    def _authorize(self, verb: str, res: ResourceInfo, sub: str, namespace: str, name: str) -> None:
        with self._lock:
            forbidden = any(r.matches(verb, res, sub, namespace, name) for r in self._forbid)
            if not forbidden and self._allow is not None:
                forbidden = not any(r.matches(verb, res, sub, namespace, name) for r in self._allow)
        if not forbidden:
            return
        resource = res.resource + (f"/{sub}" if sub else "")
        subject = f'{res.qualified} "{name}"' if name else res.qualified
        scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
        message = (
            f'{subject} is forbidden: User "{self.user}" cannot {verb} resource "{resource}" '
            f'in API group "{res.group}" {scope}'
        )
        raise _ApiError(403, message, _details(res, name or None))

    def _get_obj(self, res: ResourceInfo, ns: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            obj = self._objects.get((res.key_kind, ns, name))
            if obj is None and res.kind == "Namespace":
                obj = self._implicit_namespaces().get(name)
            return obj

    def _implicit_namespaces(self) -> dict[str, dict[str, Any]]:
        """Namespaces that hold objects (and ``default``) exist even if not in the snapshot."""
        names = {"default"} | {k[1] for k in self._objects if k[1]}
        out = {}
        for n in sorted(names):
            out[n] = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "creationTimestamp": "2026-01-12T08:00:00Z",
                    "labels": {"kubernetes.io/metadata.name": n},
                    "name": n,
                    "resourceVersion": "1",
                    "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"v1/Namespace//{n}")),
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        for (kind, _, n), obj in self._objects.items():
            if kind == "v1/Namespace":
                out[n] = obj
        return out

    def _list(self, res: ResourceInfo, ns: str | None, q: Mapping[str, str]) -> dict[str, Any]:
        labels = _label_matcher(q.get("labelSelector"))
        fields = _field_matcher(q.get("fieldSelector"), res)
        limit = _parse_int(q.get("limit"), "limit")
        start = 0
        if q.get("continue"):
            try:
                start = int(json.loads(base64.urlsafe_b64decode(q["continue"]))["start"])
            except (ValueError, KeyError, TypeError):
                raise _ApiError(
                    410,
                    "The provided continue parameter is too old to display a consistent "
                    "list result. You can start a new list without the continue parameter.",
                    {},
                    reason="Expired",
                ) from None
        with self._lock:
            if res.kind == "Namespace":
                candidates = [
                    (("v1/Namespace", "", n), o) for n, o in self._implicit_namespaces().items()
                ]
            else:
                candidates = [
                    (k, o)
                    for k, o in self._objects.items()
                    if k[0] == res.key_kind and (ns is None or k[1] == ns)
                ]
            rv = str(self._rv)
        candidates.sort(key=lambda kv: (kv[0][1], kv[0][2]))
        items = [
            o
            for _, o in candidates
            if labels((o.get("metadata") or {}).get("labels") or {}) and fields(o)
        ]
        meta: dict[str, Any] = {"resourceVersion": rv}
        page = items[start:]
        if limit is not None and limit > 0 and len(page) > limit:
            page = page[:limit]
            token = json.dumps({"rv": rv, "start": start + limit}).encode()
            meta["continue"] = base64.urlsafe_b64encode(token).decode()
            meta["remainingItemCount"] = len(items) - start - limit
        # Items of a typed list carry no kind/apiVersion on the wire.
        stripped = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]
        return {
            "kind": f"{res.kind}List",
            "apiVersion": res.api_version,
            "metadata": meta,
            "items": stripped,
        }

    # ----------------------------------------------------------------- logs

    def _log(self, request: web.Request, ns: str, name: str) -> web.StreamResponse:
        pods = RESOURCES["pods"]
        q = request.query
        self._authorize("get", pods, "log", ns, name)
        container = q.get("container") or ""
        previous = _parse_bool(q.get("previous"), "previous")
        tail = _parse_int(q.get("tailLines"), "tailLines")
        limit_bytes = _parse_int(q.get("limitBytes"), "limitBytes")
        timestamps = _parse_bool(q.get("timestamps"), "timestamps")
        _parse_bool(q.get("follow"), "follow")
        if limit_bytes is not None and limit_bytes < 1:
            raise _ApiError(
                422,
                f'PodLogOptions "{name}" is invalid: limitBytes: Invalid value: {limit_bytes}: '
                "must be greater than 0",
            )
        if tail is not None and tail < 0:
            raise _ApiError(
                422,
                f'PodLogOptions "{name}" is invalid: tailLines: Invalid value: {tail}: '
                "must be greater than or equal to 0",
            )
        pod = self._get_obj(pods, ns, name)
        if pod is None:
            raise _not_found(pods, name)
        spec, status = pod.get("spec") or {}, pod.get("status") or {}
        main = [c["name"] for c in spec.get("containers") or []]
        init = [c["name"] for c in spec.get("initContainers") or []]
        if not container:
            if len(main) == 1:
                container = main[0]
            else:
                msg = (
                    f"a container name must be specified for pod {name}, "
                    f"choose one of: [{' '.join(main)}]"
                )
                if init:
                    msg += f" or one of the init containers: [{' '.join(init)}]"
                raise _bad_request(msg)
        if container not in main and container not in init:
            raise _bad_request(f"container {container} is not valid for pod {name}")
        statuses = [
            *(status.get("containerStatuses") or []),
            *(status.get("initContainerStatuses") or []),
        ]
        cstatus = next((s for s in statuses if s.get("name") == container), None)
        if cstatus is None:
            raise _bad_request(
                f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating'
            )
        state = cstatus.get("state") or {}
        last = (cstatus.get("lastState") or {}).get("terminated")
        waiting, running, terminated = (
            state.get("waiting"),
            state.get("running"),
            state.get("terminated"),
        )
        with self._lock:
            prev_text = self._logs.get((ns, name, container, True))
            cur_text = self._logs.get((ns, name, container, False))
        span: Mapping[str, Any] = {}
        if previous:
            # kubelet: previous needs lastState.terminated with a container ID.
            if not last or not last.get("containerID") or prev_text is None:
                raise _bad_request(
                    f'previous terminated container "{container}" in pod "{name}" not found'
                )
            text, span = prev_text, last
        elif running is not None:
            text, span = cur_text or "", running
        elif terminated is not None:
            if terminated.get("containerID"):
                text, span = cur_text if cur_text is not None else (prev_text or ""), terminated
            elif last and last.get("containerID"):
                text, span = prev_text or "", last
            else:
                raise _bad_request(f'container "{container}" in pod "{name}" is terminated')
        elif last is not None:
            # Waiting in back-off: the "current" log is the last terminated container's.
            text, span = cur_text if cur_text is not None else (prev_text or ""), last
        elif waiting is not None:
            reason = waiting.get("reason") or "ContainerCreating"
            if reason == "ErrImagePull":
                detail = "image can't be pulled"
            elif reason == "ImagePullBackOff":
                detail = "trying and failing to pull image"
            else:
                detail = reason
            raise _bad_request(
                f'container "{container}" in pod "{name}" is waiting to start: {detail}'
            )
        else:
            raise _bad_request(
                f'container "{container}" in pod "{name}" is waiting to start - no logs yet'
            )
        body = _render_log(text, tail, limit_bytes, timestamps, span)
        return web.Response(
            body=body,
            headers={"Content-Type": "text/plain", "Cache-Control": "no-cache, private"},
        )


def _parse_ts(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _render_log(
    text: str,
    tail: int | None,
    limit_bytes: int | None,
    timestamps: bool,
    span: Mapping[str, Any],
) -> bytes:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    total = len(lines)
    if tail is not None:
        lines = lines[-tail:] if tail else []
    if timestamps and lines:
        start = _parse_ts(span.get("startedAt")) or dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        end = _parse_ts(span.get("finishedAt")) or start + dt.timedelta(seconds=max(total, 1))
        step = (end - start) / max(total, 1)
        first = total - len(lines)
        out = []
        for i, line in enumerate(lines):
            t = start + step * (first + i) + dt.timedelta(microseconds=123457 + 1000 * i)
            stamp = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "719Z"
            out.append(f"{stamp} {line}")
        lines = out
    data = "".join(lines).encode()
    if limit_bytes is not None:
        data = data[:limit_bytes]
    return data


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def running_in_thread(api: FakeKubeAPI, *, timeout: float = 10.0) -> Iterator[str]:
    """Run ``api`` on its own event loop in a daemon thread; yields the base URL.

    For tests that run the CLI in a subprocess (or any synchronous code).
    """
    loop = asyncio.new_event_loop()
    started = False

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    thread = threading.Thread(target=run, name="FakeKubeAPI", daemon=True)
    thread.start()
    try:
        url = asyncio.run_coroutine_threadsafe(api.start(), loop).result(timeout)
        started = True
        yield url
    finally:
        try:
            if started:
                asyncio.run_coroutine_threadsafe(api.stop(), loop).result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            if not thread.is_alive():
                loop.close()


def write_kubeconfig(
    path: str | Path,
    server_url: str,
    *,
    contexts: dict[str, str] | None = None,
    current: str = "test",
    token: str | None = "dummy-token",
    namespace: str | None = None,
) -> Path:
    """Write a kubeconfig usable by ``kubernetes_asyncio.config.load_kube_config``.

    ``contexts`` maps context name to server URL (one cluster and user per context); by
    default a single context ``current`` points at ``server_url``.
    """
    contexts = dict(contexts) if contexts else {current: server_url}
    if current not in contexts:
        contexts[current] = server_url
    user: dict[str, Any] = {"token": token} if token is not None else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": {"server": url}} for n, url in contexts.items()],
        "users": [{"name": f"{n}-user", "user": dict(user)} for n in contexts],
        "contexts": [
            {
                "name": n,
                "context": {
                    "cluster": n,
                    "user": f"{n}-user",
                    **({"namespace": namespace} if namespace else {}),
                },
            }
            for n in contexts
        ],
        "current-context": current,
    }
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return p
