"""A miniature Spark Operator plus kubelet: runs SparkApplications as pods.

A created SparkApplication goes "" -> SUBMITTED -> RUNNING -> SUCCEEDING ->
COMPLETED (or FAILING -> FAILED) at a realistic pace.  Its driver pod
`<app>-driver` and `spec.executor.instances` executor pods go Pending
(ContainerCreating) -> Running -> Succeeded/Failed, with the labels Spark and
the operator set plus every label of the application.  The run time comes
from the annotation lab.platform-tui/duration-seconds (default 30); the
annotation lab.platform-tui/fail: "true" makes the driver exit 1.

The controller also reaps terminating pods (graceful deletion).
"""

import time
import uuid

import objects as O
import sparklog
from store import now_iso

APPS = 'sparkapplications'
OP_LABELS = ('sparkoperator.k8s.io/app-name', 'sparkoperator.k8s.io/launched-by-spark-operator')
DURATION_ANN = 'lab.platform-tui/duration-seconds'
FAIL_ANN = 'lab.platform-tui/fail'


class Run:
    """Where one application's run is; times are relative to its start."""

    def __init__(self, app, t0):
        md = app['metadata']
        ann = md.get('annotations') or {}
        try:
            self.duration = max(3.0, float(ann.get(DURATION_ANN, 30)))
        except ValueError:
            self.duration = 30.0
        self.fail = str(ann.get(FAIL_ANN, '')).lower() == 'true'
        self.ns, self.name, self.t0 = md.get('namespace'), md['name'], t0
        spec = app.get('spec') or {}
        self.execs = int((spec.get('executor') or {}).get('instances') or 1)
        self.app_id = 'spark-' + O.hexid(32)
        self.prefix = '%s-%s' % (self.name[:38].rstrip('-.'), O.hexid(16))
        self.step = 0           # next index in STEPS
        self.progress = 0       # driver progress lines written
        self.ips = []
        self.exec_names = ['%s-exec-%d' % (self.prefix, i + 1) for i in range(self.execs)]

    def schedule(self):
        """(time offset, method name) of each step, in order."""
        d = self.duration
        exec_at = 2.0 + min(2.0, d * 0.2)
        return [(0.2, 'new'), (0.8, 'submit'), (2.0, 'driver_running'),
                (exec_at, 'executors_pending'), (exec_at + 1.5, 'executors_running'),
                (2.0 + d, 'finish'), (3.0 + d, 'done')]


class SparkController:
    """Drives applications and pods forward; call tick() about twice a second."""

    def __init__(self, store, logbook, ips):
        self.store, self.logs, self.ips = store, logbook, ips
        self.runs = {}          # (ns, name) -> Run
        self.reap = []          # (due time, ns, pod name): terminating pods

    # -- entry points --------------------------------------------------------

    def app_created(self, app):
        md = app['metadata']
        self.runs[(md.get('namespace'), md['name'])] = Run(app, time.time())

    def app_deleted(self, app):
        """The operator's owner references: delete its pods and UI service."""
        ns, name = app['metadata'].get('namespace'), app['metadata']['name']
        self.runs.pop((ns, name), None)
        for p in self.store.select('pods', ns, lambda l: l.get(OP_LABELS[0]) == name):
            self.delete_pod(ns, p['metadata']['name'], grace=2)
        self.store.delete('services', ns, '%s-ui-svc' % name)

    def delete_pod(self, ns, name, grace=2):
        """Graceful deletion: deletionTimestamp now, object gone after `grace` s."""
        p = self.store.find('pods', ns, name)
        if p is None:
            return None
        if grace == 0:
            self.logs.remove_pod(ns, name)
            return self.store.delete('pods', ns, name)
        if 'deletionTimestamp' in p['metadata']:
            return p
        finished = p['status'].get('phase') in ('Succeeded', 'Failed')
        new = self.store.update('pods', ns, name, lambda q: O.pod_terminating(q, 30))
        if not finished:
            c = new['spec']['containers'][0]['name']
            self.event(new, 'Killing', 'Stopping container %s' % c, field='spec.containers{%s}' % c)
        # The kubelet confirms a finished pod's deletion at once, a running one's after it stops.
        self.reap.append((time.time() + (min(grace, 0.5) if finished else grace), ns, name))
        return new

    def tick(self):
        now = time.time()
        for key, run in list(self.runs.items()):
            steps = run.schedule()
            while run.step < len(steps) and now - run.t0 >= steps[run.step][0]:
                name = steps[run.step][1]
                run.step += 1
                getattr(self, 'step_' + name)(run)
                if key not in self.runs:
                    break
            if key in self.runs and run.step >= 3:
                self.progress(run, now)
        due = [r for r in self.reap if r[0] <= now]
        self.reap = [r for r in self.reap if r[0] > now]
        for _, ns, name in due:
            p = self.store.find('pods', ns, name)
            if p is not None:
                for c in p['spec']['containers']:
                    self.logs.finish(ns, name, c['name'])
                self.logs.remove_pod(ns, name)
                self.store.delete('pods', ns, name)

    # -- helpers ---------------------------------------------------------------

    def app(self, run):
        return self.store.find(APPS, run.ns, run.name)

    def set_app(self, run, fn):
        return self.store.update(APPS, run.ns, run.name, fn)

    def event(self, obj, reason, msg, etype='Normal', component='kubelet', field=None):
        if obj is None:
            return
        host = O.NODE if component == 'kubelet' else None
        self.store.create('events', O.event(obj, reason, msg, etype, component, host,
                                            field_path=field))
        self.trim_events()

    def trim_events(self, keep=3000):
        res = self.store.res['events']
        if len(res.objs) > keep + 200:
            old = sorted(res.objs.values(), key=lambda e: int(e['metadata']['resourceVersion']))
            for e in old[:len(old) - keep]:
                self.store.delete('events', e['metadata']['namespace'], e['metadata']['name'])

    def op_event(self, run, reason, msg, etype='Normal'):
        self.event(self.app(run), reason, msg, etype, 'spark-operator')

    def pod_labels(self, run, app, role):
        labels = dict(app['metadata'].get('labels') or {})
        labels.update({'spark-app-name': run.name, 'spark-app-selector': run.app_id,
                       'spark-role': role, 'spark-version': self.spark_version(app),
                       OP_LABELS[0]: run.name, OP_LABELS[1]: 'true',
                       'sparkoperator.k8s.io/submission-id': run.submission})
        return labels

    @staticmethod
    def spark_version(app):
        return str((app.get('spec') or {}).get('sparkVersion') or '3.5.3')

    @staticmethod
    def image(app, role):
        spec = app.get('spec') or {}
        return (spec.get(role) or {}).get('image') or spec.get('image') or 'apache/spark:3.5.3'

    def start_pod(self, p, kind):
        """Create a pending pod and log its scheduling."""
        p = self.store.create('pods', p)
        ns, name = p['metadata']['namespace'], p['metadata']['name']
        self.event(p, 'Scheduled', 'Successfully assigned %s/%s to %s' % (ns, name, O.NODE),
                   component='default-scheduler')
        return self.store.update('pods', ns, name, lambda q: O.pod_creating(q))

    def run_pod(self, ns, name):
        ip = self.ips.next()
        p = self.store.update('pods', ns, name, lambda q: O.pod_running(q, ip))
        if p is None:
            return None
        for c in p['spec']['containers']:
            f = 'spec.containers{%s}' % c['name']
            self.event(p, 'Pulled', 'Container image "%s" already present on machine' % c['image'],
                       field=f)
            self.event(p, 'Created', 'Created container: %s' % c['name'], field=f)
            self.event(p, 'Started', 'Started container %s' % c['name'], field=f)
        return p

    def end_pod(self, ns, name, code):
        p = self.store.update('pods', ns, name, lambda q: O.pod_finished(q, code))
        if p is not None:
            for c in p['spec']['containers']:
                self.logs.finish(ns, name, c['name'])
        return p

    # -- the steps ---------------------------------------------------------------

    def step_new(self, run):
        def fn(a):
            a['status'] = {'applicationState': {'state': ''}, 'driverInfo': {}}
        self.set_app(run, fn)
        self.op_event(run, 'SparkApplicationAdded',
                      'SparkApplication %s was added, enqueuing it for submission' % run.name)

    def step_submit(self, run):
        app = self.app(run)
        if app is None:
            return
        run.submission = str(uuid.uuid4())
        spec = app.get('spec') or {}
        driver = '%s-driver' % run.name
        svc = O.service(run.ns, '%s-ui-svc' % run.name, [('spark-driver-ui-port', 4040)],
                        {'spark-app-selector': run.app_id, 'spark-role': 'driver'},
                        {OP_LABELS[0]: run.name}, O.owner_ref(app))
        self.store.create('services', svc)
        c = O.container('spark-kubernetes-driver', self.image(app, 'driver'),
                        ['driver', '--properties-file', '/opt/spark/conf/spark.properties',
                         '--class', spec.get('mainClass') or 'org.apache.spark.examples.SparkPi',
                         spec.get('mainApplicationFile') or 'local:///opt/spark/examples/jars/'
                         'spark-examples.jar'] + [str(a) for a in spec.get('arguments') or []],
                        [('driver-rpc-port', 7078), ('blockmanager', 7079), ('spark-ui', 4040)])
        sa = (spec.get('driver') or {}).get('serviceAccount') or 'spark-operator-spark'
        p = O.pod(run.ns, driver, [c], self.pod_labels(run, app, 'driver'),
                  {'lab.platform-tui/app-uid': app['metadata']['uid']}, O.owner_ref(app),
                  restart='Never', sa=sa)
        self.start_pod(p, 'driver')
        t = now_iso()

        def fn(a):
            a['status'] = {
                'applicationState': {'state': 'SUBMITTED'},
                'driverInfo': {'podName': driver, 'webUIServiceName': '%s-ui-svc' % run.name,
                               'webUIPort': 4040,
                               'webUIAddress': '%s:4040' % svc['spec']['clusterIP']},
                'executionAttempts': 1, 'submissionAttempts': 1,
                'lastSubmissionAttemptTime': t, 'sparkApplicationId': run.app_id,
                'submissionID': run.submission, 'terminationTime': None}
        self.set_app(run, fn)
        self.op_event(run, 'SparkApplicationSubmitted',
                      'SparkApplication %s was submitted successfully' % run.name)

    def step_driver_running(self, run):
        app = self.app(run)
        driver = '%s-driver' % run.name
        if app is None or self.run_pod(run.ns, driver) is None:
            return self.lost_driver(run)
        self.logs.append(run.ns, driver, 'spark-kubernetes-driver', '\n'.join(
            sparklog.driver_start(run.name, run.app_id, run.ns, run.execs,
                                  self.spark_version(app), (app.get('spec') or {}).get(
                                      'mainClass') or 'org.apache.spark.examples.SparkPi')))
        self.set_app(run, lambda a: a['status']['applicationState'].update(state='RUNNING'))
        self.op_event(run, 'SparkDriverRunning', 'Driver %s is running' % driver)

    def step_executors_pending(self, run):
        app, driver = self.app(run), self.store.find('pods', run.ns, '%s-driver' % run.name)
        if app is None or driver is None:
            return self.lost_driver(run)
        for i, name in enumerate(run.exec_names):
            labels = self.pod_labels(run, app, 'executor')
            labels.update({'spark-exec-id': str(i + 1), 'spark-exec-resourceprofile-id': '0'})
            c = O.container('spark-kubernetes-executor', self.image(app, 'executor'),
                            ['executor'], [('spark-ui', 4040)])
            p = O.pod(run.ns, name, [c], labels, None, O.owner_ref(driver), restart='Never',
                      sa=(app.get('spec', {}).get('executor') or {}).get('serviceAccount')
                      or 'spark-operator-spark')
            p['metadata']['ownerReferences'][0]['controller'] = True
            self.start_pod(p, 'executor')
            self.op_event(run, 'SparkExecutorPending',
                          'Executor %s is pending' % name)
        self.set_app(run, lambda a: a['status'].__setitem__(
            'executorState', {n: 'PENDING' for n in run.exec_names}))

    def step_executors_running(self, run):
        if self.app(run) is None:
            return
        driver_host = '%s-driver-svc.%s.svc' % (run.name, run.ns)
        for i, name in enumerate(run.exec_names):
            p = self.run_pod(run.ns, name)
            if p is None:
                continue
            run.ips.append(p['status']['podIP'])
            self.logs.append(run.ns, name, 'spark-kubernetes-executor', '\n'.join(
                sparklog.executor_start(i + 1, run.app_id, driver_host)))
            self.logs.append(run.ns, '%s-driver' % run.name, 'spark-kubernetes-driver',
                             sparklog.driver_registered(i + 1, p['status']['podIP']))
            self.op_event(run, 'SparkExecutorRunning', 'Executor %s is running' % name)
        self.set_app(run, lambda a: a['status'].__setitem__(
            'executorState', {n: 'RUNNING' for n in run.exec_names}))

    def progress(self, run, now):
        """About one task a second while executors run."""
        if not run.ips or run.step >= 6:
            return
        want = int(now - run.t0 - 5)
        driver = '%s-driver' % run.name
        while run.progress < want:
            n_tasks = max(4, int(run.duration))
            self.logs.append(run.ns, driver, 'spark-kubernetes-driver', '\n'.join(
                sparklog.driver_progress(run.progress, n_tasks, run.execs, run.ips)))
            e = run.progress % run.execs
            self.logs.append(run.ns, run.exec_names[e], 'spark-kubernetes-executor',
                             '\n'.join(sparklog.executor_task(run.progress)))
            run.progress += 1

    def step_finish(self, run):
        driver = '%s-driver' % run.name
        if self.store.find('pods', run.ns, driver) is None:
            return self.lost_driver(run)
        for name in run.exec_names:
            if self.store.find('pods', run.ns, name) is not None:
                self.logs.append(run.ns, name, 'spark-kubernetes-executor',
                                 '\n'.join(sparklog.executor_stop()))
                self.logs.finish(run.ns, name, 'spark-kubernetes-executor')
                self.delete_pod(run.ns, name, grace=1.5)
        lines = sparklog.driver_failure(run.name) if run.fail else sparklog.driver_success(run.name)
        self.logs.append(run.ns, driver, 'spark-kubernetes-driver', '\n'.join(lines))
        code = 1 if run.fail else 0
        self.end_pod(run.ns, driver, code)
        state = 'FAILING' if run.fail else 'SUCCEEDING'
        ex = 'FAILED' if run.fail else 'COMPLETED'

        def fn(a):
            a['status']['applicationState'] = {'state': state}
            if run.fail:
                a['status']['applicationState']['errorMessage'] = (
                    'driver container failed with ExitCode: 1, Reason: Error')
            a['status']['executorState'] = {n: ex for n in run.exec_names}
        self.set_app(run, fn)
        if run.fail:
            self.op_event(run, 'SparkDriverFailed', 'Driver %s failed' % driver, 'Warning')
        else:
            self.op_event(run, 'SparkDriverCompleted', 'Driver %s completed' % driver)

    def step_done(self, run):
        state = 'FAILED' if run.fail else 'COMPLETED'
        t = now_iso()

        def fn(a):
            a['status']['applicationState']['state'] = state
            a['status']['terminationTime'] = t
        self.set_app(run, fn)
        if run.fail:
            self.op_event(run, 'SparkApplicationFailed', 'SparkApplication %s failed: driver '
                          'container failed with ExitCode: 1, Reason: Error' % run.name, 'Warning')
        else:
            self.op_event(run, 'SparkApplicationCompleted',
                          'SparkApplication %s completed' % run.name)
        self.runs.pop((run.ns, run.name), None)

    def lost_driver(self, run):
        """The driver pod vanished (deleted by hand): the app fails."""
        self.runs.pop((run.ns, run.name), None)
        t = now_iso()

        def fn(a):
            st = a.setdefault('status', {'driverInfo': {}})
            st['applicationState'] = {'state': 'FAILED', 'errorMessage': 'driver pod not found'}
            st['terminationTime'] = t
        if self.set_app(run, fn) is not None:
            self.op_event(run, 'SparkApplicationFailed',
                          'SparkApplication %s failed: driver pod not found' % run.name, 'Warning')
