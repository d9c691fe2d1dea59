"""The Kubernetes manifests: render the kustomizations, validate every object offline
against the Kubernetes OpenAPI schemas, and check what matters for a safe install:
least-privilege RBAC, the pod's security context, probes, ports, config and rules.

Rendering: `kubectl kustomize` when a kubectl is on PATH (it embeds kustomize), and
always a small renderer below that implements exactly the kustomize features the
manifests use. Every test runs on each available renderer; with kubectl present the
renderer's output must also equal kustomize's, object for object, so it cannot drift.
Schemas: the `kubernetes-validate` package, which bundles them (no network).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate import utils as kv

from bot.config import FileConfig, load_file
from bot.diagnosis.fixtures import run_fixtures
from bot.diagnosis.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "manifests"
BASE = MANIFESTS
NAMESPACED = MANIFESTS / "namespaced"
EXAMPLES = MANIFESTS / "examples"

# Schemas: the oldest Kubernetes minor still commonly run, and the newest bundled.
K8S_VERSIONS = ("1.30.0", kv.latest_version())

NS = "crashloop-bot"
APP = "crashloop-bot"
CONFIG_PATH = "/etc/crashloop-bot/config.yaml"
RULES_DIR = "/etc/crashloop-bot/rules"
STATE_PATH = "/var/lib/crashloop-bot/state.sqlite3"
UID = 10001

# What the collector reads, and nothing more: (apiGroup, resource) -> verbs.
ALLOWED_VERBS = {"get", "list"}
REQUIRED_CLUSTER_ACCESS = {
    ("", "pods"): {"get", "list"},
    ("", "pods/log"): {"get"},
    ("", "events"): {"get", "list"},
    ("", "nodes"): {"get", "list"},
    ("apps", "replicasets"): {"get", "list"},
    ("apps", "deployments"): {"get", "list"},
    ("apps", "statefulsets"): {"get", "list"},
    ("apps", "daemonsets"): {"get", "list"},
    ("apps", "controllerrevisions"): {"get", "list"},
    ("batch", "jobs"): {"get", "list"},
    ("batch", "cronjobs"): {"get", "list"},
}
FORBIDDEN_RESOURCES = {
    "secrets",
    "configmaps",
    "pods/exec",
    "pods/attach",
    "pods/portforward",
    "pods/proxy",
    "nodes/proxy",
    "services/proxy",
    "serviceaccounts/token",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "CustomResourceDefinition",
}

Obj = dict[str, Any]


# --------------------------------------------------------------------------- rendering


class Unsupported(Exception):
    """The manifests use a kustomize feature this renderer does not implement."""


SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "namespace",
    "labels",
    "resources",
    "configMapGenerator",
    "images",
    "components",
    "patches",
}


def render_python(root: Path) -> list[Obj]:
    """Render a kustomization: resources, namespace, labels, images, configMapGenerator
    (files only, hashed names, name references in pod specs). Nothing else."""
    objs, generated = _build(root.resolve(), ())
    _apply_hashes(objs, generated)
    return objs


def _build(
    root: Path, visiting: tuple[Path, ...], accumulated: list[Obj] | None = None
) -> tuple[list[Obj], set[tuple[str, str]]]:
    """A kustomization's objects; a Component works on the `accumulated` ones."""
    if root in visiting:
        raise Unsupported(f"cycle at {root}")
    kust = _load_kustomization(root)
    unknown = set(kust) - SUPPORTED_KEYS
    if unknown:
        raise Unsupported(f"{root}: kustomization keys {sorted(unknown)}")
    objs: list[Obj] = list(accumulated or [])
    generated: set[tuple[str, str]] = set()  # (namespace, name) of generated ConfigMaps
    for entry in kust.get("resources", []):
        path = (root / entry).resolve()
        if path.is_dir():
            sub, sub_generated = _build(path, (*visiting, root))
            objs += sub
            generated |= sub_generated
        else:
            objs += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    for entry in kust.get("components", []):
        comp = (root / entry).resolve()
        if _load_kustomization(comp).get("kind") != "Component":
            raise Unsupported(f"{comp}: not a kind: Component")
        sub, sub_generated = _build(comp, (*visiting, root), objs)
        objs, generated = sub, generated | sub_generated
    for patch in kust.get("patches", []):
        if set(patch) != {"path"}:
            raise Unsupported(f"{root}: patches options {sorted(patch)}")
        objs = _patch(objs, yaml.safe_load((root / patch["path"]).read_text(encoding="utf-8")))
    for gen in kust.get("configMapGenerator", []):
        if set(gen) - {"name", "namespace", "files"}:
            raise Unsupported(f"{root}: configMapGenerator keys {sorted(gen)}")
        data = {}
        for item in gen["files"]:
            key, _, rel = item.rpartition("=") if "=" in item else ("", "", item)
            data[key or Path(rel).name] = (root / rel).read_text(encoding="utf-8")
        meta = {"name": gen["name"]}
        if gen.get("namespace"):
            meta["namespace"] = gen["namespace"]
        objs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
        generated.add((gen.get("namespace", ""), gen["name"]))
    if "namespace" in kust:
        ns = kust["namespace"]
        for obj in objs:
            if obj["kind"] not in CLUSTER_SCOPED:
                old = obj["metadata"].get("namespace", "")
                obj["metadata"]["namespace"] = ns
                if (old, obj["metadata"]["name"]) in generated:
                    generated.discard((old, obj["metadata"]["name"]))
                    generated.add((ns, obj["metadata"]["name"]))
    for spec in kust.get("labels", []):
        if set(spec) - {"pairs"}:
            raise Unsupported(f"{root}: labels options {sorted(spec)}")
        for obj in objs:
            obj["metadata"].setdefault("labels", {}).update(spec["pairs"])
    for image in kust.get("images", []):
        if set(image) - {"name", "newName", "newTag"}:
            raise Unsupported(f"{root}: images options {sorted(image)}")
        for container in _containers(objs):
            ref = container["image"]
            repo = re.sub(r"(@.*|:[^/:]*)$", "", ref)
            if repo == image["name"]:
                tag = image.get("newTag") or ref[len(repo) + 1 :]
                container["image"] = image.get("newName", repo) + (f":{tag}" if tag else "")
    return objs, generated


# Strategic merge patches: the list fields merged by key (Kubernetes' patchMergeKey) that
# the manifests' patches touch; any other list is replaced whole.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "topologySpreadConstraints": "topologyKey",
}


def _patch(objs: list[Obj], patch: Obj) -> list[Obj]:
    """A strategic merge patch applied to the object it names (kind, name, namespace)."""
    meta = patch["metadata"]

    def target(o: Obj) -> bool:
        return (
            o["kind"] == patch["kind"]
            and o["metadata"]["name"] == meta["name"]
            and meta.get("namespace") in (None, o["metadata"].get("namespace"))
        )

    matches = [o for o in objs if target(o)]
    if len(matches) != 1:
        raise Unsupported(f"patch {patch['kind']}/{meta['name']} matches {len(matches)} objects")
    if patch.get("$patch") == "delete":
        return [o for o in objs if not target(o)]
    body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind")}
    return [_merge(o, body) if target(o) else o for o in objs]


def _merge(dest: Any, patch: Any, field: str = "") -> Any:
    if isinstance(patch, dict) and isinstance(dest, dict):
        if "$patch" in patch:
            raise Unsupported(f"$patch in map {field}")
        out = dict(dest)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = _merge(out[key], value, key)
            else:
                out[key] = _merge({}, value, key) if isinstance(value, dict) else value
        return out
    if isinstance(patch, list) and isinstance(dest, list) and field in MERGE_KEYS:
        # kustomize (kyaml) orders the merged list: the patch's elements first, in the
        # patch's order, then the others in their own order.
        key = MERGE_KEYS[field]
        existing = {e[key]: e for e in dest}
        out, seen = [], set()
        for element in patch:
            seen.add(element[key])
            if element.get("$patch") == "delete":
                continue
            base = existing.get(element[key], {})
            out.append(_merge(base, element, field))
        return out + [e for e in dest if e[key] not in seen]
    return patch


def _load_kustomization(root: Path) -> Obj:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        if (root / name).is_file():
            data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
            assert isinstance(data, dict), f"{root / name} is not a mapping"
            return data
    raise Unsupported(f"no kustomization in {root}")


def _pod_specs(objs: list[Obj]) -> Iterator[Obj]:
    for obj in objs:
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield obj["spec"]["template"]["spec"]


def _containers(objs: list[Obj]) -> Iterator[Obj]:
    for spec in _pod_specs(objs):
        yield from spec.get("initContainers", [])
        yield from spec.get("containers", [])


def kustomize_hash(cm: Obj) -> str:
    """kustomize's name suffix for a ConfigMap (api/hasher: sha256 of Go's JSON, encoded)."""
    # kustomize v5 hashes the generated object before it is named: the name is "".
    doc = {"kind": "ConfigMap", "name": "", "data": cm.get("data", {})}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, esc)  # Go's encoding/json is HTML-safe
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return digest.translate(str.maketrans("013ae", "ghkmt"))


def _apply_hashes(objs: list[Obj], generated: set[tuple[str, str]]) -> None:
    renamed: dict[tuple[str, str], str] = {}
    for obj in objs:
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if obj["kind"] == "ConfigMap" and key in generated:
            new = f"{key[1]}-{kustomize_hash(obj)}"
            obj["metadata"]["name"] = new
            renamed[key] = new
    for obj in objs:
        if obj["kind"] not in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            continue
        ns = obj["metadata"].get("namespace", "")
        refs: list[Obj] = []
        spec = obj["spec"]["template"]["spec"]
        for volume in spec.get("volumes", []):
            if "configMap" in volume:
                refs.append(volume["configMap"])
            for source in volume.get("projected", {}).get("sources", []):
                if "configMap" in source:
                    refs.append(source["configMap"])
        for container in [*spec.get("initContainers", []), *spec.get("containers", [])]:
            for env in container.get("env", []):
                if "configMapKeyRef" in env.get("valueFrom", {}):
                    refs.append(env["valueFrom"]["configMapKeyRef"])
            for env_from in container.get("envFrom", []):
                if "configMapRef" in env_from:
                    refs.append(env_from["configMapRef"])
        for ref in refs:
            ref["name"] = renamed.get((ns, ref["name"]), ref["name"])


def kubectl_available() -> bool:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return False
    probe = subprocess.run(
        [kubectl, "kustomize", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    return probe.returncode == 0


def render_kubectl(root: Path) -> list[Obj]:
    out = subprocess.run(
        ["kubectl", "kustomize", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, f"kubectl kustomize {root} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


RENDERERS = ["python", *(["kubectl"] if kubectl_available() else [])]


def by_key(objs: list[Obj]) -> dict[tuple[str, str, str, str], Obj]:
    keyed = {
        (o["apiVersion"], o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o
        for o in objs
    }
    assert len(keyed) == len(objs), "two objects with the same apiVersion/kind/namespace/name"
    return keyed


@cache
def _render(root: Path, renderer: str) -> list[Obj]:
    if renderer == "kubectl":
        objs = render_kubectl(root)
        mine = by_key(render_python(root))
        theirs = by_key(objs)
        assert sorted(mine) == sorted(theirs), "renderer and kustomize disagree on objects"
        for key, obj in theirs.items():
            assert mine[key] == obj, f"renderer and kustomize disagree on {key}"
        return objs
    return render_python(root)


def render(root: Path, renderer: str) -> list[Obj]:
    return copy.deepcopy(_render(root, renderer))


@pytest.fixture(params=RENDERERS)
def renderer(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def base(renderer: str) -> list[Obj]:
    return render(BASE, renderer)


@pytest.fixture
def namespaced(renderer: str) -> list[Obj]:
    return render(NAMESPACED, renderer)


def one(objs: list[Obj], kind: str, name: str | None = None) -> Obj:
    found = [o for o in objs if o["kind"] == kind and name in (None, o["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def of_kind(objs: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objs if o["kind"] == kind]


def load_yaml_docs(path: Path) -> list[Obj]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


# --------------------------------------------------------------------------- schemas


def test_renderer_refuses_kustomize_features_it_does_not_implement(tmp_path: Path) -> None:
    # So the manifests cannot start using a feature the renderer would silently ignore.
    (tmp_path / "kustomization.yaml").write_text("resources: []\nreplicas: []\n")
    with pytest.raises(Unsupported, match="replicas"):
        render_python(tmp_path)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_every_object_validates_against_the_kubernetes_schema(
    base: list[Obj], namespaced: list[Obj], version: str
) -> None:
    secret = load_yaml_docs(MANIFESTS / "secret.example.yaml")
    for obj in [*base, *namespaced, *secret]:
        kv.validate(obj, version, strict=True)  # raises with the failing path


def test_base_holds_the_expected_objects(base: list[Obj]) -> None:
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in base)
    assert kinds == sorted(
        [
            ("Namespace", NS),
            ("ServiceAccount", APP),
            ("ClusterRole", APP),
            ("ClusterRoleBinding", APP),
            ("PersistentVolumeClaim", f"{APP}-state"),
            ("Deployment", APP),
            ("Service", APP),
            ("NetworkPolicy", APP),
            ("ConfigMap", _generated_name(base, f"{APP}-config")),
            ("ConfigMap", _generated_name(base, f"{APP}-rules")),
        ]
    )
    for obj in base:
        if obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"]["namespace"] == NS, obj["metadata"]["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == APP


def test_no_secret_is_rendered_and_the_template_stays_out(
    base: list[Obj], namespaced: list[Obj]
) -> None:
    assert not of_kind(base, "Secret")
    assert not of_kind(namespaced, "Secret")
    for root in (BASE, NAMESPACED, MANIFESTS / "common"):
        assert "secret.example.yaml" not in str(_load_kustomization(root).get("resources"))


def _generated_name(objs: list[Obj], prefix: str) -> str:
    names = [
        o["metadata"]["name"]
        for o in of_kind(objs, "ConfigMap")
        if re.fullmatch(rf"{re.escape(prefix)}-[a-z0-9]{{10}}", o["metadata"]["name"])
    ]
    assert len(names) == 1, f"expected one generated ConfigMap {prefix}-<hash>, got {names}"
    return names[0]


# --------------------------------------------------------------------------- RBAC


def _rules(role: Obj) -> list[Obj]:
    rules = role.get("rules") or []
    assert rules, f"{role['kind']} {role['metadata']['name']} has no rules"
    return rules


def assert_read_only(role: Obj) -> dict[tuple[str, str], set[str]]:
    """Only get/list, no wildcard, nothing sensitive; returns (group, resource) -> verbs."""
    where = f"{role['kind']} {role['metadata'].get('namespace', '')}/{role['metadata']['name']}"
    granted: dict[tuple[str, str], set[str]] = {}
    assert "aggregationRule" not in role, where
    for rule in _rules(role):
        assert not rule.get("nonResourceURLs"), f"{where}: nonResourceURLs"
        assert not rule.get("resourceNames"), f"{where}: resourceNames"
        for field in ("apiGroups", "resources", "verbs"):
            assert rule.get(field), f"{where}: a rule without {field}"
            assert not any("*" in v for v in rule[field]), f"{where}: wildcard in {field}"
        verbs = set(rule["verbs"])
        assert verbs <= ALLOWED_VERBS, f"{where}: verbs {sorted(verbs - ALLOWED_VERBS)}"
        for resource in rule["resources"]:
            assert resource not in FORBIDDEN_RESOURCES, f"{where}: {resource}"
            assert not resource.endswith(("/exec", "/attach", "/portforward", "/proxy")), where
            for group in rule["apiGroups"]:
                granted.setdefault((group, resource), set()).update(verbs)
    return granted


def test_clusterrole_grants_exactly_get_list_on_what_the_collector_reads(base: list[Obj]) -> None:
    granted = assert_read_only(one(base, "ClusterRole", APP))
    assert granted == REQUIRED_CLUSTER_ACCESS


def test_clusterrolebinding_binds_the_bots_service_account(base: list[Obj]) -> None:
    binding = one(base, "ClusterRoleBinding", APP)
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": APP,
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": APP, "namespace": NS}]
    deployment = one(base, "Deployment", APP)
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == APP
    one(base, "ServiceAccount", APP)


def test_namespaced_overlay_uses_roles_only(namespaced: list[Obj]) -> None:
    assert not of_kind(namespaced, "ClusterRole")
    assert not of_kind(namespaced, "ClusterRoleBinding")
    roles = of_kind(namespaced, "Role")
    bindings = of_kind(namespaced, "RoleBinding")
    assert roles and bindings
    team_namespaces = set()
    for role in roles:
        granted = assert_read_only(role)
        ns = role["metadata"]["namespace"]
        assert ("", "nodes") not in granted, "nodes are cluster-scoped: a Role cannot grant them"
        if role["metadata"]["name"] == f"{APP}-node-events":
            assert ns == "default"
            assert granted == {("", "events"): {"get", "list"}}
            continue
        team_namespaces.add(ns)
        expected = {k: v for k, v in REQUIRED_CLUSTER_ACCESS.items() if k != ("", "nodes")}
        assert granted == expected, ns
    assert team_namespaces and NS not in team_namespaces
    role_keys = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in roles}
    for binding in bindings:
        ns = binding["metadata"]["namespace"]
        assert binding["roleRef"]["kind"] == "Role"
        assert (ns, binding["roleRef"]["name"]) in role_keys
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": APP, "namespace": NS}]
    assert {(b["metadata"]["namespace"], b["roleRef"]["name"]) for b in bindings} == role_keys

    # The bot's own config limits access to the same namespaces.
    config = _config_from(namespaced)
    assert set(config.access.default.namespaces) == team_namespaces


def test_namespaced_overlay_keeps_everything_else_of_the_base(
    base: list[Obj], namespaced: list[Obj]
) -> None:
    def rest(objs: list[Obj]) -> dict[tuple[str, str], Obj]:
        skip = {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap"}
        out = {}
        for o in objs:
            if o["kind"] in skip:
                continue
            o = copy.deepcopy(o)
            if o["kind"] == "Deployment":
                o["spec"]["template"]["spec"]["volumes"] = None  # hashed ConfigMap names differ
            out[(o["kind"], o["metadata"]["name"])] = o
        return out

    assert rest(base) == rest(namespaced)


# --------------------------------------------------------------------------- Deployment


def _deployment(objs: list[Obj]) -> tuple[Obj, Obj, Obj]:
    deployment = one(objs, "Deployment", APP)
    pod = deployment["spec"]["template"]["spec"]
    assert len(pod["containers"]) == 1
    return deployment, pod, pod["containers"][0]


def test_deployment_runs_one_replica_replaced_not_rolled(base: list[Obj]) -> None:
    deployment, _, _ = _deployment(base)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()


def test_pod_security_context_is_locked_down(base: list[Obj]) -> None:
    _, pod, container = _deployment(base)
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True
    assert psc["runAsUser"] == UID
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}
    csc = container["securityContext"]
    assert csc["runAsNonRoot"] is True
    assert csc["runAsUser"] == UID
    assert csc["readOnlyRootFilesystem"] is True
    assert csc["allowPrivilegeEscalation"] is False
    assert csc.get("privileged", False) is False
    assert csc["capabilities"] == {"drop": ["ALL"]}
    assert csc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC")
    # The namespace enforces the restricted Pod Security Standard.
    labels = one(base, "Namespace", NS)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_probes_hit_healthz_and_readyz_on_the_container_port(base: list[Obj]) -> None:
    _, _, container = _deployment(base)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 3000}
    assert container["args"][0] == "serve"
    if "--port" in container["args"]:
        assert int(container["args"][container["args"].index("--port") + 1]) == 3000

    def target(probe: Obj) -> tuple[str, int]:
        http = probe["httpGet"]
        port = http["port"]
        return http["path"], ports[port] if isinstance(port, str) else port

    assert target(container["livenessProbe"]) == ("/healthz", 3000)
    assert target(container["readinessProbe"]) == ("/readyz", 3000)
    if "startupProbe" in container:
        assert target(container["startupProbe"]) == ("/healthz", 3000)


def test_resources_are_requested_and_memory_is_limited(base: list[Obj]) -> None:
    _, _, container = _deployment(base)
    resources = container["resources"]
    assert resources["requests"]["cpu"] == "100m"
    assert resources["requests"]["memory"] == "128Mi"
    assert resources["limits"]["memory"] == "256Mi"


def test_environment_comes_from_the_secret_and_points_at_config_and_state(
    base: list[Obj],
) -> None:
    _, _, container = _deployment(base)
    env = {e["name"]: e for e in container["env"]}
    secret = one(load_yaml_docs(MANIFESTS / "secret.example.yaml"), "Secret", APP)
    assert secret["metadata"]["namespace"] == NS
    template_keys = set(secret["stringData"])
    secret_vars = {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "CRASHLOOP_WEBHOOK_TOKEN",
    }
    for name in secret_vars:
        ref = env[name]["valueFrom"]["secretKeyRef"]
        assert ref["name"] == APP
        assert ref["key"] == name
    assert "optional" not in env["SLACK_BOT_TOKEN"]["valueFrom"]["secretKeyRef"]  # required
    assert env["SLACK_APP_TOKEN"]["valueFrom"]["secretKeyRef"]["optional"] is True
    # Every key the template fills is consumed, and every required key is in the template.
    assert template_keys <= secret_vars
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "CRASHLOOP_WEBHOOK_TOKEN"} <= template_keys
    assert all("REPLACE" in v or "replace" in v for v in secret["stringData"].values())
    assert env["CRASHLOOP_CONFIG"]["value"] == CONFIG_PATH
    assert env["CRASHLOOP_STATE"]["value"] == STATE_PATH
    # No plain-text secret values anywhere in the Deployment.
    for e in container["env"]:
        if e["name"] in secret_vars:
            assert "value" not in e


def _mounts(objs: list[Obj]) -> dict[str, tuple[Obj, Obj]]:
    """mountPath -> (volumeMount, volume)"""
    _, pod, container = _deployment(objs)
    volumes = {v["name"]: v for v in pod["volumes"]}
    return {m["mountPath"]: (m, volumes[m["name"]]) for m in container["volumeMounts"]}


def test_writable_paths_are_only_state_and_tmp(base: list[Obj]) -> None:
    mounts = _mounts(base)
    writable = {path for path, (m, _) in mounts.items() if not m.get("readOnly")}
    assert writable == {"/var/lib/crashloop-bot", "/tmp"}
    assert STATE_PATH.startswith("/var/lib/crashloop-bot/")
    state_volume = mounts["/var/lib/crashloop-bot"][1]
    claim = state_volume["persistentVolumeClaim"]["claimName"]
    pvc = one(base, "PersistentVolumeClaim", claim)
    assert pvc["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert "emptyDir" in mounts["/tmp"][1]
    for mount, _ in mounts.values():
        assert "subPath" not in mount and "subPathExpr" not in mount


def _config_volume(objs: list[Obj]) -> dict[str, tuple[str, str]]:
    """File path under /etc/crashloop-bot -> (ConfigMap name, key)."""
    mounts = _mounts(objs)
    mount, volume = mounts["/etc/crashloop-bot"]
    assert mount.get("readOnly") is True
    files = {}
    for source in volume["projected"]["sources"]:
        cm = source["configMap"]
        assert "items" in source["configMap"], "list the keys: they decide the file paths"
        for item in cm["items"]:
            files[item["path"]] = (cm["name"], item["key"])
    return files


@pytest.mark.parametrize("overlay", ["base", "namespaced"])
def test_config_and_every_rule_are_mounted_where_the_bot_reads_them(
    overlay: str, renderer: str
) -> None:
    objs = render(BASE if overlay == "base" else NAMESPACED, renderer)
    files = _config_volume(objs)
    configmaps = {o["metadata"]["name"]: o for o in of_kind(objs, "ConfigMap")}
    cm_name, key = files["config.yaml"]
    assert CONFIG_PATH == "/etc/crashloop-bot/config.yaml"
    assert key in configmaps[cm_name]["data"]
    rules_cm = configmaps[_generated_name(objs, f"{APP}-rules")]
    projected_rules = {
        path for path, (name, _) in files.items() if name == rules_cm["metadata"]["name"]
    }
    assert projected_rules == {f"rules/{k}" for k in rules_cm["data"]}, (
        "every key of the rules ConfigMap must be projected as rules/<key>"
    )
    for path, (name, key) in files.items():
        assert name in configmaps, f"{path}: ConfigMap {name} is not in the render"
        assert key in configmaps[name]["data"], f"{path}: no key {key} in {name}"


def _config_from(objs: list[Obj]) -> FileConfig:
    """The rendered config.yaml, loaded as the bot loads CRASHLOOP_CONFIG."""
    cm = one(objs, "ConfigMap", _generated_name(objs, f"{APP}-config"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(cm["data"]["config.yaml"], encoding="utf-8")
        return load_file(path)  # raises ConfigError naming the key if invalid


@pytest.mark.parametrize("overlay", ["base", "namespaced"])
def test_config_in_the_configmap_loads_with_the_bots_own_loader(
    overlay: str, renderer: str
) -> None:
    objs = render(BASE if overlay == "base" else NAMESPACED, renderer)
    config = _config_from(objs)
    assert [str(d) for d in config.rule_dirs] == [RULES_DIR]
    assert config.state is None or str(config.state) == STATE_PATH
    assert "KubePodCrashLooping" in config.alerts.alertnames


def test_custom_rules_in_the_configmap_load_and_pass_their_fixtures(
    base: list[Obj], tmp_path: Path
) -> None:
    rules_cm = one(base, "ConfigMap", _generated_name(base, f"{APP}-rules"))
    assert rules_cm["data"], "ship at least one example custom rule"
    for key, text in rules_cm["data"].items():
        (tmp_path / key).write_text(text, encoding="utf-8")
    # Loaded after the built-in rules, as the bot loads rule_dirs.
    loaded = load_rules([tmp_path])
    custom = {r.id for r in loaded.rules if r.source.parent == tmp_path}
    assert custom == {Path(k).stem for k in rules_cm["data"]}
    # Fixtures live beside the rules in the repository (they are not in the ConfigMap);
    # they run against the built-in rules too, so ranking is part of what they test.
    source = MANIFESTS / "common" / "rules"
    results = run_fixtures([source], load_rules([source]))
    assert {r.rule_id for r in results} == custom
    failed = [f"{r.rule_id}/{r.case}: {r.detail}" for r in results if not r.ok]
    assert not failed, failed


def test_image_is_pinned(base: list[Obj]) -> None:
    _, _, container = _deployment(base)
    image = container["image"]
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag, f"untagged image {image}"
    assert tag != "latest"
    assert container["imagePullPolicy"] == "IfNotPresent"


# --------------------------------------------------------------------------- Service, NetworkPolicy


def test_service_targets_the_container_port_and_is_scraped(base: list[Obj]) -> None:
    service = one(base, "Service", APP)
    deployment, _, container = _deployment(base)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    (port,) = service["spec"]["ports"]
    assert port["name"] == "http" and port["port"] == 80
    target = port["targetPort"]
    assert (ports[target] if isinstance(target, str) else target) == 3000
    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == 3000
    assert annotations["prometheus.io/path"] == "/metrics"


def test_network_policy_limits_ingress_to_port_3000_and_egress_to_dns_api_https(
    base: list[Obj],
) -> None:
    policy = one(base, "NetworkPolicy", APP)
    deployment, _, _ = _deployment(base)
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    spec = policy["spec"]
    assert spec["podSelector"]["matchLabels"].items() <= pod_labels.items()
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    sources = set()
    for rule in spec["ingress"]:
        assert rule["ports"] == [{"port": 3000, "protocol": "TCP"}]
        assert rule["from"], "an ingress rule without `from` admits everyone"
        for peer in rule["from"]:
            assert "ipBlock" not in peer
            sources.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    assert "monitoring" in sources
    egress_ports = {
        (p["port"], p.get("protocol", "TCP")) for r in spec["egress"] for p in r["ports"]
    }
    assert egress_ports == {(53, "UDP"), (53, "TCP"), (443, "TCP"), (6443, "TCP")}
    for rule in spec["egress"]:
        if any(p["port"] == 53 for p in rule["ports"]):
            assert rule["to"], "DNS egress goes to the cluster DNS only"


# --------------------------------------------------------------------------- examples


def test_alertmanager_receiver_points_at_the_service(base: list[Obj]) -> None:
    snippet = yaml.safe_load((EXAMPLES / "alertmanager-receiver.yaml").read_text(encoding="utf-8"))
    (route,) = snippet["route"]["routes"]
    (receiver,) = snippet["receivers"]
    assert route["receiver"] == receiver["name"]
    assert route["matchers"] == ['alertname = "KubePodCrashLooping"']
    assert route["continue"] is True
    assert {"namespace", "pod"} <= set(route["group_by"])
    (webhook,) = receiver["webhook_configs"]
    service = one(base, "Service", APP)
    port = service["spec"]["ports"][0]["port"]
    host = f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc"
    assert webhook["url"] == f"http://{host}{'' if port == 80 else f':{port}'}/alertmanager"
    assert webhook["send_resolved"] is True
    assert webhook["max_alerts"] == 0
    auth = webhook["http_config"]["authorization"]
    assert auth["type"] == "Bearer" and auth["credentials_file"].startswith("/")


def test_alertmanager_snippet_is_a_valid_config_that_routes_the_alert(tmp_path: Path) -> None:
    """Merged into a config with an on-call route after it, as its comments say; checked
    with amtool (Alertmanager's own parser) where it is installed (CI installs it)."""
    snippet = yaml.safe_load((EXAMPLES / "alertmanager-receiver.yaml").read_text(encoding="utf-8"))
    config = {
        "route": {
            "receiver": "default",
            "routes": [
                *snippet["route"]["routes"],
                {"receiver": "oncall", "matchers": ['severity = "warning"']},
            ],
        },
        "receivers": [{"name": "default"}, {"name": "oncall"}, *snippet["receivers"]],
    }
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    amtool = shutil.which("amtool")
    if amtool is None:  # structure only; test_alertmanager_receiver_* checks the values
        assert snippet["route"]["routes"][0]["continue"] is True
        return
    check = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr

    def receivers(*labels: str) -> str:
        out = subprocess.run(
            [amtool, "config", "routes", "test", f"--config.file={path}", *labels],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    crash = ["alertname=KubePodCrashLooping", "severity=warning", "namespace=payments", "pod=x"]
    assert receivers(*crash) == "crashloop-bot,oncall"
    assert receivers("alertname=KubeDeploymentReplicasMismatch", "severity=warning") == "oncall"


def test_prometheusrule_defines_kubepodcrashlooping_as_kubernetes_mixin() -> None:
    (rule_obj,) = load_yaml_docs(EXAMPLES / "prometheusrule.yaml")
    assert rule_obj["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule_obj["kind"] == "PrometheusRule"
    rules = [r for g in rule_obj["spec"]["groups"] for r in g["rules"]]
    (alert,) = [r for r in rules if r.get("alert") == "KubePodCrashLooping"]
    assert alert["expr"].strip() == (
        'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", '
        'job="kube-state-metrics"}[5m]) >= 1'
    )
    assert alert["for"] == "15m"
    assert alert["labels"]["severity"] == "warning"
    assert {"summary", "description", "runbook_url"} <= set(alert["annotations"])
    # Its labels are the ones the bot reads by default.
    config = load_file(MANIFESTS / "config.yaml")
    assert "KubePodCrashLooping" in config.alerts.alertnames
    assert {"namespace", "pod", "container"} <= {
        *config.alerts.namespace_labels,
        *config.alerts.pod_labels,
        *config.alerts.container_labels,
    }


def test_python_renderer_hash_matches_kustomize_known_value() -> None:
    # A fixed point computed by kustomize v5 (`kubectl kustomize`), so the renderer's
    # hashing is checked even where no kubectl is installed.
    rules = {"metadata": {"name": "crashloop-bot-rules"}, "data": {"a.yaml": "x: 1\n"}}
    assert kustomize_hash(rules) == "772g99m6b7"
    odd = {"metadata": {"name": "odd"}, "data": {"k": "<a&b> \u00e9"}}
    assert kustomize_hash(odd) == "hgdh424ft9"


# --------------------------------------------------------------------------- HA variant

HA = MANIFESTS / "ha"


@pytest.fixture
def ha(renderer: str, tmp_path_factory: pytest.TempPathFactory) -> list[Obj]:
    """The base with the HA component, as an operator's own overlay applies it.

    The overlay lives outside manifests/ (inside, including the base would be a cycle).
    """
    overlay = tmp_path_factory.mktemp("ha-overlay")
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [os.path.relpath(BASE, overlay)],
                "components": [os.path.relpath(HA, overlay)],
            }
        )
    )
    return render(overlay, renderer)


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_ha_objects_validate_against_the_kubernetes_schema(ha: list[Obj], version: str) -> None:
    for obj in ha:
        kv.validate(obj, version, strict=True)


def test_ha_is_the_base_without_its_volume_plus_a_budget_and_database_egress(
    base: list[Obj], ha: list[Obj]
) -> None:
    def kinds(objs: list[Obj]) -> set[tuple[str, str]]:
        return {(o["kind"], o["metadata"]["name"]) for o in objs}

    assert kinds(ha) == (kinds(base) - {("PersistentVolumeClaim", f"{APP}-state")}) | {
        ("PodDisruptionBudget", APP),
        ("NetworkPolicy", f"{APP}-postgres"),
    }
    for obj in ha:
        assert obj["metadata"]["labels"]["app.kubernetes.io/part-of"] == APP
        if obj["kind"] not in CLUSTER_SCOPED:
            assert obj["metadata"]["namespace"] == NS
    # RBAC unchanged: the same read-only ClusterRole and binding as the base.
    for kind in ("ClusterRole", "ClusterRoleBinding"):
        assert one(ha, kind, APP) == one(base, kind, APP)


def test_ha_runs_two_spread_replicas_rolled_without_a_gap(ha: list[Obj]) -> None:
    deployment = one(ha, "Deployment", APP)
    spec = deployment["spec"]
    assert spec["replicas"] == 2
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    [spread] = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname"
    assert spread["maxSkew"] == 1
    assert spread["labelSelector"]["matchLabels"].items() <= pod_labels.items()
    pdb = one(ha, "PodDisruptionBudget", APP)
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert 1 <= pdb["spec"]["minAvailable"] < spec["replicas"]


def test_ha_keeps_no_state_on_disk_and_reads_the_database_url_from_the_secret(
    ha: list[Obj],
) -> None:
    pod = one(ha, "Deployment", APP)["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert all("persistentVolumeClaim" not in v for v in pod["volumes"])
    assert {v["name"] for v in pod["volumes"]} == {"config", "tmp"}
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/etc/crashloop-bot", "/tmp"}
    env = {e["name"]: e for e in container["env"]}
    assert env["CRASHLOOP_STATE"] == {
        "name": "CRASHLOOP_STATE",
        "valueFrom": {"secretKeyRef": {"name": APP, "key": "CRASHLOOP_STATE"}},
    }
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_ha_allows_egress_to_postgresql(ha: list[Obj]) -> None:
    policy = one(ha, "NetworkPolicy", f"{APP}-postgres")
    assert policy["spec"]["policyTypes"] == ["Egress"]
    ports = {(p["port"], p["protocol"]) for r in policy["spec"]["egress"] for p in r["ports"]}
    assert ports == {(5432, "TCP")}
    pod_labels = one(ha, "Deployment", APP)["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()
