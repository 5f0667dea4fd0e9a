"""Server-side printing: meta.k8s.io/v1 Table objects, the columns kubectl shows.

Column sets follow the API server's printers (pkg/printers/internalversion)
and, for SparkApplications, the CRD's additionalPrinterColumns.
"""

import calendar
import functools
import time

PRINTER_COLUMNS = [  # from the SparkApplication CRD (v2.5.2)
    ('Suspend', 'boolean', '.spec.suspend'), ('Status', 'string', '.status.applicationState.state'),
    ('Attempts', 'string', '.status.executionAttempts'),
    ('Start', 'string', '.status.lastSubmissionAttemptTime'),
    ('Finish', 'string', '.status.terminationTime'), ('Age', 'date', '.metadata.creationTimestamp')]


@functools.lru_cache(maxsize=4096)
def parse_time(s):
    return calendar.timegm(time.strptime(s, '%Y-%m-%dT%H:%M:%SZ'))


def human_duration(secs):
    """apimachinery's duration.HumanDuration."""
    s = int(secs)
    if s < -1:
        return '<invalid>'
    if s < 0:
        return '0s'
    if s < 120:
        return '%ds' % s
    m = s // 60
    if m < 10:
        return '%dm' % m if s % 60 == 0 else '%dm%ds' % (m, s % 60)
    if m < 180:
        return '%dm' % m
    h = s // 3600
    if h < 8:
        return '%dh' % h if m % 60 == 0 else '%dh%dm' % (h, m % 60)
    if h < 48:
        return '%dh' % h
    if h < 24 * 8:
        return '%dd' % (h // 24) if h % 24 == 0 else '%dd%dh' % (h // 24, h % 24)
    if h < 24 * 365 * 2:
        return '%dd' % (h // 24)
    if h < 24 * 365 * 8:
        dy = (h // 24) % 365
        return '%dy' % (h // 24 // 365) if dy == 0 else '%dy%dd' % (h // 24 // 365, dy)
    return '%dy' % (h // 24 // 365)


def age(ts, now):
    if not ts:
        return '<unknown>'
    return human_duration(now - parse_time(ts))


def col(name, typ='string', priority=0, fmt='', desc=''):
    return {'name': name, 'type': typ, 'format': fmt, 'description': desc or name,
            'priority': priority}


def pod_status_reason(p):
    """kubectl's STATUS column for a pod."""
    st = p.get('status', {})
    reason = st.get('reason') or st.get('phase') or 'Unknown'
    running = False
    for cs in reversed(st.get('containerStatuses') or []):
        state = cs.get('state', {})
        if state.get('waiting', {}).get('reason'):
            reason = state['waiting']['reason']
        elif state.get('terminated', {}).get('reason'):
            reason = state['terminated']['reason']
        elif 'terminated' in state:
            t = state['terminated']
            reason = ('Signal:%d' % t['signal']) if t.get('signal') else 'ExitCode:%d' % t['exitCode']
        elif 'running' in state and cs.get('ready'):
            running = True
    if reason == 'Completed' and running:
        reason = 'Running'
    if p['metadata'].get('deletionTimestamp'):
        reason = 'Terminating'
    return reason


def pod_row(p, now):
    st = p.get('status', {})
    css = st.get('containerStatuses') or []
    ready = sum(1 for c in css if c.get('ready'))
    restarts = sum(c.get('restartCount', 0) for c in css)
    last = max([c.get('lastState', {}).get('terminated', {}).get('finishedAt', '') for c in css]
               or [''])
    rcell = restarts
    if restarts and last:
        rcell = '%d (%s ago)' % (restarts, human_duration(now - parse_time(last)))
    return ['%s' % p['metadata']['name'], '%d/%d' % (ready, len(p['spec']['containers'])),
            pod_status_reason(p), rcell, age(p['metadata'].get('creationTimestamp'), now),
            st.get('podIP') or '<none>', p['spec'].get('nodeName') or '<none>', '<none>', '<none>']


POD_COLS = [col('Name', fmt='name'), col('Ready'), col('Status'), col('Restarts'), col('Age'),
            col('IP', priority=1), col('Node', priority=1), col('Nominated Node', priority=1),
            col('Readiness Gates', priority=1)]


def ns_row(o, now):
    return [o['metadata']['name'], o.get('status', {}).get('phase', ''),
            age(o['metadata'].get('creationTimestamp'), now)]


def node_row(o, now):
    labels = o['metadata'].get('labels') or {}
    roles = sorted(k.split('/', 1)[1] for k in labels if k.startswith('node-role.kubernetes.io/'))
    ready = [c for c in o['status']['conditions'] if c['type'] == 'Ready']
    info = o['status']['nodeInfo']
    ip = [a['address'] for a in o['status']['addresses'] if a['type'] == 'InternalIP']
    return [o['metadata']['name'], 'Ready' if ready and ready[0]['status'] == 'True' else 'NotReady',
            ','.join(roles) or '<none>', age(o['metadata'].get('creationTimestamp'), now),
            info['kubeletVersion'], ip[0] if ip else '<none>', '<none>', info['osImage'],
            info['kernelVersion'], info['containerRuntimeVersion']]


def svc_row(o, now):
    spec = o['spec']
    ports = ','.join('%d/%s' % (p['port'], p.get('protocol', 'TCP')) for p in spec.get('ports', []))
    sel = ','.join('%s=%s' % kv for kv in sorted((spec.get('selector') or {}).items()))
    return [o['metadata']['name'], spec.get('type', 'ClusterIP'), spec.get('clusterIP', ''),
            '<none>', ports or '<none>', age(o['metadata'].get('creationTimestamp'), now),
            sel or '<none>']


def event_row(e, now):
    inv = e['involvedObject']
    src = e.get('source', {})
    return [age(e.get('lastTimestamp'), now), e.get('type', ''), e.get('reason', ''),
            '%s/%s' % (inv.get('kind', '').lower(), inv.get('name', '')), inv.get('fieldPath', ''),
            ', '.join(v for v in (src.get('component'), src.get('host')) if v), e.get('message', ''),
            age(e.get('firstTimestamp'), now), e.get('count', 1), e['metadata']['name']]


def jsonpath(obj, path):
    for k in path.strip('.').split('.'):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def app_row(a, now):
    cells = [a['metadata']['name']]
    for _, typ, path in PRINTER_COLUMNS:
        v = jsonpath(a, path)
        if typ == 'date' and v:
            v = age(v, now)
        cells.append(v)
    return cells


TABLES = {
    'pods': (POD_COLS, pod_row),
    'namespaces': ([col('Name', fmt='name'), col('Status'), col('Age')], ns_row),
    'nodes': ([col('Name', fmt='name'), col('Status'), col('Roles'), col('Age'), col('Version'),
               col('Internal-IP', priority=1), col('External-IP', priority=1),
               col('OS-Image', priority=1), col('Kernel-Version', priority=1),
               col('Container-Runtime', priority=1)], node_row),
    'services': ([col('Name', fmt='name'), col('Type'), col('Cluster-IP'), col('External-IP'),
                  col('Port(s)'), col('Age'), col('Selector', priority=1)], svc_row),
    'events': ([col('Last Seen'), col('Type'), col('Reason'), col('Object'),
                col('Subobject', priority=1), col('Source', priority=1), col('Message'),
                col('First Seen', priority=1), col('Count', 'integer', 1),
                col('Name', priority=1)], event_row),
    'sparkapplications': ([col('Name', fmt='name')] + [col(n, t) for n, t, _ in PRINTER_COLUMNS],
                          app_row),
}


def partial(obj):
    return {'kind': 'PartialObjectMetadata', 'apiVersion': 'meta.k8s.io/v1',
            'metadata': obj['metadata']}


def table(rname, objs, list_meta, include='Metadata', with_columns=True):
    """A Table for the objects of resource rname."""
    cols, row = TABLES[rname]
    now = time.time()
    rows = []
    for o in objs:
        r = {'cells': row(o, now)}
        if include == 'Object':
            r['object'] = o
        elif include != 'None':
            r['object'] = partial(o)
        rows.append(r)
    t = {'kind': 'Table', 'apiVersion': 'meta.k8s.io/v1', 'metadata': list_meta, 'rows': rows}
    t['columnDefinitions'] = cols if with_columns else None
    return t
