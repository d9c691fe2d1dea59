"""What changed, on plain data: the template diff, the revision order and the timeline."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cluster.revisions import change_for, crashes_began_at, headline, revision_query
from bot.cluster.templatediff import diff_templates, headline_diff, short_images
from bot.facts import Change, Container, Event, OwnerRef, PodFacts, TemplateDiff
from bot.redact import Redactor

T0 = datetime(2026, 11, 20, 8, 50, tzinfo=UTC)


def tmpl(**container: Any) -> dict[str, Any]:
    volumes = container.pop("volumes", None)
    spec: dict[str, Any] = {"containers": [{"name": "api", "image": "reg/app:1.0", **container}]}
    if volumes is not None:
        spec["volumes"] = volumes
    sa = container.pop("sa", None)
    if sa:
        spec["serviceAccountName"] = sa
    return {"metadata": {"labels": {"app": "x"}}, "spec": spec}


def fields(diffs: tuple[TemplateDiff, ...]) -> list[str]:
    return [d.field for d in diffs]


# -- the template diff ------------------------------------------------------------------


def test_identical_templates_differ_in_nothing_even_with_other_labels() -> None:
    a = tmpl()
    b = tmpl()
    b["metadata"] = {"labels": {"app": "x", "pod-template-hash": "abc"}, "annotations": {"k": "v"}}
    assert diff_templates(a, b) == ()


def test_image_tag_and_digest_changes_are_named_and_shortened() -> None:
    (d,) = diff_templates(tmpl(image="reg:5000/app:2.3.1"), tmpl(image="reg:5000/app:2.4.0"))
    assert (d.field, d.before, d.after) == ("image", "reg:5000/app:2.3.1", "reg:5000/app:2.4.0")
    assert headline_diff((d,)) == "image 2.3.1 → 2.4.0"
    digest_a, digest_b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    assert short_images(f"app@{digest_a}", f"app@{digest_b}") == (
        "sha256:aaaaaaaaaaaa",
        "sha256:bbbbbbbbbbbb",
    )
    assert short_images("one/app:1", "other/app:2") == ("one/app:1", "other/app:2")


def test_env_names_added_removed_changed_but_never_values() -> None:
    before = tmpl(
        env=[
            {"name": "KEEP", "value": "same"},
            {"name": "GONE", "value": "s3cret-gone"},
            {"name": "LEVEL", "value": "info"},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}},
        ]
    )
    after = tmpl(
        env=[
            {"name": "KEEP", "value": "same"},
            {"name": "NEW", "value": "s3cret-new"},
            {"name": "LEVEL", "value": "debug"},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "db-v2", "key": "pw"}}},
        ]
    )
    env, source = diff_templates(before, after)
    assert (env.added, env.removed, env.changed) == (("NEW",), ("GONE",), ("LEVEL", "TOKEN"))
    assert env.direction == "removed" and env.listed
    assert (source.field, source.before, source.after) == (
        "env.valueFrom",
        "TOKEN from secretKeyRef db/pw",
        "TOKEN from secretKeyRef db-v2/pw",
    )
    shown = repr((env, source))
    for value in ("s3cret", "info", "debug"):
        assert value not in shown


def test_resources_say_which_way_and_no_limit_is_unlimited() -> None:
    before = tmpl(resources={"limits": {"memory": "512Mi", "cpu": "1"}, "requests": {}})
    after = tmpl(resources={"limits": {"memory": "0.25Gi"}, "requests": {"cpu": "250m"}})
    by_field = {d.field: d for d in diff_templates(before, after)}
    assert by_field["resources.limits.memory"].direction == "down"
    assert by_field["resources.limits.cpu"].direction == "up"  # limit removed: unlimited
    assert by_field["resources.requests.cpu"].direction == "up"
    same = diff_templates(
        tmpl(resources={"limits": {"memory": "1Gi"}}),
        tmpl(resources={"limits": {"memory": "1024Mi"}}),
    )
    assert same == ()


def test_probes_commands_mounts_volumes_security_and_service_account() -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "timeoutSeconds": 5}
    before = tmpl(
        livenessProbe=probe,
        command=["/app"],
        volumeMounts=[{"name": "cfg", "mountPath": "/etc/app"}],
        securityContext={"runAsNonRoot": True},
        volumes=[{"name": "cfg", "configMap": {"name": "app-config"}}],
    )
    after = tmpl(
        livenessProbe={**probe, "timeoutSeconds": 1},
        command=["/app", "--fast"],
        volumeMounts=[{"name": "cfg", "mountPath": "/etc/app", "subPath": "app.yaml"}],
        securityContext={"runAsNonRoot": True, "readOnlyRootFilesystem": True},
        volumes=[
            {"name": "cfg", "configMap": {"name": "app-config-v2"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-0"}},
        ],
        sa="app-runner",
    )
    diffs = diff_templates(before, after)
    assert fields(diffs) == [
        "command",
        "livenessProbe",
        "volumeMounts",
        "securityContext",
        "volumes",
        "volumes.cfg",
        "serviceAccountName",
    ]
    by_field = {d.field: d for d in diffs}
    assert "timeout 5s" in str(by_field["livenessProbe"].before)
    assert "timeout 1s" in str(by_field["livenessProbe"].after)
    assert by_field["volumes"].added == ("data (persistentVolumeClaim data-0)",)
    assert by_field["volumes.cfg"].after == "configMap app-config-v2"
    assert by_field["volumeMounts"].changed == (
        "cfg at /etc/app → cfg at /etc/app subPath=app.yaml",
    )
    assert by_field["serviceAccountName"].after == "app-runner"


def test_containers_added_and_removed_come_first() -> None:
    before = tmpl()
    after = tmpl(image="reg/app:2.0")
    after["spec"]["containers"].append({"name": "proxy", "image": "envoy:1"})
    assert fields(diff_templates(before, after)) == ["containers", "image"]


def test_redaction_masks_secrets_in_quoted_args() -> None:
    change = Change(
        workload=OwnerRef("Deployment", "x"),
        revision="2",
        diffs=(TemplateDiff("args", "api", "--debug", "--password=hunter22 --debug"),),
    )
    masked = Redactor().facts(PodFacts(change=change)).change
    assert masked is not None
    assert masked.diffs[0].after is not None and "hunter22" not in masked.diffs[0].after


# -- revisions and the timeline ------------------------------------------------------------


def rs(number: int, image: str, created: datetime, **extra: Any) -> dict[str, Any]:
    ann = {"deployment.kubernetes.io/revision": str(number)}
    if "history" in extra:
        ann["deployment.kubernetes.io/revision-history"] = extra.pop("history")
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-h{number}",
            "annotations": ann,
            "creationTimestamp": created.isoformat().replace("+00:00", "Z"),
            "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": True}],
        },
        "spec": {"template": tmpl(image=image)},
        "status": {"replicas": extra.get("replicas", 0), "readyReplicas": extra.get("ready", 0)},
    }


def pod_of(number: int) -> dict[str, Any]:
    return {
        "metadata": {
            "labels": {"pod-template-hash": f"h{number}"},
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": f"web-h{number}", "controller": True}
            ],
        }
    }


def facts(began: datetime | None) -> PodFacts:
    events = (Event(reason="BackOff", first_seen=began),) if began else ()
    return PodFacts(
        namespace="shop",
        containers=(Container(name="api", waiting_reason="CrashLoopBackOff", restart_count=3),),
        events=events,
    )


def change(items: list[dict[str, Any]], pod_rev: int, began: datetime | None) -> Change:
    pod = pod_of(pod_rev)
    query = revision_query(pod, ("Deployment", "web"))
    assert query is not None and query.resource == "replicasets"
    got, warnings = change_for(facts(began), pod, [], items, query)
    assert got is not None, warnings
    return got


def test_the_previous_revision_is_the_highest_lower_number_not_the_last_in_text_order() -> None:
    items = [rs(n, f"reg/app:{n}", T0 - timedelta(days=12 - n)) for n in range(2, 12)]
    got = change(items, 11, T0)
    assert (got.revision, got.previous_revision) == ("11", "10")


def test_crashes_soon_after_the_rollout_blame_it_and_offer_the_rollback() -> None:
    items = [
        rs(6, "reg/app:2.3.1", T0 - timedelta(days=3), replicas=2, ready=2),
        rs(7, "reg/app:2.4.0", T0),
    ]
    got = change(items, 7, T0 + timedelta(minutes=2, seconds=10))
    assert got.began_with_rollout
    assert got.rollback == "kubectl rollout undo deployment/web -n shop --to-revision=6"
    assert got.summary.startswith("Crashing since revision 7 rolled out at 2026-11-20 08:50 UTC")
    assert "revision 6 is healthy on 2 pods" in got.summary
    assert headline(got) == "since revision 7: image 2.3.1 → 2.4.0"


@pytest.mark.parametrize(
    ("after", "phrase"),
    [
        (timedelta(days=2), "No rollout in the 24 h before the crashes began"),
        (timedelta(hours=5), "the rollout is not clearly the cause"),
        (-timedelta(hours=1), "before revision 7 rolled out"),
    ],
    ids=["days-later", "hours-later", "crashing-before"],
)
def test_crashes_that_did_not_begin_with_the_rollout_do_not_blame_it(
    after: timedelta, phrase: str
) -> None:
    items = [rs(6, "reg/app:1", T0 - timedelta(days=9)), rs(7, "reg/app:2", T0)]
    got = change(items, 7, T0 + after)
    assert not got.began_with_rollout and got.rollback is None and headline(got) is None
    assert phrase in got.summary


def test_a_reused_revision_is_a_rollback_with_no_rollout_time() -> None:
    items = [
        rs(8, "reg/app:1", T0 - timedelta(days=5), history="6", replicas=2, ready=2),
        rs(7, "reg/app:2", T0),
    ]
    got = change(items, 8, T0 + timedelta(minutes=1))
    assert (got.revision, got.previous_revision) == ("8", "7")
    assert got.rolled_out_at is None and not got.began_with_rollout and got.rollback is None
    assert any("is a rollback to revision 6" in n for n in got.notes)


def test_no_older_replicaset_says_so_instead_of_a_diff() -> None:
    got = change([rs(5, "reg/app:5", T0)], 5, T0 + timedelta(minutes=1))
    assert got.diffs == () and got.previous_revision is None and got.rollback is None
    assert "revision 4 is no longer kept" in got.summary


def test_a_pod_whose_replicaset_is_missing_gives_a_warning() -> None:
    pod = pod_of(9)
    query = revision_query(pod, ("Deployment", "web"))
    assert query is not None
    got, warnings = change_for(facts(T0), pod, [], [rs(5, "a", T0)], query)
    assert got is None and "not among the 1 of Deployment/web" in warnings[0]


def test_bare_pods_and_plain_replicasets_have_nothing_to_list() -> None:
    assert revision_query({"metadata": {}}, None) is None
    assert revision_query(pod_of(1), None) is None


def test_crashes_began_at_the_first_backoff_else_the_pod_start() -> None:
    assert crashes_began_at(facts(T0)) == T0
    started = PodFacts(
        start_time=T0,
        containers=(Container(name="api", waiting_reason="CrashLoopBackOff", restart_count=4),),
    )
    assert crashes_began_at(started) == T0


def test_revisions_and_the_diff_are_pure() -> None:
    root = Path(__file__).parents[2] / "bot" / "cluster"
    for module in ("revisions.py", "templatediff.py"):
        tree = ast.parse((root / module).read_text())
        imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        assert not {m.split(".")[0] for m in imported} & {"aiohttp", "kubernetes_asyncio"}
        assert "bot.cluster.live" not in imported


def deployment(*, paused: bool = False, image: str = "reg/app:2", **status: Any) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "paused": paused, "template": tmpl(image=image)},
        "status": status,
    }


def test_a_paused_deployment_says_so_and_resumes_before_the_undo() -> None:
    items = [rs(6, "reg/app:1", T0 - timedelta(days=3)), rs(7, "reg/app:2", T0)]
    pod = pod_of(7)
    query = revision_query(pod, ("Deployment", "web"))
    assert query is not None
    owners = [deployment(paused=True, image="reg/app:3", replicas=3, updatedReplicas=1)]
    got, _ = change_for(facts(T0 + timedelta(minutes=2)), pod, owners, items, query)
    assert got is not None and got.rollback is not None
    assert got.rollback.startswith("kubectl rollout resume deployment/web -n shop && ")
    (note,) = got.notes
    assert note.startswith("The Deployment is paused part-way (1 of 2 pods updated")
    assert "its template already differs from the newest ReplicaSet's" in note


def test_a_pod_of_an_older_revision_says_a_newer_one_replaces_it() -> None:
    items = [
        rs(5, "reg/app:1", T0 - timedelta(days=3)),
        rs(6, "reg/app:2", T0 - timedelta(minutes=5)),
        rs(7, "reg/app:3", T0),
    ]
    got = change(items, 6, T0 - timedelta(minutes=3))
    assert (got.revision, got.previous_revision) == ("6", "5")
    assert got.rollback is None
    assert "This pod runs revision 6; revision 7 is newer and replaces it." in got.notes
