"""HTTP request handling for the Kubernetes API simulator.

Routing, authentication (bearer token or a client certificate from the lab
CA), fault injection, and the list / get / watch / log / create / delete
handlers.  The Sim object (kubesim.py) holds the store and controllers.
"""

import hmac
import json
import os
import random
import select
import ssl
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit, parse_qs

import discovery
import labelsel
import tables
from store import ApiError, SelectorError, dumps
from streams import Streams

SPARK = '/apis/%s/%s' % (discovery.GROUP, discovery.VERSION)
FIELDS = {'pods': labelsel.POD_FIELDS, 'events': labelsel.EVENT_FIELDS,
          'namespaces': labelsel.NAMESPACE_FIELDS, 'nodes': labelsel.NODE_FIELDS}


class Handler(Streams, BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'k3s'
    sim = None   # set by kubesim.py

    # -- plumbing --------------------------------------------------------------

    def setup(self):
        self.request.settimeout(30)
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            self.request.close()
            raise ConnectionAbortedError('TLS handshake failed')
        super().setup()

    def log_message(self, fmt, *args):
        self.sim.log('%s %s' % (self.address_string(), fmt % args))

    def send_json(self, code, body, extra=None):
        data = body if isinstance(body, bytes) else dumps(body)
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Cache-Control', 'no-cache, private')
        self.send_header('Audit-Id', self.audit)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def send_text(self, code, text, ctype='text/plain; charset=utf-8'):
        data = text.encode() if isinstance(text, str) else text
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, err):
        extra = {'Www-Authenticate': 'Basic realm="kubernetes-master"'} if err.code == 401 else None
        self.send_json(err.code, err.status(), extra)

    def client_gone(self):
        """True when the peer has closed its end of the connection."""
        sock = self.connection
        try:
            r, _, _ = select.select([sock], [], [], 0)
            if not r and not sock.pending():
                return False
            sock.settimeout(0)
            try:
                return sock.recv(1) == b''
            except (ssl.SSLWantReadError, BlockingIOError):
                return False
            finally:
                sock.settimeout(30)
        except (OSError, ValueError):
            return True

    def authorized(self):
        cert = self.connection.getpeercert() if hasattr(self.connection, 'getpeercert') else None
        if cert:
            return True
        auth = self.headers.get('Authorization', '')
        token = self.sim.token()
        if auth.startswith('Bearer ') and token:
            return hmac.compare_digest(auth[7:].strip().encode(), token.encode())
        return False

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_PATCH(self):
        self.dispatch()

    def dispatch(self):
        self.audit = '%08x-%04x-4%03x-a%03x-%012x' % (
            random.getrandbits(32), random.getrandbits(16), random.getrandbits(12),
            random.getrandbits(12), random.getrandbits(48))
        u = urlsplit(self.path)
        self.q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        path = u.path.rstrip('/') or '/'
        try:
            if path in ('/ping', '/cacerts'):   # k3s supervisor, no auth
                return self.public(path)
            if not self.authorized():
                raise ApiError(401, 'Unauthorized')
            if not path.startswith('/lab/'):
                self.apply_faults()
            self.route(path)
        except ApiError as err:
            self.fail(err)
        except SelectorError as err:
            self.fail(ApiError(400, str(err)))
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def apply_faults(self):
        if self.sim.faults.apply():
            raise ApiError(503, 'the server is currently unable to handle the request (lab fault '
                           'injection: flaky %g%%)' % self.sim.faults.current()[1])

    def public(self, path):
        if path == '/ping':
            return self.send_text(200, 'pong')
        with open(os.path.join(self.sim.dir, 'ca.crt'), 'rb') as f:
            return self.send_text(200, f.read(), 'text/plain')

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(n) if n else b''
        if not raw:
            raise ApiError(400, 'the request body is empty')
        try:
            return json.loads(raw)
        except ValueError as exc:
            try:
                import yaml
                return yaml.safe_load(raw)
            except Exception:
                raise ApiError(400, "couldn't get version/kind; json parse error: %s" % exc)

    # -- routing -----------------------------------------------------------------

    def route(self, path):
        p = path.split('/')[1:]
        m = self.command
        static = self.static_doc(path)
        if static is not None:
            if m != 'GET':
                raise ApiError(405, 'the server does not allow this method on the requested resource')
            return self.send_json(200, static)
        if path.startswith('/lab/v1/seed'):
            return self.admin_seed()
        if p[:2] == ['api', 'v1'] and len(p) >= 3:
            return self.core(p[2:])
        if path.startswith(SPARK + '/'):
            return self.spark(p[3:])
        raise ApiError(404, 'the server could not find the requested resource')

    def static_doc(self, path):
        docs = {'/version': discovery.version, '/api': lambda: discovery.api_versions(
            '%s:%d' % self.server.server_address[:2]), '/apis': discovery.api_groups,
                '/api/v1': discovery.core_resources,
                '/apis/' + discovery.GROUP: discovery.api_group,
                SPARK: discovery.spark_resources, '/openapi/v3': discovery.openapi_root,
                '/openapi/v3' + SPARK: lambda: discovery.openapi_spark(self.sim.app_schema)}
        if path in ('/healthz', '/livez', '/readyz'):
            return b'ok'
        f = docs.get(path)
        return f() if f else None

    def core(self, p):
        """/api/v1/... after the version."""
        if p[0] == 'namespaces' and len(p) >= 3:
            ns, rest = p[1], p[2:]
            if rest[0] not in ('pods', 'events', 'services'):
                raise ApiError(404, 'the server could not find the requested resource')
            if len(rest) == 1:
                return self.collection(rest[0], ns)
            if rest[0] == 'pods' and len(rest) == 3 and rest[2] == 'log':
                return self.pod_log(ns, rest[1])
            if rest[0] == 'services' and len(rest) >= 3 and rest[2] == 'proxy':
                return self.service_proxy(ns, rest[1], '/'.join(rest[3:]))
            if len(rest) == 2:
                return self.item(rest[0], ns, rest[1])
            raise ApiError(404, 'the server could not find the requested resource')
        rname = p[0]
        if rname not in ('namespaces', 'nodes', 'pods', 'events', 'services'):
            raise ApiError(404, 'the server could not find the requested resource')
        if len(p) == 1:
            return self.collection(rname, None)
        if len(p) == 2 and rname in ('namespaces', 'nodes'):
            return self.item(rname, None, p[1])
        raise ApiError(404, 'the server could not find the requested resource')

    def spark(self, p):
        """/apis/sparkoperator.k8s.io/v1beta2/... after the version."""
        rname = 'sparkapplications'
        if p == [rname]:
            return self.collection(rname, None)
        if len(p) >= 3 and p[0] == 'namespaces' and p[2] == rname:
            if len(p) == 3:
                return self.collection(rname, p[1])
            if len(p) == 4 or (len(p) == 5 and p[4] == 'status'):
                return self.item(rname, p[1], p[3])
        raise ApiError(404, 'the server could not find the requested resource')

    # -- collections and items -----------------------------------------------------

    def selectors(self, rname):
        label = labelsel.parse_label_selector(self.q.get('labelSelector'))
        names = FIELDS.get(rname, labelsel.COMMON_FIELDS)
        getters = labelsel.field_getters(names)
        if rname == 'events':
            getters['source'] = getters.get('source.component') or \
                labelsel.field_getters(['source.component'])['source.component']
        field = labelsel.parse_field_selector(self.q.get('fieldSelector'), getters, rname)
        return label, field

    def as_table(self):
        return 'as=Table' in self.headers.get('Accept', '') and rname_has_table(self.rname)

    def collection(self, rname, ns):
        self.rname = rname
        if ns and self.sim.store.find('namespaces', None, ns) is None and self.command == 'POST':
            raise ApiError(404, 'namespaces "%s" not found' % ns,
                           details={'name': ns, 'kind': 'namespaces'})
        if self.command == 'POST':
            if rname != 'sparkapplications':
                raise ApiError(405, 'the server does not allow this method on the requested resource')
            return self.create_app(ns)
        if self.command != 'GET':
            raise ApiError(405, 'the server does not allow this method on the requested resource')
        label, field = self.selectors(rname)
        if self.q.get('watch') in ('1', 'true', 'True'):
            return self.watch(rname, ns, label, field)
        try:
            limit = int(self.q.get('limit') or 0)
        except ValueError:
            raise ApiError(400, 'invalid limit: %s' % self.q.get('limit'))
        items, rv, token, remaining = self.sim.store.list(rname, ns, label, field, max(limit, 0),
                                                          self.q.get('continue') or None)
        meta = {'resourceVersion': str(rv)}
        if token:
            meta['continue'] = token
            if remaining is not None:
                meta['remainingItemCount'] = remaining
        if self.as_table():
            objs = [o for _, o in items]
            return self.send_json(200, tables.table(rname, objs, meta,
                                                    self.q.get('includeObject', 'Metadata')))
        res = self.sim.store.res[rname]
        raws = [self.sim.store.raw(res, k, o) for k, o in items]
        head = dumps({'kind': res.kind + 'List', 'apiVersion': res.api_version, 'metadata': meta})
        self.send_json(200, head[:-1] + b',"items":[' + b','.join(raws) + b']}')

    def item(self, rname, ns, name):
        self.rname = rname
        store = self.sim.store
        if self.command == 'GET':
            obj = store.get(rname, ns, name)
            if self.as_table():
                return self.send_json(200, tables.table(rname, [obj], {
                    'resourceVersion': obj['metadata']['resourceVersion']},
                    self.q.get('includeObject', 'Metadata')))
            return self.send_json(200, obj)
        if self.command == 'DELETE' and rname in ('pods', 'sparkapplications'):
            store.get(rname, ns, name)   # 404 when absent
            if rname == 'pods':
                grace = self.grace()
                obj = self.sim.spark.delete_pod(ns, name, grace=2 if grace is None else grace)
                return self.send_json(200, obj)
            obj = store.delete(rname, ns, name)
            self.sim.spark.app_deleted(obj)
            return self.send_json(200, {
                'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Success',
                'details': {'name': name, 'group': discovery.GROUP, 'kind': rname,
                            'uid': obj['metadata']['uid']}})
        raise ApiError(405, 'the server does not allow this method on the requested resource')

    def grace(self):
        g = self.q.get('gracePeriodSeconds')
        n = int(self.headers.get('Content-Length') or 0)
        if g is None and n:
            try:
                g = json.loads(self.rfile.read(n) or b'{}').get('gracePeriodSeconds')
            except ValueError:
                g = None
        return None if g is None else min(int(g), 2)

    def create_app(self, ns):
        obj = self.body()
        if not isinstance(obj, dict):
            raise ApiError(400, 'the request body is not an object')
        self.sim.validate_app(obj, ns)
        md = obj.setdefault('metadata', {})
        md['namespace'] = ns
        if not md.get('name') and md.get('generateName'):
            md['name'] = md['generateName'] + ''.join(
                random.choice('bcdfghjklmnpqrstvwxz2456789') for _ in range(5))
        obj.pop('status', None)
        md['generation'] = 1
        for k in ('uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'):
            md.pop(k, None)
        if self.q.get('dryRun') == 'All':
            return self.send_json(201, obj)
        obj = self.sim.store.create('sparkapplications', obj)
        self.sim.spark.app_created(obj)
        self.send_json(201, obj)

    def admin_seed(self):
        if self.command != 'POST':
            raise ApiError(405, 'POST {"pods": N, "namespace": "bench"}')
        req = self.body()
        try:
            n = int(req.get('pods', 0))
        except (TypeError, ValueError):
            raise ApiError(400, 'pods must be an integer')
        ns = str(req.get('namespace') or 'bench')
        if n < 0 or n > 200000:
            raise ApiError(422, 'pods must be between 0 and 200000')
        t = time.time()
        names = self.sim.seed(n, ns)
        self.send_json(200, {'created': len(names), 'namespace': ns,
                             'seconds': round(time.time() - t, 3),
                             'resourceVersion': str(self.sim.store.rv)})


def rname_has_table(rname):
    return rname in tables.TABLES
