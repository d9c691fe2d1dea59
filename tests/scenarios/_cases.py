# The log lines below are the reports' own, kept whole: no wrapping of long lines.
# ruff: noqa: E501
"""The scenarios `_build.py` writes: one per public crash report, facts and lines verbatim.

Each case keeps the log lines and the status or event messages of the report it cites
in `source` (the thread's address); names, namespaces and timings around them are
filled in so that the objects agree with each other. Identifiers inside a quoted
message (a pod name, a path) stay as the report printed them.
"""

from __future__ import annotations

from tests.scenarios._build import (
    Case,
    Completed,
    Crash,
    Ctr,
    Ev,
    Gone,
    InitFailed,
    Running,
    Waiting,
)

# --------------------------------------------------------------------------- helpers


def pull_failure(ctr: str, image: str, failed: str, n: int = 5) -> list[Ev]:
    """The kubelet's events while an image cannot be pulled (ErrImagePull, then back-off)."""
    last = 60 * 12
    return [
        Ev("Pulling", f'Pulling image "{image}"', "Normal", ctr, n, 5, last - 30),
        Ev("Failed", failed, "Warning", ctr, n, 6, last - 29),
        Ev("Failed", "Error: ErrImagePull", "Warning", ctr, n, 6, last - 29),
        Ev("BackOff", f'Back-off pulling image "{image}"', "Normal", ctr, n * 6, 7, last),
        Ev("Failed", "Error: ImagePullBackOff", "Warning", ctr, n * 6, 7, last),
    ]


def config_failure(ctr: str, image: str, error: str, n: int = 60) -> list[Ev]:
    """CreateContainerConfigError: the image is there, the container cannot be configured."""
    return [
        Ev(
            "Pulled",
            f'Container image "{image}" already present on machine',
            "Normal",
            ctr,
            n,
            5,
            60 * 14,
        ),
        Ev("Failed", f"Error: {error}", "Warning", ctr, n, 5, 60 * 14),
    ]


def unschedulable(
    name: str,
    description: str,
    source: str,
    namespace: str,
    app: str,
    message: str,
    containers: list[Ctr],
    owner: str | None = "Deployment",
    quote: str | None = None,
    top: str = "unschedulable",
    **kw: object,
) -> Case:
    expect: dict[str, object] = {
        "top_rule": top,
        "container": containers[0].name,
        "quote": quote or message.split(". preemption")[0],
    }
    return Case(
        name=name,
        description=description,
        source=source,
        namespace=namespace,
        app=app,
        containers=containers,
        owner=owner,
        node=None,
        pod_status="pending",
        unschedulable=message,
        expect=expect,
        **kw,  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------- logs

WEKAN_V8 = """\

<--- Last few GCs --->

[88338:0x158008000]   302713 ms: Mark-Compact 3415.7 (4143.8) -> 3413.7 (4143.8) MB, pooled: 9 MB, 67.29 / 0.00 ms  (average mu = 0.352, current mu = 0.085) allocation failure; scavenge might not succeed
[88338:0x158008000]   302781 ms: Mark-Compact 3413.8 (4143.8) -> 3413.8 (4144.0) MB, pooled: 9 MB, 62.92 / 0.00 ms  (average mu = 0.244, current mu = 0.065) allocation failure; GC in old space requested

<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0x1026cf9b0 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [/Users/cata/.nvm/versions/node/v22.2.0/bin/node]
 2: 0x10289a3b4 v8::internal::V8::FatalProcessOutOfMemory(v8::internal::Isolate*, char const*, v8::OOMDetails const&) [/Users/cata/.nvm/versions/node/v22.2.0/bin/node]
 3: 0x102a7169c v8::internal::Heap::stack() [/Users/cata/.nvm/versions/node/v22.2.0/bin/node]
"""

K8SSANDRA_PANIC = """\
2024-11-22T04:25:56.431Z        INFO    Observed a panic in reconciler: runtime error: invalid memory address or nil pointer dereference        {"controller": "medusabackupjob", "controllerGroup": "medusa.k8ssandra.io", "controllerKind": "MedusaBackupJob", "MedusaBackupJob": {"name":"cs-1855ea8cc2-cs-1855ea8cc2-1717977600","namespace":"qaazv8dow"}, "namespace": "qaazv8dow", "name": "cs-1855ea8cc2-cs-1855ea8cc2-1717977600", "reconcileID": "cec567f9-0bc6-4c46-9c55-5ee233259314"}
panic: runtime error: invalid memory address or nil pointer dereference [recovered]
        panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x48 pc=0x55f16f305904]

goroutine 597 [running]:
sigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).Reconcile.func1()
        sigs.k8s.io/controller-runtime@v0.14.6/pkg/internal/controller/controller.go:119 +0x1e5
panic({0x55f16f77d520?, 0x55f170644c80?})
        runtime/panic.go:770 +0x132
"""

KEYCLOAK_PSQL = """\
        at io.undertow.servlet.core.DeploymentManagerImpl.start(DeploymentManagerImpl.java:596)
        at org.wildfly.extension.undertow.deployment.UndertowDeploymentService.startContext(UndertowDeploymentService.java:97)
        at org.wildfly.extension.undertow.deployment.UndertowDeploymentService$1.run(UndertowDeploymentService.java:78)
        at java.util.concurrent.Executors$RunnableAdapter.call(Executors.java:511)
        at java.util.concurrent.FutureTask.run(FutureTask.java:266)
        at org.jboss.threads.ContextClassLoaderSavingRunnable.run(ContextClassLoaderSavingRunnable.java:35)
        at org.jboss.threads.EnhancedQueueExecutor.safeRun(EnhancedQueueExecutor.java:1982)
        at org.jboss.threads.EnhancedQueueExecutor$ThreadBody.doRunTask(EnhancedQueueExecutor.java:1486)
        at org.jboss.threads.EnhancedQueueExecutor$ThreadBody.run(EnhancedQueueExecutor.java:1377)
        at java.lang.Thread.run(Thread.java:748)
        at org.jboss.threads.JBossThread.run(JBossThread.java:485)
Caused by: org.postgresql.util.PSQLException: FATAL: password authentication failed for user "keycloak"
        at org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:514)
"""

OIDC_X509 = (
    "1.5878367354726114e+09\tinfo\tattempting to retrieve configuration discovery url\t"
    '{"url": "https://sso.example.com/auth/realms/production", "timeout": "30s"}\n'
    "1.587836735495971e+09\twarn\tfailed to get provider configuration from discovery\t"
    '{"error": "Get https://sso.example.com/auth/realms/production/.well-known/openid-'
    'configuration: x509: certificate signed by unknown authority"}\n'
)

NGINX_READ_ONLY = """\
/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration
/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/
/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh
10-listen-on-ipv6-by-default.sh: info: can not modify /etc/nginx/conf.d/default.conf (read-only file system?)
/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh
/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh
/docker-entrypoint.sh: Configuration complete; ready for start up
2022/03/04 17:05:32 [warn] 1#1: the "user" directive makes sense only if the master process runs with super-user privileges, ignored in /etc/nginx/nginx.conf:2
nginx: [warn] the "user" directive makes sense only if the master process runs with super-user privileges, ignored in /etc/nginx/nginx.conf:2
2022/03/04 17:05:32 [emerg] 1#1: mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)
nginx: [emerg] mkdir() "/var/cache/nginx/client_temp" failed (30: Read-only file system)
"""

NGINX_PORT_80 = """\
/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration
/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/
/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh
10-listen-on-ipv6-by-default.sh: info: can not modify /etc/nginx/conf.d/default.conf (read-only file system?)
/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh
/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh
/docker-entrypoint.sh: Configuration complete; ready for start up
2023/05/24 08:45:31 [emerg] 1#1: bind() to 0.0.0.0:80 failed (13: Permission denied)
nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)
"""

SEDNA_CV2 = """\
Traceback (most recent call last):
  File "/code/lib/sedna/service/run_kb.py", line 18, in <module>
    from sedna.service.server.knowledgeBase.model import init_db
  File "/code/lib/sedna/__init__.py", line 16, in <module>
    import sedna.algorithms
  File "/code/lib/sedna/algorithms/__init__.py", line 19, in <module>
    from . import optical_flow
  File "/code/lib/sedna/algorithms/optical_flow/__init__.py", line 19, in <module>
    import cv2
ModuleNotFoundError: No module named 'cv2'
"""

KIAMOL_INITDB = """\
The files belonging to this database system will be owned by user "postgres".
This user must also own the server process.

The database cluster will be initialized with locale "en_US.utf8".
The default database encoding has accordingly been set to "UTF8".
The default text search configuration will be set to "english".

Data page checksums are disabled.

initdb: directory "/var/lib/postgresql/data" exists but is not empty
It contains a lost+found directory, perhaps due to it being a mount point.
Using a mount point directly as the data directory is not recommended.
Create a subdirectory under the mount point.
"""

FORKLIFT_RBAC = (
    "W0426 03:25:49.400941       7 reflector.go:561] pkg/mod/k8s.io/client-go@v0.31.3/tools/"
    "cache/reflector.go:243: failed to list forklift.konveyor.io/v1beta1, Kind=ForkliftController:"
    ' forkliftcontrollers.forklift.konveyor.io is forbidden: User "system:serviceaccount:'
    'konveyor-forklift:konveyor-forklift" cannot list resource "forkliftcontrollers" in API '
    'group "forklift.konveyor.io" at the cluster scope\n'
    'E0426 03:25:49.400997       7 reflector.go:158] "Unhandled Error" err="pkg/mod/k8s.io/'
    "client-go@v0.31.3/tools/cache/reflector.go:243: Failed to watch forklift.konveyor.io/v1beta1,"
    " Kind=ForkliftController: failed to list forklift.konveyor.io/v1beta1, Kind=ForkliftController:"
    ' forkliftcontrollers.forklift.konveyor.io is forbidden: User \\"system:serviceaccount:'
    'konveyor-forklift:konveyor-forklift\\" cannot list resource \\"forkliftcontrollers\\" in API'
    ' group \\"forklift.konveyor.io\\" at the cluster scope" logger="UnhandledError"\n'
)

DESIGNATE_RBAC = (
    "W0823 09:06:33.579107       1 reflector.go:324] pkg/mod/k8s.io/client-go@v0.23.4/tools/cache/"
    "reflector.go:167: failed to list *v1beta2.PriorityLevelConfiguration: "
    'prioritylevelconfigurations.flowcontrol.apiserver.k8s.io is forbidden: User "system:'
    'serviceaccount:cic-system:monsoon-cert-foundation-designate-certmanager-webhook" cannot list'
    ' resource "prioritylevelconfigurations" in API group "flowcontrol.apiserver.k8s.io" at the'
    " cluster scope\n"
    "E0823 09:06:33.579142       1 reflector.go:138] pkg/mod/k8s.io/client-go@v0.23.4/tools/cache/"
    "reflector.go:167: Failed to watch *v1beta2.PriorityLevelConfiguration: failed to list "
    "*v1beta2.PriorityLevelConfiguration: prioritylevelconfigurations.flowcontrol.apiserver.k8s.io"
    ' is forbidden: User "system:serviceaccount:cic-system:monsoon-cert-foundation-designate-'
    'certmanager-webhook" cannot list resource "prioritylevelconfigurations" in API group '
    '"flowcontrol.apiserver.k8s.io" at the cluster scope\n'
    "W0823 09:06:35.740597       1 reflector.go:324] pkg/mod/k8s.io/client-go@v0.23.4/tools/cache/"
    "reflector.go:167: failed to list *v1beta2.FlowSchema: flowschemas.flowcontrol.apiserver.k8s.io"
    ' is forbidden: User "system:serviceaccount:cic-system:monsoon-cert-foundation-designate-'
    'certmanager-webhook" cannot list resource "flowschemas" in API group "flowcontrol.'
    'apiserver.k8s.io" at the cluster scope\n'
)

OTEL_CRD = (
    '{"level":"error","ts":"2023-11-06T05:29:04Z","logger":"controller-runtime.source.EventHandler",'
    '"msg":"if kind is a CRD, it should be installed before calling Start","kind":"OpAMPBridge.'
    'opentelemetry.io","error":"no matches for kind \\"OpAMPBridge\\" in version \\"opentelemetry.io'
    '/v1alpha1\\"","stacktrace":"sigs.k8s.io/controller-runtime/pkg/internal/source.(*Kind).Start.'
    "func1.1\\n\\t/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.16.3/pkg/internal/source/kind.go:63"
    "\\nk8s.io/apimachinery/pkg/util/wait.loopConditionUntilContext.func2\\n\\t/go/pkg/mod/k8s.io/"
    "apimachinery@v0.28.3/pkg/util/wait/loop.go:73\\nk8s.io/apimachinery/pkg/util/wait."
    "loopConditionUntilContext\\n\\t/go/pkg/mod/k8s.io/apimachinery@v0.28.3/pkg/util/wait/loop.go:74"
    "\\nk8s.io/apimachinery/pkg/util/wait.PollUntilContextCancel\\n\\t/go/pkg/mod/k8s.io/"
    "apimachinery@v0.28.3/pkg/util/wait/poll.go:33\\nsigs.k8s.io/controller-runtime/pkg/internal/"
    "source.(*Kind).Start.func1\\n\\t/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.16.3/pkg/internal/"
    'source/kind.go:56"}\n'
)

EFK_ES_HEAP = """\
[2018-07-19T06:40:00,691][INFO ][o.e.n.Node               ] [] initializing ...
[2018-07-19T06:40:00,853][INFO ][o.e.e.NodeEnvironment    ] [DMz0Umu] using [1] data paths, mounts [[/usr/share/elasticsearch/data (/dev/mapper/vg0-root)]], net usable_space [33.9gb], net total_space [41.7gb], types [ext4]
[2018-07-19T06:40:00,853][INFO ][o.e.e.NodeEnvironment    ] [DMz0Umu] heap size [1.9gb], compressed ordinary object pointers [true]
[2018-07-19T06:40:00,854][INFO ][o.e.n.Node               ] node name [DMz0Umu] derived from node ID [DMz0UmulSeOR0_kcp9SCFw]; set [node.name] to override
[2018-07-19T06:40:00,855][INFO ][o.e.n.Node               ] version[6.2.4], pid[1], build[ccec39f/2018-04-12T20:37:28.497551Z], OS[Linux/4.9.0-7-amd64/amd64], JVM[Oracle Corporation/OpenJDK 64-Bit Server VM/1.8.0_161/25.161-b14]
"""

ES_BOOTSTRAP = """\
[2018-11-06T17:01:53,087][INFO ][o.e.n.Node               ] [yHdqr9S] starting ...
[2018-11-06T17:01:53,475][INFO ][o.e.t.TransportService   ] [yHdqr9S] publish_address {10.48.4.11:9300}, bound_addresses {[::]:9300}
[2018-11-06T17:01:53,510][INFO ][o.e.b.BootstrapChecks    ] [yHdqr9S] bound or publishing to a non-loopback address, enforcing bootstrap checks
ERROR: [1] bootstrap checks failed
[1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at least [262144]
[2018-11-06T17:01:53,556][INFO ][o.e.n.Node               ] [yHdqr9S] stopping ...
[2018-11-06T17:01:53,580][INFO ][o.e.n.Node               ] [yHdqr9S] stopped
[2018-11-06T17:01:53,581][INFO ][o.e.n.Node               ] [yHdqr9S] closing ...
[2018-11-06T17:01:53,605][INFO ][o.e.n.Node               ] [yHdqr9S] closed
[2018-11-06T17:01:53,609][INFO ][o.e.x.m.j.p.NativeController] Native controller process has stopped - no new native processes can be started
"""

LEMONLDAP_SH = """\
/docker-entrypoint.sh: line 9: unexpected EOF while looking for matching `''
/docker-entrypoint.sh: line 33: syntax error: unexpected end of file
"""

CORPLINK_RUST = """\

thread 'main' panicked at src/client.rs:111:62:
called `Result::unwrap()` on an `Err` value: Error("expected value", line: 1, column: 1)
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace
"""

SPAWN_ELIXIR = """\
2023-04-07 05:37:47.209 [wppbot@10.42.0.70]:[pid=<0.2688.0> ]:[error]:GenServer #PID<0.2688.0> terminating
** (stop) exited in: GenServer.stop(#PID<0.2689.0>, {:function_clause, [{Highlander, :handle_info, [{:EXIT, #PID<0.2689.0>, :shutdown}, %{child_spec: %{id: Actors.Actor.InvocationScheduler, restart: :transient, start: {Actors.Actor.InvocationScheduler, :start_link, []}}, pid: #PID<0.2689.0>}], [file: 'lib/highlander.ex', line: 90]}, {:gen_server, :try_dispatch, 4, [file: 'gen_server.erl', line: 1123]}, {:gen_server, :handle_msg, 6, [file: 'gen_server.erl', line: 1200]}, {:proc_lib, :init_p_do_apply, 3, [file: 'proc_lib.erl', line: 240]}]}, :infinity)
    ** (EXIT) no process: the process is not alive or there's no process currently associated with the given name, possibly because its application isn't started
    (elixir 1.14.0) lib/gen_server.ex:995: GenServer.stop/3
    (highlander 0.2.1) lib/highlander.ex:101: Highlander.terminate/2
    (stdlib 4.1) gen_server.erl:1161: :gen_server.try_terminate/3
    (stdlib 4.1) gen_server.erl:1351: :gen_server.terminate/10
    (stdlib 4.1) proc_lib.erl:240: :proc_lib.init_p_do_apply/3
Last message: {:EXIT, #PID<0.2689.0>, :shutdown}
"""

TFJOB_KLOG = """\
{"filename":"app/server.go:75","level":"info","msg":"EnvKubeflowNamespace not set, use default namespace","time":"2020-02-24T06:12:54Z"}
{"filename":"app/server.go:79","level":"info","msg":"Using cluster scoped operator","time":"2020-02-24T06:12:54Z"}
{"filename":"app/server.go:85","level":"info","msg":"[API Version: v1 Version: v0.1.0-alpha Git SHA: Not provided. Go Version: go1.12 Go OS/Arch: linux/amd64]","time":"2020-02-24T06:12:54Z"}
{"filename":"tf-operator.v1/main.go:40","level":"info","msg":"Setting up client for monitoring on port: 8443","time":"2020-02-24T06:12:54Z"}
W0224 06:12:54.926349       1 client_config.go:552] Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.
{"filename":"tensorflow/controller.go:123","level":"info","msg":"Creating TFJob controller","time":"2020-02-24T06:12:54Z"}
{"filename":"tensorflow/controller.go:130","level":"info","msg":"Creating Job controller","time":"2020-02-24T06:12:54Z"}
I0224 06:12:54.972835       1 leaderelection.go:185] attempting to acquire leader lease  default/tf-operator...
E0224 06:12:54.982793       1 runtime.go:66] Observed a panic: "invalid memory address or nil pointer dereference" (runtime error: invalid memory address or nil pointer dereference)
"""

MITODL_NEXT = (
    "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - "
    "JavaScript heap out of memory\n"
)

REDIS_RDB = """\
1:C 05 Apr 2023 09:47:26.929 # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo
1:C 05 Apr 2023 09:47:26.929 # Redis version=6.2.6, bits=64, commit=00000000, modified=0, pid=1, just started
1:C 05 Apr 2023 09:47:26.929 # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf
1:M 05 Apr 2023 09:47:26.930 * monotonic clock: POSIX clock_gettime
1:M 05 Apr 2023 09:47:26.930 * Running mode=standalone, port=6379.
1:M 05 Apr 2023 09:47:26.930 # Server initialized
1:M 05 Apr 2023 09:47:26.930 # WARNING overcommit_memory is set to 0! Background save may fail under low memory condition. To fix this issue add 'vm.overcommit_memory = 1' to /etc/sysctl.conf and then reboot or run the command 'sysctl vm.overcommit_memory=1' for this to take effect.
1:M 05 Apr 2023 09:47:26.931 # Can't handle RDB format version 10
1:M 05 Apr 2023 09:47:26.931 # Fatal error loading the DB: Invalid argument. Exiting.
"""

REDIS_START = "".join(REDIS_RDB.splitlines(keepends=True)[:6])

MYSQL_DATADIR = """\
mysqld: [Warning] World-writable config file '/etc/mysql/conf.d/onlyoffice.cnf' is ignored.
2024-07-26T22:16:59.262871Z 0 [System] [MY-015017] [Server] MySQL Server Initialization - start.
2024-07-26T22:16:59.264412Z 0 [System] [MY-013169] [Server] /usr/sbin/mysqld (mysqld 9.0.1) initializing of server in progress as process 80
2024-07-26T22:16:59.266216Z 0 [ERROR] [MY-010457] [Server] --initialize specified but the data directory has files in it. Aborting.
2024-07-26T22:16:59.266221Z 0 [ERROR] [MY-013236] [Server] The designated data directory /var/lib/mysql/ is unusable. You can remove all files that the server added to it.
2024-07-26T22:16:59.266271Z 0 [ERROR] [MY-010119] [Server] Aborting
2024-07-26T22:16:59.266689Z 0 [System] [MY-015018] [Server] MySQL Server Initialization - end.
"""

KAFKA_BROKER_ID = """\
[2016-02-04 15:35:04,556] INFO [Kafka Server 102011155], shut down completed (kafka.server.KafkaServer)
[2016-02-04 15:35:04,557] FATAL Fatal error during KafkaServerStartable startup. Prepare to shutdown (kafka.server.KafkaServerStartable)
java.lang.RuntimeException: A broker is already registered on the path /brokers/ids/102011155. This probably indicates that you either have configured a brokerid that is already in use, or else you have shutdown this broker and restarted it faster than the zookeeper timeout so it appears to be re-registering.
\tat kafka.utils.ZkUtils.registerBrokerInZk(ZkUtils.scala:295)
\tat kafka.utils.ZkUtils.registerBrokerInZk(ZkUtils.scala:281)
\tat kafka.server.KafkaHealthcheck.register(KafkaHealthcheck.scala:64)
\tat kafka.server.KafkaHealthcheck.startup(KafkaHealthcheck.scala:45)
\tat kafka.server.KafkaServer.startup(KafkaServer.scala:231)
\tat kafka.server.KafkaServerStartable.startup(KafkaServerStartable.scala:37)
\tat kafka.Kafka$.main(Kafka.scala:67)
\tat kafka.Kafka.main(Kafka.scala)
[2016-02-04 15:35:04,558] INFO [Kafka Server 102011155], shutting down (kafka.server.KafkaServer)
"""

KAFKA_RECOVERY = """\
[2022-02-23 18:45:17,742] INFO Attempting recovery for all logs in /bitnami/kafka/data since no clean shutdown file was found (kafka.log.LogManager)
[2022-02-23 18:45:43,358] INFO [LogLoader partition=REDACTED, dir=/bitnami/kafka/data] Producer state recovery took 0ms for snapshot load and 0ms for segment recovery from offset 0 (kafka.log.UnifiedLog$)
[2022-02-23 18:45:46,898] INFO Terminating process due to signal SIGTERM (org.apache.kafka.common.utils.LoggingSignalHandler)
[2022-02-23 18:45:46,904] INFO [KafkaServer id=0] shutting down (kafka.server.KafkaServer)
[2022-02-23 18:45:46,936] ERROR [KafkaServer id=0] Fatal error during KafkaServer shutdown. (kafka.server.KafkaServer)
java.lang.IllegalStateException: Kafka server is still starting up, cannot shut down!
\tat kafka.server.KafkaServer.shutdown(KafkaServer.scala:696)
\tat kafka.Kafka$.$anonfun$main$3(Kafka.scala:100)
\tat kafka.utils.Exit$.$anonfun$addShutdownHook$1(Exit.scala:38)
\tat java.base/java.lang.Thread.run(Thread.java:829)
[2022-02-23 18:45:46,949] ERROR Halting Kafka. (kafka.Kafka$)
"""

NODE_MAIN_MISSING = """\
node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module '/usr/src/app/node.js'
    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)
    at Module._load (node:internal/modules/cjs/loader:1051:27)
    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:174:12)
    at node:internal/main/run_main_module:28:49 {
  code: 'MODULE_NOT_FOUND',
  requireStack: []
}

Node.js v20.18.0
"""

SPRING_DATASOURCE = (
    "12:46:17.922 [main] ERROR o.s.b.d.LoggingFailureAnalysisReporter - \n"
    + """\

***************************
APPLICATION FAILED TO START
***************************

Description:

Failed to configure a DataSource: no embedded datasource could be configured.

Reason: Failed to determine a suitable driver class


Action:

Consider the following:
    If you want an embedded database (H2, HSQL or Derby), please put it on the classpath.
    If you have database settings to be loaded from a particular profile you may need to activate it (the profiles prod,secure,kubernetes are currently active).
"""
)

CONSUL_X509 = (
    "2021-12-01T06:46:58.601Z\tERROR\tcontroller.serviceintentions\tReconciler error\t"
    '{"reconciler group": "consul.hashicorp.com", "reconciler kind": "ServiceIntentions", '
    '"name": "backend", "namespace": "default", "error": "Internal error occurred: failed '
    'calling webhook \\"mutate-serviceintentions.consul.hashicorp.com\\": failed to call '
    'webhook: Post \\"https://consul-controller-webhook.default.svc:443/mutate-v1alpha1-'
    'serviceintentions?timeout=10s\\": x509: certificate has expired or is not yet valid: '
    'current time 2021-12-01T06:46:58Z is after 2021-12-01T02:05:16Z"}\n'
    "sigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).processNextWorkItem\n"
    "\t/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.10.2/pkg/internal/controller/"
    "controller.go:266\n"
    "sigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).Start.func2.2\n"
    "\t/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.10.2/pkg/internal/controller/"
    "controller.go:227\n"
)

WAIT_FOR_IT_CRLF = (
    './wait-for-it.sh: line 80: syntax error: unexpected end of file (expecting "fi")\r\n'
)

DOTNET_APPSETTINGS = """\
Unhandled exception. System.IO.FileNotFoundException: The configuration file 'appsettings.json' was not found and is not optional. The expected physical path was '/app/appsettings.json'.
   at Microsoft.Extensions.Configuration.FileConfigurationProvider.HandleException(ExceptionDispatchInfo info)
   at Microsoft.Extensions.Configuration.FileConfigurationProvider.Load(Boolean reload)
   at Microsoft.Extensions.Configuration.FileConfigurationProvider.Load()
   at Microsoft.Extensions.Configuration.ConfigurationRoot..ctor(IList`1 providers)
   at Microsoft.Extensions.Configuration.ConfigurationBuilder.Build()
   at Microsoft.Extensions.Hosting.HostBuilder.BuildHostConfiguration()
   at Microsoft.Extensions.Hosting.HostBuilder.Build()
   at Program.<Main>$(String[] args) in /src/src/Wallabag/Program.cs:line 3
   at Program.<Main>(String[] args)
"""

MONGO_WT_PANIC = """\
2020-10-26T06:37:08.368+0000 I NETWORK  [conn10635] end connection 127.0.0.1:54498 (12 connections now open)
2020-10-26T06:37:27.812+0000 E STORAGE  [WTCheckpointThread] WiredTiger error (5) [1603694247:811274][1:0x7ff529c6f700], file:collection-16-6024168899267707624.wt, WT_SESSION.checkpoint: __posix_sync, 108: /data/db/collection-16-6024168899267707624.wt: handle-sync: fdatasync: Input/output error
2020-10-26T06:37:27.812+0000 E STORAGE  [WTCheckpointThread] WiredTiger error (-31804) [1603694247:812111][1:0x7ff529c6f700], file:collection-16-6024168899267707624.wt, WT_SESSION.checkpoint: __wt_panic, 523: the process must exit and restart: WT_PANIC: WiredTiger library panic
2020-10-26T06:37:27.812+0000 F -        [WTCheckpointThread] Fatal Assertion 28558 at src/mongo/db/storage/wiredtiger/wiredtiger_util.cpp 376
2020-10-26T06:37:27.812+0000 F -        [WTCheckpointThread]

***aborting after fassert() failure

"""

LOKI_FAILED_SERVICES = """\
level=info ts=2022-03-08T11:18:59.116341157Z caller=table_manager.go:476 msg="creating table" table=index_18816
level=info ts=2022-03-08T11:18:59.116352657Z caller=table_manager.go:476 msg="creating table" table=index_18830
level=info ts=2022-03-08T11:18:59.600358618Z caller=server_service.go:50 msg="server stopped"
level=info ts=2022-03-08T11:18:59.600432027Z caller=module_service.go:91 msg="module stopped" module=server
level=info ts=2022-03-08T11:18:59.600477146Z caller=loki.go:249 msg="Loki stopped"
level=error ts=2022-03-08T11:18:59.600623757Z caller=log.go:106 msg="error running loki" err="failed services\\ngithub.com/grafana/loki/pkg/loki.(*Loki).Run\\n\\t/src/loki/pkg/loki/loki.go:295\\nmain.main\\n\\t/src/loki/cmd/loki/main.go:132\\nruntime.main\\n\\t/usr/local/go/src/runtime/proc.go:204\\nruntime.goexit\\n\\t/usr/local/go/src/runtime/asm_amd64.s:1374"
"""

# --------------------------------------------------------------------------- cases

CASES: list[Case] = [
    # ---- runtime causes with a rule of their own
    Case(
        name="nodejs-heap-oom",
        description="A Node.js service dies a few minutes after start: V8 reaches its own heap "
        "limit (about 4 GiB, sized from the node) and aborts with exit 134.",
        source="https://github.com/anthropics/claude-code/issues/1600",
        namespace="web",
        app="assistant-api",
        containers=[
            Ctr(
                "api",
                "registry.example.com/web/assistant-api:3.8.1",
                Crash(134, WEKAN_V8, run_seconds=303, restarts=5),
                command=["node", "dist/server.js"],
                memory="6Gi",
                port=3000,
            ),
        ],
        expect={
            "top_rule": "nodejs-heap-oom",
            "container": "api",
            "not_rules": ["oom-cgroup"],
            "quote": "Reached heap limit Allocation failed - JavaScript heap out of memory",
        },
    ),
    Case(
        name="nodejs-heap-oom-sigsegv",
        description="A Next.js front end under a 1Gi limit with no --max-old-space-size: every "
        "crash hits the same V8 heap ceiling and the process exits 139.",
        source="https://github.com/mitodl/ol-infrastructure/pull/5069",
        namespace="mit-learn",
        app="mit-learn-nextjs",
        containers=[
            Ctr(
                "nextjs",
                "registry.example.com/mitodl/mit-learn-nextjs:2026.7.18",
                Crash(139, MITODL_NEXT, run_seconds=5400, restarts=15),
                command=["node", "server.js"],
                memory="1Gi",
                port=3000,
            ),
        ],
        expect={
            "top_rule": "nodejs-heap-oom",
            "container": "nextjs",
            "also_rules": ["fatal-signal"],
            "quote": "Ineffective mark-compacts near heap limit",
        },
    ),
    Case(
        name="go-nil-pointer-operator",
        description="The k8ssandra operator panics with a nil pointer dereference while "
        "reconciling a MedusaBackupJob after a Kubernetes upgrade (controller-runtime re-panics).",
        source="https://github.com/k8ssandra/k8ssandra-operator/issues/1454",
        namespace="k8ssandra-operator",
        app="k8ssandra-operator",
        containers=[
            Ctr(
                "k8ssandra-operator",
                "docker.io/k8ssandra/k8ssandra-operator:v1.20.2",
                Crash(2, K8SSANDRA_PANIC, run_seconds=41, restarts=9),
                args=["--zap-log-level=info"],
                memory="512Mi",
            ),
        ],
        expect={
            "top_rule": "go-nil-pointer",
            "container": "k8ssandra-operator",
            "quote": "invalid memory address or nil pointer dereference",
        },
    ),
    Case(
        name="db-auth-failed-keycloak",
        description="Keycloak on WildFly cannot deploy: PostgreSQL refuses the login of user "
        "keycloak (the password in the Secret does not match the database).",
        source="https://github.com/keycloak/keycloak-community/issues/307",
        namespace="identity",
        app="keycloak",
        owner="StatefulSet",
        containers=[
            Ctr(
                "keycloak",
                "quay.io/keycloak/keycloak:9.0.3",
                Crash(1, KEYCLOAK_PSQL, run_seconds=48, restarts=7),
                env=[
                    {"name": "DB_VENDOR", "value": "postgres"},
                    {"name": "DB_ADDR", "value": "keycloak-postgresql"},
                    {"name": "DB_USER", "value": "keycloak"},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"key": "password", "name": "keycloak-db"}},
                    },
                ],
                memory="1Gi",
                port=8080,
            ),
        ],
        expect={
            "top_rule": "db-auth-failed",
            "container": "keycloak",
            "not_rules": ["dependency-refused"],
            "quote": 'password authentication failed for user "keycloak"',
        },
    ),
    Case(
        name="dns-resolution-failed-ruby",
        description="A Ruby CronJob cannot resolve the host of the API it calls: getaddrinfo "
        "fails with a temporary failure in name resolution.",
        source="https://github.com/yaphetsglhf/issues/issues/61",
        namespace="billing",
        app="guardian-sync",
        owner="CronJob",
        created="2026-11-18T03:00:00Z",
        containers=[
            Ctr(
                "sync",
                "registry.example.com/billing/guardian-sync:1.4.0",
                Crash(
                    1,
                    "error:  Failed to open TCP connection to guardian.xxx.com:80 "
                    "(getaddrinfo: Temporary failure in name resolution)\n",
                    run_seconds=12,
                    restarts=4,
                ),
                command=["bundle", "exec", "rake", "guardian:sync"],
                memory="256Mi",
            ),
        ],
        expect={
            "top_rule": "dns-resolution-failed",
            "container": "sync",
            "quote": "Temporary failure in name resolution",
        },
    ),
    Case(
        name="dns-resolution-failed-kubectl-job",
        description="A deploy Job runs kubectl against an API server name that does not "
        "resolve from inside the cluster.",
        source="https://github.com/crc-org/crc/issues/2654",
        namespace="ci",
        app="apply-manifests",
        owner="Job",
        containers=[
            Ctr(
                "kubectl",
                "docker.io/bitnami/kubectl:1.34.2",
                Crash(
                    1,
                    "dial tcp: lookup api.crc.testing: no such host - verify you have "
                    "provided the correct host and port and that the server is currently "
                    "running.\n",
                    run_seconds=1,
                    restarts=3,
                ),
                command=["kubectl", "apply", "-f", "/manifests"],
                memory="128Mi",
            ),
        ],
        expect={
            "top_rule": "dns-resolution-failed",
            "container": "kubectl",
            "not_rules": ["dependency-refused"],
            "quote": "lookup api.crc.testing: no such host",
        },
    ),
    Case(
        name="tls-certificate-native-sidecar",
        description="An OIDC proxy runs as a native sidecar (init container with restartPolicy "
        "Always) in front of the dashboard; it exits because the identity provider's "
        "certificate is signed by a CA it does not trust, so the pod never gets ready.",
        source="https://github.com/int128/kubernetes-dashboard-proxy/issues/11",
        namespace="kubernetes-dashboard",
        app="dashboard-proxy",
        containers=[
            Ctr(
                "oidc-proxy",
                "quay.io/gogatekeeper/gatekeeper:1.3.0",
                Crash(1, OIDC_X509, run_seconds=1, restarts=8),
                kind="sidecar",
                args=["--discovery-url=https://sso.example.com/auth/realms/production"],
                memory="128Mi",
                port=3000,
            ),
            Ctr(
                "dashboard",
                "docker.io/kubernetesui/dashboard:v2.7.0",
                Waiting("PodInitializing"),
                memory="256Mi",
                port=9090,
            ),
        ],
        expect={
            "top_rule": "tls-certificate",
            "container": "oidc-proxy",
            "quote": "x509: certificate signed by unknown authority",
        },
    ),
    Case(
        name="read-only-filesystem-nginx",
        description="nginx with readOnlyRootFilesystem: true cannot create its cache "
        "directory under /var/cache/nginx.",
        source="https://github.com/namespacelabs/foundation/issues/47",
        namespace="frontend",
        app="static-site",
        containers=[
            Ctr(
                "nginx",
                "docker.io/library/nginx:1.21.6",
                Crash(1, NGINX_READ_ONLY, run_seconds=1, restarts=6),
                security={
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "runAsNonRoot": True,
                    "runAsUser": 101,
                },
                memory="128Mi",
                port=8080,
            ),
        ],
        expect={
            "top_rule": "read-only-filesystem",
            "container": "nginx",
            "not_rules": ["permission-denied"],
            "quote": "(30: Read-only file system)",
        },
    ),
    Case(
        name="privileged-port-nginx",
        description="The stock nginx image listens on port 80 but the Deployment runs it as "
        "user 1000, which may not bind a port below 1024.",
        source="https://github.com/mermaid-js/mermaid-live-editor/issues/1230",
        namespace="docs",
        app="mermaid-live-editor",
        containers=[
            Ctr(
                "mermaid",
                "ghcr.io/mermaid-js/mermaid-live-editor:latest",
                Crash(1, NGINX_PORT_80, run_seconds=1, restarts=7),
                security={
                    "runAsNonRoot": True,
                    "runAsUser": 1000,
                    "allowPrivilegeEscalation": False,
                },
                memory="128Mi",
                port=80,
            ),
        ],
        expect={
            "top_rule": "privileged-port",
            "container": "mermaid",
            "not_rules": ["permission-denied"],
            "quote": "bind() to 0.0.0.0:80 failed (13: Permission denied)",
        },
    ),
    Case(
        name="missing-module-python",
        description="The knowledge-base service of Sedna imports cv2, which the image does "
        "not install.",
        source="https://github.com/kubeedge/sedna/issues/320",
        namespace="sedna",
        app="kb",
        containers=[
            Ctr(
                "kb",
                "docker.io/kubeedge/sedna-kb:v0.5.0",
                Crash(1, SEDNA_CV2, run_seconds=2, restarts=12),
                command=["python", "/code/lib/sedna/service/run_kb.py"],
                memory="1Gi",
                port=9020,
            ),
        ],
        expect={"top_rule": "missing-module", "container": "kb", "quote": "No module named 'cv2'"},
    ),
    Case(
        name="data-dir-not-empty-postgres",
        description="PostgreSQL mounts a fresh ext4 volume straight at its data directory; "
        "initdb refuses because of the lost+found directory.",
        source="https://github.com/sixeyed/kiamol/issues/72",
        namespace="default",
        app="todo-list-db",
        owner="StatefulSet",
        containers=[
            Ctr(
                "db",
                "docker.io/library/postgres:11.6-alpine",
                Crash(1, KIAMOL_INITDB, run_seconds=1, restarts=5),
                env=[{"name": "POSTGRES_PASSWORD_FILE", "value": "/secrets/postgres_password"}],
                mounts=[{"mountPath": "/var/lib/postgresql/data", "name": "data"}],
                memory="512Mi",
                port=5432,
            ),
        ],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-todo-list-db-0"}}],
        expect={
            "top_rule": "data-dir-not-empty",
            "container": "db",
            "quote": 'directory "/var/lib/postgresql/data" exists but is not empty',
        },
    ),
    Case(
        name="rbac-forbidden-forklift",
        description="The Forklift operator's service account may not list ForkliftControllers "
        "at the cluster scope; the operator gives up and exits.",
        source="https://github.com/kubev2v/forklift/issues/1622",
        namespace="konveyor-forklift",
        app="konveyor-forklift",
        containers=[
            Ctr(
                "operator",
                "quay.io/kubev2v/forklift-operator:2.8.4",
                Crash(1, FORKLIFT_RBAC, run_seconds=62, restarts=5),
                memory="256Mi",
            ),
        ],
        expect={
            "top_rule": "rbac-forbidden",
            "container": "operator",
            "quote": 'cannot list resource "forkliftcontrollers"',
        },
    ),
    Case(
        name="rbac-forbidden-webhook-klog",
        description="A cert-manager webhook runs with a service account that lacks the "
        "flowcontrol permissions its client-go informers need.",
        source="https://github.com/syseleven/designate-certmanager-webhook/issues/87",
        namespace="cic-system",
        app="monsoon-cert-foundation-designate-certmanager-webhook",
        containers=[
            Ctr(
                "webhook",
                "ghcr.io/syseleven/designate-certmanager-webhook:v0.5.0",
                Crash(255, DESIGNATE_RBAC, run_seconds=35, restarts=6),
                memory="128Mi",
                port=4443,
            ),
        ],
        expect={
            "top_rule": "rbac-forbidden",
            "container": "webhook",
            "quote": 'cannot list resource "flowschemas"',
        },
    ),
    Case(
        name="crd-missing-otel-operator",
        description="After a Helm upgrade the OpenTelemetry operator watches OpAMPBridge, "
        "whose CRD the chart did not install.",
        source="https://github.com/open-telemetry/opentelemetry-helm-charts/issues/943",
        namespace="opentelemetry-operator-system",
        app="opentelemetry-operator",
        containers=[
            Ctr(
                "manager",
                "ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.88.0",
                Crash(1, OTEL_CRD, run_seconds=31, restarts=6),
                memory="256Mi",
            ),
        ],
        expect={"top_rule": "crd-missing", "container": "manager", "quote": "OpAMPBridge"},
    ),
    Case(
        name="jvm-heap-limit-elasticsearch",
        description="Elasticsearch in an EFK StatefulSet sizes its heap at 1.9gb inside a 2Gi "
        "limit; with the JVM's off-heap memory on top the kernel kills it.",
        source="https://github.com/rancher/rancher/issues/14631",
        namespace="efk",
        app="efk-elasticsearch",
        owner="StatefulSet",
        containers=[
            Ctr(
                "elasticsearch",
                "docker.elastic.co/elasticsearch/elasticsearch-oss:6.2.4",
                Crash(137, EFK_ES_HEAP, reason="OOMKilled", run_seconds=19, restarts=6),
                env=[{"name": "ES_JAVA_OPTS", "value": "-Xms1g -Xmx1g"}],
                memory="2Gi",
                port=9200,
            ),
        ],
        expect={
            "top_rule": "jvm-heap-limit",
            "container": "elasticsearch",
            "also_rules": ["oom-cgroup"],
            "quote": "heap size [1.9gb]",
        },
    ),
    # ---- states that are not a crash loop
    Case(
        name="create-container-config-error-secret",
        description="ReportPortal's API points at a PostgreSQL Secret that was never created.",
        source="https://github.com/reportportal/kubernetes/issues/178",
        namespace="default",
        app="reportportal-api",
        containers=[
            Ctr(
                "api",
                "docker.io/reportportal/service-api:5.4.0",
                Waiting("CreateContainerConfigError", 'secret "secretpostgresql" not found'),
                env=[
                    {
                        "name": "RP_DB_PASS",
                        "valueFrom": {
                            "secretKeyRef": {
                                "key": "postgresql-password",
                                "name": "secretpostgresql",
                            }
                        },
                    }
                ],
                memory="2Gi",
                port=8585,
            ),
        ],
        events=config_failure(
            "api", "docker.io/reportportal/service-api:5.4.0", 'secret "secretpostgresql" not found'
        ),
        expect={
            "top_rule": "create-container-config-error",
            "container": "api",
            "quote": 'secret "secretpostgresql" not found',
        },
    ),
    Case(
        name="create-container-config-error-key",
        description="Sentry's cron reads postgresql-password from a Secret that holds the "
        "password under another key.",
        source="https://github.com/sentry-kubernetes/charts/issues/1433",
        namespace="test",
        app="sentry-cron",
        containers=[
            Ctr(
                "sentry-cron",
                "ghcr.io/getsentry/sentry:24.8.0",
                Waiting(
                    "CreateContainerConfigError",
                    "couldn't find key postgresql-password in Secret test/my-postgresql",
                ),
                args=["run", "cron"],
                env=[
                    {
                        "name": "POSTGRES_PASSWORD",
                        "valueFrom": {
                            "secretKeyRef": {"key": "postgresql-password", "name": "my-postgresql"}
                        },
                    }
                ],
                memory="1Gi",
            ),
        ],
        events=config_failure(
            "sentry-cron",
            "ghcr.io/getsentry/sentry:24.8.0",
            "couldn't find key postgresql-password in Secret test/my-postgresql",
        ),
        expect={
            "top_rule": "create-container-config-error",
            "container": "sentry-cron",
            "quote": "couldn't find key postgresql-password in Secret test/my-postgresql",
        },
    ),
    Case(
        name="create-container-config-error-configmap-sidecar",
        description="A stress-test Job's otel-sidecar (a native sidecar init container) reads "
        "CLUSTER_NAME from a ConfigMap nothing creates: Init:CreateContainerConfigError.",
        source="https://github.com/rustyrazorblade/easy-db-lab/issues/733",
        namespace="default",
        app="cassandra-stress",
        owner="Job",
        restart_policy="Never",
        containers=[
            Ctr(
                "otel-sidecar",
                "docker.io/otel/opentelemetry-collector-contrib:0.128.0",
                Waiting("CreateContainerConfigError", 'configmap "cluster-config" not found'),
                kind="sidecar",
                env=[
                    {
                        "name": "CLUSTER_NAME",
                        "valueFrom": {
                            "configMapKeyRef": {"key": "cluster_name", "name": "cluster-config"}
                        },
                    }
                ],
                memory="256Mi",
            ),
            Ctr(
                "stress",
                "docker.io/rustyrazorblade/easy-cass-stress:latest",
                Waiting("PodInitializing"),
                args=["run", "KeyValue"],
                memory="2Gi",
            ),
        ],
        events=config_failure(
            "otel-sidecar",
            "docker.io/otel/opentelemetry-collector-contrib:0.128.0",
            'configmap "cluster-config" not found',
        ),
        expect={
            "top_rule": "create-container-config-error",
            "container": "otel-sidecar",
            "quote": 'configmap "cluster-config" not found',
        },
    ),
    Case(
        name="create-container-error-reserved-name",
        description="After a kubelet restart containerd still holds the name of the static "
        "kube-apiserver container; the new one cannot be created.",
        source="https://github.com/containerd/containerd/issues/9545",
        namespace="kube-system",
        app="kube-apiserver-kiv-cp-v48fw",
        owner=None,
        node="kiv-cp-v48fw",
        containers=[
            Ctr(
                "kube-apiserver",
                "registry.k8s.io/kube-apiserver:v1.28.0",
                Waiting(
                    "CreateContainerError",
                    'failed to reserve container name "kube-apiserver_kube-apiserver-kiv-cp-'
                    'v48fw_kube-system_37b2b42d18b011bd117353a3847450aa_1": name '
                    '"kube-apiserver_kube-apiserver-kiv-cp-v48fw_kube-system_37b2b42d18b011bd'
                    '117353a3847450aa_1" is reserved for "7c54f31e3fc8b87a115f11a214efe060c9'
                    '4e93ae822c9819a472bfb382c2839c"',
                ),
                command=["kube-apiserver", "--advertise-address=10.0.0.10"],
                memory=None,
                cpu_request="250m",
                port=6443,
            ),
        ],
        events=[
            Ev(
                "Pulled",
                'Container image "registry.k8s.io/kube-apiserver:v1.28.0" already '
                "present on machine",
                "Normal",
                "kube-apiserver",
                112,
                5,
                60 * 28,
            ),
            Ev(
                "Failed",
                'Error: failed to reserve container name "kube-apiserver_kube-apiserver'
                '-kiv-cp-v48fw_kube-system_37b2b42d18b011bd117353a3847450aa_1": name "kube-'
                "apiserver_kube-apiserver-kiv-cp-v48fw_kube-system_37b2b42d18b011bd117353a384745"
                '0aa_1" is reserved for "7c54f31e3fc8b87a115f11a214efe060c94e93ae822c9819a472bfb'
                '382c2839c"',
                "Warning",
                "kube-apiserver",
                112,
                5,
                60 * 28,
            ),
        ],
        expect={
            "top_rule": "create-container-error",
            "container": "kube-apiserver",
            "quote": "failed to reserve container name",
        },
    ),
    Case(
        name="image-not-found-daemonset",
        description="A DaemonSet's node-probe image tag was never published to the registry.",
        source="https://github.com/sympozium-ai/sympozium/issues/36",
        namespace="sympozium-system",
        app="node-probe",
        owner="DaemonSet",
        containers=[
            Ctr(
                "node-probe",
                "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8",
                Waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8":'
                    " ErrImagePull: rpc error: code = NotFound desc = failed to pull and "
                    'unpack image "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8": failed to '
                    'resolve reference "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8": '
                    "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8: not found",
                ),
                memory="64Mi",
            ),
        ],
        events=pull_failure(
            "node-probe",
            "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8",
            'Failed to pull image "ghcr.io/alexsjones/sympozium/node-probe:v0.1.8": rpc error: '
            'code = NotFound desc = failed to pull and unpack image "ghcr.io/alexsjones/sympozium'
            '/node-probe:v0.1.8": failed to resolve reference "ghcr.io/alexsjones/sympozium/'
            'node-probe:v0.1.8": ghcr.io/alexsjones/sympozium/node-probe:v0.1.8: not found',
        ),
        expect={
            "top_rule": "image-not-found",
            "container": "node-probe",
            "quote": "node-probe:v0.1.8: not found",
        },
    ),
    Case(
        name="image-not-found-manifest-statefulset",
        description="The tag exists but its platform manifest was deleted from ghcr.io; the "
        "StatefulSet's pod stays in ErrImagePull.",
        source="https://github.com/komari-monitor/komari/issues/326",
        namespace="ns-fsrvkmyw",
        app="komari-khqoqcvf",
        owner="StatefulSet",
        containers=[
            Ctr(
                "komari",
                "ghcr.io/komari-monitor/komari:1.0.0",
                Waiting(
                    "ErrImagePull",
                    'failed to pull and unpack image "ghcr.io/komari-monitor/komari:1.0.0": '
                    "failed to copy: httpReadSeeker: failed open: content at https://ghcr.io/"
                    "v2/komari-monitor/komari/manifests/sha256:3611825abb0c84db8974691cb4d9c44"
                    "cc198a0cc45aa42ddfc70806d8db92d0b not found: not found",
                ),
                memory="256Mi",
                port=25774,
            ),
        ],
        events=pull_failure(
            "komari",
            "ghcr.io/komari-monitor/komari:1.0.0",
            'Failed to pull image "ghcr.io/komari-monitor/komari:1.0.0": rpc error: code = '
            'NotFound desc = failed to pull and unpack image "ghcr.io/komari-monitor/komari:1.0.0":'
            " failed to copy: httpReadSeeker: failed open: content at https://ghcr.io/v2/komari-"
            "monitor/komari/manifests/sha256:3611825abb0c84db8974691cb4d9c44cc198a0cc45aa42ddfc7080"
            "6d8db92d0b not found: not found",
            n=2,
        ),
        expect={
            "top_rule": "image-not-found",
            "container": "komari",
            "quote": "not found: not found",
        },
    ),
    Case(
        name="image-pull-unauthorized-harbor",
        description="A CI deployment pulls from a private Harbor project without a working "
        "imagePullSecret: the registry answers 401.",
        source="https://github.com/kubernetes/kubernetes/issues/110678",
        namespace="spm2fog",
        app="partsgo42",
        containers=[
            Ctr(
                "partsgo42",
                "registry.app.xxx.net/spm2fog/partsgo42:GitActionsNew-2e7e78f7bb1"
                "57128f1853b0dc06bf7ccd13156d7",
                Waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "registry.app.xxx.net/spm2fog/partsgo42:'
                    'GitActionsNew-2e7e78f7bb157128f1853b0dc06bf7ccd13156d7": ErrImagePull: '
                    'failed to pull and unpack image "registry.app.xxx.net/spm2fog/partsgo42:'
                    'GitActionsNew-2e7e78f7bb157128f1853b0dc06bf7ccd13156d7": failed to '
                    'resolve reference "registry.app.xxx.net/spm2fog/partsgo42:GitActionsNew-'
                    '2e7e78f7bb157128f1853b0dc06bf7ccd13156d7": pulling from host '
                    "registry.app.xxx.net failed with status code [manifests GitActionsNew-"
                    "2e7e78f7bb157128f1853b0dc06bf7ccd13156d7]: 401 Unauthorized",
                ),
                memory="512Mi",
                port=8080,
            ),
        ],
        events=pull_failure(
            "partsgo42",
            "registry.app.xxx.net/spm2fog/partsgo42:GitActionsNew-2e7e78f7bb157128"
            "f1853b0dc06bf7ccd13156d7",
            'Failed to pull image "registry.app.xxx.net/XXXXX/partsgo42:GitActionsNew-2e7e78f7bb1'
            '57128f1853b0dc06bf7ccd13156d7": rpc error: code = Unknown desc = failed to pull and '
            'unpack image "registry.app.xxx.net/spm2fog/partsgo42:GitActionsNew-2e7e78f7bb157128'
            'f1853b0dc06bf7ccd13156d7": failed to resolve reference "registry.app.xxx.net/spm2fog'
            '/partsgo42:GitActionsNew-2e7e78f7bb157128f1853b0dc06bf7ccd13156d7": pulling from '
            "host registry.app.xxx.net failed with status code [manifests GitActionsNew-2e7e78f7"
            "bb157128f1853b0dc06bf7ccd13156d7]: 401 Unauthorized",
        ),
        expect={
            "top_rule": "image-pull-unauthorized",
            "container": "partsgo42",
            "not_rules": ["image-not-found"],
            "quote": "401 Unauthorized",
        },
    ),
    Case(
        name="image-pull-rate-limited",
        description="An anonymous pull from Docker Hub hits the pull rate limit (429) while a "
        "test environment starts Jaeger.",
        source="https://github.com/namespacelabs/foundation/issues/846",
        namespace="test-qc5ji4psuvlh6-foundation-7l67u",
        app="jaeger",
        owner=None,
        containers=[
            Ctr(
                "jaeger",
                "index.docker.io/jaegertracing/all-in-one@sha256:8d0bff43db3ce5c528cb6f"
                "957520511d263d7cceee012696e4afdc9087919bb9",
                Waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "index.docker.io/jaegertracing/all-in-one@sha256:'
                    '8d0bff43db3ce5c528cb6f957520511d263d7cceee012696e4afdc9087919bb9"',
                ),
                memory="512Mi",
                port=16686,
            ),
        ],
        events=pull_failure(
            "jaeger",
            "index.docker.io/jaegertracing/all-in-one@sha256:8d0bff43db3ce5c528cb6f957"
            "520511d263d7cceee012696e4afdc9087919bb9",
            'Failed to pull image "index.docker.io/jaegertracing/all-in-one@sha256:8d0bff43db3ce5'
            'c528cb6f957520511d263d7cceee012696e4afdc9087919bb9": rpc error: code = Unknown desc ='
            ' failed to pull and unpack image "docker.io/jaegertracing/all-in-one@sha256:8d0bff43d'
            'b3ce5c528cb6f957520511d263d7cceee012696e4afdc9087919bb9": failed to copy: '
            "httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/"
            "jaegertracing/all-in-one/manifests/sha256:8d0bff43db3ce5c528cb6f957520511d263d7cceee0"
            "12696e4afdc9087919bb9: 429 Too Many Requests - Server message: toomanyrequests: You "
            "have reached your pull rate limit. You may increase the limit by authenticating and "
            "upgrading: https://www.docker.com/increase-rate-limit",
            n=4,
        ),
        expect={
            "top_rule": "image-pull-rate-limited",
            "container": "jaeger",
            "quote": "429 Too Many Requests",
        },
    ),
    Case(
        name="image-pull-failed-canceled",
        description="A large image from a slow private registry makes no progress for a "
        "minute; containerd cancels the pull.",
        source="https://github.com/kubernetes/kubernetes/issues/131521",
        namespace="csg",
        app="idrac-to-kafka",
        containers=[
            Ctr(
                "idrac-to-kafka",
                "private_registery.mydomain/csg/idrac_to_kafka:20250429T0012",
                Waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "private_registery.mydomain/csg/idrac_to_kafka:'
                    '20250429T0012": ErrImagePull: rpc error: code = Canceled desc = failed to'
                    ' pull and unpack image "private_registery.mydomain/csg/idrac_to_kafka:'
                    '20250429T0012": context canceled',
                ),
                memory="512Mi",
            ),
        ],
        events=pull_failure(
            "idrac-to-kafka",
            "private_registery.mydomain/csg/idrac_to_kafka:20250429T0012",
            'Failed to pull image "private_registery.mydomain/csg/idrac_to_kafka:20250429T0012": '
            'rpc error: code = Canceled desc = failed to pull and unpack image "private_registery.'
            'mydomain/csg/idrac_to_kafka:20250429T0012": context canceled',
            n=3,
        ),
        expect={
            "top_rule": "image-pull-failed",
            "container": "idrac-to-kafka",
            "not_rules": ["image-not-found", "image-pull-unauthorized"],
            "quote": "context canceled",
        },
    ),
    Case(
        name="invalid-image-name",
        description="A generated image reference starts with a slash (no registry host); the "
        "kubelet cannot parse it.",
        source="https://github.com/cloudfoundry-incubator/kubecf/issues/63",
        namespace="scf-eirini",
        app="12factor-demo-adcc188eef",
        owner="StatefulSet",
        containers=[
            Ctr(
                "opi",
                "/cloudfoundry/75f129a0-d8c9-415a-9a8a-f514002f1459:a28a05709747165a9c25"
                "c14f1b77d5c4db260d48",
                Waiting(
                    "InvalidImageName",
                    'Failed to apply default image tag "/cloudfoundry/75f129a0-d8c9-415a-9a8a'
                    "-f514002f1459:a28a05709747165a9c25c14f1b77d5c4db260d48\": couldn't parse "
                    'image reference "/cloudfoundry/75f129a0-d8c9-415a-9a8a-f514002f1459:'
                    'a28a05709747165a9c25c14f1b77d5c4db260d48": invalid reference format',
                ),
                memory="1Gi",
                port=8080,
            ),
        ],
        events=[
            Ev(
                "InspectFailed",
                'Failed to apply default image tag "/cloudfoundry/75f129a0-d8c9-'
                "415a-9a8a-f514002f1459:a28a05709747165a9c25c14f1b77d5c4db260d48\": couldn't parse "
                'image reference "/cloudfoundry/75f129a0-d8c9-415a-9a8a-f514002f1459:a28a057097471'
                '65a9c25c14f1b77d5c4db260d48": invalid reference format',
                "Warning",
                "opi",
                3,
                5,
                19,
            ),
            Ev("Failed", "Error: InvalidImageName", "Warning", "opi", 3, 5, 19),
        ],
        expect={
            "top_rule": "invalid-image-name",
            "container": "opi",
            "quote": "invalid reference format",
        },
    ),
    Case(
        name="run-container-error-hostpath-file",
        description="unbound mounts its config from a hostPath that does not exist on the "
        "node: the kubelet creates a directory there and runc cannot mount it onto a file.",
        source="https://github.com/madnuttah/unbound-docker/issues/23",
        namespace="dns",
        app="unbound",
        owner="DaemonSet",
        containers=[
            Ctr(
                "unbound",
                "docker.io/madnuttah/unbound:1.17.1-2",
                Crash(
                    128,
                    None,
                    reason="StartError",
                    run_seconds=0,
                    restarts=1,
                    waiting="RunContainerError",
                    message="failed to create containerd task: failed to create shim task: "
                    "OCI runtime create failed: runc create failed: unable to start container "
                    'process: error during container init: error mounting "/home/pi/'
                    'containers/pihole-new/unbound/unbound.conf" to rootfs at "/usr/local/'
                    'unbound/unbound.conf": mount /home/pi/containers/pihole-new/unbound/'
                    "unbound.conf:/usr/local/unbound/unbound.conf (via /proc/self/fd/6), "
                    "flags: 0x5000: not a directory: unknown: Are you trying to mount a "
                    "directory onto a file (or vice-versa)? Check if the specified host path "
                    "exists and is the expected type",
                ),
                mounts=[{"mountPath": "/usr/local/unbound/unbound.conf", "name": "config"}],
                memory="128Mi",
                port=5335,
            ),
        ],
        volumes=[
            {
                "hostPath": {
                    "path": "/home/pi/containers/pihole-new/unbound/unbound.conf",
                    "type": "",
                },
                "name": "config",
            }
        ],
        expect={
            "top_rule": "run-container-error",
            "container": "unbound",
            "warnings": ["previous logs"],
            "quote": "Are you trying to mount a directory onto a file",
        },
    ),
    Case(
        name="init-error-migrate-init",
        description="The init container runs `migrate init` on every start; the second time the "
        "go-pg migrations table already exists and it exits 1 (Init:Error).",
        source="https://github.com/go-pg/migrations/issues/79",
        namespace="shop",
        app="catalog",
        containers=[
            Ctr(
                "migrate",
                "registry.example.com/shop/catalog-migrate:1.9.0",
                InitFailed(
                    1,
                    'ERROR #42P07 relation "gopg_migrations" already exists\n',
                    'ERROR #42P07 relation "gopg_migrations" already exists\n',
                ),
                kind="init",
                args=["init"],
                memory="128Mi",
            ),
            Ctr(
                "catalog",
                "registry.example.com/shop/catalog:1.9.0",
                Waiting("PodInitializing"),
                memory="256Mi",
                port=8080,
            ),
        ],
        expect={
            "top_rule": "init-error",
            "container": "migrate",
            "quote": 'relation "gopg_migrations" already exists',
        },
    ),
    unschedulable(
        "unschedulable-insufficient-memory",
        "A KubeVirt VM launcher pod asks for more memory than the single Harvester node has free.",
        "https://github.com/harvester/harvester/issues/3136",
        "default",
        "virt-launcher-vm-alcy0n",
        "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.",
        [
            Ctr(
                "compute",
                "registry.suse.com/suse/sles/15.4/virt-launcher:0.54.0-150400.3.7.1",
                Waiting("ContainerCreating"),
                memory="16Gi",
            )
        ],
        owner=None,
    ),
    unschedulable(
        "unschedulable-insufficient-cpu-affinity",
        "The zimfarm API may only run on the services node (node affinity), whose CPU is "
        "fully requested.",
        "https://github.com/kiwix/operations/issues/245",
        "zimfarm",
        "api",
        "0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/5 nodes are available: 1 No preemption victims found "
        "for incoming pod, 4 Preemption is not helpful for scheduling.",
        [
            Ctr(
                "api",
                "ghcr.io/openzim/zimfarm-dispatcher:latest",
                Waiting("ContainerCreating"),
                memory="1Gi",
                cpu_request="1",
            )
        ],
        node_selector={"k8s.kiwix.org/role": "services"},
        quote="1 Insufficient cpu",
    ),
    unschedulable(
        "unschedulable-taint-control-plane",
        "A single-node kubeadm cluster: the only node is the control plane and keeps its "
        "NoSchedule taint, so the apache Deployment stays Pending.",
        "https://github.com/kubernetes/kubernetes/issues/116133",
        "default",
        "apache",
        "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/"
        "control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
        "scheduling..",
        [
            Ctr(
                "apache",
                "docker.io/library/httpd:2.4",
                Waiting("ContainerCreating"),
                memory="256Mi",
                port=80,
            )
        ],
        quote="untolerated taint {node-role.kubernetes.io/control-plane: }",
    ),
    unschedulable(
        "unschedulable-affinity-rules",
        "nginx with local LVM storage requires pod affinity with a pod that runs nowhere; no "
        "node satisfies both the node selector and the pod affinity rules.",
        "https://github.com/hwameistor/hwameistor/issues/1448",
        "default",
        "nginx-local-storage-lvm",
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 "
        "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) "
        "didn't match pod affinity rules. preemption: 0/3 nodes are available: 3 Preemption is "
        "not helpful for scheduling.",
        [
            Ctr(
                "nginx",
                "docker.io/library/nginx:1.14.2",
                Waiting("ContainerCreating"),
                memory="128Mi",
                port=80,
            )
        ],
        quote="didn't match pod affinity rules",
        affinity={
            "podAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "labelSelector": {"matchLabels": {"app": "data-loader"}},
                        "topologyKey": "kubernetes.io/hostname",
                    }
                ]
            }
        },
    ),
    unschedulable(
        "unschedulable-gpu",
        "Triton asks for an nvidia.com/gpu that no node advertises: the device plugin is not "
        "running on the GPU node.",
        "https://github.com/NVIDIA/k8s-device-plugin/issues/430",
        "default",
        "triton-inference-server",
        "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are "
        "available: 1 No preemption victims found for incoming pod..",
        [
            Ctr(
                "triton-server",
                "triton_server:latest",
                Waiting("ContainerCreating"),
                memory="8Gi",
                port=8000,
            )
        ],
        quote="Insufficient nvidia.com/gpu",
    ),
    unschedulable(
        "pvc-unbound-statefulset",
        "A MySQL StatefulSet's volume claim has no StorageClass that can provision it, so its "
        "first pod cannot be scheduled.",
        "https://github.com/radondb/radondb-mysql-kubernetes/issues/524",
        "demo",
        "sample-mysql",
        "0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        [
            Ctr(
                "mysql",
                "percona/percona-server:5.7.34",
                Waiting("ContainerCreating"),
                memory="1Gi",
                port=3306,
                mounts=[{"mountPath": "/var/lib/mysql", "name": "data"}],
            )
        ],
        owner="StatefulSet",
        top="pvc-unbound",
        quote="pod has unbound immediate PersistentVolumeClaims",
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-sample-mysql-0"}}],
    ),
    unschedulable(
        "pvc-unbound-deployment",
        "An Invenio worker mounts a claim whose StorageClass does not exist; the pod stays "
        "Pending.",
        "https://github.com/inveniosoftware/helm-invenio/issues/95",
        "invenio",
        "worker-beat",
        "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption:"
        " 0/6 nodes are available: 6 No preemption victims found for incoming pod..",
        [
            Ctr(
                "worker-beat",
                "ghcr.io/inveniosoftware/demo-inveniordm:latest",
                Waiting("ContainerCreating"),
                memory="512Mi",
                args=["celery", "-A", "invenio_app.celery", "beat"],
                mounts=[{"mountPath": "/opt/invenio/var/instance/data", "name": "shared-volume"}],
            )
        ],
        top="pvc-unbound",
        quote="pod has unbound immediate PersistentVolumeClaims",
        volumes=[
            {"name": "shared-volume", "persistentVolumeClaim": {"claimName": "shared-volume"}}
        ],
    ),
    Case(
        name="evicted-ephemeral-storage-two-containers",
        description="KubePlus runs two containers; the node fell below its ephemeral-storage "
        "threshold and the kubelet evicted the pod, naming both containers' usage.",
        source="https://github.com/cloud-ark/kubeplus/issues/1382",
        namespace="default",
        app="kubeplus-deployment",
        pod_status="evicted",
        pod_message="The node was low on resource: ephemeral-storage. Threshold quantity: "
        "2146223340, available: 1883424Ki. Container helmer was using 10304Ki, request is 10Mi, "
        "has larger consumption of ephemeral-storage. Container consumerui was using 52676Ki, "
        "request is 10Mi, has larger consumption of ephemeral-storage. ",
        node_pressure="DiskPressure",
        containers=[
            Ctr("helmer", "gcr.io/cloudark-kubeplus/helm-pod:4.0.0", Gone(), memory="256Mi"),
            Ctr(
                "consumerui",
                "gcr.io/cloudark-kubeplus/consumerui:0.0.6",
                Gone(),
                memory="256Mi",
                port=5000,
            ),
        ],
        events=[
            Ev(
                "Evicted",
                "The node was low on resource: ephemeral-storage. Threshold quantity: "
                "2146223340, available: 1883424Ki. Container helmer was using 10304Ki, request is "
                "10Mi, has larger consumption of ephemeral-storage. Container consumerui was "
                "using 52676Ki, request is 10Mi, has larger consumption of ephemeral-storage. ",
                "Warning",
                None,
                1,
                60 * 40,
            ),
            Ev("Killing", "Stopping container helmer", "Normal", "helmer", 1, 60 * 40),
            Ev("Killing", "Stopping container consumerui", "Normal", "consumerui", 1, 60 * 40),
            Ev(
                "EvictionThresholdMet",
                "Attempting to reclaim ephemeral-storage",
                "Warning",
                None,
                1,
                60 * 40 - 5,
                on_node=True,
            ),
            Ev(
                "NodeHasDiskPressure",
                "Node worker-2 status is now: NodeHasDiskPressure",
                "Normal",
                None,
                1,
                60 * 40 - 4,
                on_node=True,
            ),
        ],
        expect={
            "top_rule": "evicted",
            "container": "helmer",
            "quote": "The node was low on resource: ephemeral-storage",
        },
    ),
    Case(
        name="evicted-ephemeral-storage-request-0",
        description="An app that writes logs to its container filesystem with no "
        "ephemeral-storage request is the first pod the kubelet evicts.",
        source="https://github.com/kubernetes/kubernetes/issues/91600",
        namespace="ebaogi",
        app="ebaogi-bff-app",
        pod_status="evicted",
        pod_message="The node was low on resource: ephemeral-storage. Container ebaogi-bff-app "
        "was using 34260Ki, which exceeds its request of 0. ",
        node="xen15-142",
        node_pressure="DiskPressure",
        containers=[
            Ctr(
                "ebaogi-bff-app",
                "registry.example.com/ebaogi/bff-app:2020.07.09",
                Gone(),
                memory="1Gi",
                port=8080,
            ),
        ],
        events=[
            Ev(
                "Evicted",
                "The node was low on resource: ephemeral-storage. Container "
                "ebaogi-bff-app was using 34260Ki, which exceeds its request of 0. ",
                "Warning",
                None,
                1,
                60 * 50,
            ),
            Ev(
                "Killing",
                "Stopping container ebaogi-bff-app",
                "Normal",
                "ebaogi-bff-app",
                1,
                60 * 50,
            ),
        ],
        expect={
            "top_rule": "evicted",
            "container": "ebaogi-bff-app",
            "quote": "exceeds its request of 0",
        },
    ),
    Case(
        name="healthy-pod",
        description="Someone types /crashloop at a web pod that is running and ready, with no "
        "restarts: the answer must say so.",
        source="https://github.com/kubernetes/website/pull/45928",
        namespace="shop",
        app="storefront",
        pod_status="healthy",
        containers=[
            Ctr(
                "storefront",
                "registry.example.com/shop/storefront:5.2.0",
                Running(),
                memory="512Mi",
                port=8080,
            ),
        ],
        expect={"top_rule": "not-crash-looping", "container": "storefront"},
    ),
    Case(
        name="healthy-pod-past-restarts",
        description="A Redis cache restarted three times (the last an OOMKill a day ago) and "
        "has been running and ready since: it is not crash-looping now.",
        source="https://github.com/kubernetes/website/pull/45928",
        namespace="cache",
        app="redis",
        owner="StatefulSet",
        pod_status="healthy",
        age_minutes=3 * 24 * 60,
        containers=[
            Ctr(
                "redis",
                "docker.io/library/redis:7.4.1",
                Running(
                    restarts=3,
                    last_exit=137,
                    last_reason="OOMKilled",
                    last_age_hours=26,
                    last_log=REDIS_START,
                ),
                memory="1Gi",
                port=6379,
            ),
            Ctr(
                "metrics",
                "docker.io/oliver006/redis_exporter:v1.66.0",
                Running(),
                memory="64Mi",
                port=9121,
            ),
        ],
        expect={"top_rule": "not-crash-looping", "container": "redis", "not_rules": ["oom-cgroup"]},
    ),
    # ---- programs no rule knows: the finding must quote the line
    Case(
        name="shell-syntax-error",
        description="A controller image ships an entrypoint script with an unclosed quote; "
        "the shell stops with a syntax error before anything starts.",
        source="https://github.com/lemonldap-ng-controller/lemonldap-ng-controller/pull/8",
        namespace="auth",
        app="lemonldap-ng-controller",
        containers=[
            Ctr(
                "controller",
                "docker.io/lemonldapng/lemonldap-ng-controller:0.2.0",
                Crash(2, LEMONLDAP_SH, run_seconds=0, restarts=9),
                command=["/docker-entrypoint.sh"],
                memory="128Mi",
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "controller",
            "quote": "line 33: syntax error: unexpected end of file",
        },
    ),
    Case(
        name="rust-panic-config",
        description="A Rust VPN client parses its config.json from a ConfigMap; the file is "
        "empty and serde fails, so main panics on unwrap (exit 101).",
        source="https://github.com/PinkD/corplink-rs/issues/73",
        namespace="network",
        app="corplink",
        containers=[
            Ctr(
                "corplink",
                "registry.example.com/network/corplink-rs:0.5.1",
                Crash(101, CORPLINK_RUST, run_seconds=0, restarts=11),
                args=["/etc/corplink/config.json"],
                memory="64Mi",
                security={"capabilities": {"add": ["NET_ADMIN"]}},
                mounts=[{"mountPath": "/etc/corplink", "name": "config"}],
            ),
        ],
        volumes=[{"configMap": {"name": "corplink-config"}, "name": "config"}],
        expect={
            "top_rule": "app-error",
            "container": "corplink",
            "quote": "thread 'main' panicked at src/client.rs:111:62",
        },
    ),
    Case(
        name="elixir-genserver-terminating",
        description="Two replicas of an Elixir actor proxy fight over a globally registered "
        "process; one GenServer terminates with a function_clause and the node stops.",
        source="https://github.com/eigr/spawn/issues/160",
        namespace="spawn",
        app="wppbot",
        containers=[
            Ctr(
                "sidecar",
                "docker.io/eigr/spawn-proxy:1.0.0-rc.9",
                Crash(1, SPAWN_ELIXIR, run_seconds=95, restarts=4),
                memory="512Mi",
                port=9001,
            ),
            Ctr(
                "app",
                "registry.example.com/spawn/wppbot:0.3.0",
                Running(),
                memory="256Mi",
                port=8090,
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "sidecar",
            "quote": "no process: the process is not alive or there's no process currently "
            "associated with the given name",
        },
    ),
    Case(
        name="elasticsearch-bootstrap-checks",
        description="Elasticsearch binds to a non-loopback address and enforces its bootstrap "
        "checks; vm.max_map_count on the node is too low, and it exits 78 (EX_CONFIG).",
        source="https://github.com/asc-lab/micronaut-microservices-poc/issues/23",
        namespace="search",
        app="elasticsearch",
        owner="StatefulSet",
        containers=[
            Ctr(
                "elasticsearch",
                "docker.elastic.co/elasticsearch/elasticsearch:6.4.2",
                Crash(78, ES_BOOTSTRAP, run_seconds=14, restarts=6),
                env=[{"name": "ES_JAVA_OPTS", "value": "-Xms512m -Xmx512m"}],
                memory="2Gi",
                port=9200,
            ),
        ],
        expect={
            "top_rule": "vm-max-map-count",
            "container": "elasticsearch",
            "not_rules": ["java-exception"],
            "quote": "vm.max_map_count [65530] is too low",
        },
    ),
    Case(
        name="klog-json-operator-observed-panic",
        description="The TFJob operator mixes JSON lines and klog; it logs an observed nil "
        "pointer panic from a reconcile loop and exits.",
        source="https://github.com/kubeflow/trainer/issues/1135",
        namespace="kubeflow",
        app="tf-job-operator",
        containers=[
            Ctr(
                "tf-job-operator",
                "gcr.io/kubeflow-images-public/tf_operator:v1.0.0",
                Crash(2, TFJOB_KLOG, run_seconds=1, restarts=14),
                command=[
                    "/opt/kubeflow/tf-operator.v1",
                    "--alsologtostderr",
                    "-v=1",
                    "--monitoring-port=8443",
                ],
                memory="256Mi",
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "tf-job-operator",
            "quote": "Observed a panic",
        },
    ),
    # ---- more runtimes and shapes
    Case(
        name="redis-rdb-format-downgrade",
        description="Redis was rolled back to 6.2 on a volume whose dump.rdb a newer Redis "
        "wrote; it refuses the RDB format and exits.",
        source="https://github.com/MaMpf-HD/mampf/pull/443",
        namespace="mampf",
        app="redis",
        owner="StatefulSet",
        containers=[
            Ctr(
                "redis",
                "docker.io/library/redis:6.2.6",
                Crash(1, REDIS_RDB, run_seconds=1, restarts=7),
                mounts=[{"mountPath": "/data", "name": "data"}],
                memory="512Mi",
                port=6379,
            ),
        ],
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-redis-0"}}],
        expect={
            "top_rule": "app-error",
            "container": "redis",
            "quote": "Can't handle RDB format version 10",
        },
    ),
    Case(
        name="data-dir-not-empty-mysql",
        description="MySQL 9 initializes into a data directory that already holds files from "
        "an earlier attempt and aborts.",
        source="https://github.com/ONLYOFFICE/Docker-CommunityServer/issues/216",
        namespace="onlyoffice",
        app="onlyoffice-mysql-server",
        owner="StatefulSet",
        containers=[
            Ctr(
                "mysql",
                "docker.io/library/mysql:9.0.1",
                Crash(1, MYSQL_DATADIR, run_seconds=2, restarts=6),
                mounts=[{"mountPath": "/var/lib/mysql", "name": "data"}],
                memory="1Gi",
                port=3306,
            ),
        ],
        volumes=[
            {
                "name": "data",
                "persistentVolumeClaim": {"claimName": "data-onlyoffice-mysql-server-0"},
            }
        ],
        expect={
            "top_rule": "data-dir-not-empty",
            "container": "mysql",
            "quote": "--initialize specified but the data directory has files in it",
        },
    ),
    Case(
        name="kafka-broker-id-registered",
        description="A Kafka broker restarts faster than its ZooKeeper session expires and finds "
        "its broker id still registered (Log4j FATAL and a RuntimeException).",
        source="https://github.com/wurstmeister/kafka-docker/issues/72",
        namespace="streaming",
        app="kafka",
        owner="StatefulSet",
        containers=[
            Ctr(
                "kafka",
                "docker.io/wurstmeister/kafka:0.9.0.0",
                Crash(1, KAFKA_BROKER_ID, run_seconds=6, restarts=5),
                memory="2Gi",
                env=[{"name": "KAFKA_BROKER_ID", "value": "102011155"}],
                port=9092,
            ),
        ],
        expect={
            "top_rule": "java-exception",
            "container": "kafka",
            "quote": "A broker is already registered on the path /brokers/ids/102011155",
        },
    ),
    Case(
        name="kafka-liveness-during-recovery",
        description="After an unclean shutdown Kafka recovers every log segment; the liveness "
        "probe kills it before it listens, so it never finishes starting.",
        source="https://github.com/united-manufacturing-hub/united-manufacturing-hub/issues/877",
        namespace="united-manufacturing-hub",
        app="united-manufacturing-hub-kafka",
        owner="StatefulSet",
        containers=[
            Ctr(
                "kafka",
                "docker.io/bitnami/kafka:3.1.0-debian-10-r22",
                Crash(1, KAFKA_RECOVERY, run_seconds=31, restarts=8),
                memory="2Gi",
                port=9092,
                probes={
                    "livenessProbe": {
                        "failureThreshold": 3,
                        "initialDelaySeconds": 10,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "tcpSocket": {"port": "kafka-client"},
                        "timeoutSeconds": 5,
                    }
                },
            ),
        ],
        events=[
            Ev(
                "Unhealthy",
                "Liveness probe failed: dial tcp 10.42.161.87:9092: connect: connection refused",
                "Warning",
                "kafka",
                27,
                26,
                60 * 13 + 8,
            ),
            Ev(
                "Killing",
                "Container kafka failed liveness probe, will be restarted",
                "Normal",
                "kafka",
                9,
                36,
                60 * 13 + 9,
            ),
        ],
        expect={
            "top_rule": "liveness-probe",
            "container": "kafka",
            "also_rules": ["java-exception"],
            "quote": "failed liveness probe",
        },
    ),
    Case(
        name="missing-module-node-entrypoint",
        description="The image's CMD runs node.js, a file the build never copied into "
        "/usr/src/app (Node 20, MODULE_NOT_FOUND).",
        source="https://github.com/MuWinds/fakelocation_sever_docker/issues/2",
        namespace="tools",
        app="fakelocation-server",
        containers=[
            Ctr(
                "server",
                "docker.io/muwinds/fakelocation_server:latest",
                Crash(1, NODE_MAIN_MISSING, run_seconds=0, restarts=10),
                command=["node", "node.js"],
                memory="256Mi",
                port=8080,
            ),
        ],
        expect={
            "top_rule": "missing-module",
            "container": "server",
            "quote": "Cannot find module '/usr/src/app/node.js'",
        },
    ),
    Case(
        name="spring-boot-no-datasource",
        description="A Spring Boot backend runs with the prod,secure,kubernetes profiles but no "
        "JDBC driver class configured; the failure analyzer prints APPLICATION FAILED TO START.",
        source="https://github.com/saveourtool/save-cloud/issues/2914",
        namespace="save-cloud",
        app="cosv-backend",
        containers=[
            Ctr(
                "backend",
                "ghcr.io/saveourtool/cosv-backend:0.4.0",
                Crash(1, SPRING_DATASOURCE, run_seconds=9, restarts=7),
                memory="1Gi",
                env=[{"name": "SPRING_PROFILES_ACTIVE", "value": "prod,secure,kubernetes"}],
                port=5800,
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "backend",
            "quote": "Failed to configure a DataSource",
        },
    ),
    Case(
        name="tls-certificate-expired-controller",
        description="A minikube cluster resumed after a day: the controller's webhook "
        "certificate has expired and every reconcile fails on x509.",
        source="https://github.com/hashicorp/consul-k8s/issues/857",
        namespace="default",
        app="consul-controller",
        containers=[
            Ctr(
                "controller",
                "docker.io/hashicorp/consul-k8s-control-plane:0.38.0",
                Crash(1, CONSUL_X509, run_seconds=20, restarts=6),
                memory="128Mi",
            ),
        ],
        expect={
            "top_rule": "tls-certificate",
            "container": "controller",
            "quote": "x509: certificate has expired or is not yet valid",
        },
    ),
    Case(
        name="db-auth-failed-helm-hook-job",
        description="Sentry's db-init hook Job connects with a password that no longer matches "
        "the PostgreSQL user after a reinstall kept the old volume.",
        source="https://github.com/sentry-kubernetes/charts/issues/1110",
        namespace="sentry",
        app="sentry-db-init",
        owner="Job",
        containers=[
            Ctr(
                "db-init-job",
                "ghcr.io/getsentry/sentry:23.11.2",
                Crash(
                    1,
                    "django.db.utils.OperationalError: FATAL: password authentication "
                    'failed for user "postgres"\n',
                    run_seconds=7,
                    restarts=5,
                ),
                command=["sentry", "upgrade", "--noinput"],
                memory="1Gi",
            ),
        ],
        expect={
            "top_rule": "db-auth-failed",
            "container": "db-init-job",
            "not_rules": ["dependency-refused"],
            "quote": 'password authentication failed for user "postgres"',
        },
    ),
    Case(
        name="cronjob-crlf-wait-for-it",
        description="A CronJob runs wait-for-it.sh saved with Windows line endings; the shell "
        "reads the script to its end without closing an if (the log has CRLF endings too).",
        source="https://github.com/Ehco1996/django-sspanel/issues/466",
        namespace="sspanel",
        app="sspanel-check-traffic",
        owner="CronJob",
        created="2026-11-18T06:30:00Z",
        containers=[
            Ctr(
                "task",
                "docker.io/ehco1996/django-sspanel:latest",
                Crash(2, WAIT_FOR_IT_CRLF, run_seconds=0, restarts=4),
                command=[
                    "./wait-for-it.sh",
                    "mysql:3306",
                    "--",
                    "python",
                    "manage.py",
                    "check_user_state",
                ],
                memory="256Mi",
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "task",
            "quote": 'line 80: syntax error: unexpected end of file (expecting "fi")',
        },
    ),
    Case(
        name="image-not-found-after-init",
        description="The init container ran; the main container's image tag was never pushed "
        "to the registry the chart points at.",
        source="https://github.com/kagent-dev/khook/pull/8",
        namespace="kagent",
        app="khook",
        containers=[
            Ctr(
                "wait-for-api",
                "docker.io/library/busybox:1.36",
                Completed(),
                kind="init",
                command=["sh", "-c", "until nc -z kagent-controller 8083; do sleep 2; done"],
                memory="16Mi",
            ),
            Ctr(
                "khook",
                "cr.kagent.dev/kagent-dev/khook:0.0.4",
                Waiting(
                    "ErrImagePull",
                    "rpc error: code = NotFound desc = failed to pull and unpack image "
                    '"cr.kagent.dev/kagent-dev/khook:0.0.4"',
                ),
                memory="128Mi",
                port=8082,
            ),
        ],
        events=pull_failure(
            "khook",
            "cr.kagent.dev/kagent-dev/khook:0.0.4",
            'Failed to pull image "cr.kagent.dev/kagent-dev/khook:0.0.4": rpc error: code = '
            'NotFound desc = failed to pull and unpack image "cr.kagent.dev/kagent-dev/khook:'
            '0.0.4"',
            n=3,
        ),
        expect={"top_rule": "image-not-found", "container": "khook", "quote": "code = NotFound"},
    ),
    Case(
        name="image-pull-unauthorized-docker-hub",
        description="A private Docker Hub repository without an imagePullSecret: the daemon "
        "reports pull access denied / authentication required.",
        source="https://github.com/octarinesec/octarine-operator/issues/15",
        namespace="octarine",
        app="octarine-guardrails-enforcer",
        containers=[
            Ctr(
                "guardrails-enforcer",
                "octarinesec/guardrails-enforcer:20.7",
                Waiting(
                    "ImagePullBackOff",
                    'Back-off pulling image "octarinesec/guardrails-enforcer:20.7"',
                ),
                memory="256Mi",
                port=9443,
            ),
        ],
        events=pull_failure(
            "guardrails-enforcer",
            "octarinesec/guardrails-enforcer:20.7",
            'Failed to pull image "octarinesec/guardrails-enforcer:20.7": rpc error: code = '
            "Unknown desc = Error response from daemon: pull access denied for octarinesec/"
            "guardrails-enforcer, repository does not exist or may require 'docker login': "
            "denied: requested access to the resource is denied",
            n=4,
        ),
        expect={
            "top_rule": "image-pull-unauthorized",
            "container": "guardrails-enforcer",
            "quote": "pull access denied for octarinesec/guardrails-enforcer",
        },
    ),
    Case(
        name="privileged-port-proxy-multi-container",
        description="LibrePhotos' backend pod runs the app and an nginx proxy; the chart sets "
        "runAsUser 66534 for the pod, so the proxy cannot bind port 80 while the app runs.",
        source="https://github.com/LibrePhotos/librephotos-docker/issues/110",
        namespace="librephotos",
        app="librephotos-backend",
        pod_security={"runAsUser": 66534, "runAsGroup": 66534, "fsGroup": 66534},
        containers=[
            Ctr(
                "backend",
                "docker.io/reallibrephotos/librephotos:2023w44",
                Running(),
                memory="4Gi",
                port=8001,
            ),
            Ctr(
                "proxy",
                "docker.io/reallibrephotos/librephotos-proxy:2023w44",
                Crash(
                    1,
                    "nginx: [emerg] bind() to 0.0.0.0:80 failed (13: Permission denied)\n",
                    run_seconds=0,
                    restarts=12,
                ),
                memory="64Mi",
                port=80,
            ),
        ],
        expect={
            "top_rule": "privileged-port",
            "container": "proxy",
            "quote": "bind() to 0.0.0.0:80 failed (13: Permission denied)",
        },
    ),
    Case(
        name="dotnet-appsettings-missing",
        description="A .NET worker image was rebuilt without appsettings.json; the host builder "
        "throws and the runtime aborts (exit 134).",
        source="https://github.com/spaytac/linkdingsync/issues/3",
        namespace="bookmarks",
        app="linkdingsync",
        containers=[
            Ctr(
                "linkdingsync",
                "docker.io/spaytac/linkdingsync:latest",
                Crash(134, DOTNET_APPSETTINGS, run_seconds=1, restarts=9),
                memory="256Mi",
            ),
        ],
        expect={
            "top_rule": "missing-config-file",
            "container": "linkdingsync",
            "quote": "The configuration file 'appsettings.json' was not found",
        },
    ),
    Case(
        name="mongodb-wiredtiger-io-error",
        description="MongoDB on a replicated block volume gets an I/O error on fdatasync; "
        "WiredTiger panics and mongod aborts after a fatal assertion.",
        source="https://github.com/longhorn/longhorn/issues/1909",
        namespace="mongodb",
        app="mongodb",
        owner="StatefulSet",
        containers=[
            Ctr(
                "mongodb",
                "docker.io/library/mongo:4.2.10",
                Crash(134, MONGO_WT_PANIC, run_seconds=3600, restarts=4),
                mounts=[{"mountPath": "/data/db", "name": "datadir"}],
                memory="2Gi",
                port=27017,
            ),
        ],
        volumes=[{"name": "datadir", "persistentVolumeClaim": {"claimName": "datadir-mongodb-0"}}],
        expect={
            "top_rule": "fatal-signal",
            "container": "mongodb",
            "quote": "fdatasync: Input/output error",
        },
    ),
    Case(
        name="loki-failed-services-logfmt",
        description="Loki stops its modules and exits with a logfmt error line whose err field "
        "holds a Go stack with escaped newlines: the only cause it gives is 'failed services'.",
        source="https://github.com/grafana/loki/issues/3734",
        namespace="loki",
        app="loki",
        owner="StatefulSet",
        containers=[
            Ctr(
                "loki",
                "docker.io/grafana/loki:2.4.2",
                Crash(1, LOKI_FAILED_SERVICES, run_seconds=2, restarts=6),
                args=["-config.file=/etc/loki/loki.yaml"],
                memory="1Gi",
                port=3100,
            ),
        ],
        expect={
            "top_rule": "app-error",
            "container": "loki",
            "quote": 'msg="error running loki" err="failed services',
        },
    ),
    Case(
        name="run-as-non-root-image-root",
        description="The pod requires runAsNonRoot but the unleash-edge image has no numeric "
        "USER, so the kubelet refuses to create the container.",
        source="https://github.com/Unleash/unleash-edge/issues/483",
        namespace="runai-backend",
        app="runai-backend-unleash-edge",
        rs_hash="747fc6ccbd",
        pod_suffix="vx9d4",
        pod_uid="f03e42ed-3150-4c34-96f6-485c1ebbe7b2",
        node="runai-cluster-worker4",
        pod_security={"runAsNonRoot": True},
        containers=[
            Ctr(
                "unleash-edge",
                "unleashorg/unleash-edge:v19.1",
                Waiting(
                    "CreateContainerConfigError",
                    'container has runAsNonRoot and image will run as root (pod: "runai-backend-'
                    "unleash-edge-747fc6ccbd-vx9d4_runai-backend(f03e42ed-3150-4c34-96f6-485c1eb"
                    'be7b2)", container: unleash-edge)',
                ),
                memory="256Mi",
                port=3063,
            ),
        ],
        events=config_failure(
            "unleash-edge",
            "unleashorg/unleash-edge:v19.1",
            'container has runAsNonRoot and image will run as root (pod: "runai-backend-unleash-'
            'edge-747fc6ccbd-vx9d4_runai-backend(f03e42ed-3150-4c34-96f6-485c1ebbe7b2)", '
            "container: unleash-edge)",
            n=10,
        ),
        expect={
            "top_rule": "run-as-non-root",
            "container": "unleash-edge",
            "quote": "container has runAsNonRoot and image will run as root",
        },
    ),
    Case(
        name="no-space-left-postgres",
        description="Immich's PostgreSQL volume is full: the server cannot even write its lock "
        "file and exits at start.",
        source="https://github.com/bitnami/charts/issues/30441",
        namespace="media",
        app="immich-postgresql",
        owner="StatefulSet",
        containers=[
            Ctr(
                "postgresql",
                "docker.io/bitnami/postgresql:16.0.0",
                Crash(
                    1,
                    "chmod: changing permissions of '/var/run/postgresql': Operation not "
                    "permitted\n\nPostgreSQL Database directory appears to contain a database; "
                    "Skipping initialization\n\n2024-11-13 13:38:10.680 UTC [1] FATAL:  could not "
                    'write lock file "postmaster.pid": No space left on device\n',
                    run_seconds=1,
                    restarts=8,
                ),
                mounts=[{"mountPath": "/bitnami/postgresql", "name": "data"}],
                memory="1Gi",
                port=5432,
            ),
        ],
        volumes=[
            {"name": "data", "persistentVolumeClaim": {"claimName": "data-immich-postgresql-0"}}
        ],
        expect={
            "top_rule": "no-space-left",
            "container": "postgresql",
            "quote": 'could not write lock file "postmaster.pid": No space left on device',
        },
    ),
    Case(
        name="crd-missing-rabbitmq-topology",
        description="The RabbitMQ messaging-topology operator 1.20 watches RabbitmqCluster, a "
        "CRD of the cluster operator that is not installed, and fails to start.",
        source="https://github.com/rabbitmq/messaging-topology-operator/issues/1238",
        namespace="rabbitmq-system",
        app="messaging-topology-operator",
        containers=[
            Ctr(
                "manager",
                "docker.io/rabbitmqoperator/messaging-topology-operator:1.20.0",
                Crash(
                    1,
                    "2026-08-07T07:59:57Z     ERROR   controller-runtime.source.Kind  if kind is a "
                    'CRD, it should be installed before calling Start   {"kind": "RabbitmqCluster.'
                    'rabbitmq.com", "error": "no matches for kind \\"RabbitmqCluster\\" in version '
                    '\\"rabbitmq.com/v1beta1\\""}\n',
                    run_seconds=12,
                    restarts=6,
                ),
                memory="500Mi",
                port=9443,
            ),
        ],
        expect={"top_rule": "crd-missing", "container": "manager", "quote": "RabbitmqCluster"},
    ),
]
