#!/usr/bin/python3
"""Kubernetes API simulator for the platform-tui lab (k3s + Spark Operator).

Serve:
  kubesim.py --listen 127.0.1.2:6443 --dir DIR --token-file F --fault-file F
             [--seed-pods N] [--log FILE] [--history N] [--bookmark-seconds S]
  DIR holds ca.crt, server.crt/key (from setup.sh).  Clients authenticate with
  the bearer token in F or a client certificate signed by DIR/ca.crt.

Seed (the admin endpoint POST /lab/v1/seed):
  kubesim.py seed --kubeconfig FILE --pods N [--namespace bench]

Standard library only (python3-yaml and python3-jsonschema when present).
"""

import argparse
import base64
import json
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

import api          # noqa: E402
import labfault     # noqa: E402
import logs         # noqa: E402
import objects      # noqa: E402
import seed         # noqa: E402
import spark        # noqa: E402
from store import ApiError, Resource, Store   # noqa: E402
import labelsel     # noqa: E402

# The CRD with its schema: the copy in the repository's specs/.
CRD = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..',
                   'specs', 'spark-operator',
                   'sparkoperator.k8s.io_sparkapplications-v2.5.2.yaml')


REQUIRED_SPEC = ('driver', 'executor', 'mainApplicationFile', 'sparkVersion', 'type')


class Sim:
    """Everything one simulator instance holds."""

    def __init__(self, args):
        self.dir, self.token_file = args.dir, args.token_file
        self.faults = labfault.Faults(args.fault_file)
        self.bookmark_seconds = args.bookmark_seconds
        self.logfile = open(args.log, 'a', buffering=1) if args.log else None
        self._token = (None, None)
        self.store = Store(history=args.history)
        for r in (Resource('namespaces', 'Namespace', 'v1', False, None),
                  Resource('nodes', 'Node', 'v1', False, None),
                  Resource('pods', 'Pod', 'v1', True, None),
                  Resource('events', 'Event', 'v1', True, None),
                  Resource('services', 'Service', 'v1', True, None),
                  Resource('sparkapplications', 'SparkApplication',
                           'sparkoperator.k8s.io/v1beta2', True, None, 'sparkoperator.k8s.io')):
            self.store.add_resource(r)
        self.logs = logs.LogBook()
        self.ips = objects.IPAllocator()
        self.spark = spark.SparkController(self.store, self.logs, self.ips)
        self.crash = seed.initial_state(self.store, self.logs, self.ips)
        if args.seed_pods:
            seed.seed_pods(self.store, self.ips, args.seed_pods)
        self.store.mark_floor()
        self.app_schema, self.app_validator = load_crd(args.crd)

    def log(self, msg):
        if self.logfile:
            self.logfile.write('%s %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%S'), msg))

    def token(self):
        """The bearer token, re-read when the file changes."""
        try:
            m = os.stat(self.token_file).st_mtime_ns
        except OSError:
            return None
        if self._token[0] != m:
            with open(self.token_file) as f:
                self._token = (m, f.read().strip())
        return self._token[1]

    def seed(self, n, ns):
        return seed.seed_pods(self.store, self.ips, n, ns)

    def controller_loop(self):
        while True:
            time.sleep(0.25)
            try:
                with self.store.cond:
                    self.spark.tick()
                    self.crash.tick(self.spark)
            except Exception as exc:   # keep the controller alive; log what broke
                self.log('controller error: %r' % exc)

    def validate_app(self, obj, ns):
        """Admission as the API server does it for the CRD: 400 / 422 Status."""
        if obj.get('apiVersion') != 'sparkoperator.k8s.io/v1beta2' or \
                obj.get('kind') != 'SparkApplication':
            raise ApiError(400, 'the API version in the data (%s) does not match the expected API '
                           'version (sparkoperator.k8s.io/v1beta2)' % obj.get('apiVersion'))
        md = obj.get('metadata') or {}
        if md.get('namespace') and md['namespace'] != ns:
            raise ApiError(400, 'the namespace of the provided object does not match the '
                           'namespace sent on the request')
        name = md.get('name') or md.get('generateName') or ''
        causes = []
        if not name:
            causes.append({'reason': 'FieldValueRequired', 'message': 'Required value: name or '
                           'generateName is required', 'field': 'metadata.name'})
        elif not labelsel._VALUE.match(name.rstrip('-')) or len(name) > 253 or name != name.lower():
            causes.append({'reason': 'FieldValueInvalid', 'field': 'metadata.name',
                           'message': 'Invalid value: "%s": a lowercase RFC 1123 subdomain must '
                           'consist of lower case alphanumeric characters, \'-\' or \'.\'' % name})
        if self.app_validator is None:
            spec = obj.get('spec') if isinstance(obj.get('spec'), dict) else {}
            causes += [{'reason': 'FieldValueRequired', 'message': 'Required value',
                        'field': 'spec.' + k} for k in REQUIRED_SPEC if k not in spec]
        else:
            for err in sorted(self.app_validator.iter_errors(obj), key=lambda e: list(e.path))[:10]:
                path = '.'.join(str(p) for p in err.path) or '<root>'
                required = err.validator == 'required'
                if required:
                    missing = err.message.split("'")[1] if "'" in err.message else ''
                    path = (path + '.' if path != '<root>' else '') + missing
                causes.append({'reason': 'FieldValueRequired' if required else 'FieldValueInvalid',
                               'message': 'Required value' if required else
                               'Invalid value: %s' % err.message, 'field': path})
        if causes:
            msg = '; '.join('%s: %s' % (c['field'], c['message']) for c in causes)
            raise ApiError(422, 'SparkApplication.sparkoperator.k8s.io "%s" is invalid: [%s]'
                           % (name, msg), details={'name': name, 'group': 'sparkoperator.k8s.io',
                                                  'kind': 'SparkApplication', 'causes': causes})


def load_crd(path):
    """(openAPIV3Schema, jsonschema validator for creates) of the CRD, or Nones.

    Without the CRD file (or python3-jsonschema) creates are checked only for
    the spec fields the CRD requires."""
    try:
        import yaml
        with open(path) as f:
            crd = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
        schema = crd['spec']['versions'][0]['schema']['openAPIV3Schema']
    except (ImportError, OSError):
        return None, None
    try:
        import jsonschema
    except ImportError:
        return schema, None
    create = dict(schema, properties=dict(schema['properties']))
    create['properties'].pop('status', None)   # status is a subresource: ignored on create
    return schema, jsonschema.Draft7Validator(create)


class Server(ThreadingHTTPServer):
    """Threaded server that logs failed TLS handshakes instead of printing tracebacks."""

    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            api.Handler.sim.log('%s: connection error: %s' % (client_address[0], exc))
            return
        super().handle_error(request, client_address)


def serve(args):
    sim = Sim(args)
    api.Handler.sim = sim
    host, port = args.listen.rsplit(':', 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(args.dir, 'server.crt'), os.path.join(args.dir, 'server.key'))
    ctx.load_verify_locations(os.path.join(args.dir, 'ca.crt'))
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(['http/1.1'])
    httpd = Server((host, int(port)), api.Handler)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=sim.controller_loop, daemon=True).start()
    sim.log('listening on https://%s:%s' % (host, port))
    try:
        httpd.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass


def kubeconfig_client(path):
    """(server URL, ssl context, headers) from a kubeconfig (k3s layout)."""
    import yaml
    with open(path) as f:
        cfg = yaml.safe_load(f)
    cluster = cfg['clusters'][0]['cluster']
    user = cfg['users'][0]['user']
    ctx = ssl.create_default_context(cadata=base64.b64decode(
        cluster['certificate-authority-data']).decode())
    headers = {'Content-Type': 'application/json'}
    if user.get('token'):
        headers['Authorization'] = 'Bearer ' + user['token']
    else:
        tmp = tempfile.mkdtemp()
        try:
            for k, fn in (('client-certificate-data', 'c.crt'), ('client-key-data', 'c.key')):
                with open(os.path.join(tmp, fn), 'wb') as f:
                    f.write(base64.b64decode(user[k]))
            ctx.load_cert_chain(os.path.join(tmp, 'c.crt'), os.path.join(tmp, 'c.key'))
        finally:
            for fn in ('c.crt', 'c.key'):
                if os.path.exists(os.path.join(tmp, fn)):
                    os.unlink(os.path.join(tmp, fn))
            os.rmdir(tmp)
    return cluster['server'], ctx, headers


def seed_cli(args):
    server, ctx, headers = kubeconfig_client(args.kubeconfig)
    body = json.dumps({'pods': args.pods, 'namespace': args.namespace}).encode()
    req = urllib.request.Request(server + '/lab/v1/seed', body, headers, method='POST')
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=120) as r:
            res = json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit('seed failed: HTTP %d %s' % (e.code, e.read().decode(errors='replace')))
    print('seeded %d pods in namespace %s (%.2f s)' % (res['created'], res['namespace'],
                                                        res['seconds']))


def main(argv):
    if argv[:1] == ['seed']:
        p = argparse.ArgumentParser(prog='kubesim.py seed')
        p.add_argument('--kubeconfig', required=True)
        p.add_argument('--pods', type=int, required=True)
        p.add_argument('--namespace', default='bench')
        return seed_cli(p.parse_args(argv[1:]))
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--listen', default='127.0.1.2:6443')
    p.add_argument('--dir', required=True)
    p.add_argument('--token-file', required=True)
    p.add_argument('--fault-file')
    p.add_argument('--seed-pods', type=int, default=0)
    p.add_argument('--log')
    p.add_argument('--history', type=int, default=10000,
                   help='watch events kept for resuming watches (older: 410 Expired)')
    p.add_argument('--bookmark-seconds', type=float, default=10.0)
    p.add_argument('--crd', default=os.environ.get('KUBESIM_CRD', CRD))
    serve(p.parse_args(argv))


if __name__ == '__main__':
    main(sys.argv[1:])
