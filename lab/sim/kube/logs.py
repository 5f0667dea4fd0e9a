"""Container logs as the kubelet keeps them: current and previous instance.

Lines are kept with their time so `timestamps=true`, `sinceSeconds`,
`tailLines` and `limitBytes` work; followers wait on a condition variable
for new lines until the container is marked done.
"""

import threading
import time


def rfc3339nano(t):
    """The kubelet's log timestamp: 2024-05-01T10:00:00.123456789Z."""
    frac = int((t % 1) * 1e9)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t)) + '.%09dZ' % frac


class ContainerLog:
    __slots__ = ('lines', 'previous', 'done')

    def __init__(self):
        self.lines = []         # (time, text)
        self.previous = None    # lines of the previous (restarted) instance
        self.done = False       # container terminated: followers stop


class LogBook:
    """Logs of every container, keyed by (namespace, pod, container)."""

    MAX_LINES = 20000

    def __init__(self):
        self.cond = threading.Condition()
        self.logs = {}

    def _get(self, key):
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = ContainerLog()
        return log

    def append(self, ns, pod, container, text, t=None):
        """Add one or more lines (text may contain newlines)."""
        t = time.time() if t is None else t
        with self.cond:
            log = self._get((ns, pod, container))
            for line in text.split('\n'):
                log.lines.append((t, line))
            if len(log.lines) > self.MAX_LINES:
                del log.lines[:len(log.lines) - self.MAX_LINES]
            self.cond.notify_all()

    def finish(self, ns, pod, container):
        with self.cond:
            self._get((ns, pod, container)).done = True
            self.cond.notify_all()

    def restart(self, ns, pod, container):
        """The container restarted: current lines become `previous`."""
        with self.cond:
            log = self._get((ns, pod, container))
            log.previous, log.lines, log.done = log.lines, [], False
            self.cond.notify_all()

    def remove_pod(self, ns, pod):
        with self.cond:
            for key in [k for k in self.logs if k[0] == ns and k[1] == pod]:
                self.logs[key].done = True
                del self.logs[key]
            self.cond.notify_all()

    def has(self, ns, pod, container):
        with self.cond:
            return (ns, pod, container) in self.logs

    def has_previous(self, ns, pod, container):
        with self.cond:
            log = self.logs.get((ns, pod, container))
            return bool(log and log.previous is not None)

    def snapshot(self, ns, pod, container, previous=False, tail=None, since=None):
        """(lines, position) for the request: position is where follow resumes."""
        with self.cond:
            log = self.logs.get((ns, pod, container))
            if log is None:
                return [], 0
            lines = log.previous if previous else log.lines
            lines = lines or []
            pos = len(lines)
            sel = lines
            if since is not None:
                sel = [l for l in sel if l[0] >= since]
            if tail is not None:
                sel = sel[-tail:] if tail > 0 else []
            return list(sel), pos

    def wait_more(self, ns, pod, container, pos, timeout=1.0):
        """New lines after pos: (lines, new pos, finished)."""
        with self.cond:
            log = self.logs.get((ns, pod, container))
            if log is None:
                return [], pos, True
            if len(log.lines) <= pos and not log.done:
                self.cond.wait(timeout)
                log = self.logs.get((ns, pod, container))
                if log is None:
                    return [], pos, True
            if pos > len(log.lines):   # restarted under us: start over
                pos = 0
            new = log.lines[pos:]
            return list(new), len(log.lines), log.done and not new


def render(lines, timestamps):
    """Bytes of the given (time, text) lines, each ending with a newline."""
    if timestamps:
        return ''.join('%s %s\n' % (rfc3339nano(t), s) for t, s in lines).encode()
    return ''.join(s + '\n' for _, s in lines).encode()
