"""The fault file both simulators read on every request (see lab/lib/fault.sh).

$PLATFORM_LAB_DIR/faults/SERVICE: absent = normal, `slow MS` = answer MS
milliseconds late, `flaky PCT` = fail PCT% of requests.  Read again only when
its mtime changes, so the check costs one stat per request.
"""

import os
import random
import time


class Faults:
    def __init__(self, path):
        self.path, self.mtime, self.rule = path, None, None

    def current(self):
        """The rule in force: ("slow", ms), ("flaky", pct) or None."""
        if not self.path:
            return None
        try:
            m = os.stat(self.path).st_mtime_ns
        except OSError:
            self.mtime, self.rule = None, None
            return None
        if m != self.mtime:
            self.mtime = m
            try:
                with open(self.path) as f:
                    words = f.read().split()
                self.rule = (words[0], float(words[1])) if len(words) >= 2 else None
            except (OSError, ValueError):
                self.rule = None
        return self.rule

    def apply(self):
        """Sleep for `slow`; True when `flaky` says this request fails."""
        rule = self.current()
        if not rule:
            return False
        if rule[0] == "slow":
            time.sleep(rule[1] / 1000.0)
        elif rule[0] == "flaky":
            return random.uniform(0, 100) < rule[1]
        return False
