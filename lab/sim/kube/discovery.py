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


def openapi_root():
    """/openapi/v3: the group-versions with a document."""
    return {'paths': {'apis/%s/%s' % (GROUP, VERSION): {
        'serverRelativeURL': '/openapi/v3/apis/%s/%s?hash=LAB0001' % (GROUP, VERSION)}}}


def openapi_spark(app_schema):
    """/openapi/v3/apis/sparkoperator.k8s.io/v1beta2: enough for kubectl.

    kubectl only sends fieldValidation=Strict (and skips client-side schema
    validation) when the group-version's PATCH operation lists that query
    parameter; `kubectl explain` reads the schema."""
    gvk = [{'group': GROUP, 'version': VERSION, 'kind': 'SparkApplication'}]
    params = [{'name': n, 'in': 'query', 'schema': {'type': 'string'}}
              for n in ('dryRun', 'fieldManager', 'fieldValidation', 'force')]
    name = 'io.k8s.sparkoperator.%s.SparkApplication' % VERSION
    ref = {'$ref': '#/components/schemas/' + name}
    op = {'operationId': 'patchSparkoperatorK8sIoV1beta2NamespacedSparkApplication',
          'parameters': params, 'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': gvk[0],
          'requestBody': {'content': {'application/merge-patch+json': {'schema': {'type': 'object'}}}},
          'responses': {'200': {'description': 'OK', 'content': {'application/json': {'schema': ref}}}}}
    post = dict(op, operationId='createSparkoperatorK8sIoV1beta2NamespacedSparkApplication',
                **{'x-kubernetes-action': 'post'})
    schema = dict(app_schema or {'type': 'object'})
    schema['x-kubernetes-group-version-kind'] = gvk
    return {'openapi': '3.0.0', 'info': {'title': 'Kubernetes CRD Swagger', 'version': 'v0.1.0'},
            'paths': {'/apis/%s/%s/namespaces/{namespace}/sparkapplications/{name}' % (GROUP, VERSION):
                      {'patch': op},
                      '/apis/%s/%s/namespaces/{namespace}/sparkapplications' % (GROUP, VERSION):
                      {'post': post}},
            'components': {'schemas': {name: schema}}}
