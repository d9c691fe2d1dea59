"""The difference between two pod templates, container by container, as the on-call reads it.

Pure: two raw pod templates (`spec.template` of two ReplicaSets, ControllerRevisions or
Jobs) in, `TemplateDiff`s out, in a fixed order (image first: the change that most often
starts a crash loop). Compared: image (tag and digest), command and args, environment
variable names (never their values; the Secret or ConfigMap a value comes from is
shown), envFrom sources, resources, the three probes, volume mounts, securityContext,
and at the pod level volumes (ConfigMap, Secret and claim names), securityContext and
serviceAccountName. Labels and annotations are not compared: they change on every
rollout (`pod-template-hash`, `kubectl rollout restart`) without changing the program.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.cluster.normalize import VOLUME_KINDS, as_map, as_maps, quantity_value
from bot.facts import TemplateDiff

Obj = Mapping[str, Any]

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def diff_templates(before: Obj, after: Obj) -> tuple[TemplateDiff, ...]:
    """Every difference from `before` to `after`; empty when the programs run the same."""
    b_spec, a_spec = as_map(as_map(before).get("spec")), as_map(as_map(after).get("spec"))
    out: list[TemplateDiff] = []
    b_containers, a_containers = _containers(b_spec), _containers(a_spec)
    added = [n for n in a_containers if n not in b_containers]
    removed = [n for n in b_containers if n not in a_containers]
    if added or removed:
        out.append(
            TemplateDiff("containers", added=tuple(added), removed=tuple(removed), listed=True)
        )
    for name, a in a_containers.items():
        b = b_containers.get(name)
        if b is not None:
            out.extend(_container_diffs(name, b, a))
    out.extend(_pod_diffs(b_spec, a_spec))
    return tuple(out)


def headline_diff(diffs: Sequence[TemplateDiff]) -> str | None:
    """The main change in a few words: `image 2.3.1 → 2.4.0`, `memory limit 512Mi → 256Mi`."""
    if not diffs:
        return None
    d = diffs[0]
    if d.field == "image" and d.before and d.after:
        b, a = short_images(d.before, d.after)
        text = f"image {b} → {a}"
    elif d.listed:
        parts = [f"+{x}" for x in d.added] + [f"-{x}" for x in d.removed] + list(d.changed)
        text = f"{d.field} {', '.join(parts[:3])}{' …' if len(parts) > 3 else ''}"
    else:
        text = f"{d.field} {d.before or '(none)'} → {d.after or '(none)'}"
    more = len(diffs) - 1
    return text + (f" (+{more} more change{'s' if more != 1 else ''})" if more else "")


def short_images(before: str, after: str) -> tuple[str, str]:
    """`registry/app:2.3.1`, `registry/app:2.4.0` -> `2.3.1`, `2.4.0` (same repository)."""
    b_repo, b_ref = _split_image(before)
    a_repo, a_ref = _split_image(after)
    if b_repo == a_repo and b_ref and a_ref:
        return _short_ref(b_ref), _short_ref(a_ref)
    return before, after


# -- one container ----------------------------------------------------------------------


def _containers(spec: Obj) -> dict[str, Obj]:
    return {
        str(c.get("name")): c
        for key in ("initContainers", "containers")
        for c in as_maps(spec.get(key))
        if c.get("name")
    }


def _container_diffs(name: str, b: Obj, a: Obj) -> list[TemplateDiff]:
    out: list[TemplateDiff] = []

    def scalar(field: str, before: str | None, after: str | None, direction: str = "") -> None:
        if before != after:
            out.append(
                TemplateDiff(
                    field,
                    name,
                    before,
                    after,
                    direction=direction or _presence(before, after),
                )
            )

    scalar("image", _s(b.get("image")), _s(a.get("image")))
    for field in ("command", "args"):
        scalar(field, _argv(b.get(field)), _argv(a.get(field)))
    out.extend(_env_diffs(name, b, a))
    out.extend(_named_list_diff("envFrom", name, _env_from(b), _env_from(a)))
    for kind in ("requests", "limits"):
        b_res = as_map(as_map(b.get("resources")).get(kind))
        a_res = as_map(as_map(a.get("resources")).get(kind))
        for res in sorted(set(b_res) | set(a_res)):
            before, after = _s(b_res.get(res)), _s(a_res.get(res))
            if quantity_value(before) != quantity_value(after) or (before is None) != (
                after is None
            ):
                scalar(
                    f"resources.{kind}.{res}",
                    before,
                    after,
                    _quantity_direction(before, after, unlimited=kind == "limits"),
                )
    for probe in PROBES:
        if b.get(probe) != a.get(probe):
            before, after = _probe(b.get(probe)), _probe(a.get(probe))
            if before == after:  # same summary, other settings (success threshold...)
                before, after = _compact(b.get(probe)), _compact(a.get(probe))
            scalar(probe, before, after)
    out.extend(_named_list_diff("volumeMounts", name, _mounts(b), _mounts(a)))
    if b.get("securityContext") != a.get("securityContext"):
        scalar(
            "securityContext",
            _compact(b.get("securityContext")),
            _compact(a.get("securityContext")),
        )
    return out


def _env_diffs(name: str, b: Obj, a: Obj) -> list[TemplateDiff]:
    """Names added, removed, changed; values are compared but never shown or kept."""
    b_env = {str(e.get("name")): e for e in as_maps(b.get("env")) if e.get("name")}
    a_env = {str(e.get("name")): e for e in as_maps(a.get("env")) if e.get("name")}
    added = tuple(n for n in a_env if n not in b_env)
    removed = tuple(n for n in b_env if n not in a_env)
    changed = tuple(n for n in a_env if n in b_env and a_env[n] != b_env[n])
    out: list[TemplateDiff] = []
    if added or removed or changed:
        direction = "removed" if removed else "added" if added else "changed"
        out.append(
            TemplateDiff(
                "env",
                name,
                added=added,
                removed=removed,
                changed=changed,
                direction=direction,
                listed=True,
            )
        )
    for n in changed:
        before, after = _value_from(b_env[n]), _value_from(a_env[n])
        if before != after and (before or after):
            out.append(
                TemplateDiff(
                    "env.valueFrom",
                    name,
                    f"{n} from {before}" if before else f"{n} (a value)",
                    f"{n} from {after}" if after else f"{n} (a value)",
                )
            )
    return out


def _value_from(e: Obj) -> str | None:
    """Where a variable's value comes from, without the value: `secretKeyRef db/password`."""
    src = as_map(e.get("valueFrom"))
    for key in ("secretKeyRef", "configMapKeyRef"):
        ref = as_map(src.get(key))
        if ref:
            return f"{key} {ref.get('name')}/{ref.get('key')}"
    if src:
        field = as_map(src.get("fieldRef")).get("fieldPath")
        res = as_map(src.get("resourceFieldRef")).get("resource")
        return f"fieldRef {field}" if field else f"resourceFieldRef {res}" if res else "valueFrom"
    return None


def _env_from(c: Obj) -> list[tuple[str, str]]:
    out = []
    for e in as_maps(c.get("envFrom")):
        prefix = f" prefix {e.get('prefix')}" if e.get("prefix") else ""
        for key in ("configMapRef", "secretRef"):
            ref = as_map(e.get(key))
            if ref:
                label = f"{key.removesuffix('Ref')} {ref.get('name')}"
                out.append((label, f"{label}{prefix}"))
    return out


def _mounts(c: Obj) -> list[tuple[str, str]]:
    out = []
    for m in as_maps(c.get("volumeMounts")):
        path = str(m.get("mountPath") or "")
        sub = f" subPath={m.get('subPath')}" if m.get("subPath") else ""
        ro = " (read-only)" if m.get("readOnly") else ""
        out.append((path, f"{m.get('name')} at {path}{sub}{ro}"))
    return out


# -- the pod ----------------------------------------------------------------------------


def _pod_diffs(b: Obj, a: Obj) -> list[TemplateDiff]:
    out: list[TemplateDiff] = []
    b_vols = {str(v.get("name")): _volume(v) for v in as_maps(b.get("volumes")) if v.get("name")}
    a_vols = {str(v.get("name")): _volume(v) for v in as_maps(a.get("volumes")) if v.get("name")}
    added = tuple(f"{n} ({a_vols[n]})" for n in a_vols if n not in b_vols)
    removed = tuple(f"{n} ({b_vols[n]})" for n in b_vols if n not in a_vols)
    if added or removed:
        out.append(
            TemplateDiff(
                "volumes",
                added=added,
                removed=removed,
                direction="removed" if removed else "added",
                listed=True,
            )
        )
    for n, source in a_vols.items():
        was = b_vols.get(n)
        if was is not None and was != source:
            out.append(TemplateDiff(f"volumes.{n}", None, was, source))
    b_sa = _s(b.get("serviceAccountName") or b.get("serviceAccount"))
    a_sa = _s(a.get("serviceAccountName") or a.get("serviceAccount"))
    if b_sa != a_sa:
        out.append(TemplateDiff("serviceAccountName", None, b_sa, a_sa))
    if b.get("securityContext") != a.get("securityContext"):
        before, after = _compact(b.get("securityContext")), _compact(a.get("securityContext"))
        if before != after:
            out.append(TemplateDiff("securityContext", None, before, after))
    return out


def _volume(v: Obj) -> str:
    """`configMap app-config`, `secret db-creds`, `persistentVolumeClaim data-0`, `emptyDir`."""
    kind = next((k for k in VOLUME_KINDS if k in v), None)
    if kind is None:
        return "other"
    src = as_map(v.get(kind))
    name = src.get("name") or src.get("secretName") or src.get("claimName")
    if kind == "projected":
        parts = []
        for s in as_maps(src.get("sources")):
            for k in ("configMap", "secret"):
                if k in s:
                    parts.append(f"{k} {as_map(s[k]).get('name')}")
        return "projected " + ", ".join(parts) if parts else "projected"
    return f"{kind} {name}" if name else kind


def _named_list_diff(
    field: str, container: str, before: list[tuple[str, str]], after: list[tuple[str, str]]
) -> list[TemplateDiff]:
    """Items keyed by an identity; an item whose description changed is `changed`."""
    b, a = dict(before), dict(after)
    added = tuple(a[k] for k in a if k not in b)
    removed = tuple(b[k] for k in b if k not in a)
    changed = tuple(f"{b[k]} → {a[k]}" for k in a if k in b and a[k] != b[k])
    if not (added or removed or changed):
        return []
    direction = "removed" if removed else "added" if added else "changed"
    return [
        TemplateDiff(
            field,
            container,
            added=added,
            removed=removed,
            changed=changed,
            direction=direction,
            listed=True,
        )
    ]


# -- values -----------------------------------------------------------------------------


def _probe(p: Any) -> str | None:
    """`httpGet :8080/healthz, delay 0s, every 10s, timeout 1s, failureThreshold 3`."""
    if not isinstance(p, Mapping):
        return None
    if "httpGet" in p:
        h = as_map(p["httpGet"])
        how = f"httpGet :{h.get('port')}{h.get('path') or '/'}"
    elif "tcpSocket" in p:
        how = f"tcpSocket :{as_map(p['tcpSocket']).get('port')}"
    elif "exec" in p:
        how = "exec " + " ".join(str(x) for x in as_map(p["exec"]).get("command") or [])
    elif "grpc" in p:
        how = f"grpc :{as_map(p['grpc']).get('port')}"
    else:
        how = "probe"
    return (
        f"{how}, delay {p.get('initialDelaySeconds', 0)}s, every {p.get('periodSeconds', 10)}s, "
        f"timeout {p.get('timeoutSeconds', 1)}s, failureThreshold {p.get('failureThreshold', 3)}"
    )


def _argv(v: Any) -> str | None:
    if not isinstance(v, list) or not v:
        return None
    return " ".join(json.dumps(x) if (not isinstance(x, str) or " " in x) else x for x in v)


def _compact(v: Any) -> str | None:
    if v is None or v == {}:
        return None
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def _quantity_direction(before: str | None, after: str | None, *, unlimited: bool) -> str:
    """up or down; no limit is unlimited (setting one lowers it), no request is zero."""
    none = float("inf") if unlimited else 0.0
    b = none if before is None else quantity_value(before)
    a = none if after is None else quantity_value(after)
    if a is None or b is None or a == b:
        return "changed"
    return "down" if a < b else "up"


def _presence(before: str | None, after: str | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "changed"


def _split_image(image: str) -> tuple[str, str]:
    """`registry:5000/app:1.2@sha256:ab` -> (`registry:5000/app`, `1.2@sha256:ab`)."""
    repo, at, digest = image.partition("@")
    slash = repo.rfind("/")
    colon = repo.rfind(":")
    tag = ""
    if colon > slash:
        repo, tag = repo[:colon], repo[colon + 1 :]
    return repo, tag + (f"@{digest}" if at else "")


def _short_ref(ref: str) -> str:
    """A tag as is; a digest shortened to 12 hex digits, as `docker images` shows it."""
    tag, at, digest = ref.partition("@")
    if not at:
        return tag
    algo, _, hexd = digest.partition(":")
    short = f"{algo}:{hexd[:12]}"
    return f"{tag}@{short}" if tag else short


def _s(v: Any) -> str | None:
    return None if v is None else str(v)
