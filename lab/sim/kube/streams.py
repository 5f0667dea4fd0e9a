"""Streaming endpoints: watches, pod logs, and the Spark UI service proxy.

A mixin for api.Handler.  Watches and `follow` logs answer with chunked
transfer encoding, one JSON object (or log line batch) per chunk.
"""

import json
import time

import logs as L
import tables
from store import ApiError, dumps, matches


class Streams:

    def start_chunked(self, ctype):
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        self.send_header('Cache-Control', 'no-cache, private')
        self.send_header('Audit-Id', self.audit)
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()

    def chunk(self, data):
        self.wfile.write(b'%x\r\n%s\r\n' % (len(data), data))
        self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b'0\r\n\r\n')
        self.wfile.flush()

    # -- watch -------------------------------------------------------------------

    def watch_line(self, rname, etype, obj):
        if self.table:
            obj = tables.table(rname, [obj], {'resourceVersion': obj['metadata']['resourceVersion']},
                               self.q.get('includeObject', 'Metadata'),
                               with_columns=not self.sent_columns)
            self.sent_columns = True
        return dumps({'type': etype, 'object': obj}) + b'\n'

    def watch(self, rname, ns, label, field):
        """Stream events for rname from the request's resourceVersion."""
        store, q = self.sim.store, self.q
        try:
            timeout = float(q.get('timeoutSeconds') or 1800)
        except ValueError:
            raise ApiError(400, 'invalid timeoutSeconds')
        bookmarks = q.get('allowWatchBookmarks') in ('true', '1')
        rv = q.get('resourceVersion', '')
        self.table, self.sent_columns = self.as_table(), False
        initial = []
        with store.cond:
            if rv in ('', '0') or q.get('sendInitialEvents') == 'true':
                initial = store.select(rname, ns, label, field)
                since = store.rv
            else:
                try:
                    since = int(rv)
                except ValueError:
                    raise ApiError(400, 'invalid resource version: %s' % rv)
            if since > store.rv:   # the watch cache waits up to 3 s for it
                store.cond.wait_for(lambda: store.rv >= since, 3.0)
            expired, too_large = since < store.floor, since > store.rv
            floor, current = store.floor, store.rv
        self.start_chunked('application/json')
        if expired:
            return self.watch_expired(since, floor)
        if too_large:
            err = ApiError(504, 'Too large resource version: %d, current: %d' % (since, current),
                           reason='Timeout', details={'causes': [{
                               'reason': 'ResourceVersionTooLarge',
                               'message': 'Too large resource version'}], 'retryAfterSeconds': 1})
            self.chunk(dumps({'type': 'ERROR', 'object': err.status()}) + b'\n')
            return self.end_chunked()
        for obj in initial:
            self.chunk(self.watch_line(rname, 'ADDED', obj))
        if q.get('sendInitialEvents') == 'true' and bookmarks:
            self.bookmark(rname, since, initial_end=True)
        self.watch_loop(rname, ns, label, field, since, time.time() + timeout, bookmarks)

    def watch_expired(self, since, floor):
        err = ApiError(410, 'too old resource version: %d (%d)' % (since, floor + 1))
        self.chunk(dumps({'type': 'ERROR', 'object': err.status()}) + b'\n')
        self.end_chunked()

    def watch_loop(self, rname, ns, label, field, since, deadline, bookmarks):
        store = self.sim.store
        every = self.sim.bookmark_seconds
        last_mark = time.time()
        while True:
            now = time.time()
            if now >= deadline:
                break
            with store.cond:
                evs = store.events_after(since)
                if not evs:
                    store.cond.wait(min(deadline - now, 1.0))
                    evs = store.events_after(since)
                if since < store.floor:
                    return self.watch_expired(since, store.floor)
            out = []
            for rv, rn, etype, obj, old in evs:
                since = rv
                if rn != rname:
                    continue
                etype = self.transition(etype, obj, old, ns, label, field)
                if etype:
                    out.append(self.watch_line(rname, etype, obj))
            if out:
                self.chunk(b''.join(out))
            elif self.client_gone():
                return
            if bookmarks and time.time() - last_mark >= every:
                self.bookmark(rname, store.rv if not evs else since)
                last_mark = time.time()
        self.end_chunked()

    @staticmethod
    def transition(etype, obj, old, ns, label, field):
        """The event a selective watcher sees (ADDED/DELETED when crossing the selection)."""
        now = matches(obj, ns, label, field)
        if etype != 'MODIFIED':
            return etype if now else None
        before = old is not None and matches(old, ns, label, field)
        if now and before:
            return 'MODIFIED'
        if now:
            return 'ADDED'
        return 'DELETED' if before else None

    def bookmark(self, rname, rv, initial_end=False):
        res = self.sim.store.res[rname]
        md = {'resourceVersion': str(rv)}
        if initial_end:
            md['annotations'] = {'k8s.io/initial-events-end': 'true'}
        self.chunk(dumps({'type': 'BOOKMARK', 'object': {
            'kind': res.kind, 'apiVersion': res.api_version, 'metadata': md}}) + b'\n')

    # -- logs ----------------------------------------------------------------------

    def log_container(self, pod):
        names = [c['name'] for c in pod['spec']['containers']]
        c = self.q.get('container')
        if not c:
            if len(names) != 1:
                raise ApiError(400, 'a container name must be specified for pod %s, choose one '
                               'of: [%s]' % (pod['metadata']['name'], ' '.join(names)))
            return names[0]
        if c not in names:
            raise ApiError(400, 'container %s is not valid for pod %s' % (c, pod['metadata']['name']))
        return c

    def log_params(self):
        q = self.q
        try:
            tail = int(q['tailLines']) if q.get('tailLines') not in (None, '') else None
            limit = int(q['limitBytes']) if q.get('limitBytes') not in (None, '') else None
            since = None
            if q.get('sinceSeconds'):
                since = time.time() - int(q['sinceSeconds'])
            elif q.get('sinceTime'):
                since = tables.parse_time(q['sinceTime'])
        except (ValueError, KeyError):
            raise ApiError(400, 'invalid log options')
        if tail is not None and tail < 0:
            tail = None
        if limit is not None and limit <= 0:
            raise ApiError(422, 'PodLogOptions "" is invalid: limitBytes: Invalid value: %d: must '
                           'be greater than 0' % limit)
        return tail, limit, since

    def pod_log(self, ns, name):
        if self.command != 'GET':
            raise ApiError(405, 'the server does not allow this method on the requested resource')
        pod = self.sim.store.get('pods', ns, name)
        cname = self.log_container(pod)
        tail, limit, since = self.log_params()
        book = self.sim.logs
        previous = self.q.get('previous') in ('true', '1')
        stamps = self.q.get('timestamps') in ('true', '1')
        if previous and not book.has_previous(ns, name, cname):
            raise ApiError(400, 'previous terminated container "%s" in pod "%s" not found'
                           % (cname, name))
        cs = [c for c in pod['status'].get('containerStatuses') or [] if c['name'] == cname]
        waiting = cs and cs[0]['state'].get('waiting', {}).get('reason')
        if not previous and not book.has(ns, name, cname):
            if waiting or not cs:
                raise ApiError(400, 'container "%s" in pod "%s" is waiting to start: %s'
                               % (cname, name, waiting or 'ContainerCreating'))
            book.append(ns, name, cname, 'started %s/%s' % (ns, name),
                        tables.parse_time(pod['metadata']['creationTimestamp']))
        lines, pos = book.snapshot(ns, name, cname, previous, tail, since)
        data = L.render(lines, stamps)
        follow = self.q.get('follow') in ('true', '1') and not previous
        if not follow:
            if limit is not None:
                data = data[:limit]
            return self.send_text(200, data)
        self.start_chunked('text/plain')
        sent = 0
        while True:
            if data:
                if limit is not None:
                    data = data[:max(limit - sent, 0)]
                if data:
                    self.chunk(data)
                    sent += len(data)
                if limit is not None and sent >= limit:
                    break
            new, pos, done = book.wait_more(ns, name, cname, pos, 1.0)
            if done:
                break
            data = L.render(new, stamps)
            if not data and self.client_gone():
                return
        self.end_chunked()

    # -- Spark UI through the service proxy ---------------------------------------------

    def service_proxy(self, ns, svc, rest):
        """A Spark UI REST stub at services/<app>-ui-svc:4040/proxy/api/v1/applications."""
        name = svc.split(':')[0]
        s = self.sim.store.get('services', ns, name)
        app_name = (s['metadata'].get('labels') or {}).get('sparkoperator.k8s.io/app-name')
        app = app_name and self.sim.store.find('sparkapplications', ns, app_name)
        if not app:
            raise ApiError(503, 'no endpoints available for service "%s"' % name,
                           reason='ServiceUnavailable')
        st = app.get('status') or {}
        if st.get('applicationState', {}).get('state') not in ('RUNNING', 'SUBMITTED'):
            raise ApiError(503, 'no endpoints available for service "%s"' % name,
                           reason='ServiceUnavailable')
        app_id = st.get('sparkApplicationId', '')
        info = [{'id': app_id, 'name': app_name, 'attempts': [{
            'startTime': st.get('lastSubmissionAttemptTime', '').replace('Z', '.000GMT'),
            'endTime': '1969-12-31T23:59:59.999GMT', 'duration': 0, 'sparkUser': 'spark',
            'completed': False, 'appSparkVersion': '3.5.3'}]}]
        parts = [p for p in rest.split('/') if p]
        if parts[:3] == ['api', 'v1', 'applications'] and len(parts) == 3:
            return self.send_json(200, info)
        if parts[:3] == ['api', 'v1', 'applications'] and len(parts) == 5:
            execs = [{'id': 'driver', 'isActive': True, 'totalCores': 0}] + [
                {'id': str(i + 1), 'isActive': True, 'totalCores': 1}
                for i, n in enumerate((st.get('executorState') or {}))]
            docs = {'jobs': [{'jobId': 0, 'name': 'reduce at SparkPi.scala:38',
                              'status': 'RUNNING', 'numTasks': 100}],
                    'stages': [{'stageId': 0, 'attemptId': 0, 'status': 'ACTIVE',
                                'name': 'reduce at SparkPi.scala:38', 'numTasks': 100}],
                    'executors': execs}
            if parts[4] in docs:
                return self.send_json(200, docs[parts[4]])
        self.send_text(404, json.dumps({'message': 'unknown path %s' % rest}))
