#!/usr/bin/python3
"""TAP: the Kubernetes API simulator against the Kubernetes and Spark Operator specs.

Responses (PodList, Pod, NamespaceList, EventList, Status for 401/404/410/422,
watch events, SparkApplication(List) with status) are validated with
python3-jsonschema against shared/specs/kubernetes/k8s-1.35-api__v1_openapi.json
(components/schemas, $ref resolved over the whole document) and the CRD's
openAPIV3Schema.  A deliberately broken Pod and SparkApplication must FAIL.
Behaviour: label/field selectors, limit/continue, watches (ADDED/MODIFIED/
DELETED, bookmarks, 410 Expired), logs (tailLines, follow, previous), auth
(wrong token 401, client certificate, a foreign CA fails), fault injection.

A private simulator is started on a free 127.0.0.x port (setup.sh into a temp
dir); when $PLATFORM_LAB_DIR/kube/kubeconfig.yaml exists, the read-only checks
also run against the lab's simulator.

    /usr/bin/python3 tests/lab/kube-contract.py
"""

import base64
import copy
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get('top_srcdir') or os.path.join(HERE, '..', '..')
SIM = os.path.join(SRC, 'lab', 'sim', 'kube')
RESULTS = []


def check(name, cond, info=''):
    RESULTS.append(bool(cond))
    print('%s %d - %s' % ('ok' if cond else 'not ok', len(RESULTS), name))
    if not cond and info:
        print('# ' + str(info)[:800].replace('\n', '\n# '))
    sys.stdout.flush()


def find_specs():
    for d in (os.environ.get('PLATFORM_SPECS_DIR'), os.path.join(SRC, 'specs'),
              os.path.join(SRC, '..', 'shared', 'specs'),
              '/work/shared/specs'):
        if d and os.path.exists(os.path.join(d, 'kubernetes', 'k8s-1.35-api__v1_openapi.json')):
            return d
    return None


# -- schemas -------------------------------------------------------------------------

class Schemas:
    """Validators for core/v1 kinds and the SparkApplication CRD."""

    NULLABLE = {'lastProbeTime', 'eventTime', 'creationTimestamp', 'columnDefinitions'}

    def __init__(self, specs):
        import jsonschema
        import yaml
        self.js = jsonschema
        with open(os.path.join(specs, 'kubernetes', 'k8s-1.35-api__v1_openapi.json')) as f:
            self.doc = json.load(f)
        self.resolver = jsonschema.RefResolver('', self.doc)
        self.formats = jsonschema.FormatChecker()
        self.formats.checks('date-time')(lambda v: not isinstance(v, str) or bool(
            re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$', v)))
        with open(os.path.join(specs, 'spark-operator',
                               'sparkoperator.k8s.io_sparkapplications-v2.5.2.yaml')) as f:
            crd = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        self.app_schema = nullable(crd['spec']['versions'][0]['schema']['openAPIV3Schema'])

    def errors(self, name, obj):
        """Error messages of obj against components/schemas/<name> (k8s Go null semantics)."""
        schema = {'$ref': '#/components/schemas/' + name}
        v = self.js.Draft4Validator(schema, resolver=self.resolver, format_checker=self.formats)
        return ['%s: %s' % ('.'.join(map(str, e.absolute_path)), e.message)
                for e in v.iter_errors(self.denull(obj))]

    def app_errors(self, obj):
        v = self.js.Draft4Validator(self.app_schema, format_checker=self.formats)
        return ['%s: %s' % ('.'.join(map(str, e.absolute_path)), e.message)
                for e in v.iter_errors(obj)]

    def denull(self, obj):
        """Drop the nulls Go's encoder writes for empty optional structs (lastProbeTime...)."""
        if isinstance(obj, dict):
            return {k: self.denull(v) for k, v in obj.items()
                    if not (v is None and k in self.NULLABLE)}
        if isinstance(obj, list):
            return [self.denull(v) for v in obj]
        return obj


def nullable(schema):
    """OpenAPI's `nullable: true` as JSON Schema: add "null" to the type."""
    if isinstance(schema, dict):
        out = {k: nullable(v) for k, v in schema.items()}
        if out.get('nullable') and 'type' in out:
            out['type'] = [out['type'], 'null']
        return out
    if isinstance(schema, list):
        return [nullable(v) for v in schema]
    return schema


# -- client ----------------------------------------------------------------------------

class Kube:
    """A tiny HTTPS client from a kubeconfig (token or client certificate)."""

    def __init__(self, kubeconfig, token=None, ca_file=None, use_cert=True):
        import yaml
        with open(kubeconfig) as f:
            cfg = yaml.safe_load(f)
        cl, user = cfg['clusters'][0]['cluster'], cfg['users'][0]['user']
        m = re.match(r'https://([^:/]+):(\d+)', cl['server'])
        self.host, self.port = m.group(1), int(m.group(2))
        self.kubeconfig = kubeconfig
        if ca_file:
            self.ctx = ssl.create_default_context(cafile=ca_file)
        else:
            self.ctx = ssl.create_default_context(
                cadata=base64.b64decode(cl['certificate-authority-data']).decode())
        self.headers = {}
        tok = token if token is not None else user.get('token')
        if tok:
            self.headers['Authorization'] = 'Bearer ' + tok
        elif use_cert and user.get('client-certificate-data'):
            d = tempfile.mkdtemp()
            for k, fn in (('client-certificate-data', 'c.crt'), ('client-key-data', 'c.key')):
                with open(os.path.join(d, fn), 'wb') as f:
                    f.write(base64.b64decode(user[k]))
            self.ctx.load_cert_chain(os.path.join(d, 'c.crt'), os.path.join(d, 'c.key'))
            shutil.rmtree(d)

    def conn(self, timeout=20):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=timeout)

    def req(self, method, path, body=None, headers=None):
        c = self.conn()
        h = dict(self.headers, **(headers or {}))
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h['Content-Type'] = 'application/json'
        c.request(method, path, data, h)
        r = c.getresponse()
        raw = r.read()
        c.close()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw.decode(errors='replace')

    def get(self, path, **kw):
        return self.req('GET', path, **kw)

    def stream(self, path, on_line, timeout=20):
        """GET path and call on_line(bytes) per line until it returns False or the end."""
        c = self.conn(timeout)
        c.request('GET', path, headers=self.headers)
        r = c.getresponse()
        try:
            while True:
                line = r.readline()
                if not line or on_line(line) is False:
                    break
        finally:
            c.close()
        return r.status


# -- private simulator -------------------------------------------------------------------

def free_addr():
    for last in range(20, 250):
        addr = '127.0.0.%d' % last
        s = socket.socket()
        try:
            s.bind((addr, 0))
            return addr, s.getsockname()[1]
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no free 127.0.0.x address')


def start_private(tmp):
    addr, port = free_addr()
    d = os.path.join(tmp, 'kube')
    subprocess.run(['bash', os.path.join(SIM, 'setup.sh'), d, addr, str(port),
                    os.path.join(tmp, 'token')], check=True)
    fault = os.path.join(tmp, 'fault')
    p = subprocess.Popen(['/usr/bin/python3', os.path.join(SIM, 'kubesim.py'),
                          '--listen', '%s:%d' % (addr, port), '--dir', d,
                          '--token-file', os.path.join(tmp, 'token'), '--fault-file', fault,
                          '--bookmark-seconds', '1', '--history', '400',
                          '--log', os.path.join(tmp, 'kubesim.log')])
    for _ in range(100):
        try:
            socket.create_connection((addr, port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return p, d, fault


# -- checks -------------------------------------------------------------------------------

APP = {'apiVersion': 'sparkoperator.k8s.io/v1beta2', 'kind': 'SparkApplication',
       'metadata': {'name': 'contract-pi', 'labels': {'platform-tui/dag-id': 'contract'},
                    'annotations': {'lab.platform-tui/duration-seconds': '4'}},
       'spec': {'type': 'Scala', 'mode': 'cluster', 'image': 'apache/spark:3.5.3',
                'mainClass': 'org.apache.spark.examples.SparkPi',
                'mainApplicationFile': 'local:///opt/spark/examples/jars/spark-examples.jar',
                'sparkVersion': '3.5.3', 'driver': {'cores': 1, 'memory': '512m'},
                'executor': {'cores': 1, 'instances': 2, 'memory': '512m'}}}
APPS = '/apis/sparkoperator.k8s.io/v1beta2'


def schema_checks(k, S, where):
    """Read-only checks: every list and error against the spec."""
    st, pods = k.get('/api/v1/pods')
    check('%s: GET /api/v1/pods is a valid PodList' % where,
          st == 200 and not S.errors('io.k8s.api.core.v1.PodList', pods) and pods['items'],
          S.errors('io.k8s.api.core.v1.PodList', pods)[:5] if st == 200 else pods)
    p = pods['items'][0]
    st, pod = k.get('/api/v1/namespaces/%s/pods/%s' % (p['metadata']['namespace'],
                                                       p['metadata']['name']))
    check('%s: GET one pod is a valid Pod' % where,
          st == 200 and not S.errors('io.k8s.api.core.v1.Pod', pod), S.errors('io.k8s.api.core.v1.Pod', pod))
    st, nsl = k.get('/api/v1/namespaces')
    names = {n['metadata']['name'] for n in nsl.get('items', [])}
    check('%s: NamespaceList valid, has default kube-system spark-jobs jupyter' % where,
          st == 200 and not S.errors('io.k8s.api.core.v1.NamespaceList', nsl)
          and {'default', 'kube-system', 'spark-jobs', 'jupyter'} <= names, names)
    st, ns = k.get('/api/v1/namespaces/spark-jobs')
    check('%s: Namespace valid' % where, st == 200 and not S.errors('io.k8s.api.core.v1.Namespace', ns))
    st, ev = k.get('/api/v1/events')
    check('%s: EventList valid and not empty' % where,
          st == 200 and ev['items'] and not S.errors('io.k8s.api.core.v1.EventList', ev),
          S.errors('io.k8s.api.core.v1.EventList', ev)[:5])
    st, nodes = k.get('/api/v1/nodes')
    check('%s: NodeList valid, node compute Ready' % where,
          st == 200 and not S.errors('io.k8s.api.core.v1.NodeList', nodes) and any(
              n['metadata']['name'] == 'compute' and any(c['type'] == 'Ready' and c['status'] == 'True'
                                                       for c in n['status']['conditions'])
              for n in nodes['items']))
    st, apps = k.get(APPS + '/sparkapplications')
    errs = [e for a in apps.get('items', []) for e in S.app_errors(a)]
    check('%s: SparkApplicationList items valid against the CRD (status too)' % where,
          st == 200 and apps['kind'] == 'SparkApplicationList' and apps['items'] and not errs
          and all('status' in a for a in apps['items']), errs[:5])
    st, body = k.get('/api/v1/namespaces/default/pods/no-such-pod')
    check('%s: 404 is a valid Status NotFound' % where,
          st == 404 and body.get('reason') == 'NotFound' and body.get('code') == 404
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.Status', body), body)
    bad = Kube(k.kubeconfig, token='not-the-token')
    st, body = bad.get('/api/v1/pods')
    check('%s: wrong token gets 401 Status Unauthorized' % where,
          st == 401 and body.get('reason') == 'Unauthorized'
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.Status', body), body)
    lines = []
    k.stream('/api/v1/pods?watch=1&resourceVersion=1', lambda l: lines.append(json.loads(l)) or False,
             timeout=10)
    ev = lines[0] if lines else {}
    obj = ev.get('object', {})
    check('%s: watch from an expired resourceVersion gets ERROR 410 Expired' % where,
          ev.get('type') == 'ERROR' and obj.get('code') == 410 and obj.get('reason') == 'Expired'
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent', ev)
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.Status', obj), lines)


def broken_checks(k, S):
    """The validators must catch broken objects (else the checks above prove nothing)."""
    st, pods = k.get('/api/v1/pods?limit=1')
    pod = pods['items'][0]
    b1 = copy.deepcopy(pod)
    del b1['spec']['containers']
    check('a Pod without spec.containers FAILS validation', S.errors('io.k8s.api.core.v1.Pod', b1))
    b2 = copy.deepcopy(pod)
    b2['status']['containerStatuses'][0]['restartCount'] = '7'
    check('a Pod with a string restartCount FAILS validation', S.errors('io.k8s.api.core.v1.Pod', b2))
    b3 = copy.deepcopy(pods)
    b3['items'][0]['metadata']['creationTimestamp'] = 'yesterday'
    check('a PodList with a bad timestamp FAILS validation', S.errors('io.k8s.api.core.v1.PodList', b3))
    st, apps = k.get(APPS + '/sparkapplications')
    a = copy.deepcopy(apps['items'][0])
    del a['status']['applicationState']['state']
    check('a SparkApplication whose status lacks applicationState.state FAILS', S.app_errors(a))
    a = copy.deepcopy(apps['items'][0])
    a['status']['executionAttempts'] = 'one'
    check('a SparkApplication with a string executionAttempts FAILS', S.app_errors(a))
    check('a Status with a string code FAILS', S.errors(
        'io.k8s.apimachinery.pkg.apis.meta.v1.Status', {'kind': 'Status', 'code': '404'}))


def selector_checks(k):
    st, all_pods = k.get('/api/v1/pods')
    items = all_pods['items']
    by = lambda f: sorted(p['metadata']['name'] for p in items if f(p['metadata'].get('labels') or {}))
    names = lambda body: sorted(p['metadata']['name'] for p in body.get('items', []))
    cases = [('spark-role=driver', lambda l: l.get('spark-role') == 'driver'),
             ('spark-role==driver', lambda l: l.get('spark-role') == 'driver'),
             ('spark-role!=driver', lambda l: l.get('spark-role') != 'driver'),
             ('spark-role in (driver,executor)', lambda l: l.get('spark-role') in ('driver', 'executor')),
             ('spark-role notin (driver)', lambda l: l.get('spark-role') != 'driver'),
             ('spark-role', lambda l: 'spark-role' in l), ('!spark-role', lambda l: 'spark-role' not in l),
             ('spark-role=driver,platform-tui/dag-id', lambda l: l.get('spark-role') == 'driver'
              and 'platform-tui/dag-id' in l)]
    for sel, f in cases:
        st, body = k.get('/api/v1/pods?labelSelector=' + quote(sel))
        check('labelSelector %r matches exactly the right pods' % sel,
              st == 200 and names(body) == by(f) and (by(f) or sel.startswith('!')), (names(body), by(f)))
    st, body = k.get('/api/v1/pods?labelSelector=' + quote('a in (b'))
    check('a malformed labelSelector gets 400 BadRequest', st == 400 and body.get('reason') == 'BadRequest', body)
    st, body = k.get('/api/v1/pods?fieldSelector=' + quote('status.phase=Running,spec.nodeName=compute'))
    want = sorted(p['metadata']['name'] for p in items if p['status'].get('phase') == 'Running')
    check('fieldSelector status.phase=Running,spec.nodeName=compute', names(body) == want)
    st, body = k.get('/api/v1/namespaces/spark-jobs/pods?fieldSelector=metadata.name%3Dno-such')
    check('fieldSelector metadata.name on a namespace', st == 200 and body['items'] == [])
    st, body = k.get('/api/v1/pods?fieldSelector=spec.foo%3Dbar')
    check('an unsupported field selector gets 400', st == 400 and 'field label not supported' in
          body.get('message', ''), body)


def paging_checks(k):
    st, res = k.req('POST', '/lab/v1/seed', {'pods': 1234, 'namespace': 'bench'})
    check('POST /lab/v1/seed adds 1234 pods', st == 200 and res.get('created') == 1234, res)
    st, full = k.get('/api/v1/namespaces/bench/pods')
    seen, token, pages, rvs = [], '', 0, set()
    while True:
        st, page = k.get('/api/v1/namespaces/bench/pods?limit=100' + ('&continue=' + token if token else ''))
        if st != 200:
            break
        pages += 1
        rvs.add(page['metadata']['resourceVersion'])
        seen += [p['metadata']['name'] for p in page['items']]
        token = page['metadata'].get('continue')
        if not token:
            break
    check('limit=100/continue covers all %d pods exactly once in 13 pages' % len(full['items']),
          len(seen) == len(set(seen)) == len(full['items']) == 1234 and pages == 13
          and set(seen) == {p['metadata']['name'] for p in full['items']}, (len(seen), pages))
    check('continue pages keep the first page resourceVersion', len(rvs) == 1, rvs)
    st, page = k.get('/api/v1/pods?limit=500')
    check('first page of all pods has remainingItemCount', st == 200 and
          page['metadata'].get('remainingItemCount', 0) > 700, page['metadata'])
    st, body = k.get('/api/v1/pods?limit=10&continue=garbage')
    check('an invalid continue token gets 400', st == 400, body)


def quote(s):
    from urllib.parse import quote as q
    return q(s, safe='')


class Watcher(threading.Thread):
    """Collects the events of one watch in the background."""

    def __init__(self, k, path):
        super().__init__(daemon=True)
        self.k, self.path, self.events, self.status = k, path, [], None

    def run(self):
        try:
            self.status = self.k.stream(self.path, lambda l: self.events.append(json.loads(l)),
                                        timeout=40)
        except (OSError, ValueError) as exc:
            self.events.append({'type': 'CLIENT-ERROR', 'object': str(exc)})

    def wait_for(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            if any(pred(e) for e in list(self.events)):
                return True
            time.sleep(0.1)
        return False


def app_watch_checks(k, S):
    st, lst = k.get(APPS + '/namespaces/spark-jobs/sparkapplications')
    rv = lst['metadata']['resourceVersion']
    w = Watcher(k, APPS + '/namespaces/spark-jobs/sparkapplications?watch=1&resourceVersion=%s'
                '&allowWatchBookmarks=true&timeoutSeconds=30' % rv)
    pw = Watcher(k, '/api/v1/namespaces/spark-jobs/pods?watch=1&labelSelector=%s&resourceVersion=%s'
                 '&timeoutSeconds=30' % (quote('spark-role=driver,platform-tui/dag-id=contract'), rv))
    w.start()
    pw.start()
    time.sleep(0.3)
    st, app = k.req('POST', APPS + '/namespaces/spark-jobs/sparkapplications', APP)
    check('POST a SparkApplication gets 201 and a valid object', st == 201 and not S.app_errors(app), app)
    st, dup = k.req('POST', APPS + '/namespaces/spark-jobs/sparkapplications', APP)
    check('POST it again gets 409 AlreadyExists', st == 409 and dup.get('reason') == 'AlreadyExists', dup)
    bad = copy.deepcopy(APP)
    bad['metadata']['name'] = 'contract-bad'
    del bad['spec']['type']
    st, body = k.req('POST', APPS + '/namespaces/spark-jobs/sparkapplications', bad)
    check('POST without spec.type gets 422 Invalid naming the field', st == 422 and
          body.get('reason') == 'Invalid' and 'spec.type' in body.get('message', '')
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.Status', body), body)
    mine = lambda e: e.get('object', {}).get('metadata', {}).get('name') == 'contract-pi'
    state = lambda s: lambda e: mine(e) and e['object'].get('status', {}).get(
        'applicationState', {}).get('state') == s
    ok = all(w.wait_for(state(s), 15) for s in ('SUBMITTED', 'RUNNING', 'SUCCEEDING', 'COMPLETED'))
    check('watch sees the app go SUBMITTED, RUNNING, SUCCEEDING, COMPLETED', ok,
          [e['object'].get('status') for e in w.events if mine(e)][-3:])
    log_follow_checks(k)
    st, body = k.req('DELETE', APPS + '/namespaces/spark-jobs/sparkapplications/contract-pi')
    check('DELETE the app answers Success', st == 200 and body.get('status') == 'Success', body)
    w.wait_for(lambda e: mine(e) and e['type'] == 'DELETED', 5)
    types = [e['type'] for e in w.events if mine(e)]
    check('watch saw ADDED, MODIFIED and DELETED for the app',
          types[:1] == ['ADDED'] and 'MODIFIED' in types and types[-1:] == ['DELETED'], types)
    errs = [x for e in w.events if mine(e) for x in
            S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent', e) + S.app_errors(e['object'])]
    check('every app watch event is a valid WatchEvent holding a valid SparkApplication', not errs, errs[:5])
    check('bookmarks arrive with a resourceVersion', any(
        e['type'] == 'BOOKMARK' and e['object']['metadata'].get('resourceVersion') for e in w.events))
    pw.wait_for(lambda e: e['type'] == 'DELETED', 6)
    ptypes = [e['type'] for e in pw.events]
    perrs = [x for e in pw.events if e['type'] != 'BOOKMARK'
             for x in S.errors('io.k8s.api.core.v1.Pod', e['object'])]
    check('pod watch (labels copied from the app) sees the driver ADDED, MODIFIED, DELETED',
          ptypes[:1] == ['ADDED'] and 'MODIFIED' in ptypes and ptypes[-1:] == ['DELETED'], ptypes)
    check('driver pod watch objects are valid Pods', not perrs and pw.events, perrs[:5])
    drv = [e['object'] for e in pw.events if e['type'] == 'MODIFIED']
    phases = [o['status'].get('phase') for o in drv]
    check('driver pod went Pending, Running, Succeeded', phases and phases[0] == 'Pending' and
          'Running' in phases and 'Succeeded' in phases, phases)
    lab = drv[-1]['metadata']['labels'] if drv else {}
    check('driver pod has the Spark and operator labels', lab.get('spark-role') == 'driver' and
          lab.get('spark-app-selector', '').startswith('spark-') and
          lab.get('sparkoperator.k8s.io/launched-by-spark-operator') == 'true' and
          lab.get('sparkoperator.k8s.io/app-name') == 'contract-pi', lab)


def log_follow_checks(k):
    """Called while contract-pi has run: its driver's log."""
    path = '/api/v1/namespaces/spark-jobs/pods/contract-pi-driver/log'
    st, full = k.get(path)
    lines = full.splitlines() if isinstance(full, str) else []
    st2, tail = k.get(path + '?tailLines=2')
    check('logs tailLines=2 gives the last two lines', st2 == 200 and isinstance(tail, str)
          and tail.splitlines() == lines[-2:] and len(lines) > 10, (len(lines), tail))
    st3, ts = k.get(path + '?tailLines=1&timestamps=true')
    check('logs timestamps=true prefixes RFC 3339 times', isinstance(ts, str) and
          re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ', ts), ts)
    st4, lim = k.get(path + '?limitBytes=10')
    check('logs limitBytes=10 gives 10 bytes', isinstance(lim, str) and len(lim.encode()) == 10, lim)


def follow_check(k):
    """follow=true streams lines appended while the driver runs, and ends with it."""
    app = copy.deepcopy(APP)
    app['metadata']['name'] = 'contract-follow'
    app['metadata']['annotations']['lab.platform-tui/duration-seconds'] = '5'
    app['metadata']['annotations']['lab.platform-tui/fail'] = 'true'
    k.req('POST', APPS + '/namespaces/spark-jobs/sparkapplications', app)
    path = '/api/v1/namespaces/spark-jobs/pods/contract-follow-driver/log?follow=true'
    for _ in range(50):
        st, _ = k.get('/api/v1/namespaces/spark-jobs/pods/contract-follow-driver/log')
        if st == 200:
            break
        time.sleep(0.2)
    got, times = [], []
    t0 = time.time()
    st = k.stream(path, lambda l: got.append(l) or times.append(time.time() - t0), timeout=30)
    text = b''.join(got).decode()
    check('follow=true streams until the driver exits (failing app: exception in log)',
          st == 200 and times and times[-1] > 2 and 'Exception in thread "main"' in text
          and 'Shutdown hook called' in text, (st, times[-1:] if times else None, text[-300:]))
    for _ in range(30):
        st, a = k.get(APPS + '/namespaces/spark-jobs/sparkapplications/contract-follow')
        if a.get('status', {}).get('applicationState', {}).get('state') == 'FAILED':
            break
        time.sleep(0.2)
    check('a failing app ends FAILED with an errorMessage',
          a['status']['applicationState'].get('errorMessage'), a.get('status'))
    k.req('DELETE', APPS + '/namespaces/spark-jobs/sparkapplications/contract-follow')


def previous_checks(k):
    st, pods = k.get('/api/v1/namespaces/spark-jobs/pods?labelSelector=' + quote('!spark-role'))
    crash = [p for p in pods['items'] if any(
        c['restartCount'] > 0 for c in p['status'].get('containerStatuses', []))]
    check('a crash-looping pod with restarts > 0 exists', crash)
    if not crash:
        return
    name = crash[0]['metadata']['name']
    st, prev = k.get('/api/v1/namespaces/spark-jobs/pods/%s/log?previous=true' % name)
    check('previous=true gives the crashed container\'s log', st == 200 and 'Exception' in prev, prev)
    st, body = k.get('/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns')
    dns = body['items'][0]['metadata']['name']
    st, body = k.get('/api/v1/namespaces/kube-system/pods/%s/log?previous=true' % dns)
    check('previous=true on a never-restarted pod gets 400', st == 400, body)
    st, body = k.get('/api/v1/namespaces/kube-system/pods?labelSelector=' +
                     quote('svccontroller.k3s.cattle.io/svcname=traefik'))
    lb = body['items'][0]['metadata']['name']
    st, body = k.get('/api/v1/namespaces/kube-system/pods/%s/log' % lb)
    check('logs of a two-container pod without container= gets 400', st == 400 and
          'container name must be specified' in body.get('message', ''), body)


def auth_checks(k, kubeconfig_cert, tmp):
    st, body = Kube(kubeconfig_cert).get('/api/v1/namespaces')
    check('the client certificate of kubeconfig.yaml authenticates', st == 200, body)
    st, body = Kube(kubeconfig_cert, use_cert=False).get('/api/v1/namespaces')
    check('no credentials at all gets 401', st == 401, body)
    other = os.path.join(tmp, 'other')
    subprocess.run(['bash', os.path.join(SIM, 'setup.sh'), other, k.host, str(k.port),
                    os.path.join(other, 'token')], check=True)
    try:
        Kube(kubeconfig_cert, ca_file=os.path.join(other, 'ca.crt')).get('/version')
        ok = False
    except ssl.SSLError as exc:
        ok = 'CERTIFICATE_VERIFY_FAILED' in str(exc)
    check('a client trusting another CA refuses the server', ok)
    try:
        st, _ = Kube(os.path.join(other, 'kubeconfig.yaml'),
                     ca_file=os.path.join(os.path.dirname(kubeconfig_cert), 'ca.crt')).get('/version')
        ok = st == 401
    except (ssl.SSLError, OSError):
        ok = True
    check('a client certificate from another CA is refused', ok)


def too_large_check(k, S):
    """A resourceVersion from the future (the simulator restarted): ERROR 504, list again."""
    st, lst = k.get('/api/v1/pods?limit=1')
    rv = int(lst['metadata']['resourceVersion']) + 10 ** 6
    lines = []
    t = time.time()
    k.stream('/api/v1/pods?watch=1&resourceVersion=%d' % rv,
             lambda l: lines.append(json.loads(l)) or False, timeout=10)
    obj = lines[0].get('object', {}) if lines else {}
    check('watch from a too large resourceVersion: ERROR 504 Timeout after about 3 s',
          lines and lines[0]['type'] == 'ERROR' and obj.get('code') == 504 and
          'Too large resource version' in obj.get('message', '') and time.time() - t >= 2.9
          and not S.errors('io.k8s.apimachinery.pkg.apis.meta.v1.Status', obj), lines)


def fault_checks(k, fault):
    with open(fault, 'w') as f:
        f.write('flaky 100\n')
    st, body = k.get('/api/v1/pods?limit=1')
    check('fault "flaky 100": 503 Status ServiceUnavailable', st == 503 and
          body.get('reason') == 'ServiceUnavailable', body)
    time.sleep(0.01)
    with open(fault, 'w') as f:
        f.write('slow 400\n')
    t = time.time()
    st, _ = k.get('/api/v1/pods?limit=1')
    check('fault "slow 400": answers after 400 ms', st == 200 and time.time() - t >= 0.4)
    os.unlink(fault)
    t = time.time()
    st, _ = k.get('/api/v1/pods?limit=1')
    check('fault cleared: fast 200 again', st == 200 and time.time() - t < 0.4)


def table_checks(k):
    st, t = k.get('/api/v1/namespaces/spark-jobs/pods', headers={
        'Accept': 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'})
    cols = [c['name'] for c in t.get('columnDefinitions') or []]
    check('pods as Table: Name Ready Status Restarts Age (+IP Node wide)',
          st == 200 and t.get('kind') == 'Table' and cols[:7] ==
          ['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node'] and t['rows'] and
          t['rows'][0]['object']['kind'] == 'PartialObjectMetadata', cols)
    st, t = k.get(APPS + '/sparkapplications', headers={
        'Accept': 'application/json;as=Table;v=v1;g=meta.k8s.io'})
    cols = [c['name'] for c in t.get('columnDefinitions') or []]
    check('sparkapplications as Table: the CRD printer columns',
          cols == ['Name', 'Suspend', 'Status', 'Attempts', 'Start', 'Finish', 'Age'], cols)


def main():
    specs = find_specs()
    try:
        import jsonschema  # noqa: F401
        import yaml  # noqa: F401
    except ImportError as exc:
        print('1..0 # SKIP python3-jsonschema or python3-yaml missing: %s' % exc)
        return 0
    if not specs:
        print('1..0 # SKIP shared/specs not found (set PLATFORM_SPECS_DIR)')
        return 0
    S = Schemas(specs)
    tmp = tempfile.mkdtemp(prefix='kube-contract.')
    proc, d, fault = start_private(tmp)
    try:
        k = Kube(os.path.join(d, 'kubeconfig-token.yaml'))
        schema_checks(k, S, 'private')
        broken_checks(k, S)
        selector_checks(k)
        paging_checks(k)
        table_checks(k)
        app_watch_checks(k, S)
        follow_check(k)
        previous_checks(k)
        auth_checks(k, os.path.join(d, 'kubeconfig.yaml'), tmp)
        too_large_check(k, S)
        fault_checks(k, fault)
        lab = os.path.join(os.environ.get('PLATFORM_LAB_DIR', '/tmp/platform-lab'), 'kube',
                           'kubeconfig.yaml')
        if os.path.exists(lab):
            lk = Kube(lab)
            try:
                socket.create_connection((lk.host, lk.port), 2).close()
                schema_checks(lk, S, 'lab')
            except OSError as exc:
                print('# the lab\'s simulator (%s:%d) is not running: %s' % (lk.host, lk.port, exc))
    finally:
        proc.terminate()
        proc.wait()
        if not any(r is False for r in RESULTS):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print('# private simulator files kept in %s' % tmp)
    print('1..%d' % len(RESULTS))
    return 0 if all(RESULTS) else 1


if __name__ == '__main__':
    sys.exit(main())
