#!/usr/bin/env python3
"""A TCP listener that accepts every connection and never sends a byte.

usage: blackhole.py ADDR PORT

It stands in for a service that hangs: the TCP handshake completes, the
request is read and thrown away, and no answer ever comes, so a client can
only give up on its own timeout.  A connection the client closes is closed
here too, so the fds do not pile up.  Prints nothing; exits on SIGTERM or
SIGINT.  Python 3 standard library only.
"""

import selectors
import signal
import socket
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: blackhole.py ADDR PORT\n")
        return 2
    addr, port = sys.argv[1], int(sys.argv[2])

    def stop(_signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        lsock.bind((addr, port))
    except OSError as e:
        sys.stderr.write("blackhole.py: cannot listen on %s:%d: %s\n"
                         % (addr, port, e))
        return 1
    lsock.listen(512)
    lsock.setblocking(False)

    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    conn, _peer = lsock.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()


if __name__ == "__main__":
    sys.exit(main())
