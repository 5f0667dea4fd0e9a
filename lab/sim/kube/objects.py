"""Builders for the core/v1 objects the simulator serves, shaped as k3s shows them.

Pods are built Pending and moved through their phases by the pod_* helpers,
which edit a pod dict in place (callers use Store.update, so that is a copy).
"""

import hashlib
import random
import secrets
import time
import uuid

from store import now_iso

NODE = 'compute'
NODE_IP = '127.0.1.2'
K8S_VERSION = 'v1.33.5+k3s1'


def rand_suffix(n=5):
    """Kubernetes' generateName alphabet (no vowels, no 0/1/3)."""
    alphabet = 'bcdfghjklmnpqrstvwxz2456789'
    return ''.join(random.choice(alphabet) for _ in range(n))


def hexid(n=16):
    return secrets.token_hex(n // 2)


def owner_ref(obj, controller=True):
    return {'apiVersion': obj['apiVersion'], 'kind': obj['kind'],
            'name': obj['metadata']['name'], 'uid': obj['metadata']['uid'],
            'controller': controller, 'blockOwnerDeletion': True}


def namespace(name, created=None):
    return {'kind': 'Namespace', 'apiVersion': 'v1',
            'metadata': {'name': name, 'uid': str(uuid.uuid4()),
                         'creationTimestamp': now_iso(created),
                         'labels': {'kubernetes.io/metadata.name': name}},
            'spec': {'finalizers': ['kubernetes']}, 'status': {'phase': 'Active'}}


def node(created=None):
    """The compute node, Ready, as a single-node k3s server shows itself."""
    cap = {'cpu': '8', 'ephemeral-storage': '102626232Ki', 'hugepages-2Mi': '0',
           'memory': '32863112Ki', 'pods': '110'}
    ts = now_iso(created)
    conds = []
    for typ, st, reason, msg in (
            ('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
            ('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
            ('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
            ('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')):
        conds.append({'type': typ, 'status': st, 'reason': reason, 'message': msg,
                      'lastHeartbeatTime': now_iso(), 'lastTransitionTime': ts})
    return {'kind': 'Node', 'apiVersion': 'v1',
            'metadata': {'name': NODE, 'uid': str(uuid.uuid4()), 'creationTimestamp': ts,
                         'labels': {'beta.kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux',
                                    'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': NODE,
                                    'kubernetes.io/os': 'linux',
                                    'node-role.kubernetes.io/control-plane': 'true',
                                    'node-role.kubernetes.io/master': 'true',
                                    'node.kubernetes.io/instance-type': 'k3s'},
                         'annotations': {'k3s.io/node-args': '["server"]',
                                         'node.alpha.kubernetes.io/ttl': '0'}},
            'spec': {'podCIDR': '10.42.0.0/24', 'podCIDRs': ['10.42.0.0/24'],
                     'providerID': 'k3s://' + NODE},
            'status': {'capacity': cap, 'allocatable': dict(cap), 'conditions': conds,
                       'addresses': [{'type': 'InternalIP', 'address': NODE_IP},
                                     {'type': 'Hostname', 'address': NODE}],
                       'daemonEndpoints': {'kubeletEndpoint': {'Port': 10250}},
                       'nodeInfo': {'architecture': 'amd64', 'bootID': str(uuid.uuid4()),
                                    'containerRuntimeVersion': 'containerd://2.0.5-k3s2',
                                    'kernelVersion': '6.1.0-31-amd64',
                                    'kubeProxyVersion': K8S_VERSION, 'kubeletVersion': K8S_VERSION,
                                    'machineID': hexid(32), 'operatingSystem': 'linux',
                                    'osImage': 'Debian GNU/Linux 12 (bookworm)',
                                    'systemUUID': str(uuid.uuid4())}}}


class IPAllocator:
    """Pod IPs from the node's 10.42.0.0/16 pod CIDR."""

    def __init__(self):
        self.n = 9

    def next(self):
        self.n += 1
        return '10.42.%d.%d' % (self.n // 254, self.n % 254 + 1)


def container(name, image, args=None, ports=None):
    c = {'name': name, 'image': image, 'imagePullPolicy': 'IfNotPresent',
         'resources': {}, 'terminationMessagePath': '/dev/termination-log',
         'terminationMessagePolicy': 'File'}
    if args:
        c['args'] = list(args)
    if ports:
        c['ports'] = [{'containerPort': p, 'name': n, 'protocol': 'TCP'} for n, p in ports]
    return c


def pod(ns, name, containers, labels=None, annotations=None, owner=None,
        restart='Always', created=None, sa='default'):
    """A new Pending pod, already scheduled on the compute node."""
    md = {'name': name, 'namespace': ns, 'uid': str(uuid.uuid4()),
          'creationTimestamp': now_iso(created), 'labels': dict(labels or {})}
    if annotations:
        md['annotations'] = dict(annotations)
    if owner:
        md['ownerReferences'] = [owner]
    return {'kind': 'Pod', 'apiVersion': 'v1', 'metadata': md,
            'spec': {'containers': containers, 'dnsPolicy': 'ClusterFirst',
                     'enableServiceLinks': True, 'nodeName': NODE, 'preemptionPolicy':
                     'PreemptLowerPriority', 'priority': 0, 'restartPolicy': restart,
                     'schedulerName': 'default-scheduler', 'securityContext': {},
                     'serviceAccount': sa, 'serviceAccountName': sa,
                     'terminationGracePeriodSeconds': 30,
                     'tolerations': [
                         {'effect': 'NoExecute', 'key': 'node.kubernetes.io/not-ready',
                          'operator': 'Exists', 'tolerationSeconds': 300},
                         {'effect': 'NoExecute', 'key': 'node.kubernetes.io/unreachable',
                          'operator': 'Exists', 'tolerationSeconds': 300}]},
            'status': {'phase': 'Pending', 'qosClass': 'BestEffort',
                       'conditions': [_cond('PodScheduled', 'True', created)]}}


def _cond(typ, status, t=None, reason=None):
    c = {'type': typ, 'status': status, 'lastProbeTime': None,
         'lastTransitionTime': now_iso(t)}
    if reason:
        c['reason'] = reason
    return c


def _image_id(image):
    return 'docker.io/%s@sha256:%s' % (image.split(':')[0],
                                       hashlib.sha256(image.encode()).hexdigest())


def _cstatus(c, state, ready, restarts=0, last=None, started=False):
    st = {'name': c['name'], 'image': c['image'], 'imageID': '', 'ready': ready,
          'restartCount': restarts, 'started': started, 'state': state, 'lastState': last or {}}
    if 'waiting' not in state or restarts:
        st['imageID'] = _image_id(c['image'])
        st['containerID'] = 'containerd://' + hexid(64)
    return st


def pod_creating(p, t=None):
    """Scheduled, containers being created (kubectl: ContainerCreating)."""
    s = p['status']
    s.update({'hostIP': NODE_IP, 'hostIPs': [{'ip': NODE_IP}], 'startTime': now_iso(t)})
    s['conditions'] = [_cond('PodReadyToStartContainers', 'False', t),
                       _cond('Initialized', 'True', t),
                       _cond('Ready', 'False', t, 'ContainersNotReady'),
                       _cond('ContainersReady', 'False', t, 'ContainersNotReady'),
                       _cond('PodScheduled', 'True', t)]
    s['containerStatuses'] = [_cstatus(c, {'waiting': {'reason': 'ContainerCreating'}}, False)
                              for c in p['spec']['containers']]


def pod_running(p, ip, t=None):
    """All containers running and ready, with the pod's IP."""
    s = p['status']
    ip = s.get('podIP') or ip
    s.setdefault('hostIP', NODE_IP)
    s.setdefault('hostIPs', [{'ip': NODE_IP}])
    s.setdefault('startTime', now_iso(t))
    s.update({'phase': 'Running', 'podIP': ip, 'podIPs': [{'ip': ip}]})
    s['conditions'] = [_cond(n, 'True', t) for n in
                       ('PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady',
                        'PodScheduled')]
    old = {c['name']: c for c in s.get('containerStatuses', [])}
    s['containerStatuses'] = [
        _cstatus(c, {'running': {'startedAt': now_iso(t)}}, True,
                 old.get(c['name'], {}).get('restartCount', 0),
                 old.get(c['name'], {}).get('lastState'), True)
        for c in p['spec']['containers']]


def terminated(exit_code, started, t=None, message=None):
    st = {'exitCode': exit_code, 'reason': 'Completed' if exit_code == 0 else 'Error',
          'startedAt': started, 'finishedAt': now_iso(t),
          'containerID': 'containerd://' + hexid(64)}
    if message:
        st['message'] = message
    return {'terminated': st}


def pod_finished(p, exit_code, t=None):
    """Containers exited: phase Succeeded (0) or Failed (non-zero)."""
    s = p['status']
    s['phase'] = 'Succeeded' if exit_code == 0 else 'Failed'
    reason = 'PodCompleted' if exit_code == 0 else 'PodFailed'
    s['conditions'] = [_cond('PodReadyToStartContainers', 'False', t),
                       _cond('Initialized', 'True', t, reason),
                       _cond('Ready', 'False', t, reason),
                       _cond('ContainersReady', 'False', t, reason),
                       _cond('PodScheduled', 'True', t)]
    statuses = []
    for cs in s.get('containerStatuses', []):
        started = cs.get('state', {}).get('running', {}).get('startedAt', now_iso(t))
        cs = dict(cs, ready=False, started=False, state=terminated(exit_code, started, t))
        cs['containerID'] = cs['state']['terminated']['containerID']
        statuses.append(cs)
    s['containerStatuses'] = statuses


def pod_crashloop(p, restarts, t_exit=None, backoff='5m0s'):
    """The container exited with an error and waits in CrashLoopBackOff."""
    s = p['status']
    s['phase'] = 'Running'
    s['conditions'] = [_cond('PodReadyToStartContainers', 'True', t_exit),
                       _cond('Initialized', 'True', t_exit),
                       _cond('Ready', 'False', t_exit, 'ContainersNotReady'),
                       _cond('ContainersReady', 'False', t_exit, 'ContainersNotReady'),
                       _cond('PodScheduled', 'True', t_exit)]
    statuses = []
    for c in p['spec']['containers']:
        last = terminated(1, now_iso((t_exit or time.time()) - 4), t_exit)
        msg = 'back-off %s restarting failed container=%s pod=%s_%s(%s)' % (
            backoff, c['name'], p['metadata']['name'], p['metadata']['namespace'],
            p['metadata']['uid'])
        cs = _cstatus(c, {'waiting': {'reason': 'CrashLoopBackOff', 'message': msg}},
                      False, restarts, last, False)
        cs['containerID'] = last['terminated']['containerID']
        statuses.append(cs)
    s['containerStatuses'] = statuses


def pod_terminating(p, grace=30, t=None):
    p['metadata']['deletionTimestamp'] = now_iso((t or time.time()) + grace)
    p['metadata']['deletionGracePeriodSeconds'] = grace


def event(involved, reason, message, etype='Normal', component='kubelet',
          host=NODE, t=None, field_path=None):
    """A core/v1 Event about `involved` (any stored object)."""
    md = involved['metadata']
    ns = md.get('namespace') or 'default'
    ts = now_iso(t)
    ref = {'apiVersion': involved['apiVersion'], 'kind': involved['kind'],
           'name': md['name'], 'namespace': md.get('namespace', ''), 'uid': md['uid'],
           'resourceVersion': md.get('resourceVersion', '')}
    if field_path:
        ref['fieldPath'] = field_path
    src = {'component': component}
    if host:
        src['host'] = host
    return {'kind': 'Event', 'apiVersion': 'v1',
            'metadata': {'name': '%s.%s' % (md['name'], hexid(16)), 'namespace': ns,
                         'uid': str(uuid.uuid4()), 'creationTimestamp': ts},
            'involvedObject': ref, 'reason': reason, 'message': message, 'source': src,
            'firstTimestamp': ts, 'lastTimestamp': ts, 'count': 1, 'type': etype,
            'eventTime': None, 'reportingComponent': component,
            'reportingInstance': host or ''}


def service(ns, name, ports, selector, labels=None, owner=None, cluster_ip=None,
            stype='ClusterIP', created=None):
    md = {'name': name, 'namespace': ns, 'uid': str(uuid.uuid4()),
          'creationTimestamp': now_iso(created), 'labels': dict(labels or {})}
    if owner:
        md['ownerReferences'] = [owner]
    ip = cluster_ip or '10.43.%d.%d' % (random.randint(0, 255), random.randint(2, 254))
    return {'kind': 'Service', 'apiVersion': 'v1', 'metadata': md,
            'spec': {'clusterIP': ip, 'clusterIPs': [ip], 'internalTrafficPolicy': 'Cluster',
                     'ipFamilies': ['IPv4'], 'ipFamilyPolicy': 'SingleStack',
                     'ports': [{'name': n, 'port': p, 'protocol': 'TCP', 'targetPort': p}
                               for n, p in ports],
                     'selector': dict(selector or {}), 'sessionAffinity': 'None',
                     'type': stype},
            'status': {'loadBalancer': {}}}
