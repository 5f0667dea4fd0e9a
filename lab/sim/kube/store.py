"""The simulator's object store: an etcd + watch cache in miniature.

Every write bumps one global resourceVersion (as etcd's revision does), sets
metadata.resourceVersion on the object, and appends an event to a bounded
history.  Watches replay history after a resourceVersion and then wait on a
condition variable; a resourceVersion older than the history answers 410
Expired, as the real watch cache does.

Objects are treated as immutable once stored: writers call update() with a
function that edits a deep copy, so watch history keeps the old snapshots.
"""

import base64
import bisect
import copy
import json
import threading
import time
import uuid

from labelsel import SelectorError


def now_iso(t=None):
    """RFC 3339 timestamp with second precision, as metav1.Time serializes."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() if t is None else t))


def dumps(obj):
    """Compact JSON bytes (the API server's encoding)."""
    return json.dumps(obj, separators=(',', ':')).encode()


class ApiError(Exception):
    """An error answered as a metav1 Status object."""

    REASONS = {400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound',
               405: 'MethodNotAllowed', 406: 'NotAcceptable', 409: 'AlreadyExists',
               410: 'Expired', 415: 'UnsupportedMediaType', 422: 'Invalid',
               500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout'}

    def __init__(self, code, message, reason=None, details=None):
        super().__init__(message)
        self.code, self.message = code, message
        self.reason = reason or self.REASONS.get(code, 'Unknown')
        self.details = details

    def status(self):
        st = {'kind': 'Status', 'apiVersion': 'v1', 'metadata': {}, 'status': 'Failure',
              'message': self.message, 'reason': self.reason, 'code': self.code}
        if self.details:
            st['details'] = self.details
        return st


class Resource:
    """One resource type (pods, events, ...) and its objects."""

    def __init__(self, name, kind, api_version, namespaced, fields, group=''):
        self.name, self.kind, self.api_version = name, kind, api_version
        self.namespaced, self.fields, self.group = namespaced, fields, group
        self.objs = {}          # "ns/name" -> object dict
        self.raw = {}           # "ns/name" -> cached JSON bytes
        self._keys = None       # sorted keys, rebuilt lazily after add/remove

    def keys(self):
        if self._keys is None:
            self._keys = sorted(self.objs)
        return self._keys


def okey(ns, name):
    return '%s/%s' % (ns or '', name)


class Store:
    """All resources, the global resourceVersion and the event history."""

    def __init__(self, history=10000):
        self.cond = threading.Condition(threading.RLock())
        # Start from the clock (tenths of seconds since Nov 2023) so that after a
        # restart a client's old resourceVersion is either older than the new
        # history (410 Expired) or newer than anything served (Too large):
        # both make it list again instead of silently missing events.
        self.rv = (int(time.time()) - 1700000000) * 10
        self.floor = 0          # watches from rv >= floor can be served
        self.hist = []          # (rv, resource name, type, obj)
        self.hist_max = history
        self.res = {}

    def add_resource(self, res):
        self.res[res.name] = res
        return res

    # -- writes ------------------------------------------------------------

    def _commit(self, res, etype, obj, old=None):
        """Bump the rv, stamp obj, record the event. Caller holds the lock.

        History entries are (rv, resource name, type, object, previous object):
        watches with selectors need the previous state to turn a MODIFIED
        into ADDED or DELETED when an object enters or leaves the selection."""
        self.rv += 1
        obj['metadata']['resourceVersion'] = str(self.rv)
        key = okey(obj['metadata'].get('namespace'), obj['metadata']['name'])
        res.raw.pop(key, None)
        self.hist.append((self.rv, res.name, etype, obj, old))
        if len(self.hist) > 2 * self.hist_max:
            drop = len(self.hist) - self.hist_max
            self.floor = self.hist[drop - 1][0]
            del self.hist[:drop]
        self.cond.notify_all()

    def create(self, rname, obj):
        """Store a new object (filling uid/creationTimestamp); 409 if it exists."""
        res = self.res[rname]
        md = obj.setdefault('metadata', {})
        key = okey(md.get('namespace'), md['name'])
        with self.cond:
            if key in res.objs:
                raise ApiError(409, '%s "%s" already exists' % (self._gr(res), md['name']),
                               details={'name': md['name'], 'group': res.group,
                                        'kind': res.name})
            md.setdefault('uid', str(uuid.uuid4()))
            md.setdefault('creationTimestamp', now_iso())
            obj.setdefault('kind', res.kind)
            obj.setdefault('apiVersion', res.api_version)
            res.objs[key] = obj
            res._keys = None
            self._commit(res, 'ADDED', obj)
            return obj

    def update(self, rname, ns, name, fn):
        """Apply fn to a deep copy of the object and store it (MODIFIED).

        fn may return False to skip the write.  Returns the stored object or
        None when the object does not exist."""
        res = self.res[rname]
        key = okey(ns, name)
        with self.cond:
            old = res.objs.get(key)
            if old is None:
                return None
            new = copy.deepcopy(old)
            if fn(new) is False:
                return old
            res.objs[key] = new
            self._commit(res, 'MODIFIED', new, old)
            return new

    def delete(self, rname, ns, name):
        """Remove the object now (DELETED).  Returns it, or None if absent."""
        res = self.res[rname]
        key = okey(ns, name)
        with self.cond:
            old = res.objs.pop(key, None)
            if old is None:
                return None
            res.raw.pop(key, None)
            res._keys = None
            final = copy.deepcopy(old)
            self._commit(res, 'DELETED', final)
            return final

    def mark_floor(self):
        """Forget history so far (a fresh watch cache after a restart)."""
        with self.cond:
            self.floor = self.rv
            self.hist = []

    @staticmethod
    def _gr(res):
        return res.name + ('.' + res.group if res.group else '')

    # -- reads -------------------------------------------------------------

    def get(self, rname, ns, name):
        res = self.res[rname]
        with self.cond:
            obj = res.objs.get(okey(ns, name))
        if obj is None:
            raise ApiError(404, '%s "%s" not found' % (self._gr(res), name),
                           details={'name': name, 'group': res.group, 'kind': res.name})
        return obj

    def find(self, rname, ns, name):
        with self.cond:
            return self.res[rname].objs.get(okey(ns, name))

    def raw(self, res, key, obj):
        """Cached JSON bytes of a stored object."""
        data = res.raw.get(key)
        if data is None:
            data = dumps(obj)
            res.raw[key] = data
        return data

    def select(self, rname, ns=None, label=None, field=None):
        """All matching objects (no paging), in key order."""
        res = self.res[rname]
        with self.cond:
            out = []
            for key in res.keys():
                obj = res.objs[key]
                if matches(obj, ns, label, field):
                    out.append(obj)
            return out

    def list(self, rname, ns=None, label=None, field=None, limit=0, cont=None):
        """One page: (list of (key, obj), list rv, continue token, remaining)."""
        res = self.res[rname]
        with self.cond:
            rv = self.rv
            keys = res.keys()
            start = 0
            if cont:
                rv, after = _decode_continue(cont)
                start = bisect.bisect_right(keys, after)
            if ns:
                # keys sort by "ns/": jump to the namespace's range.
                start = max(start, bisect.bisect_left(keys, ns + '/'))
            items, i, n = [], start, len(keys)
            while i < n:
                key = keys[i]
                if ns and not key.startswith(ns + '/'):
                    break
                obj = res.objs[key]
                i += 1
                if matches(obj, None, label, field):
                    items.append((key, obj))
                    if limit and len(items) >= limit:
                        break
            more = i < n and (not ns or keys[i].startswith(ns + '/'))
            token, remaining = None, None
            if limit and len(items) >= limit and more:
                token = _encode_continue(rv, items[-1][0])
                if not label and not field:
                    end = bisect.bisect_left(keys, ns + '0') if ns else n  # '0' follows '/'
                    remaining = end - i
            return items, rv, token, remaining

    def events_after(self, since):
        """History events with rv > since.  Caller holds the lock."""
        i = bisect.bisect_right(self.hist, since, key=lambda e: e[0])
        return self.hist[i:]


def matches(obj, ns, label, field):
    md = obj['metadata']
    if ns and md.get('namespace') != ns:
        return False
    if label and not label(md.get('labels') or {}):
        return False
    if field and not field(obj):
        return False
    return True


def _encode_continue(rv, key):
    tok = {'v': 'meta.k8s.io/v1', 'rv': rv, 'start': key + '\x00'}
    return base64.urlsafe_b64encode(json.dumps(tok).encode()).decode().rstrip('=')


def _decode_continue(token):
    try:
        pad = '=' * (-len(token) % 4)
        tok = json.loads(base64.urlsafe_b64decode(token + pad))
        if tok.get('v') != 'meta.k8s.io/v1':
            raise ValueError('unknown version')
        return int(tok['rv']), tok['start'].rstrip('\x00')
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(400, 'continue key is not valid: %s' % exc)


__all__ = ['Store', 'Resource', 'ApiError', 'SelectorError', 'now_iso', 'dumps', 'okey']
