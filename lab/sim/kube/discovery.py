"""Legacy (unaggregated) discovery documents, enough for kubectl.

Answered as plain application/json: clients asking for aggregated discovery
(apidiscovery.k8s.io/v2) fall back to these, as with an older server.
"""

from objects import K8S_VERSION

GROUP = 'sparkoperator.k8s.io'
VERSION = 'v1beta2'

READ = ['get', 'list', 'watch']
ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

CORE = [
    # name, singular, namespaced, kind, verbs, short names
    ('namespaces', 'namespace', False, 'Namespace', READ, ['ns']),
    ('nodes', 'node', False, 'Node', READ, ['no']),
    ('pods', 'pod', True, 'Pod', ['delete', 'get', 'list', 'watch'], ['po']),
    ('pods/log', '', True, 'Pod', ['get'], None),
    ('events', 'event', True, 'Event', READ, ['ev']),
    ('services', 'service', True, 'Service', READ, ['svc']),
    ('services/proxy', '', True, 'ServiceProxyOptions', ['get'], None),
]


def version():
    git = K8S_VERSION
    major, minor = git[1:].split('.')[:2]
    return {'major': major, 'minor': minor, 'gitVersion': git,
            'gitCommit': '9dbf1e3d5bb3e7c1e2a2ef83b4b3a5a2fd1a4e21', 'gitTreeState': 'clean',
            'buildDate': '2025-09-10T10:00:00Z', 'goVersion': 'go1.24.6', 'compiler': 'gc',
            'platform': 'linux/amd64'}


def api_versions(server_addr):
    return {'kind': 'APIVersions', 'versions': ['v1'],
            'serverAddressByClientCIDRs': [{'clientCIDR': '0.0.0.0/0',
                                            'serverAddress': server_addr}]}


def _group():
    gv = {'groupVersion': '%s/%s' % (GROUP, VERSION), 'version': VERSION}
    return {'name': GROUP, 'versions': [gv], 'preferredVersion': gv}


def api_groups():
    return {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': [_group()]}


def api_group():
    g = _group()
    g.update({'kind': 'APIGroup', 'apiVersion': 'v1'})
    return g


def _resource(name, singular, namespaced, kind, verbs, short):
    r = {'name': name, 'singularName': singular, 'namespaced': namespaced, 'kind': kind,
         'verbs': verbs}
    if short:
        r['shortNames'] = short
    if '/' not in name:
        r['storageVersionHash'] = 'lab' + name[:8]
    return r


def core_resources():
    return {'kind': 'APIResourceList', 'groupVersion': 'v1',
            'resources': [_resource(*r) for r in CORE]}


def spark_resources():
    return {'kind': 'APIResourceList', 'apiVersion': 'v1',
            'groupVersion': '%s/%s' % (GROUP, VERSION),
            'resources': [
                _resource('sparkapplications', 'sparkapplication', True, 'SparkApplication',
                          ALL, ['sparkapp']),
                _resource('sparkapplications/status', '', True, 'SparkApplication',
                          ['get', 'patch', 'update'], None)]}
