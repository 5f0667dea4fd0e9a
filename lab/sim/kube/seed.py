"""The cluster as the lab finds it, and bulk pods for benchmarks.

Initial state: k3s's system pods, the Spark Operator, a Jupyter pod, a few
finished SparkApplications with their driver pods, and a Spark history
server stuck in CrashLoopBackOff (restarting now and then, with previous
logs).  seed_pods() adds plain Running pods quickly (10,000 in about a second).
"""

import gc
import time
import uuid

import objects as O
import sparklog
from store import now_iso

DAY = 86400
NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'spark-operator',
              'spark-jobs', 'jupyter']


def _deploy_pod(store, logs, ips, ns, app, image, created, containers=None, lines=None,
                labels=None):
    """A Running pod of a Deployment (<app>-<rs hash>-<suffix>)."""
    name = '%s-%s-%s' % (app, O.hexid(10)[:9], O.rand_suffix())
    conts = containers or [O.container(app, image)]
    lab = {'app.kubernetes.io/name': app, 'pod-template-hash': name.split('-')[-2]}
    lab.update(labels or {})
    p = O.pod(ns, name, conts, lab, created=created,
              owner={'apiVersion': 'apps/v1', 'kind': 'ReplicaSet', 'name': name.rsplit('-', 1)[0],
                     'uid': str(uuid.uuid4()), 'controller': True, 'blockOwnerDeletion': True})
    O.pod_creating(p, created)
    O.pod_running(p, ips.next(), created + 5)
    store.create('pods', p)
    for c in conts:
        logs.append(ns, name, c['name'], '\n'.join(lines or ['%s started' % app]), created + 6)
    return p


def system_pods(store, logs, ips, t0):
    """What a fresh k3s server runs in kube-system."""
    _deploy_pod(store, logs, ips, 'kube-system', 'coredns',
                'rancher/mirrored-coredns-coredns:1.12.1', t0,
                lines=['.:53', '[INFO] plugin/reload: Running configuration SHA512 = 8a1d6e…',
                       'CoreDNS-1.12.1', 'linux/amd64, go1.23.3, 51e11f1'],
                labels={'k8s-app': 'kube-dns'})
    _deploy_pod(store, logs, ips, 'kube-system', 'local-path-provisioner',
                'rancher/local-path-provisioner:v0.0.31', t0,
                lines=['time="%s" level=info msg="Starting provisioner controller"' % now_iso(t0)])
    _deploy_pod(store, logs, ips, 'kube-system', 'metrics-server',
                'rancher/mirrored-metrics-server:v0.7.2', t0,
                lines=['I1124 10:00:05.000000       1 serving.go:374] Generated self-signed cert',
                       'I1124 10:00:06.000000       1 secure_serving.go:213] Serving securely '
                       'on [::]:10250'], labels={'k8s-app': 'metrics-server'})
    _deploy_pod(store, logs, ips, 'kube-system', 'traefik', 'rancher/mirrored-library-traefik:3.3.6',
                t0, lines=['time="%s" level=info msg="Configuration loaded from flags."' % now_iso(t0)])
    _deploy_pod(store, logs, ips, 'kube-system', 'svclb-traefik', 'rancher/klipper-lb:v0.4.13', t0,
                containers=[O.container('lb-tcp-80', 'rancher/klipper-lb:v0.4.13'),
                            O.container('lb-tcp-443', 'rancher/klipper-lb:v0.4.13')],
                lines=['+ trap exit TERM INT', '+ iptables -t nat -I PREROUTING ! -s '
                       '10.43.0.0/16/32 -p TCP --dport 80 -j DNAT'],
                labels={'svccontroller.k3s.cattle.io/svcname': 'traefik'})
    for job in ('helm-install-traefik-crd', 'helm-install-traefik'):
        name = '%s-%s' % (job, O.rand_suffix())
        p = O.pod('kube-system', name, [O.container('helm', 'rancher/klipper-helm:v0.9.5')],
                  {'batch.kubernetes.io/job-name': job, 'helmcharts.helm.cattle.io/chart':
                   job.replace('helm-install-', '')}, restart='OnFailure', created=t0)
        O.pod_creating(p, t0)
        O.pod_running(p, ips.next(), t0 + 3)
        O.pod_finished(p, 0, t0 + 20)
        store.create('pods', p)
        logs.append('kube-system', name, 'helm', '+ helm_v3 install traefik\nDeployed', t0 + 19)
        logs.finish('kube-system', name, 'helm')
    for ns, name, port, sel in (('default', 'kubernetes', 443, None),
                                ('kube-system', 'kube-dns', 53, {'k8s-app': 'kube-dns'}),
                                ('kube-system', 'metrics-server', 443, {'k8s-app': 'metrics-server'}),
                                ('kube-system', 'traefik', 80, {'app.kubernetes.io/name': 'traefik'})):
        store.create('services', O.service(ns, name, [('https' if port == 443 else 'http', port)],
                                           sel, created=t0,
                                           cluster_ip='10.43.0.1' if name == 'kubernetes' else None))


def platform_pods(store, logs, ips, t0):
    """The Spark Operator, Jupyter, and the crash-looping history server."""
    _deploy_pod(store, logs, ips, 'spark-operator', 'spark-operator-controller',
                'docker.io/kubeflow/spark-operator/controller:2.5.2', t0 + 600,
                lines=['INFO\tStarting SparkApplication controller', 'INFO\tStarting workers'],
                labels={'app.kubernetes.io/component': 'controller'})
    _deploy_pod(store, logs, ips, 'spark-operator', 'spark-operator-webhook',
                'docker.io/kubeflow/spark-operator/controller:2.5.2', t0 + 600,
                lines=['INFO\tStarting webhook server'],
                labels={'app.kubernetes.io/component': 'webhook'})
    p = O.pod('jupyter', 'jupyter-lab-0', [O.container('notebook', 'quay.io/jupyter/pyspark-notebook:spark-3.5.3',
                                                       ports=[('http', 8888)])],
              {'app': 'jupyter-lab', 'statefulset.kubernetes.io/pod-name': 'jupyter-lab-0'},
              created=t0 + 900)
    O.pod_creating(p, t0 + 900)
    O.pod_running(p, ips.next(), t0 + 910)
    store.create('pods', p)
    logs.append('jupyter', 'jupyter-lab-0', 'notebook',
                '[I 2026-11-22 09:00:00.000 ServerApp] Jupyter Server 2.14.2 is running at:\n'
                '[I 2026-11-22 09:00:00.000 ServerApp] http://jupyter-lab-0:8888/lab', t0 + 911)
    crash = _deploy_pod(store, logs, ips, 'spark-jobs', 'spark-history-server',
                        'apache/spark:3.5.3', t0 + 1200, lines=HISTORY_CRASH)
    return crash['metadata']['name']


HISTORY_CRASH = [
    sparklog.line('INFO', 'HistoryServer', 'Started daemon with process name: 1@spark-history-server'),
    sparklog.line('INFO', 'FsHistoryProvider', 'History server ui acls disabled'),
    'Exception in thread "main" java.io.FileNotFoundException: Log directory specified does not '
    'exist: s3a://airflow-logs/spark-events',
    '\tat org.apache.spark.deploy.history.FsHistoryProvider.startPolling(FsHistoryProvider.scala:277)',
    '\tat org.apache.spark.deploy.history.HistoryServer$.main(HistoryServer.scala:309)',
]


class CrashLooper:
    """Restarts the history server pod every `period` s; it crashes again."""

    def __init__(self, store, logs, ns, name, restarts=7, period=60.0):
        self.store, self.logs, self.ns, self.name = store, logs, ns, name
        self.period, self.next, self.running_since = period, time.time() + period, None
        self.store.update('pods', ns, name, lambda p: O.pod_crashloop(p, restarts))
        self.logs.restart(ns, name, 'spark-history-server')
        self.logs.append(ns, name, 'spark-history-server', '\n'.join(HISTORY_CRASH))
        p = self.store.find('pods', ns, name)
        store.create('events', O.event(p, 'BackOff', 'Back-off restarting failed container '
                                       'spark-history-server in pod %s_%s(%s)'
                                       % (name, ns, p['metadata']['uid']), 'Warning',
                                       field_path='spec.containers{spark-history-server}'))

    def tick(self, controller):
        now = time.time()
        p = self.store.find('pods', self.ns, self.name)
        if p is None:
            return
        if self.running_since is None and now >= self.next:
            self.running_since = now
            self.logs.restart(self.ns, self.name, 'spark-history-server')
            self.store.update('pods', self.ns, self.name, lambda q: O.pod_running(q, None))
            self.logs.append(self.ns, self.name, 'spark-history-server', '\n'.join(HISTORY_CRASH[:2]))
        elif self.running_since is not None and now - self.running_since >= 4:
            self.running_since, self.next = None, now + self.period
            self.logs.append(self.ns, self.name, 'spark-history-server', '\n'.join(HISTORY_CRASH[2:]))
            restarts = p['status']['containerStatuses'][0]['restartCount'] + 1
            p = self.store.update('pods', self.ns, self.name,
                                  lambda q: O.pod_crashloop(q, restarts))
            controller.event(p, 'BackOff', 'Back-off restarting failed container '
                             'spark-history-server in pod %s_%s(%s)'
                             % (self.name, self.ns, p['metadata']['uid']), 'Warning',
                             field='spec.containers{spark-history-server}')


def historic_apps(store, logs, ips, t0):
    """Finished SparkApplications of the last two days, with their driver pods."""
    apps = [('events-bronze-to-silver-1123', t0 + 3600, 'FAILED', 3),
            ('events-bronze-to-silver-1124', t0 + DAY, 'COMPLETED', 2),
            ('gold-daily-aggregate-1124', t0 + DAY + 900, 'COMPLETED', 2)]
    for name, start, state, execs in apps:
        _historic_app(store, logs, ips, name, start, state, execs)


def _historic_app(store, logs, ips, name, start, state, execs):
    ns, fail = 'spark-jobs', state == 'FAILED'
    app_id, sub = 'spark-' + O.hexid(32), str(uuid.uuid4())
    prefix = '%s-%s' % (name, O.hexid(16))
    end = start + 240
    app = {'apiVersion': 'sparkoperator.k8s.io/v1beta2', 'kind': 'SparkApplication',
           'metadata': {'name': name, 'namespace': ns, 'creationTimestamp': now_iso(start),
                        'labels': {'platform-tui/dag-id': 'lakehouse_processing'}},
           'spec': spark_spec(execs),
           'status': {'applicationState': {'state': state}, 'driverInfo': {
               'podName': name + '-driver', 'webUIServiceName': name + '-ui-svc',
               'webUIPort': 4040, 'webUIAddress': '10.43.%d.%d:4040' % (start % 200, execs + 10)},
               'executionAttempts': 1, 'submissionAttempts': 1, 'sparkApplicationId': app_id,
               'submissionID': sub, 'lastSubmissionAttemptTime': now_iso(start + 1),
               'terminationTime': now_iso(end),
               'executorState': {'%s-exec-%d' % (prefix, i + 1): state for i in range(execs)}}}
    if fail:
        app['status']['applicationState']['errorMessage'] = \
            'driver container failed with ExitCode: 1, Reason: Error'
    app = store.create('sparkapplications', app)
    labels = {'platform-tui/dag-id': 'lakehouse_processing', 'spark-app-name': name,
              'spark-app-selector': app_id, 'spark-role': 'driver', 'spark-version': '3.5.3',
              'sparkoperator.k8s.io/app-name': name,
              'sparkoperator.k8s.io/launched-by-spark-operator': 'true',
              'sparkoperator.k8s.io/submission-id': sub}
    p = O.pod(ns, name + '-driver', [O.container('spark-kubernetes-driver', 'apache/spark:3.5.3')],
              labels, None, O.owner_ref(app), restart='Never', created=start + 1,
              sa='spark-operator-spark')
    O.pod_creating(p, start + 1)
    O.pod_running(p, ips.next(), start + 4)
    O.pod_finished(p, 1 if fail else 0, end - 1)
    store.create('pods', p)
    lines = sparklog.driver_start(name, app_id, ns, execs, '3.5.3', 'org.apache.spark.examples.SparkPi',
                                  start + 4)
    lines += sparklog.driver_failure(name, end - 2) if fail else sparklog.driver_success(name, end - 2)
    logs.append(ns, name + '-driver', 'spark-kubernetes-driver', '\n'.join(lines), end - 2)
    logs.finish(ns, name + '-driver', 'spark-kubernetes-driver')
    for t, reason, msg, typ in (
            (start, 'SparkApplicationSubmitted', 'SparkApplication %s was submitted successfully'
             % name, 'Normal'),
            (end, 'SparkApplicationFailed' if fail else 'SparkApplicationCompleted',
             'SparkApplication %s %s' % (name, 'failed: driver container failed with ExitCode: 1, '
                                         'Reason: Error' if fail else 'completed'),
             'Warning' if fail else 'Normal')):
        store.create('events', O.event(app, reason, msg, typ, 'spark-operator', None, t))
    store.create('services', O.service(ns, name + '-ui-svc', [('spark-driver-ui-port', 4040)],
                                       {'spark-app-selector': app_id, 'spark-role': 'driver'},
                                       {'sparkoperator.k8s.io/app-name': name},
                                       O.owner_ref(app), created=start + 2))


def spark_spec(execs):
    return {'type': 'Scala', 'mode': 'cluster', 'image': 'apache/spark:3.5.3',
            'imagePullPolicy': 'IfNotPresent', 'mainClass': 'org.apache.spark.examples.SparkPi',
            'mainApplicationFile': 'local:///opt/spark/examples/jars/spark-examples.jar',
            'sparkVersion': '3.5.3', 'restartPolicy': {'type': 'Never'},
            'driver': {'cores': 1, 'memory': '512m', 'serviceAccount': 'spark-operator-spark'},
            'executor': {'cores': 1, 'instances': execs, 'memory': '512m'}}


def initial_state(store, logs, ips):
    """Populate a fresh store.  Returns the CrashLooper to tick."""
    t0 = time.time() - 3 * DAY
    for ns in NAMESPACES:
        store.create('namespaces', O.namespace(ns, t0))
    store.create('nodes', O.node(t0))
    system_pods(store, logs, ips, t0)
    crash = platform_pods(store, logs, ips, t0)
    historic_apps(store, logs, ips, t0)
    return CrashLooper(store, logs, 'spark-jobs', crash)


def seed_pods(store, ips, n, ns='bench'):
    """Add n Running pods named bench-NNNNN in ns (created if missing)."""
    if store.find('namespaces', None, ns) is None:
        store.create('namespaces', O.namespace(ns))
    res = store.res['pods']
    start = sum(1 for k in res.objs if k.startswith(ns + '/'))
    t = time.time()
    image = 'registry.k8s.io/pause:3.10'
    names = []
    gc.disable()   # many small dicts: the cyclic collector would dominate
    try:
        _seed_loop(store, ips, ns, start, n, t, image, names)
    finally:
        gc.enable()
    return names


def _seed_loop(store, ips, ns, start, n, t, image, names):
    with store.cond:
        for i in range(start, start + n):
            name = 'bench-%06d' % i
            while store.find('pods', ns, name) is not None:
                i += n
                name = 'bench-%06d' % i
            p = O.pod(ns, name, [O.container('pause', image)],
                      {'app': 'bench', 'bench-shard': str(i % 10)}, created=t)
            O.pod_creating(p, t)
            O.pod_running(p, ips.next(), t)
            store.create('pods', p)
            names.append(name)
