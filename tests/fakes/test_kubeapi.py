"""The fake kube-apiserver, exercised through the real kubernetes_asyncio client."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.rest import ApiException

from tests.fakes.kubeapi import FailRule, FakeKubeAPI, running_in_thread, write_kubeconfig

NS = "payments"
POD = "ledger-api-5d8f7b9c4-x2k9q"
SA = "system:serviceaccount:crashloop-bot:crashloop-bot"

PREVIOUS_LOG = "".join(f"line {i}\n" for i in range(1, 21))


def _pod(
    name: str, containers: list[str], *, labels: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NS,
            "uid": f"uid-{name}",
            "resourceVersion": "48213",
            "creationTimestamp": "2026-11-18T09:00:00Z",
            "labels": labels or {"app": "ledger-api", "pod-template-hash": "5d8f7b9c4"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "ledger-api-5d8f7b9c4",
                    "uid": "uid-rs",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "nodeName": "worker-2",
            "containers": [
                {"name": c, "image": f"registry.example.com/{c}:1.0"} for c in containers
            ],
        },
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": c,
                    "image": f"registry.example.com/{c}:1.0",
                    "imageID": "",
                    "ready": False,
                    "restartCount": 9,
                    "state": {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": f"back-off 5m0s restarting failed container={c} pod={name}",
                        }
                    },
                    "lastState": {
                        "terminated": {
                            "exitCode": 137,
                            "reason": "OOMKilled",
                            "startedAt": "2026-11-18T09:40:00Z",
                            "finishedAt": "2026-11-18T09:41:00Z",
                            "containerID": f"containerd://{c}0123",
                        }
                    },
                }
                for c in containers
            ],
        },
    }


def _event(
    name: str, reason: str, etype: str, uid: str, obj_name: str, kind: str = "Pod"
) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": NS if kind == "Pod" else "default"},
        "involvedObject": {"kind": kind, "name": obj_name, "namespace": NS, "uid": uid},
        "reason": reason,
        "message": f"{reason} happened",
        "type": etype,
        "count": 3,
        "firstTimestamp": "2026-11-18T09:10:00Z",
        "lastTimestamp": "2026-11-18T09:41:00Z",
        "source": {"component": "kubelet", "host": "worker-2"},
    }


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    d = tmp_path / "snap"
    d.mkdir()
    (d / "pod.yaml").write_text(yaml.safe_dump(_pod(POD, ["api"])))
    pods = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            _pod("multi-7c9d-abcde", ["app", "sidecar"], labels={"app": "multi", "tier": "web"}),
            _pod("batch-1", ["worker"], labels={"app": "batch", "tier": "jobs"}),
        ],
    }
    (d / "pods.json").write_text(json.dumps(pods))
    events = {
        "apiVersion": "v1",
        "kind": "EventList",
        "items": [
            _event(f"{POD}.1", "BackOff", "Warning", f"uid-{POD}", POD),
            _event(f"{POD}.2", "Pulled", "Normal", f"uid-{POD}", POD),
            _event("batch-1.1", "BackOff", "Warning", "uid-batch-1", "batch-1"),
        ],
    }
    (d / "events.yaml").write_text(yaml.safe_dump(events))
    others = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "worker-2", "uid": "uid-node", "labels": {"a": "b"}},
            "status": {
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": "b00t",
                    "containerRuntimeVersion": "containerd://1.7.27",
                    "kernelVersion": "6.8.0-1021-aws",
                    "kubeProxyVersion": "",
                    "kubeletVersion": "v1.34.2",
                    "machineID": "ec2a",
                    "operatingSystem": "linux",
                    "osImage": "Ubuntu 24.04.3 LTS",
                    "systemUUID": "ec2a",
                }
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "ledger-api-5d8f7b9c4", "namespace": NS, "uid": "uid-rs"},
            "spec": {"selector": {"matchLabels": {"app": "ledger-api"}}},
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "report-29384720", "namespace": NS},
            "spec": {"template": {"spec": {"containers": [{"name": "r", "image": "r"}]}}},
        },
    ]
    (d / "objects.yml").write_text(yaml.safe_dump_all(others))
    (d / "scenario.yaml").write_text("description: not a kubernetes object\nexpect: {}\n")
    logs = d / "logs" / NS / POD
    logs.mkdir(parents=True)
    (logs / "api.log").write_text(PREVIOUS_LOG)
    (logs / "api.current.log").write_text("current run\n")
    return d


@pytest.fixture
async def api(snapshot: Path):
    fake = FakeKubeAPI(snapshot)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


async def _client(fake: FakeKubeAPI, tmp_path: Path, **kw: Any) -> client.ApiClient:
    assert fake.url is not None
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", fake.url, **kw)
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    return client.ApiClient(configuration=cfg)


async def test_read_pod_and_owner(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        pod = await client.CoreV1Api(c).read_namespaced_pod(POD, NS)
        assert pod.metadata.uid == f"uid-{POD}"
        st = pod.status.container_statuses[0]
        assert st.state.waiting.reason == "CrashLoopBackOff"
        assert st.last_state.terminated.exit_code == 137
        assert st.last_state.terminated.reason == "OOMKilled"
        owner = pod.metadata.owner_references[0]
        rs = await client.AppsV1Api(c).read_namespaced_replica_set(owner.name, NS)
        assert rs.metadata.uid == "uid-rs"
        node = await client.CoreV1Api(c).read_node(pod.spec.node_name)
        assert node.status.node_info.boot_id == "b00t"
        job = await client.BatchV1Api(c).read_namespaced_job("report-29384720", NS)
        assert job.metadata.resource_version
        ns = await client.CoreV1Api(c).read_namespace(NS)
        assert ns.status.phase == "Active"
        version = await client.VersionApi(c).get_code()
        assert version.git_version.startswith("v1.")


async def test_logs(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        full = await core.read_namespaced_pod_log(POD, NS, container="api", previous=True)
        assert full == PREVIOUS_LOG
        tail = await core.read_namespaced_pod_log(POD, NS, previous=True, tail_lines=3)
        assert tail == "line 18\nline 19\nline 20\n"
        limited = await core.read_namespaced_pod_log(
            POD, NS, previous=True, tail_lines=3, limit_bytes=10
        )
        assert limited == "line 18\nli"
        current = await core.read_namespaced_pod_log(POD, NS, container="api")
        assert current == "current run\n"
        stamped = await core.read_namespaced_pod_log(POD, NS, previous=True, timestamps=True)
        first = stamped.splitlines()[0]
        assert first.startswith("2026-11-18T09:40:") and first.endswith("Z line 1")

        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_pod_log("multi-7c9d-abcde", NS)
        assert exc.value.status == 400
        assert json.loads(exc.value.body)["message"] == (
            "a container name must be specified for pod multi-7c9d-abcde, "
            "choose one of: [app sidecar]"
        )
        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_pod_log("batch-1", NS, previous=True)
        assert exc.value.status == 400
        body = json.loads(exc.value.body)
        assert body["reason"] == "BadRequest"
        assert (
            body["message"] == 'previous terminated container "worker" in pod "batch-1" not found'
        )
        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_pod_log(POD, NS, container="nope")
        assert exc.value.status == 400


async def test_events_field_selectors(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        evs = await core.list_namespaced_event(NS, field_selector=f"involvedObject.uid=uid-{POD}")
        assert [e.reason for e in evs.items] == ["BackOff", "Pulled"]
        evs = await core.list_namespaced_event(
            NS, field_selector=f"involvedObject.name=={POD},type!=Normal"
        )
        assert [e.reason for e in evs.items] == ["BackOff"]
        evs = await core.list_event_for_all_namespaces(
            field_selector="involvedObject.kind=Pod,reason=BackOff"
        )
        assert len(evs.items) == 2
        with pytest.raises(ApiException) as exc:
            await core.list_namespaced_event(NS, field_selector="message=x")
        assert exc.value.status == 400


async def test_lists_are_real_shaped(api: FakeKubeAPI) -> None:
    assert api.url
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"{api.url}/api/v1/namespaces/{NS}/pods") as r,
    ):
        body = await r.json()
    assert body["kind"] == "PodList"
    assert body["apiVersion"] == "v1"
    assert body["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in body["items"]] == [
        "batch-1",
        POD,
        "multi-7c9d-abcde",
    ]
    assert all("kind" not in i and "apiVersion" not in i for i in body["items"])
    async with (
        aiohttp.ClientSession() as s,
        s.get(f"{api.url}/apis/apps/v1/namespaces/{NS}/replicasets") as r,
    ):
        body = await r.json()
    assert (body["kind"], body["apiVersion"]) == ("ReplicaSetList", "apps/v1")


async def test_selectors_and_paging(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)

        async def names(**kw: Any) -> list[str]:
            return [p.metadata.name for p in (await core.list_namespaced_pod(NS, **kw)).items]

        assert await names(label_selector="app=multi,tier=web") == ["multi-7c9d-abcde"]
        assert await names(label_selector="app in (batch, multi)") == [
            "batch-1",
            "multi-7c9d-abcde",
        ]
        assert await names(label_selector="tier notin (web),tier") == ["batch-1"]
        assert await names(label_selector="!tier") == [POD]
        assert len(await names(field_selector="status.phase=Running")) == 3
        assert await names(field_selector="status.phase=Failed") == []
        page = await core.list_namespaced_pod(NS, limit=2)
        assert len(page.items) == 2 and page.metadata._continue
        rest = await core.list_namespaced_pod(NS, limit=2, _continue=page.metadata._continue)
        assert [p.metadata.name for p in rest.items] == ["multi-7c9d-abcde"]
        everywhere = await core.list_pod_for_all_namespaces()
        assert len(everywhere.items) == 3
        nodes = await core.list_node(label_selector="a=b")
        assert [n.metadata.name for n in nodes.items] == ["worker-2"]


async def test_not_found_is_a_status(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        with pytest.raises(ApiException) as exc:
            await client.CoreV1Api(c).read_namespaced_pod("x", NS)
        assert exc.value.status == 404
        assert json.loads(exc.value.body) == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'pods "x" not found',
            "reason": "NotFound",
            "details": {"name": "x", "kind": "pods"},
            "code": 404,
        }
        with pytest.raises(ApiException) as exc:
            await client.AppsV1Api(c).read_namespaced_deployment("ledger-api", NS)
        body = json.loads(exc.value.body)
        assert body["message"] == 'deployments.apps "ledger-api" not found'
        assert body["details"] == {"name": "ledger-api", "group": "apps", "kind": "deployments"}
        with pytest.raises(ApiException) as exc:
            await client.CoreV1Api(c).read_node("worker-9")
        assert exc.value.status == 404


async def test_forbidden(api: FakeKubeAPI, tmp_path: Path) -> None:
    api.forbid = [{"verb": "get", "resource": "pods/log"}, {"verb": "list", "resource": "events"}]
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_pod_log(POD, NS, previous=True)
        assert exc.value.status == 403
        body = json.loads(exc.value.body)
        assert body["reason"] == "Forbidden"
        assert body["message"] == (
            f'pods "{POD}" is forbidden: User "{SA}" cannot get resource "pods/log" '
            f'in API group "" in the namespace "{NS}"'
        )
        assert body["details"] == {"name": POD, "kind": "pods"}
        with pytest.raises(ApiException) as exc:
            await core.list_namespaced_event(NS)
        assert json.loads(exc.value.body)["message"] == (
            f'events is forbidden: User "{SA}" cannot list resource "events" '
            f'in API group "" in the namespace "{NS}"'
        )
        assert (await core.read_namespaced_pod(POD, NS)).metadata.name == POD
        api.forbid = [{"verb": "get", "resource": "nodes"}]
        with pytest.raises(ApiException) as exc:
            await core.read_node("worker-2")
        assert json.loads(exc.value.body)["message"].endswith(
            'cannot get resource "nodes" in API group "" at the cluster scope'
        )


async def test_allow_list(api: FakeKubeAPI, tmp_path: Path) -> None:
    api.allow = [{"verbs": ["get"], "resources": ["pods", "pods/log"], "namespaces": [NS]}]
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        await core.read_namespaced_pod(POD, NS)
        await core.read_namespaced_pod_log(POD, NS, previous=True)
        for call in (
            core.list_namespaced_event(NS),
            core.read_node("worker-2"),
            client.AppsV1Api(c).read_namespaced_replica_set("ledger-api-5d8f7b9c4", NS),
        ):
            with pytest.raises(ApiException) as exc:
                await call
            assert exc.value.status == 403
        body = json.loads(exc.value.body)
        assert body["message"].startswith('replicasets.apps "ledger-api-5d8f7b9c4" is forbidden')
        assert 'in API group "apps"' in body["message"]


async def test_token_and_method(api: FakeKubeAPI, tmp_path: Path) -> None:
    api.token = "s3cret"
    async with await _client(api, tmp_path, token="wrong") as c:
        with pytest.raises(ApiException) as exc:
            await client.CoreV1Api(c).read_namespaced_pod(POD, NS)
        assert exc.value.status == 401
    async with await _client(api, tmp_path, token="s3cret") as c:
        await client.CoreV1Api(c).read_namespaced_pod(POD, NS)
        with pytest.raises(ApiException) as exc:
            await client.CoreV1Api(c).delete_namespaced_pod(POD, NS)
        assert exc.value.status == 405
        assert json.loads(exc.value.body)["reason"] == "MethodNotAllowed"


async def test_fail_rules(api: FakeKubeAPI, tmp_path: Path) -> None:
    api.fail = [
        {"path": "/events$", "status": 500, "count": 1},
        FailRule(path="/nodes/", status=429, retry_after=2),
    ]
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        with pytest.raises(ApiException) as exc:
            await core.list_namespaced_event(NS)
        assert exc.value.status == 500
        assert json.loads(exc.value.body)["reason"] == "InternalError"
        await core.list_namespaced_event(NS)  # count exhausted
        with pytest.raises(ApiException) as exc:
            await core.read_node("worker-2")
        assert exc.value.status == 429
        assert exc.value.headers["Retry-After"] == "2"

    api.fail = [{"path": "/pods/", "hang": 30}]
    assert api.url
    t0 = time.monotonic()
    async with aiohttp.ClientSession() as s:
        with pytest.raises(TimeoutError):
            async with s.get(
                f"{api.url}/api/v1/namespaces/{NS}/pods/{POD}",
                timeout=aiohttp.ClientTimeout(total=0.3),
            ):
                pass
    assert time.monotonic() - t0 < 5


async def test_latency_concurrency_and_stats(api: FakeKubeAPI, tmp_path: Path) -> None:
    api.latency = 0.2
    api.reset_stats()
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        t0 = time.monotonic()
        await asyncio.gather(
            core.read_namespaced_pod(POD, NS),
            core.list_namespaced_event(NS),
            core.read_node("worker-2"),
            core.read_namespaced_pod_log(POD, NS, previous=True, tail_lines=5),
        )
        assert time.monotonic() - t0 < 0.6
    assert api.peak_concurrency == 4
    assert len(api.requests) == 4
    log_req = api.requests_matching(r"/log$")[0]
    assert log_req.query["tailLines"] == "5"
    assert log_req.status == 200
    assert log_req.t_end - log_req.t_start >= 0.2
    api.reset_stats()
    assert api.requests == []


async def test_runtime_put_and_delete(api: FakeKubeAPI, tmp_path: Path) -> None:
    async with await _client(api, tmp_path) as c:
        core = client.CoreV1Api(c)
        api.delete("Node", None, "worker-2")
        with pytest.raises(ApiException):
            await core.read_node("worker-2")
        api.put({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-3"}})
        node = await core.read_node("worker-3")
        assert node.metadata.uid and node.metadata.resource_version
        api.set_log(NS, POD, "api", None)
        with pytest.raises(ApiException) as exc:
            await core.read_namespaced_pod_log(POD, NS, previous=True)
        assert exc.value.status == 400


async def test_kubeconfig_contexts(api: FakeKubeAPI, tmp_path: Path) -> None:
    assert api.url
    path = write_kubeconfig(
        tmp_path / "kc", api.url, contexts={"prod": api.url, "dead": "http://127.0.0.1:9"}
    )
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(path), context="prod", client_configuration=cfg)
    async with client.ApiClient(configuration=cfg) as c:
        await client.CoreV1Api(c).read_namespaced_pod(POD, NS)
    assert api.requests[-1].path.endswith(POD)


def test_running_in_thread(snapshot: Path) -> None:
    api = FakeKubeAPI(snapshot)
    with running_in_thread(api) as url:
        with urllib.request.urlopen(f"{url}/api/v1/namespaces/{NS}/pods/{POD}") as r:
            assert json.load(r)["metadata"]["name"] == POD
        api.forbid = [{"verb": "get", "resource": "pods"}]
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(f"{url}/api/v1/namespaces/{NS}/pods/{POD}")
        assert exc.value.code == 403
        exc.value.close()
    assert api.url is None


async def test_revision_lists_by_label_selector(api: FakeKubeAPI, tmp_path: Path) -> None:
    """ReplicaSets, ControllerRevisions and Jobs are listed and selected as the real server
    does: what the collector reads to tell what changed."""
    owner = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": "uid-db"}
    for rev, h in ((1, "6b9f"), (2, "7c4d")):
        api.put(
            {
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": {
                    "name": f"db-{h}",
                    "namespace": NS,
                    "labels": {"app": "db", "controller.kubernetes.io/hash": h},
                    "ownerReferences": [owner],
                },
                "revision": rev,
                "data": {"spec": {"template": {"spec": {"containers": [{"name": "db"}]}}}},
            }
        )
    api.put(
        {
            "apiVersion": "apps/v1",
            "kind": "ControllerRevision",
            "metadata": {"name": "unlabelled", "namespace": NS},
            "revision": 1,
        }
    )
    async with await _client(api, tmp_path) as c:
        apps = client.AppsV1Api(c)
        listed = await apps.list_namespaced_controller_revision(
            NS, label_selector="controller.kubernetes.io/hash"
        )
        assert [(r.metadata.name, r.revision) for r in listed.items] == [
            ("db-6b9f", 1),
            ("db-7c4d", 2),
        ]
        assert listed.items[0].metadata.owner_references[0].name == "db"
        one = await apps.list_namespaced_controller_revision(
            NS, label_selector="controller.kubernetes.io/hash=7c4d"
        )
        assert [r.metadata.name for r in one.items] == ["db-7c4d"]
        assert (await apps.read_namespaced_controller_revision("db-6b9f", NS)).revision == 1
        rs = await apps.list_namespaced_replica_set(NS, label_selector="pod-template-hash")
        assert rs.items == []  # the fixture's ReplicaSet has no labels
        jobs = await client.BatchV1Api(c).list_namespaced_job(NS)
        assert [j.metadata.name for j in jobs.items] == ["report-29384720"]
        api.forbid = [{"verb": "list", "resource": "controllerrevisions"}]
        with pytest.raises(ApiException) as exc:
            await apps.list_namespaced_controller_revision(NS)
        assert json.loads(exc.value.body)["message"] == (
            f'controllerrevisions.apps is forbidden: User "{SA}" cannot list resource '
            f'"controllerrevisions" in API group "apps" in the namespace "{NS}"'
        )
